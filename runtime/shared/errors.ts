/** How an error from the SDK (or the network under it) is named in the report. */

/**
 * A connection reset or a broken pipe: the SDK names these TimeoutError so that it retries them, but they are a blip
 * on a live endpoint (it closed the connection), not one that let its deadline pass, and they fail fast. The report
 * names them by this system code, so that its TimeoutError means only an endpoint that stayed silent (isDeadlineExpiry).
 */
const CONNECTION_RESET_CODES = new Set(["ECONNRESET", "EPIPE"]);

/** Whether the error is a connection reset or a broken pipe (whatever name the SDK gave it). */
export function isConnectionReset(err: unknown): boolean {
  return CONNECTION_RESET_CODES.has(errorCode(err));
}

const NETWORK_ADVICE = "check the region, AWS_ENDPOINT_URL and your connection";

/**
 * AWS's error code; for a network failure (a plain Error), its system code such as ECONNREFUSED; for a connection
 * reset or broken pipe, ECONNRESET or EPIPE whatever name the SDK gave it.
 */
export function errorCode(err: unknown): string {
  const { name, code } = (err ?? {}) as { name?: string; code?: string };
  if (code !== undefined && CONNECTION_RESET_CODES.has(code)) return code;
  return name && name !== "Error" ? name : code ?? name ?? "Error";
}

/**
 * The system codes of a call the network did not carry (the endpoint refused, reset or never answered; the name did
 * not resolve; no route): the ones a wrong region, a wrong AWS_ENDPOINT_URL or a broken connection give. File-system
 * codes (ENOSPC, EACCES, EROFS, ENOENT, …) are not among them: a journal on a full disk is no network failure.
 */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENETRESET",
  "EPROTO",
]);

/** Whether the error is a network failure: a deadline that passed, or one of NETWORK_CODES. */
export function isNetworkFailure(err: unknown): boolean {
  const code = errorCode(err);
  return code === "TimeoutError" || NETWORK_CODES.has(code);
}

/**
 * The error's message as the tool shows it: its first line (the SDK adds lines of advice to programmers, such as
 * "Deserialization error: to see the raw response, inspect the hidden field {error}.$response"), and for a network
 * failure what to check.
 */
export function errorMessage(err: unknown): string {
  const message = firstLine((err as { message?: string })?.message ?? String(err));
  if (isConnectionReset(err)) return `${message} (the connection was reset: a network failure; ${NETWORK_ADVICE})`;
  return isNetworkFailure(err) ? `${message} (a network failure: ${NETWORK_ADVICE})` : message;
}

/** A message's first non-blank line, trimmed: for an error shown on one line whose later lines are the SDK's advice to programmers. */
export function firstLine(message: string): string {
  return message.split(/\r?\n/).map((line) => line.trim()).find((line) => line !== "") ?? "";
}

/** The HTTP status of an SDK error's response, when it had one. */
export function httpStatusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/**
 * Marks a report error made from a server fault (isServerFault), for the run's rule on repositories failing in a row.
 * A symbol key, so the report's JSON does not show it.
 */
export const SERVER_FAULT: unique symbol = Symbol("server fault");

/**
 * Whether the error is the service's fault (HTTP 5xx: ECR's ServerException, a proxy's 502/503/504), or a report
 * error made from one. Throttling (400/429) and AccessDenied are the caller's (a client fault): not this.
 */
export function isServerFault(err: unknown): boolean {
  const { $fault, [SERVER_FAULT]: marked } = (err ?? {}) as { $fault?: string; [SERVER_FAULT]?: true };
  return marked === true || $fault === "server" || (httpStatusOf(err) ?? 0) >= 500;
}

/** The mark a report error made from `err` carries: `{ [SERVER_FAULT]: true }` for a server fault, else nothing. */
export function serverFaultMark(err: unknown): { [SERVER_FAULT]?: true } {
  return isServerFault(err) ? { [SERVER_FAULT]: true } : {};
}

/**
 * S3 refused a conditional write: its condition did not hold (412 PreconditionFailed: with `If-None-Match: *`, an
 * object is at the key already) or another write to the key was under way (409 ConditionalRequestConflict).
 */
export function conditionalWriteRefused(err: unknown): boolean {
  const code = errorCode(err);
  return code === "PreconditionFailed" || code === "ConditionalRequestConflict" || httpStatusOf(err) === 412 || httpStatusOf(err) === 409;
}
