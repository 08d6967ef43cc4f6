/** How an error from the SDK (or the network under it) is named in the report. */

/**
 * A connection reset or a broken pipe: the SDK names these TimeoutError so that it retries them, but they are a blip
 * on a live endpoint (it closed the connection), not one that let its deadline pass, and they fail fast. The report
 * names them by this system code, so that its TimeoutError means only an endpoint that stayed silent (isDeadlineExpiry).
 */
const CONNECTION_RESET_CODES = new Set(["ECONNRESET", "EPIPE"]);

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

export function errorMessage(err: unknown): string {
  const message = (err as { message?: string })?.message ?? String(err);
  const code = errorCode(err);
  if (CONNECTION_RESET_CODES.has(code)) return `${message} (the connection was reset: a network failure; ${NETWORK_ADVICE})`;
  const network = /^E[A-Z]+$/.test(code) || code === "TimeoutError";
  return network ? `${message} (a network failure: ${NETWORK_ADVICE})` : message;
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
 * S3 refused a conditional write: its condition did not hold (412 PreconditionFailed: with `If-None-Match: *`, an
 * object is at the key already) or another write to the key was under way (409 ConditionalRequestConflict).
 */
export function conditionalWriteRefused(err: unknown): boolean {
  const code = errorCode(err);
  return code === "PreconditionFailed" || code === "ConditionalRequestConflict" || httpStatusOf(err) === 412 || httpStatusOf(err) === 409;
}
