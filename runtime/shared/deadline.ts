/**
 * The deadline of every network request the tool makes, AWS and Kubernetes alike, and the one place its numbers
 * live. A request that has not answered in full (connection to last byte) within ATTEMPT_DEADLINE_MS is abandoned
 * and fails with a TimeoutError naming the endpoint; the SDK then retries it like any other network failure.
 *
 * The SDK's own `requestTimeout` only warns unless `throwOnRequestTimeout` is set, and ends only the wait for the
 * response's headers, not a body that stalls or trickles; `socketTimeout` ends only a silence. Both are set as a
 * backstop, and the whole exchange is bounded here as well.
 *
 * The worst case of one AWS call, against an endpoint that never answers or one that throttles it:
 *   AWS_ATTEMPTS × ATTEMPT_DEADLINE_MS + 7 waits between attempts of at most MAX_RETRY_DELAY_MS each (retry.ts:
 *   throttling and retry-after headers included) = 8 × 15 s + 7 × 3 s = 141 s.
 * A Kubernetes request: KUBERNETES_ATTEMPTS × ATTEMPT_DEADLINE_MS + 3 waits of at most MAX_RETRY_DELAY_MS each (its
 *   backoff, or a Retry-After up to that cap: kubernetes.ts) = 4 × 15 s + 3 × 3 s = 69 s.
 * A run stops at the first read that fails, so its worst case is one such call after the calls that answered, and
 * two in a row (a failed read, then a final write such as the Lambda's lock release) still end within 5 minutes.
 * docs/cli.md ("Time limits") repeats these numbers; tests/deadline.test.ts checks they are what it says.
 */
import type { HttpHandler, HttpHandlerExtensionConfiguration } from "@smithy/core/protocols";
import type { HttpRequest, HttpResponse } from "@smithy/core/transport";
import type { HttpHandlerOptions, RequestHandlerOutput } from "@smithy/types";
import type { IncomingMessage } from "node:http";
import { answerCheckExtension } from "./answers";
import { endpointOf, operationOf } from "./endpoint";
import { boundedRetryExtension } from "./retry";
import { WrappedHandler } from "./wrappedHandler";
import { errorCode, isConnectionReset } from "./errors";

/** One request, from connecting to the last byte of the answer. */
export const ATTEMPT_DEADLINE_MS = 15_000;
/** Connecting alone (a TCP handshake that gets no answer at all). */
export const CONNECT_DEADLINE_MS = 5_000;
/** Attempts of one AWS call, the first included (AWS_MAX_ATTEMPTS overrides it, and the bound above with it). */
export const AWS_ATTEMPTS = 8;
/** Attempts of one Kubernetes request, the first included. */
export const KUBERNETES_ATTEMPTS = 4;

/**
 * Tests (and a user on a link they know to be fast) may shorten the deadline with this variable, in ms. It can
 * only shorten it: a value that is not a whole number from 1 to ATTEMPT_DEADLINE_MS is ignored.
 */
export const DEADLINE_ENV = "ECR_CLEANUP_REQUEST_DEADLINE_MS";

/** The deadline of one request now: ATTEMPT_DEADLINE_MS, or shorter when DEADLINE_ENV says so. */
export function attemptDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[DEADLINE_ENV];
  const ms = raw !== undefined && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  return Number.isInteger(ms) && ms >= 1 && ms <= ATTEMPT_DEADLINE_MS ? ms : ATTEMPT_DEADLINE_MS;
}

/** Attempts per AWS call: AWS_MAX_ATTEMPTS when it is a whole number above 0, else AWS_ATTEMPTS. */
export function awsAttempts(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number.parseInt(env.AWS_MAX_ATTEMPTS ?? "", 10);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : AWS_ATTEMPTS;
}


/** The name (and so the report's code) of a request abandoned at its deadline, the SDK's own timeouts included. */
export const DEADLINE_ERROR = "TimeoutError";

/** The error of a request abandoned at its deadline: retried by the SDK (a TimeoutError is transient). */
export function deadlineError(endpoint: string, ms: number, what = "request"): Error {
  return Object.assign(new Error(`${endpoint} did not answer the ${what} within ${ms} ms (connection to last byte); abandoned`), {
    name: DEADLINE_ERROR,
    code: "ETIMEDOUT",
  });
}

/**
 * Whether a connection reset (or broken pipe) that ended `silentMs` of waiting for an answer is the endpoint's stall
 * rather than a blip: at least half the deadline without an answer, then a reset, is what an idle-timeout middlebox
 * in front of an endpoint that does not answer does. Each call against it waits (nearly) as long as against a silent
 * endpoint, so it is named a deadline expiry, and a run starts no other repository; a reset that comes sooner stays
 * a reset (a flaky link: that repository's failure only).
 */
export function isStalledReset(err: unknown, silentMs: number, deadlineMs: number): boolean {
  return isConnectionReset(err) && 2 * silentMs >= deadlineMs;
}

/** The error of a request whose connection was reset after `silentMs` without an answer (isStalledReset). */
export function stalledResetError(endpoint: string, silentMs: number, what = "request"): Error {
  return Object.assign(new Error(`${endpoint} did not answer the ${what} for ${silentMs} ms, then reset the connection (stalled then reset); abandoned`), {
    name: DEADLINE_ERROR,
    code: "ETIMEDOUT",
  });
}

/**
 * Whether a call failed because its endpoint did not answer in time, after all its attempts: asking it again at once
 * would wait out the same deadlines (up to 141 s a call), so callers that try again in rounds stop instead, and a
 * run starts no other repository. It is what the report names DEADLINE_ERROR, and only that: a connection reset or a
 * broken pipe, which the SDK names TimeoutError too, is named by its system code (errorCode), unless it ended a
 * stall (isStalledReset). So this answers the same of a report's error (its code is errorCode of the failure) as of
 * the failure itself.
 */
export function isDeadlineExpiry(err: unknown): boolean {
  return errorCode(err) === DEADLINE_ERROR;
}


/**
 * Wraps the SDK's handler so that each request has one deadline for the whole exchange: before the headers, the
 * request is aborted; after them, the body is destroyed, so that the SDK's reading of it fails. Any network failure
 * is named with its endpoint, and a reset after a stall (isStalledReset) is named a deadline expiry.
 */
export class DeadlineHandler extends WrappedHandler {
  constructor(
    inner: HttpHandler,
    private readonly deadlineMs: number,
  ) {
    super(inner);
  }

  async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<RequestHandlerOutput<HttpResponse>> {
    const endpoint = endpointOf(request);
    const operation = operationOf(request);
    const what = operation ? `${operation} request` : "request";
    const expired = deadlineError(endpoint, this.deadlineMs, what);
    const started = Date.now();
    const abort = new AbortController();
    const caller = options.abortSignal as AbortSignal | undefined;
    const forward = () => abort.abort();
    if (caller?.aborted) abort.abort();
    else caller?.addEventListener?.("abort", forward, { once: true });
    let body: IncomingMessage | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (body) body.destroy(expired);
      else abort.abort();
    }, this.deadlineMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      caller?.removeEventListener?.("abort", forward);
    };
    try {
      const output = await this.inner.handle(request, { ...options, abortSignal: abort.signal });
      body = output.response.body as IncomingMessage | undefined;
      if (body && typeof body.once === "function" && !body.readableEnded && !body.destroyed) {
        body.once("close", done);
        body.once("end", done);
      } else {
        done();
      }
      return output;
    } catch (err) {
      done();
      if (timedOut) throw expired;
      const silentMs = Date.now() - started;
      if (isStalledReset(err, silentMs, this.deadlineMs)) throw stalledResetError(endpoint, silentMs, what);
      throw namedEndpoint(err, endpoint);
    }
  }
}

/** A network failure's message with the endpoint it happened at, unless it names it already. */
function namedEndpoint(err: unknown, endpoint: string): unknown {
  if (err instanceof Error && !err.message.includes(endpoint) && !("$metadata" in err)) {
    err.message = `${endpoint}: ${err.message}`;
  }
  return err;
}

/** A client extension: every client made with CLIENT_SETTINGS has its handler wrapped in a DeadlineHandler. */
export const deadlineExtension = {
  configure(config: HttpHandlerExtensionConfiguration): void {
    config.setHttpHandler(new DeadlineHandler(config.httpHandler(), attemptDeadlineMs()));
  },
};

/**
 * The settings every AWS client of the tool is made with (spread them, then add region or credentials): adaptive
 * retry, which makes throttling slow a run down instead of failing it, with its waits bounded (retry.ts), the
 * deadlines above, and the check that a JSON answer that says success is not an error (answers.ts).
 */
export const CLIENT_SETTINGS = {
  retryMode: "adaptive",
  // Read when a client is made (or the settings spread), not when this module loads.
  get maxAttempts(): number {
    return awsAttempts();
  },
  requestHandler: {
    connectionTimeout: CONNECT_DEADLINE_MS,
    requestTimeout: ATTEMPT_DEADLINE_MS,
    socketTimeout: ATTEMPT_DEADLINE_MS,
    throwOnRequestTimeout: true,
  },
  // The answer check wraps the deadline's handler, so reading an answer whole stays within the deadline.
  extensions: [deadlineExtension, answerCheckExtension, boundedRetryExtension],
};

/**
 * Resolving the credentials before the first call (the SDK's chain: a profile's credential_process, SSO or source
 * role, STS AssumeRoleWithWebIdentity, the container or instance role). A credential_process is a program the SDK
 * waits for with no limit of its own; two minutes leave room for one that asks for an MFA code.
 */
export const CREDENTIALS_DEADLINE_MS = 120_000;

/** The credentials' deadline now: shortened by DEADLINE_ENV in the same proportion as a request's. */
export function credentialsDeadlineMs(env: NodeJS.ProcessEnv = process.env): number {
  return Math.max(1, Math.round((CREDENTIALS_DEADLINE_MS * attemptDeadlineMs(env)) / ATTEMPT_DEADLINE_MS));
}

/**
 * Settles as `work` does, or rejects with `expired()` after `ms`. The work itself is not stopped (nothing can stop a
 * credential_process the SDK started): its answer is ignored.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number, expired: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(expired()), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
