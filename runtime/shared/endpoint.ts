/** How errors name a request: where it went and, where the protocol says, the operation it called. */
import type { HttpRequest } from "@smithy/core/transport";

/** `scheme://host:port` of a request: what an error about it names. */
export function endpointOf(request: Pick<HttpRequest, "protocol" | "hostname" | "port">): string {
  const port = request.port ? `:${request.port}` : "";
  return `${request.protocol.replace(/:?$/, ":")}//${request.hostname}${port}`;
}

/** The operation a request calls, when its protocol says (`X-Amz-Target` of the JSON protocols). */
export function operationOf(request: Pick<HttpRequest, "headers">): string | undefined {
  const target = request.headers["x-amz-target"] ?? request.headers["X-Amz-Target"];
  return target?.split(".").pop();
}
