/**
 * The Lambda entry point that the component bundles with esbuild (spec section 6): the CLI's engine, run on a
 * schedule with the policies from the function's environment. Dry run unless ECR_CLEANUP_DRY_RUN=false.
 *
 * A configuration error fails the invocation (Lambda's Errors metric). A run that finished with failures returns
 * normally and reports them in its Failures metric, so the two alarms tell the cases apart.
 *
 * Out of time, a run stops starting repositories and reports those it did not reach; with ECR_CLEANUP_CURSOR_PARAMETER
 * set, it keeps the first of them in that SSM parameter, and the next run starts there (runtime/lambda/cursor.ts).
 *
 * Without reserved concurrency (ECR_CLEANUP_LOCK_BUCKET set), a run first takes the run lock (runtime/lock/runLock.ts)
 * for as long as it can last, and releases it at the end; a run that cannot take it does nothing else, logs why
 * (`run-skipped`) and returns `skipped`. The lock's S3 client is in its own bundle (runtime/lambda/lockedHandler.ts),
 * so that the usual deployment, kept apart by reserved concurrency, does without it.
 *
 * With ECR_CLEANUP_REPORTS_BUCKET (and ECR_CLEANUP_NOTIFY_TOPIC) set, the run's report and page go to S3 and its
 * summary to SNS (runtime/lambda/runReports.ts) before its log lines and metrics, so that a report that cannot be
 * written counts in the run's failures.
 */
import { randomUUID } from "node:crypto";
import { SSMClient } from "@aws-sdk/client-ssm";
import { AwsClients, createClients, RETRY_SETTINGS } from "../ecr/client";
import { RunError, RunReport, Summary, summarize } from "../engine/report";
import { runCleanup } from "../engine/run";
import type { HeldLock, TakeResult } from "../lock/lockTypes";
import { configFromEnvironment, CURSOR_PARAMETER_ENV, loadConfigFromEnvironment, LOCK_BUCKET_ENV } from "./config";
import { readCursor, StoredCursor, writeCursor } from "./cursor";
import { runTimeOf } from "./event";
import { deleteCallLine, repositoryLines } from "./log";
import { once } from "./once";
import { functionNameOf, publishRun, writeLine } from "./publish";
import { defaultReportOutlets, deliverReport, reportUrls } from "./runReports";
import type { ReportOutlets } from "./reportOutlets";
import { withStorageValue } from "../engine/storageValue";
import { errorCode, errorMessage } from "../shared/errors";

/** The part of Lambda's context object the handler reads. */
export interface LambdaContext {
  functionName?: string;
  awsRequestId?: string;
  getRemainingTimeInMillis(): number;
}

export interface HandlerResult {
  dryRun: boolean;
  /** The `now` the policies were evaluated at (ISO-8601). */
  now: string;
  summary: Summary;
  errors: RunError[];
  warnings: string[];
  /** Governed repositories the run did not reach before the timeout. */
  notReached: string[];
  /** Where the next run starts (the first repository not reached); absent when every repository was reached. */
  cursor?: string;
  /** Why this run did nothing: another run holds the run lock. */
  skipped?: string;
  /** Where the run's report and page were written (s3:// URLs); absent when none was. */
  report?: { json: string; html: string };
}

/** The run lock, as the handler uses it (runtime/lock/runLock.ts on S3). */
export interface RunLock {
  take(owner: string, lifetimeMs: number): Promise<TakeResult>;
  release(lock: HeldLock): Promise<{ released: boolean; reason?: string }>;
}

/** A run's lock outlives the longest the run can last (the invocation's time left) by this much. */
export const LOCK_MARGIN_MS = 60_000;

/** What the handler reads and talks to; the deployed handler uses the process's environment and the SDK's chain. */
export interface HandlerDeps {
  /** Read at each invocation. */
  env(): NodeJS.ProcessEnv;
  clients(): AwsClients;
  ssm(): SSMClient;
  /** Only with the run lock (ECR_CLEANUP_LOCK_BUCKET): takes and releases it in that bucket. */
  runLock?(bucket: string): RunLock;
  /** Where the run's report and notification go; loaded on first use. Defaults to the S3 and SNS clients. */
  reportOutlets?(): Promise<ReportOutlets>;
  clock(): Date;
}

/** The run's error when the cursor cannot be stored: the next run would start at the wrong repository. */
function cursorError(name: string, err: unknown): RunError {
  return {
    kind: "api-error",
    code: errorCode(err),
    message: `cannot store the cursor in SSM parameter ${name} (${errorMessage(err)}): the next run may not start where this one stopped`,
  };
}

async function storeCursor(ssm: SSMClient, name: string, cursor: StoredCursor, report: RunReport): Promise<void> {
  try {
    await writeCursor(ssm, name, cursor.stored, report.cursor);
  } catch (err) {
    report.errors.push(cursorError(name, err));
    report.summary.failures += 1;
  }
}

function skippedResult(ctx: { dryRun: boolean; now: string }, reason: string): HandlerResult {
  writeLine(JSON.stringify({ type: "run-skipped", ...ctx, reason }));
  const summary = summarize([], []);
  return { ...ctx, summary, errors: [], warnings: [], notReached: [], skipped: reason };
}

export function createHandler(deps: HandlerDeps): (event: unknown, context: LambdaContext) => Promise<HandlerResult> {
  return async (event, context) => {
    const { config, dryRun, concurrency } = await loadConfigFromEnvironment(deps.env());
    const time = runTimeOf(event, deps.clock());
    const ctx = { dryRun, now: time.now.toISOString() };
    const lockBucket = deps.env()[LOCK_BUCKET_ENV];
    if (lockBucket && !deps.runLock) throw new Error(`${LOCK_BUCKET_ENV} is set but this bundle has no run lock: deploy it with the component, which picks the locked bundle`);
    const runLock = lockBucket && deps.runLock ? deps.runLock(lockBucket) : undefined;
    let lock: HeldLock | undefined;
    if (runLock) {
      const lifetimeMs = context.getRemainingTimeInMillis() + LOCK_MARGIN_MS;
      const taken = await runLock.take(context.awsRequestId ?? randomUUID(), lifetimeMs);
      if (!taken.taken) return skippedResult(ctx, taken.reason);
      lock = taken.lock;
    }
    try {
      return await cleanUp(deps, context, { config, dryRun, concurrency, time, ctx });
    } finally {
      if (runLock && lock) {
        const released = await runLock.release(lock).catch((err: unknown) => ({ released: false, reason: String(err) }));
        if (!released.released) writeLine(JSON.stringify({ type: "warning", ...ctx, message: released.reason }));
      }
    }
  };
}

interface RunInputs {
  config: ReturnType<typeof configFromEnvironment>["config"];
  dryRun: boolean;
  concurrency: number;
  time: ReturnType<typeof runTimeOf>;
  ctx: { dryRun: boolean; now: string };
}

async function cleanUp(deps: HandlerDeps, context: LambdaContext, { config, dryRun, concurrency, time, ctx }: RunInputs): Promise<HandlerResult> {
  const warnings = time.warning ? [time.warning] : [];

  const cursorName = deps.env()[CURSOR_PARAMETER_ENV];
  const cursor = cursorName ? await readCursor(deps.ssm(), cursorName) : undefined;
  if (cursor?.warning) warnings.push(cursor.warning);

  const report = await runCleanup({
    config,
    now: time.now,
    apply: !dryRun,
    ...deps.clients(),
    concurrency,
    startAt: cursor?.startAt,
    // No repository starts too close to the function's timeout; those left are reported as not reached.
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    // Logged as each repository finishes, so a run that is cut off still shows what it did.
    onRepositoryDone: (repository) => repositoryLines(repository, ctx).forEach(writeLine),
    onDeleteCall: (outcome) => writeLine(deleteCallLine(outcome, ctx)),
  });
  if (cursorName && cursor) await storeCursor(deps.ssm(), cursorName, cursor, report);
  report.warnings.unshift(...warnings);
  const env = deps.env();
  withStorageValue(report, env.AWS_REGION, config.settings.report?.pricePerGbMonth);
  const functionName = functionNameOf(context);
  const delivered = await deliverReport(report, { id: context.awsRequestId ?? randomUUID(), functionName }, env, deps.reportOutlets ?? defaultReportOutlets);
  publishRun(report, ctx, functionName);
  const result: HandlerResult = {
    dryRun, now: ctx.now, summary: report.summary, errors: report.errors, warnings: report.warnings, notReached: report.notReached,
  };
  if (report.cursor) result.cursor = report.cursor;
  if (delivered.place && !delivered.place.problem) result.report = reportUrls(delivered.place);
  return result;
}

/** The deployed handler with reserved concurrency: no run lock, no S3 client. */
export const handler = createHandler({
  env: () => process.env,
  clients: once(() => createClients()),
  ssm: once(() => new SSMClient(RETRY_SETTINGS)),
  clock: () => new Date(),
});
