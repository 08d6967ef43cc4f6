/**
 * The Lambda entry point of fan-out mode (component arg `fanOut: true`), bundled separately so that the S3 client
 * stays out of the single-function bundle. The component's state machine invokes it in three phases:
 * - prepare: lists the repositories and takes the in-use inventory once (the engine's prepareRun), writes the items
 *   (runtime/fanout/items.ts) and the run's context to S3, and returns the items' key for the Map's ItemReader;
 * - clean, once per batch of items (the ItemBatcher's `{"Items": [...], "BatchInput": {"phase": "clean"}}`): the
 *   engine's cleanRepositories with the items' inventory slices, repository lines to the log, its report to S3;
 * - aggregate: reads the ResultWriter's manifest, assembles the run's report, and logs the same run lines and EMF
 *   metrics as a single-function run.
 * The policies and the dry-run switch come from the function's environment in every phase, never from the event.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { AwsClients, createClients, RETRY_SETTINGS } from "../ecr/client";
import { cleanRepositories, prepareRun, RunOptions } from "../engine/run";
import { configFromEnvironment, FANOUT_BUCKET_ENV } from "../lambda/config";
import { runTimeOf } from "../lambda/event";
import type { HandlerResult, LambdaContext } from "../lambda/handler";
import { deleteCallLine, repositoryLines } from "../lambda/log";
import { once } from "../lambda/once";
import { functionNameOf, publishRun, writeLine } from "../lambda/publish";
import { aggregateRun, BatchReport, BatchResult, readOutcomes, ResultWriterDetails, StoredContext, withoutDeletionLines } from "./aggregate";
import { FanOutItem, inventoryOf, itemsOf } from "./items";
import { AGGREGATE, checkRunId, CLEAN, PREPARE, runKeys } from "./keys";
import { JsonStore, s3Store } from "./storage";

export interface PrepareEvent {
  phase: typeof PREPARE;
  /** The execution's name: the run's folder in the bucket. */
  run: string;
  /** The execution's input: the schedule's `{"scheduledTime": ...}`, whose time is the run's `now`. */
  input?: unknown;
}

export interface PrepareResult {
  run: string;
  /** The items' key, for the Map's ItemReader. */
  items: string;
  repositories: number;
}

export interface CleanEvent {
  Items: FanOutItem[];
  BatchInput: { phase: typeof CLEAN };
}

export interface AggregateEvent {
  phase: typeof AGGREGATE;
  run: string;
  /** The Map's output: where the ResultWriter put its manifest. */
  results: ResultWriterDetails;
}

export interface FanOutDeps {
  /** Read at each invocation. */
  env(): NodeJS.ProcessEnv;
  clients(): AwsClients;
  s3(): S3Client;
  clock(): Date;
}

function phaseOf(event: unknown): string | undefined {
  const e = event as { phase?: unknown; BatchInput?: { phase?: unknown } } | null;
  const phase = e?.phase ?? e?.BatchInput?.phase;
  return typeof phase === "string" ? phase : undefined;
}

function storeOf(deps: FanOutDeps): JsonStore {
  const bucket = deps.env()[FANOUT_BUCKET_ENV];
  if (!bucket) throw new Error(`${FANOUT_BUCKET_ENV} is not set: this function runs in fan-out mode only with the component's bucket`);
  return s3Store(deps.s3(), bucket);
}

function runOptions(deps: FanOutDeps, now: Date, context?: LambdaContext): RunOptions & { dryRun: boolean } {
  const { config, dryRun, concurrency } = configFromEnvironment(deps.env());
  return {
    config,
    dryRun,
    now,
    apply: !dryRun,
    ...deps.clients(),
    concurrency,
    ...(context ? { remainingTimeMs: () => context.getRemainingTimeInMillis() } : {}),
  };
}

async function prepare(deps: FanOutDeps, event: PrepareEvent): Promise<PrepareResult> {
  const run = checkRunId(event.run);
  const time = runTimeOf(event.input, deps.clock());
  const options = runOptions(deps, time.now);
  const context = await prepareRun(options);
  const keys = runKeys(run);
  const store = storeOf(deps);
  const items = itemsOf(run, context, time.now);
  const stored: StoredContext = {
    now: time.now.toISOString(),
    apply: options.apply,
    governed: context.governed,
    notGoverned: context.notGoverned,
    errors: context.errors,
    warnings: time.warning ? [time.warning, ...context.warnings] : context.warnings,
  };
  await store.put(keys.context, stored);
  await store.put(keys.items, items);
  return { run, items: keys.items, repositories: items.length };
}

async function clean(deps: FanOutDeps, event: CleanEvent, context: LambdaContext): Promise<BatchResult> {
  const items = event.Items ?? [];
  if (!items.length) throw new Error("a clean batch without items");
  const run = checkRunId(items[0].run);
  // Every item carries the run's now; like a scheduled time, one later than the clock is not used.
  const time = runTimeOf({ scheduledTime: items[0].now }, deps.clock());
  const options = runOptions(deps, time.now, context);
  const ctx = { dryRun: options.dryRun, now: time.now.toISOString() };
  const names = items.map((item) => item.repository);
  const runContext = { governed: names, notGoverned: [], inventory: inventoryOf(items), errors: [], warnings: time.warning ? [time.warning] : [] };
  const { repositories, notReached } = await cleanRepositories(
    {
      ...options,
      onRepositoryDone: (repository) => repositoryLines(repository, ctx).forEach(writeLine),
      onDeleteCall: (outcome) => writeLine(deleteCallLine(outcome, ctx)),
    },
    runContext,
    names,
  );
  const report: BatchReport = { repositories, notReached, warnings: runContext.warnings };
  const key = runKeys(run).report(Math.min(...items.map((item) => item.index)));
  await storeOf(deps).put(key, report);
  return { report: key, repositories: repositories.length, notReached: notReached.length };
}

async function aggregate(deps: FanOutDeps, event: AggregateEvent, context: LambdaContext): Promise<HandlerResult> {
  const run = checkRunId(event.run);
  const store = storeOf(deps);
  const stored = await store.get<StoredContext>(runKeys(run).context);
  const report = aggregateRun(stored, await readOutcomes(store, event.results, withoutDeletionLines));
  // The run's dry-run switch is the one its prepare step read, even if a deployment changed it since.
  const ctx = { dryRun: !stored.apply, now: stored.now };
  publishRun(report, ctx, functionNameOf(context));
  return { ...ctx, summary: report.summary, errors: report.errors, warnings: report.warnings, notReached: report.notReached };
}

export function createFanOutHandler(deps: FanOutDeps): (event: unknown, context: LambdaContext) => Promise<unknown> {
  return async (event, context) => {
    switch (phaseOf(event)) {
      case PREPARE:
        return prepare(deps, event as PrepareEvent);
      case CLEAN:
        return clean(deps, event as CleanEvent, context);
      case AGGREGATE:
        return aggregate(deps, event as AggregateEvent, context);
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
