/**
 * A small Kubernetes API client: the cluster-wide list calls the EKS source makes, nothing else. It speaks HTTPS
 * with node:https, verifies the server against the cluster's own certificate authority (never against nothing),
 * pages with `limit`/`continue`, gives every request a deadline, and retries throttling (429) and server errors
 * (5xx) with capped exponential backoff and jitter, honouring `Retry-After`. A `continue` token that expired
 * (410 Gone, reason Expired) restarts the list from the start: the list then is consistent, never a splice of two
 * snapshots. A full client (@kubernetes/client-node) does not fit the Lambda bundle's budget.
 */
import type { ClientRequest } from "node:http";
import * as https from "node:https";
import { attemptDeadlineMs, KUBERNETES_ATTEMPTS } from "../../shared/deadline";
import { PageTrail } from "../../shared/pages";
import { MAX_RETRY_DELAY_MS } from "../../shared/retry";
import { Slots } from "../../shared/pool";

export interface KubernetesCluster {
  /** What errors call it (`prod`, or `ACCOUNT/REGION prod`). */
  name: string;
  /** `https://…` as DescribeCluster gives it. */
  endpoint: string;
  /** The PEM certificate authority bundle the server's certificate must chain to. */
  certificateAuthority: string;
  /** A bearer token, fresh enough for the next request. */
  token: () => Promise<string>;
}

export interface KubernetesClientOptions {
  /** Items per page (`limit`). Defaults to 500, kubectl's chunk size. */
  pageSize?: number;
  /** Deadline of one request, connection to last byte, in ms. Defaults to the tool's request deadline (15 000). */
  requestTimeoutMs?: number;
  /** Attempts per request, the first included. Defaults to 4 (KUBERNETES_ATTEMPTS). */
  maxAttempts?: number;
  /** First backoff in ms (doubled each retry, with full jitter, at most maxBackoffMs). Defaults to 250. */
  baseBackoffMs?: number;
  /**
   * Longest backoff in ms, Retry-After included: an API server asking for 60 s would hold the whole read. Defaults to
   * 3 000 (MAX_RETRY_DELAY_MS, the AWS calls' cap too), so one request's worst case is what deadline.ts states.
   */
  maxBackoffMs?: number;
  /** Times a list starts again after its continue token expired. Defaults to 2. */
  listRestarts?: number;
  /**
   * Pages fetched and read at once, shared by every client of a read: a page of 500 large pods parses to tens of
   * MB, and 5 clusters × 4 lists in flight would not fit a 512 MB function. Defaults to 4 per client.
   */
  pages?: Slots;
  /**
   * Aborted when the read this client belongs to has failed elsewhere (another list, another cluster): the client
   * closes, its requests in flight end at once and nothing is retried or sent after it.
   */
  signal?: AbortSignal;
}

/** Pages in flight for a client not given shared slots. */
const PAGES_PER_CLIENT = 4;

const DEFAULTS: Required<Omit<KubernetesClientOptions, "pages" | "requestTimeoutMs" | "signal">> = {
  pageSize: 500,
  maxAttempts: KUBERNETES_ATTEMPTS,
  baseBackoffMs: 250,
  maxBackoffMs: MAX_RETRY_DELAY_MS,
  listRestarts: 2,
};

/** Kubernetes' Status object, what the API server answers a failed request with. */
export interface KubernetesStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

/** A request the API server refused, or that never got an answer (`status` undefined: network, TLS, timeout). */
export class KubernetesApiError extends Error {
  constructor(
    message: string,
    readonly cluster: string,
    readonly path: string,
    readonly status?: number,
    readonly reason?: string,
    /** The system or TLS error code of a request that got no answer (ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, …). */
    readonly networkCode?: string,
  ) {
    super(message);
    this.name = "KubernetesApiError";
  }
}

interface ListBody {
  items?: unknown[];
  /** Read as unknown: a server may send anything here, and only a usable string continues the list. */
  metadata?: { continue?: unknown; remainingItemCount?: unknown };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export class KubernetesClient {
  private readonly options: Required<Omit<KubernetesClientOptions, "pages" | "signal">>;
  private readonly pages: Slots;
  private readonly agent: https.Agent;
  private readonly base: URL;
  /** Requests in flight, ended by close(). */
  private readonly inFlight = new Set<ClientRequest>();
  private closed = false;
  /** Requests sent, retries included: what the benchmark counts. */
  requests = 0;

  constructor(
    readonly cluster: KubernetesCluster,
    options: KubernetesClientOptions = {},
  ) {
    const { pages, signal, ...rest } = options;
    // The deadline is read when the client is made, so that ECR_CLEANUP_REQUEST_DEADLINE_MS shortens it as it does the AWS clients'.
    this.options = { ...DEFAULTS, requestTimeoutMs: attemptDeadlineMs(), ...rest };
    this.pages = pages ?? new Slots(PAGES_PER_CLIENT);
    this.base = new URL(cluster.endpoint);
    if (this.base.protocol !== "https:") throw new KubernetesApiError(`cluster ${cluster.name}: endpoint ${cluster.endpoint} is not https`, cluster.name, "");
    // The cluster's CA only: a server with any other certificate is refused. keepAlive reuses the connection across pages.
    this.agent = new https.Agent({ ca: cluster.certificateAuthority, keepAlive: true, maxSockets: 4 });
    if (signal?.aborted) this.close();
    else signal?.addEventListener("abort", () => this.close(), { once: true });
  }

  /**
   * Every item of a cluster-wide list (`/api/v1/pods`, `/apis/apps/v1/deployments`, …), each passed through
   * `pick` page by page so that whole objects are not kept. When a continue token expires, what the list picked so
   * far is dropped and it starts again.
   */
  async list<R>(path: string, pick: (item: unknown) => R[], listKind?: string): Promise<R[]> {
    for (let restart = 0; ; restart++) {
      const picked: R[] = [];
      // A page that promises more without a usable new token fails the list (and the source) closed.
      const trail = new PageTrail(`cluster ${this.cluster.name}: GET ${path}`);
      let token: string | undefined;
      let expired = false;
      do {
        const query = new URLSearchParams({ limit: String(this.options.pageSize) });
        if (token) query.set("continue", token);
        const continued = token !== undefined;
        // The page is fetched and read holding a slot, so that only so many parsed pages exist at once. A next page
        // goes ahead of other lists' first pages: its continue token expires (410) if it waits too long.
        const next = await this.pages.use(async () => {
          let page: ListBody;
          try {
            page = await this.getJson<ListBody>(path, query);
          } catch (err) {
            if (continued && err instanceof KubernetesApiError && err.status === 410) return { expired: true };
            throw err;
          }
          // A 200 that is not the list asked for (a Status, an empty object, another kind) must not read as an empty list.
          const items = listItems(page, listKind);
          if (!items) {
            throw new KubernetesApiError(
              `cluster ${this.cluster.name}: GET ${path}: the answer is not a ${listKind ?? "list"} (kind ${JSON.stringify(obj(page)?.kind ?? null)}, items ${describe(obj(page)?.items)})`,
              this.cluster.name,
              path,
              200,
              "NotAList",
            );
          }
          for (const item of items) picked.push(...pick(item));
          const metadata = obj(obj(page)?.metadata);
          const remaining = metadata?.remainingItemCount;
          return { continue: metadata?.continue, more: typeof remaining === "number" && remaining > 0 };
        }, continued);
        if ("expired" in next) {
          expired = true;
          break;
        }
        // Kubernetes ends a list with an empty or absent `continue`; `remainingItemCount > 0` still says more follow.
        token = trail.next(next.continue === "" && !next.more ? undefined : next.continue, next.more);
      } while (token);
      if (!expired) return picked;
      if (restart >= this.options.listRestarts) {
        throw new KubernetesApiError(
          `cluster ${this.cluster.name}: GET ${path}: the list's continue token expired ${restart + 1} times while it was being read (410 Expired)`,
          this.cluster.name,
          path,
          410,
          "Expired",
        );
      }
    }
  }

  /** Closes the connections kept alive and ends the requests in flight; no request is sent or retried after it. */
  close(): void {
    this.closed = true;
    for (const req of this.inFlight) req.destroy(closedError());
    this.agent.destroy();
  }

  private async getJson<T>(path: string, query: URLSearchParams): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let answer: Answer;
      try {
        answer = await this.get(path, query);
      } catch (err) {
        const failure = err as NodeJS.ErrnoException;
        const code = failure.code ?? "Error";
        // A certificate that does not chain to the cluster's CA never gets better by retrying; a closed client stops.
        if (attempt >= this.options.maxAttempts || isTlsFailure(code) || this.closed) {
          throw new KubernetesApiError(
            `cluster ${this.cluster.name}: GET ${path} at ${this.base.origin}: ${failure.message} (${code})`,
            this.cluster.name,
            path,
            undefined,
            undefined,
            code,
          );
        }
        await sleep(this.backoff(attempt));
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) {
        try {
          return JSON.parse(answer.body) as T;
        } catch {
          throw new KubernetesApiError(`cluster ${this.cluster.name}: GET ${path}: the answer is not JSON`, this.cluster.name, path, answer.status);
        }
      }
      const retryable = answer.status === 429 || answer.status >= 500;
      if (retryable && attempt < this.options.maxAttempts && !this.closed) {
        await sleep(this.backoff(attempt, retryAfterMs(answer.headers["retry-after"])));
        continue;
      }
      const status = parseStatus(answer.body);
      throw new KubernetesApiError(
        `cluster ${this.cluster.name}: GET ${path}: ${answer.status}${status.reason ? ` ${status.reason}` : ""}: ${status.message ?? "no message"}` +
          (retryable ? ` (after ${attempt} attempts)` : ""),
        this.cluster.name,
        path,
        answer.status,
        status.reason,
      );
    }
  }

  private backoff(attempt: number, retryAfter?: number): number {
    const { baseBackoffMs, maxBackoffMs } = this.options;
    const exponential = Math.random() * Math.min(maxBackoffMs, baseBackoffMs * 2 ** (attempt - 1));
    return Math.min(maxBackoffMs, Math.max(exponential, retryAfter ?? 0));
  }

  private async get(path: string, query: URLSearchParams): Promise<Answer> {
    if (this.closed) throw closedError();
    const token = await this.cluster.token();
    if (this.closed) throw closedError();
    this.requests++;
    const basePath = this.base.pathname.replace(/\/$/, "");
    return new Promise<Answer>((resolve, reject) => {
      const req = https.request(
        {
          agent: this.agent,
          protocol: "https:",
          hostname: this.base.hostname,
          port: this.base.port || 443,
          method: "GET",
          path: `${basePath}${path}?${query.toString()}`,
          headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "User-Agent": "ecr-cleanup" },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      // One deadline for the whole exchange, not an idle timeout: a server that trickles bytes is cut off too.
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${this.options.requestTimeoutMs} ms`), { code: "ETIMEDOUT" })), this.options.requestTimeoutMs);
      this.inFlight.add(req);
      req.on("close", () => {
        clearTimeout(timer);
        this.inFlight.delete(req);
      });
      req.on("error", reject);
      req.end();
    });
  }
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function describe(value: unknown): string {
  return value === undefined ? "missing" : value === null ? "null" : Array.isArray(value) ? "a list" : typeof value;
}

/** A list page's items (`null` is Go's empty list), or undefined when the page is not a list (of `listKind`, when given). */
function listItems(page: unknown, listKind: string | undefined): unknown[] | undefined {
  const body = obj(page);
  if (!body || (listKind !== undefined && body.kind !== listKind)) return undefined;
  if (body.items === null) return [];
  return Array.isArray(body.items) ? body.items : undefined;
}

function parseStatus(body: string): KubernetesStatus {
  try {
    const parsed = JSON.parse(body) as KubernetesStatus;
    return typeof parsed === "object" && parsed !== null ? parsed : {};
  } catch {
    return { message: body.slice(0, 200) || undefined };
  }
}

/** `Retry-After` in seconds (the API server's form) or as an HTTP date, in ms. */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

const TLS_CODES = /^(?:ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_|HOSTNAME_MISMATCH)/;

export function isTlsFailure(code: string): boolean {
  return TLS_CODES.test(code);
}

/** What a request of a closed client fails with (the read it belonged to has failed already). */
function closedError(): Error {
  return Object.assign(new Error("the read was stopped: another request of it failed"), { code: "ECANCELED" });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
