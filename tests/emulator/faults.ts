/**
 * Fault injection and counters, changed at run time by tests: latency, token-bucket throttling, one-shot failures,
 * partial batch-delete failures, batch-delete entries left out of the response, and hooks run before an operation
 * is served. Keyed by operation name, or '*' for all.
 */
import type { OddAnswers } from "./odd-answers";
import type { OddPages } from "./odd-pages";
import type { Json } from "./protocol";

/**
 * - `throttle`, `server-error`: the service answers with ThrottlingException (400) or ServerException (500) and does
 *   nothing.
 * - `drop-connection`: the connection is reset before the service acts (nothing happened; the SDK retries).
 * - `drop-after-acting`: the service runs the operation (hooks included) and changes its state, then the connection
 *   is reset without an answer, as when a response is lost on the way back (a load balancer's idle timeout, a client
 *   timeout). The SDK sees a network error and retries a call that already took effect: a retried BatchDeleteImage
 *   then answers `ImageNotFound` for what the lost attempt deleted.
 */
export type FaultKind = "throttle" | "server-error" | "drop-connection" | "drop-after-acting";

/** What BatchDeleteImage does with an image it leaves out of its response (see `leaveUnanswered`). */
export interface Unanswered {
  /** true: the image is handled as usual (deleted, or refused) and only its entry is missing; false: it stays. */
  deletes: boolean;
}

/** What one served BatchDeleteImage call really removed, whatever its response said or whether it was answered. */
export interface RemovalRecord {
  readonly region: string;
  readonly repository: string;
  /** The digests (or tags) the call named, in order. */
  readonly requested: readonly string[];
  readonly removed: readonly string[];
}

export interface HookContext {
  readonly operation: string;
  readonly input: Json;
  readonly region: string;
  /** The service's IAM prefix: `ecr`, `ecs`, `lambda`, `eks`, `apprunner`, `batch`, `sts`. */
  readonly service: string;
  /** The account the caller's access key belongs to (an assumed role's session: that role's account). */
  readonly account: string;
}

/** May change state (e.g. move a tag), throw an AwsError to fail the call with it, or throw a DropConnection. */
export type OperationHook = (ctx: HookContext) => void | Promise<void>;

/**
 * Thrown by an OperationHook: the connection is reset before the service acts, as with `drop-connection`, but only
 * for the calls the hook picks (one repository's, say). Counted and logged as an injected `drop-connection`.
 */
export class DropConnection extends Error {
  constructor() {
    super("the emulator resets this connection");
  }
}

export interface DigestFailure {
  failureCode: string;
  failureReason: string;
}

/** One served request, newest last (at most LOG_LIMIT kept). */
export interface RequestRecord {
  readonly operation: string;
  readonly input: Json;
  /** `ok`, the AWS error code returned, or the injected fault. */
  readonly outcome: string;
}

const LOG_LIMIT = 10_000;

class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly rate: number,
    private readonly capacity: number,
  ) {
    this.tokens = capacity;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class Faults {
  /** Successful calls by operation. */
  readonly calls: Record<string, number> = {};
  /** Calls that ended in an AWS error from the operation itself (not injected), by operation. */
  readonly errors: Record<string, number> = {};
  /** Injected failures by kind, then operation (token-bucket throttles count as `throttle`). */
  readonly injected: Record<FaultKind, Record<string, number>> = { throttle: {}, "server-error": {}, "drop-connection": {}, "drop-after-acting": {} };
  /** Requests served, with their inputs: lets a test check what was sent and in which order. */
  readonly log: RequestRecord[] = [];
  /** One record per BatchDeleteImage call that reached the service (answered or not), oldest first. */
  readonly removals: RemovalRecord[] = [];

  private readonly latency = new Map<string, number>();
  private readonly rates = new Map<string, { rate: number; burst: number }>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly pending = new Map<string, { kind: FaultKind; count: number }[]>();
  private readonly digestFailures = new Map<string, Map<string, DigestFailure>>();
  private readonly unansweredDigests = new Map<string, Map<string, Unanswered>>();
  private hooks: { op: string; hook: OperationHook; once: boolean }[] = [];
  private readonly oddLists = new Map<string, OddPages>();
  private readonly oddAnswerOps = new Map<string, OddAnswers>();

  /** The operation `service/Operation` answers 200 with a body that is not its output, as `odd` says. */
  oddAnswers(operation: string, odd: OddAnswers): void {
    this.oddAnswerOps.set(operation, odd);
  }

  oddAnswersOf(operation: string): OddAnswers | undefined {
    return this.oddAnswerOps.get(operation);
  }

  /** The list `service/operation` (a key of PAGED_OPERATIONS) serves pages that cannot be trusted, as `odd` says. */
  oddPages(list: string, odd: OddPages): void {
    this.oddLists.set(list, odd);
  }

  oddPagesOf(list: string): OddPages | undefined {
    return this.oddLists.get(list);
  }

  /** Delay before every call, or before calls of one operation (which then wins over the global delay). */
  setLatency(ms: number): void;
  setLatency(op: string, ms: number): void;
  setLatency(a: string | number, b?: number): void {
    if (typeof a === "number") this.latency.set("*", a);
    else this.latency.set(a, b ?? 0);
  }

  /**
   * Token bucket of `callsPerSecond` for an operation; '*' gives each operation without its own limit a bucket of
   * that rate (ECR's limits are per API action). `burst` is the bucket size, `callsPerSecond` by default (at least 1
   * when the rate is positive); a rate of 0 with no burst throttles every call. `null` removes the limit.
   */
  throttle(op: string, callsPerSecond: number | null, burst?: number): void {
    for (const key of [...this.buckets.keys()]) if (op === "*" || key === op) this.buckets.delete(key);
    if (callsPerSecond === null) this.rates.delete(op);
    else this.rates.set(op, { rate: callsPerSecond, burst: burst ?? (callsPerSecond > 0 ? Math.max(1, callsPerSecond) : 0) });
  }

  /** The next `count` calls of `op` ('*': of any operation) fail with `kind`. Queued after earlier failNext calls. */
  failNext(op: string, count: number, kind: FaultKind): void {
    if (count <= 0) return;
    const queue = this.pending.get(op) ?? [];
    queue.push({ kind, count });
    this.pending.set(op, queue);
  }

  /** BatchDeleteImage reports these digests of `repo` in failures[] with `failureCode`, and leaves them in place. */
  failDigests(repo: string, digests: readonly string[], failureCode: string, failureReason = "Injected failure"): void {
    const byDigest = this.digestFailures.get(repo) ?? new Map<string, DigestFailure>();
    for (const d of digests) byDigest.set(d, { failureCode, failureReason });
    this.digestFailures.set(repo, byDigest);
  }

  clearFailDigests(repo?: string): void {
    if (repo === undefined) this.digestFailures.clear();
    else this.digestFailures.delete(repo);
  }

  /**
   * BatchDeleteImage leaves these digests of `repo` out of both `imageIds` and `failures`: a response that neither
   * confirms nor refuses them. With `deletes: true` the service still acts on them (deletes them, or refuses them as
   * it would, silently); with `deletes: false` it leaves them in place. The API reference does not describe such a
   * response; the contract (spec section 5) requires the cleaner to describe those images again, so it is modelled.
   */
  leaveUnanswered(repo: string, digests: readonly string[], how: Unanswered): void {
    const byDigest = this.unansweredDigests.get(repo) ?? new Map<string, Unanswered>();
    for (const d of digests) byDigest.set(d, { ...how });
    this.unansweredDigests.set(repo, byDigest);
  }

  clearUnanswered(repo?: string): void {
    if (repo === undefined) this.unansweredDigests.clear();
    else this.unansweredDigests.delete(repo);
  }

  /** Runs `hook` before each call of `op` ('*': every operation) is served; returns a function that removes it. */
  beforeOperation(op: string, hook: OperationHook, opts: { once?: boolean } = {}): () => void {
    const entry = { op, hook, once: opts.once ?? false };
    this.hooks.push(entry);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== entry);
    };
  }

  clearHooks(): void {
    this.hooks = [];
  }

  /** Clears every fault, hook, counter, the log and the removal records. */
  reset(): void {
    for (const k of Object.keys(this.calls)) delete this.calls[k];
    for (const k of Object.keys(this.errors)) delete this.errors[k];
    for (const byOp of Object.values(this.injected)) for (const k of Object.keys(byOp)) delete byOp[k];
    this.log.length = 0;
    this.removals.length = 0;
    this.unansweredDigests.clear();
    this.latency.clear();
    this.rates.clear();
    this.buckets.clear();
    this.pending.clear();
    this.digestFailures.clear();
    this.oddLists.clear();
    this.oddAnswerOps.clear();
    this.hooks = [];
  }

  callCount(op: string): number {
    return this.calls[op] ?? 0;
  }

  injectedCount(kind: FaultKind, op?: string): number {
    const byOp = this.injected[kind];
    return op === undefined ? Object.values(byOp).reduce((a, b) => a + b, 0) : (byOp[op] ?? 0);
  }

  // ---- used by the server ----

  latencyFor(op: string): number {
    return this.latency.get(op) ?? this.latency.get("*") ?? 0;
  }

  /** A hook threw DropConnection: counted and logged as an injected `drop-connection`. */
  recordDrop(operation: string, input: Json): void {
    this.injected["drop-connection"][operation] = (this.injected["drop-connection"][operation] ?? 0) + 1;
    this.record(operation, input, "drop-connection");
  }

  /** The fault to inject into this call, if any, counted as injected. */
  takeFault(op: string): FaultKind | undefined {
    const kind = this.takePending(op) ?? this.takePending("*") ?? (this.takeToken(op) ? undefined : "throttle");
    if (kind) this.injected[kind][op] = (this.injected[kind][op] ?? 0) + 1;
    return kind;
  }

  async runHooks(ctx: HookContext): Promise<void> {
    for (const entry of [...this.hooks]) {
      if (entry.op !== "*" && entry.op !== ctx.operation) continue;
      if (entry.once) this.hooks = this.hooks.filter((h) => h !== entry);
      await entry.hook(ctx);
    }
  }

  digestFailure(repo: string, digest: string): DigestFailure | undefined {
    return this.digestFailures.get(repo)?.get(digest);
  }

  unanswered(repo: string, digest: string): Unanswered | undefined {
    return this.unansweredDigests.get(repo)?.get(digest);
  }

  recordRemoval(record: RemovalRecord): void {
    this.removals.push(record);
    if (this.removals.length > LOG_LIMIT) this.removals.splice(0, this.removals.length - LOG_LIMIT);
  }

  record(operation: string, input: Json, outcome: string): void {
    if (outcome === "ok") this.calls[operation] = (this.calls[operation] ?? 0) + 1;
    else if (!(outcome in this.injected)) this.errors[operation] = (this.errors[operation] ?? 0) + 1;
    this.log.push({ operation, input, outcome });
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }

  private takePending(op: string): FaultKind | undefined {
    const queue = this.pending.get(op);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    if (--head.count <= 0) queue.shift();
    return head.kind;
  }

  private takeToken(op: string): boolean {
    const limit = this.rates.get(op) ?? this.rates.get("*");
    if (!limit) return true;
    let bucket = this.buckets.get(op);
    if (!bucket) {
      bucket = new TokenBucket(limit.rate, limit.burst);
      this.buckets.set(op, bucket);
    }
    return bucket.take();
  }
}
