/**
 * Answers that say success but cannot be used as one. The SDK's JSON protocols read any 2xx answer as the operation's
 * output: a body that is an error (`{"__type":"ServerException",…}`, Lambda's `{"Message":"Rate exceeded",
 * "Type":"User"}`), `null`, or `{}` becomes an output with no list in it, which a caller would take for "none". Two
 * checks stop that:
 *  - every client made with CLIENT_SETTINGS reads a JSON protocol's 2xx body before the SDK does, and fails one that
 *    is not a JSON object or carries an error's marks (AnswerCheckHandler). The failure is retried like a server
 *    error: a proxy or load balancer that answered for the service is most often right again on the next attempt.
 *  - every answer whose list decides what is kept must carry that list as an array (`listIn`): an empty body (which
 *    the SDK reads as `{}`, and which the protocols send only for an operation without output) fails there.
 */
import type { HttpHandlerExtensionConfiguration } from "@smithy/core/protocols";
import type { HttpRequest, HttpResponse } from "@smithy/core/transport";
import type { HttpHandlerOptions, RequestHandlerOutput } from "@smithy/types";
import { endpointOf, operationOf } from "./endpoint";
import { WrappedHandler } from "./wrappedHandler";

/** The name (and so the report's code) of an answer that cannot be used. */
export const UNTRUSTED_ANSWER = "UntrustedAnswer";

/** An answer that said success but cannot be used as one; retryable (`$retryable`) like a server error. */
export class UntrustedAnswerError extends Error {
  readonly $retryable = {};

  constructor(message: string) {
    super(message);
    this.name = UNTRUSTED_ANSWER;
  }
}

const isString = (value: unknown): value is string => typeof value === "string";

/**
 * What is wrong with a 2xx JSON body, or undefined when it may be an output: not JSON, not an object, or an object
 * with an error's marks (AWS JSON 1.0/1.1's `__type`; REST-JSON's `code`/`Code`/`Type` with a `message`/`Message`, or
 * a `message` alone, as its error bodies are). An empty body is left to the caller (`listIn`).
 */
export function errorShapeOf(text: string): string | undefined {
  if (text.trim() === "") return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `a body that is not JSON (${JSON.stringify(text.slice(0, 60))})`;
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return `a body that is not a JSON object (${text.trim().slice(0, 60)})`;
  const fields = body as Record<string, unknown>;
  const message = [fields.message, fields.Message].find(isString);
  const code = [fields.__type, fields.code, fields.Code, fields.Type].find(isString);
  if (isString(fields.__type) || (code !== undefined && message !== undefined)) return `an error body (${code}${message === undefined ? "" : `: ${message}`})`;
  const keys = Object.keys(fields);
  if (keys.length === 1 && message !== undefined) return `an error body (${message})`;
  return undefined;
}

/** The service a request is signed for (`…/us-east-1/lambda/aws4_request`), when it is signed. */
function signedService(request: HttpRequest): string | undefined {
  const authorization = request.headers.authorization ?? request.headers.Authorization ?? "";
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization)?.[1];
}

const header = (headers: Record<string, string>, name: string): string | undefined =>
  Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];

/**
 * Whether a request's 2xx answer is a JSON protocol's output: an AWS JSON 1.0/1.1 call (its content type), or a
 * REST-JSON answer (`application/json`) of any service but S3, whose GetObject answers with the object's own type.
 * XML and query protocols (S3, SNS, STS) and Smithy RPC v2 CBOR are never read here.
 */
export function isJsonOutput(request: HttpRequest, response: Pick<HttpResponse, "headers">): boolean {
  if (/^application\/x-amz-json-1\.[01]\b/i.test(header(request.headers, "content-type") ?? "")) return true;
  const type = header(response.headers, "content-type") ?? "";
  return /^application\/(x-amz-json-1\.[01]|json)\b/i.test(type) && signedService(request) !== "s3" && !request.path.endsWith("/invocations");
}

/** The operation a request calls: `X-Amz-Target`'s operation, else its method and path (REST-JSON). */
const callOf = (request: HttpRequest): string => operationOf(request) ?? `${request.method} ${request.path}`;

async function readAll(body: AsyncIterable<Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Reads each 2xx JSON answer whole (within the deadline of the handler it wraps) and fails one that is an error. */
export class AnswerCheckHandler extends WrappedHandler {
  async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<RequestHandlerOutput<HttpResponse>> {
    const output = await this.inner.handle(request, options);
    const { response } = output;
    if (response.statusCode < 200 || response.statusCode > 299 || !isJsonOutput(request, response) || !response.body) return output;
    const text = await readAll(response.body as AsyncIterable<Uint8Array>);
    const errorType = header(response.headers, "x-amzn-errortype");
    const wrong = errorType ? `an error type header (${errorType})` : errorShapeOf(text.toString("utf8"));
    if (wrong) {
      throw new UntrustedAnswerError(`${endpointOf(request)} answered ${callOf(request)} with HTTP ${response.statusCode} and ${wrong}: not used as an answer`);
    }
    response.body = text;
    return output;
  }
}

/**
 * `answer[field]` when it is an array; else an UntrustedAnswerError naming `what` (`ECS DescribeServices of cluster
 * prod`): an output without its list is not "none".
 */
export function listIn<T, K extends keyof T>(answer: T, field: K, what: string): NonNullable<T[K]> {
  const list = answer[field];
  if (!Array.isArray(list)) {
    const got = list === undefined ? "missing" : list === null ? "null" : `a ${typeof list}`;
    throw new UntrustedAnswerError(`${what}: the answer's ${String(field)} list is ${got}, so the answer cannot be used`);
  }
  return list as NonNullable<T[K]>;
}

/**
 * Nothing when the answer of a single-resource read names the resource asked about (`same(asked, answered)`, plain
 * equality unless the service documents other forms; with several asked, one of them); else an UntrustedAnswerError
 * naming `what`, the answer's `field` and both identifiers: an answer about another resource says nothing about the
 * asked one, and using it could miss what the asked one runs.
 */
export function answerAbout(
  what: string,
  field: string,
  asked: string | readonly string[],
  answered: string | undefined,
  same: (asked: string, answered: string) => boolean = (a, b) => a === b,
): void {
  const questions = typeof asked === "string" ? [asked] : asked;
  if (answered !== undefined && questions.some((question) => same(question, answered))) return;
  const shown = questions.length === 1 ? `${questions[0]} as asked` : `one of the ${questions.length} asked (${questions.slice(0, 3).join(", ")}${questions.length > 3 ? ", …" : ""})`;
  throw new UntrustedAnswerError(`${what}: the answer's ${field} is ${answered ?? "missing"}, not ${shown}: an answer about another resource cannot be used`);
}

/** Prefixes an UntrustedAnswerError with what was read (`ECS DescribeServices of cluster prod`); others pass as they are. */
export function named(err: unknown, what: string): unknown {
  if (err instanceof UntrustedAnswerError && !err.message.startsWith(what)) err.message = `${what}: ${err.message}`;
  return err;
}

/** `send`'s answer, with an UntrustedAnswerError from it named by `what`. */
export async function answerOf<T>(what: string, send: Promise<T>): Promise<T> {
  try {
    return await send;
  } catch (err) {
    throw named(err, what);
  }
}

/** A client extension: every client made with CLIENT_SETTINGS checks its JSON answers (AnswerCheckHandler). */
export const answerCheckExtension = {
  configure(config: HttpHandlerExtensionConfiguration): void {
    config.setHttpHandler(new AnswerCheckHandler(config.httpHandler()));
  },
};
