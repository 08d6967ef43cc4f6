/**
 * Diagnostics under Pulumi's mocks. `pulumi.log.info/warn/error(message, resource)` send a LogRequest to the engine;
 * under `setMocks` there is no engine (settings.getEngine() is undefined), so @pulumi/pulumi's log module falls
 * back to console.log / console.warn / console.error with an `info: [runtime] ` (`warning:`, `error:`) prefix and
 * drops the resource. To see which resource a diagnostic is on, the test replaces the log module's functions (the
 * same object as `pulumi.log`, whose properties are writable) for the duration of the test.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Diagnostic {
  severity: "info" | "warning" | "error";
  message: string;
  resource?: pulumi.Resource;
}

export interface DiagnosticsCapture {
  readonly all: Diagnostic[];
  /** The messages of one severity logged on this resource, in order. */
  on(resource: pulumi.Resource, severity: Diagnostic["severity"]): string[];
  restore(): void;
}

export function captureDiagnostics(): DiagnosticsCapture {
  const log = pulumi.log as { -readonly [K in keyof typeof pulumi.log]: (typeof pulumi.log)[K] };
  const original = { info: log.info, warn: log.warn, error: log.error };
  const all: Diagnostic[] = [];
  const recorder = (severity: Diagnostic["severity"]) => (message: string, resource?: pulumi.Resource) => {
    all.push({ severity, message, resource });
    return Promise.resolve();
  };
  log.info = recorder("info");
  log.warn = recorder("warning");
  log.error = recorder("error");
  return {
    all,
    on: (resource, severity) => all.filter((d) => d.resource === resource && d.severity === severity).map((d) => d.message),
    restore: () => Object.assign(log, original),
  };
}
