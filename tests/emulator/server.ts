/**
 * An in-process HTTP emulator of Amazon ECR for the real AWS SDK. It speaks the JSON 1.1 protocol (POST /,
 * X-Amz-Target: <prefix>.<Operation>), ignores signatures but reads the region and access key from the credential
 * scope, and routes by a table keyed by target prefix, so that other JSON services (ECS) and REST-JSON routes
 * (Lambda) can be added later with registerJsonService / registerRestRoute.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Faults, type FaultKind, type OperationHook } from "./faults";
import { ECR_TARGET_PREFIX, ecrOperations } from "./operations";
import { AwsError, serializationError, type Json, type JsonOperation, type RequestContext } from "./protocol";
import { Registry } from "./registry";

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default region: the registry of unsigned requests and of `emulator.registry`. */
  region?: string;
  account?: string;
  /** Initial clock; replace it any time with `emulator.clock = ...`. */
  clock?: () => Date;
}

/** A REST-JSON route (Lambda-style: the operation is named by method and path). */
export interface RestRoute {
  operation: string;
  method: string;
  path: RegExp;
  /** `params` are the path's named groups. */
  handle(req: { params: Record<string, string>; query: URLSearchParams; body: Json }, ctx: RequestContext): unknown;
}

interface Resolved {
  operation: string;
  run: (body: Json, ctx: RequestContext) => unknown;
  contentType: string;
}

const JSON_11 = "application/x-amz-json-1.1";
// "Credential=AKID/20240101/us-east-1/ecr/aws4_request"
const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/;

export class EcrEmulator {
  readonly account: string;
  readonly region: string;
  readonly faults = new Faults();
  /** Access key ids whose BatchGetImage calls do not refresh lastRecordedPullTime (ECR pull-time update exclusions). */
  readonly pullTimeUpdateExclusions = new Set<string>();
  /** The emulator clock: push, pull and creation times. */
  clock: () => Date;
  endpoint = "";
  port = 0;

  private readonly registries = new Map<string, Registry>();
  private readonly jsonServices = new Map<string, Record<string, JsonOperation>>();
  private readonly restRoutes: RestRoute[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;

  constructor(options: EmulatorOptions = {}) {
    this.account = options.account ?? "123456789012";
    this.region = options.region ?? "us-east-1";
    this.clock = options.clock ?? (() => new Date());
    this.server = http.createServer((req, res) => void this.serve(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    this.registerJsonService(
      ECR_TARGET_PREFIX,
      ecrOperations({
        registryFor: (region) => this.registryFor(region),
        digestFailure: (repo, digest) => this.faults.digestFailure(repo, digest),
        pullTimeExcluded: (key) => key !== undefined && this.pullTimeUpdateExclusions.has(key),
      }),
    );
  }

  /** The default region's registry: seed and inspect state here. */
  get registry(): Registry {
    return this.registryFor(this.region);
  }

  /** Each region has its own registry, as in AWS; created empty on first use. */
  registryFor(region: string): Registry {
    let registry = this.registries.get(region);
    if (!registry) {
      registry = new Registry(this.account, region, () => this.clock());
      this.registries.set(region, registry);
    }
    return registry;
  }

  /** Adds (or extends) a JSON-protocol service, e.g. `AmazonEC2ContainerServiceV20141113` for ECS. */
  registerJsonService(targetPrefix: string, operations: Record<string, JsonOperation>): void {
    this.jsonServices.set(targetPrefix, { ...this.jsonServices.get(targetPrefix), ...operations });
  }

  registerRestRoute(route: RestRoute): void {
    this.restRoutes.push(route);
  }

  // ---- fault controls (see faults.ts), here for convenience ----

  get calls(): Record<string, number> {
    return this.faults.calls;
  }
  setLatency(opOrMs: string | number, ms?: number): void {
    if (typeof opOrMs === "number") this.faults.setLatency(opOrMs);
    else this.faults.setLatency(opOrMs, ms ?? 0);
  }
  throttle(op: string, callsPerSecond: number | null, burst?: number): void {
    this.faults.throttle(op, callsPerSecond, burst);
  }
  failNext(op: string, count: number, kind: FaultKind): void {
    this.faults.failNext(op, count, kind);
  }
  failDigests(repo: string, digests: readonly string[], failureCode: string, failureReason?: string): void {
    this.faults.failDigests(repo, digests, failureCode, failureReason);
  }
  beforeOperation(op: string, hook: OperationHook, opts?: { once?: boolean }): () => void {
    return this.faults.beforeOperation(op, hook, opts);
  }
  clearHooks(): void {
    this.faults.clearHooks();
  }
  /** Clears faults, hooks and counters (not the registries: `registry.clear()` does that). */
  reset(): void {
    this.faults.reset();
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.endpoint = `http://127.0.0.1:${this.port}`;
  }

  /** Closes the server and every open socket (the SDK keeps connections alive). */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body: string;
    try {
      body = await readBody(req);
    } catch {
      return;
    }
    const credential = CREDENTIAL.exec(String(req.headers.authorization ?? ""));
    const url = new URL(req.url ?? "/", "http://localhost");
    const resolved = this.resolve(req, url);
    if (!resolved) {
      const target = req.headers["x-amz-target"] ?? `${req.method} ${url.pathname}`;
      return send(res, JSON_11, new AwsError("UnknownOperationException", `Unknown operation ${String(target)}`));
    }
    const { operation } = resolved;
    const ctx: RequestContext = { operation, region: credential?.[2] ?? this.region, accessKeyId: credential?.[1] };
    let input: Json = {};
    try {
      input = parseBody(body);
      const delay = this.faults.latencyFor(operation);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const fault = this.faults.takeFault(operation);
      if (fault) {
        this.faults.record(operation, input, fault);
        return inject(fault, req, res, resolved.contentType);
      }
      await this.faults.runHooks({ operation, input, region: ctx.region });
      const output = await resolved.run(input, ctx);
      this.faults.record(operation, input, "ok");
      send(res, resolved.contentType, output ?? {});
    } catch (err) {
      const error = err instanceof AwsError ? err : internalError(err);
      this.faults.record(operation, input, error.code);
      send(res, resolved.contentType, error);
    }
  }

  private resolve(req: http.IncomingMessage, url: URL): Resolved | undefined {
    const target = req.headers["x-amz-target"];
    if (typeof target === "string") {
      const dot = target.lastIndexOf(".");
      const operation = target.slice(dot + 1);
      const run = this.jsonServices.get(target.slice(0, dot))?.[operation];
      return req.method === "POST" && run ? { operation, run, contentType: JSON_11 } : undefined;
    }
    for (const route of this.restRoutes) {
      const match = req.method === route.method ? route.path.exec(url.pathname) : null;
      if (match) {
        const params = match.groups ?? {};
        return {
          operation: route.operation,
          run: (body, ctx) => route.handle({ params, query: url.searchParams, body }, ctx),
          contentType: "application/json",
        };
      }
    }
    return undefined;
  }
}

export async function startEcrEmulator(options: EmulatorOptions = {}): Promise<EcrEmulator> {
  const emulator = new EcrEmulator(options);
  await emulator.listen(options.port ?? 0);
  return emulator;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseBody(body: string): Json {
  if (body.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw serializationError("Request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw serializationError("Request body is not a JSON object");
  return parsed as Json;
}

function internalError(err: unknown): AwsError {
  // An emulator bug: say so loudly, and answer as ECR answers a server-side failure.
  console.error("ecr emulator: unexpected error", err);
  return new AwsError("ServerException", `Emulator error: ${err instanceof Error ? err.message : String(err)}`, 500);
}

function inject(fault: FaultKind, req: http.IncomingMessage, res: http.ServerResponse, contentType: string): void {
  if (fault === "drop-connection") {
    req.socket.destroy();
  } else if (fault === "throttle") {
    // What AWS APIs return when a rate is exceeded; the SDK classifies ThrottlingException as throttling.
    send(res, contentType, new AwsError("ThrottlingException", "Rate exceeded"));
  } else {
    send(res, contentType, new AwsError("ServerException", "Injected server error", 500));
  }
}

function send(res: http.ServerResponse, contentType: string, payload: unknown): void {
  const error = payload instanceof AwsError ? payload : undefined;
  const text = JSON.stringify(error ? { __type: error.code, message: error.message } : payload);
  const headers: http.OutgoingHttpHeaders = {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(text, "utf8"),
    "x-amzn-RequestId": randomUUID(),
  };
  if (error) headers["x-amzn-ErrorType"] = error.code;
  res.writeHead(error ? error.status : 200, headers);
  res.end(text);
}
