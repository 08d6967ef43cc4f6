/**
 * The Lambda entry point of fan-out mode (component arg `fanOut: true`), bundled separately so that the S3 client
 * stays out of the single-function bundle. The component's state machine invokes it in three phases:
 * - prepare: takes the run lock (runtime/lock/runLock.ts; owner: the execution's name) or, when another run holds
 *   it, returns `skipped` and does nothing else; then lists the repositories and takes the in-use inventory once (the engine's prepareRun), stores the run
 *   (runtime/fanout/storedRun.ts: `now`, the dry-run switch, the governed repositories, the inventory, when it was
 *   stored) and the items (runtime/fanout/items.ts: run, position, repository) in S3, and returns the items' key for
 *   the Map's ItemReader;
 * - clean, once per batch of items (runtime/fanout/worker.ts): decides only from the stored run and the function's
 *   own configuration, and refuses any batch that is not one the prepare step wrote for a fresh run;
 * - aggregate: reads the ResultWriter's manifest, assembles the run's report (every attempt's deletions counted),
 *   writes it to the reports bucket and publishes its notification (one for the whole run, as a single-function run
 *   does), logs the same run lines and EMF metrics as a single-function run, and releases the run lock;
 * - failed: the state machine's failure path after Clean or Aggregate failed: reports the run, failed, from what its
 *   batches recorded in the bucket (runtime/fanout/failedRun.ts), and delivers that report and its notification;
 * - release: the state machine's failure path, releases the run lock if this run holds it.
 * The policies come from the function's environment in every phase, never from the event.
 */
import { S3Client } from "@aws-sdk/client-s3";
import * as z from "zod/mini";
import { createClients, RETRY_SETTINGS } from "../ecr/client";
import { prepareRun } from "../engine/run";
import { FANOUT_BUCKET_ENV, loadConfigFromEnvironment, REPORTS_BUCKET_ENV } from "../lambda/config";
import type { RepositoryReport, RunError } from "../engine/report";
import { runTimeOf } from "../lambda/event";
import type { LambdaContext } from "../lambda/handler";
import type { StepResult } from "./stepResult";
import { once } from "../lambda/once";
import { errorCode, errorMessage } from "../shared/errors";
import { deliverRun } from "./delivery";
import { recordedOutcomes } from "./failedRun";
import type { FanOutDeps } from "./deps";
import { aggregateRun, readOutcomes, withoutDeletionLines } from "./aggregate";
import { configFingerprint } from "../config/fingerprint";
import { itemsOf } from "./items";
import { AGGREGATE, checkRunId, CLEAN, FAILED, PREPARE, RELEASE, RUNS_PREFIX, runKeys } from "./keys";
import { LockPlace, releaseOwnLock, takeLock } from "../lock/runLock";
import { writeLine } from "../lambda/publish";
import { runTimeLimitMs } from "./runTimeLimit";
import { JsonStore, s3Store } from "./storage";
import { readStoredRun, storedRunOf } from "./storedRun";
import { cleanBatch } from "./worker";
import { describeIssues } from "../config/zodIssues";

export interface PrepareResult {
  run: string;
  /** The items' key, for the Map's ItemReader; empty when skipped. */
  items: string;
  repositories: number;
  /** True when another run holds the run lock: this one did nothing, and ends. */
  skipped: boolean;
  /** Why it was skipped; empty otherwise. */
  reason: string;
}

/**
 * A run's lock lasts its time limit (the state machine's TimeoutSeconds) and the longest a batch invoked just before
 * the limit can still run (Lambda's 15 minutes): no step of the run can still be deleting once it expires.
 */
export const LAMBDA_MAX_MS = 900_000;

/** The Prepare state's payload: the execution's name (the run's folder) and input (the schedule's `{"scheduledTime"}`). */
const PREPARE_EVENT = z.strictObject({ phase: z.literal(PREPARE), run: z.string(), input: z.optional(z.unknown()) });
/** The Aggregate state's payload: the run, and where the ResultWriter put its manifest. */
const RELEASE_EVENT = z.strictObject({ phase: z.literal(RELEASE), run: z.string() });
/** The ReportFailedRun state's payload: the run, its input (for `now` when the stored run is gone), and the Catch's error. */
const FAILED_EVENT = z.strictObject({
  phase: z.literal(FAILED),
  run: z.string(),
  input: z.optional(z.unknown()),
  error: z.looseObject({ Error: z.optional(z.string()), Cause: z.optional(z.string()) }),
});
const AGGREGATE_EVENT = z.strictObject({
  phase: z.literal(AGGREGATE),
  run: z.string(),
  results: z.looseObject({ Bucket: z.string(), Key: z.string() }),
});

function phaseOf(event: unknown): string | undefined {
  const e = event as { phase?: unknown; BatchInput?: { phase?: unknown } } | null;
  const phase = e?.phase ?? e?.BatchInput?.phase;
  return typeof phase === "string" ? phase : undefined;
}

function parseEvent<T>(schema: z.ZodMiniType<T>, event: unknown, phase: string): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success) throw new Error(`not a ${phase} event as the state machine sends it: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function bucketOf(deps: FanOutDeps): string {
  const bucket = deps.env()[FANOUT_BUCKET_ENV];
  if (!bucket) throw new Error(`${FANOUT_BUCKET_ENV} is not set: this function runs in fan-out mode only with the component's bucket`);
  return bucket;
}

function storeOf(deps: FanOutDeps): JsonStore {
  return s3Store(deps.s3(), bucketOf(deps));
}

export function lockPlaceOf(deps: FanOutDeps): LockPlace {
  return { s3: deps.s3(), bucket: bucketOf(deps) };
}

/** Releases the run lock after the run's end or failure; a lock it cannot release is a warning (it expires). */
async function releaseRunLock(deps: FanOutDeps, run: string): Promise<string | undefined> {
  const released = await releaseOwnLock(lockPlaceOf(deps), run, () => deps.clock()).catch((err: unknown) => ({ released: false, reason: String(err) }));
  return released.released ? undefined : `run lock: ${released.reason}`;
}

async function prepare(deps: FanOutDeps, event: unknown): Promise<PrepareResult> {
  const parsed = parseEvent(PREPARE_EVENT, event, PREPARE);
  const run = checkRunId(parsed.run);
  const lifetimeMs = runTimeLimitMs(deps.env()) + LAMBDA_MAX_MS;
  const { config, dryRun, concurrency } = await loadConfigFromEnvironment(deps.env());
  const lock = await takeLock(lockPlaceOf(deps), run, lifetimeMs, () => deps.clock());
  if (!lock.taken) {
    writeLine(JSON.stringify({ type: "run-skipped", dryRun, run, reason: lock.reason }));
    return { run, items: "", repositories: 0, skipped: true, reason: lock.reason };
  }
  const storedAt = deps.clock();
  const time = runTimeOf(parsed.input, storedAt);
  const context = await prepareRun({ config, now: time.now, apply: !dryRun, ...deps.clients(), concurrency });
  const keys = runKeys(run);
  const store = storeOf(deps);
  const items = itemsOf(run, context.governed);
  const warnings = time.warning ? [time.warning, ...context.warnings] : context.warnings;
  await store.put(keys.stored, storedRunOf(run, context, { now: time.now, storedAt }, { apply: !dryRun, configFingerprint: configFingerprint(config), warnings }));
  await store.put(keys.items, items);
  return { run, items: keys.items, repositories: items.length, skipped: false, reason: "" };
}

async function release(deps: FanOutDeps, event: unknown): Promise<{ run: string; released: boolean; reason: string }> {
  const run = checkRunId(parseEvent(RELEASE_EVENT, event, RELEASE).run);
  const problem = await releaseRunLock(deps, run);
  if (problem) writeLine(JSON.stringify({ type: "warning", run, message: problem }));
  return { run, released: !problem, reason: problem ?? "" };
}

async function aggregate(deps: FanOutDeps, event: unknown, context: LambdaContext): Promise<StepResult> {
  const parsed = parseEvent(AGGREGATE_EVENT, event, AGGREGATE);
  const run = checkRunId(parsed.run);
  const store = storeOf(deps);
  const keys = runKeys(run);
  const stored = await readStoredRun(store, keys.stored, run);
  // From now on a batch of this run is a replay: workers refuse it (runtime/fanout/worker.ts).
  await store.put(keys.aggregated, { aggregatedAt: deps.clock().toISOString() });
  // The report written to S3 lists every image the run deleted; without one, the log's lines already do.
  const keep = deps.env()[REPORTS_BUCKET_ENV] ? (report: RepositoryReport) => report : withoutDeletionLines;
  const report = aggregateRun(stored, await readOutcomes(store, run, parsed.results, keep));
  const lockProblem = await releaseRunLock(deps, run);
  if (lockProblem) report.warnings.push(lockProblem);
  const pricePerGbMonth = (await loadConfigFromEnvironment(deps.env())).config.settings.report?.pricePerGbMonth;
  return deliverRun(deps, report, { run, apply: stored.apply, now: stored.now, pricePerGbMonth }, context);
}

/**
 * The failure path (ReportFailedRun, after Clean or Aggregate failed): marks the run as aggregated, so that no batch
 * starts after it, and reports the run from what its batches recorded (runtime/fanout/failedRun.ts), failed: the
 * execution's error is an error of the run, so the failures alarm fires and `notify` publishes it. What it cannot
 * read is an error too; it throws only on an event the state machine does not send. The lock is released after it.
 * The event is not checked against the execution (only the state machine's role may invoke the function): a forged
 * one can stop a run's later batches and write its report early, never make anything be deleted (docs/fan-out.md).
 */
async function reportFailedRun(deps: FanOutDeps, event: unknown, context: LambdaContext): Promise<StepResult> {
  const parsed = parseEvent(FAILED_EVENT, event, FAILED);
  const run = checkRunId(parsed.run);
  const store = storeOf(deps);
  const keys = runKeys(run);
  const env = deps.env();
  const problems: RunError[] = [];
  const problem = (what: string, code?: string) => (err: unknown) => {
    problems.push({ kind: "api-error", code: code ?? errorCode(err), message: `${what} (${errorMessage(err)})` });
    return undefined;
  };
  // Every batch reads the stored run too, and refuses without it: then none deleted.
  const stored = await readStoredRun(store, keys.stored, run).catch(problem("the run's stored run cannot be used, so this report cannot name the repositories no batch reached", "StoredRunUnreadable"));
  await store.put(keys.aggregated, { aggregatedAt: deps.clock().toISOString() }).catch(problem(`cannot mark the run as aggregated in s3://${store.bucket}/${keys.aggregated}: its batches still stop when the run lock is released`));
  const config = await loadConfigFromEnvironment(env).catch(problem("cannot read the function's policies"));
  const keep = env[REPORTS_BUCKET_ENV] ? (report: RepositoryReport) => report : withoutDeletionLines;
  const outcomes = await recordedOutcomes(store, run, stored?.governed ?? [], keep, problems);
  const { Error: code = "States.Runtime", Cause: cause = "" } = parsed.error;
  const failure: RunError = {
    kind: "api-error",
    code,
    message: `the run failed (${code}${cause ? `: ${cause}` : ""}); this report is what its batches recorded in s3://${store.bucket}/${RUNS_PREFIX}/${run}/, ` +
      "and the repositories that no batch finished are listed as not reached",
  };
  // Without the stored run no batch ran (each reads it), but say "applied" rather than hide a deletion.
  const base = stored ?? { now: runTimeOf(parsed.input, deps.clock()).now.toISOString(), apply: config ? !config.dryRun : true, governed: [], notGoverned: [], errors: [], warnings: [] };
  const report = aggregateRun({ ...base, errors: [...base.errors, failure, ...problems] }, outcomes);
  return deliverRun(deps, report, { run, apply: base.apply, now: base.now, pricePerGbMonth: config?.config.settings.report?.pricePerGbMonth }, context);
}

export function createFanOutHandler(deps: FanOutDeps): (event: unknown, context: LambdaContext) => Promise<unknown> {
  return async (event, context) => {
    switch (phaseOf(event)) {
      case PREPARE:
        return prepare(deps, event);
      case CLEAN:
        return cleanBatch(deps, storeOf(deps), event, context);
      case AGGREGATE:
        return aggregate(deps, event, context);
      case RELEASE:
        return release(deps, event);
      case FAILED:
        return reportFailedRun(deps, event, context);
      default:
        // Runs go through the state machine, which keeps them apart; a direct invocation would overlap one.
        throw new Error("this ecr-cleanup function runs in fan-out mode: start a run with its Step Functions state machine, not by invoking the function");
    }
  };
}

export const handler = createFanOutHandler({
  env: () => process.env,
  clients: once(() => createClients()),
  s3: once(() => new S3Client(RETRY_SETTINGS)),
  clock: () => new Date(),
});
