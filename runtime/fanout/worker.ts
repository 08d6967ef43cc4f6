/**
 * The clean phase of fan-out mode: one invocation per batch of repositories. Its event names only the run and the
 * repositories (runtime/fanout/batchEvent.ts); `now`, the dry-run switch it applies and the in-use inventory come from
 * the run its prepare step stored, the policies from the function's environment. It refuses (throws BatchRefused
 * before any ECR call, so that nothing is deleted and the Map records the batch as failed) whatever does not match
 * (runtime/fanout/batchChecks.ts), a batch of a run the aggregate step has already reported on (a replay), and a batch
 * of a run that no longer holds the run lock (released, or taken over by another run after it expired).
 */
import { randomUUID } from "node:crypto";
import { cleanRepositories, RunOptions } from "../engine/run";
import { loadConfigFromEnvironment } from "../lambda/config";
import type { LambdaContext } from "../lambda/handler";
import { deleteCallLine, repositoryLines } from "../lambda/log";
import { writeLine } from "../lambda/publish";
import type { BatchReport, BatchResult } from "./aggregate";
import { parseBatchEvent } from "./batchEvent";
import { checkBatch } from "./batchChecks";
import { configFingerprint } from "../config/fingerprint";
import { DeletionRecorder } from "./deletionRecords";
import type { FanOutDeps } from "./deps";
import { runKeys } from "./keys";
import { refuse } from "./refusal";
import { runTimeLimitMs } from "./runTimeLimit";
import type { JsonStore } from "./storage";
import { inventoryOf, readStoredRun } from "./storedRun";
import { stillHeld } from "../lock/runLock";

async function refuseIfAggregated(store: JsonStore, run: string): Promise<void> {
  const marker = runKeys(run).aggregated;
  if ((await store.list(marker)).includes(marker)) refuse(`run ${run} has already been aggregated: a batch after its end is a replay`);
}

export async function cleanBatch(deps: FanOutDeps, store: JsonStore, event: unknown, context: LambdaContext): Promise<BatchResult> {
  const batch = parseBatchEvent(event);
  const env = deps.env();
  const { config, dryRun, concurrency } = await loadConfigFromEnvironment(env);
  const timeLimitMs = runTimeLimitMs(env);
  const keys = runKeys(batch.run);
  const stored = await readStoredRun(store, keys.stored, batch.run);
  checkBatch(batch, stored, { apply: !dryRun, configFingerprint: configFingerprint(config), timeLimitMs, clock: deps.clock() });
  await refuseIfAggregated(store, batch.run);
  const lock = await stillHeld({ s3: deps.s3(), bucket: store.bucket }, { owner: batch.run });
  if (!lock.held) refuse(`run ${batch.run} does not hold the run lock: ${lock.reason}`);

  const names = batch.items.map((item) => item.repository);
  const attempt = `${Math.min(...batch.items.map((item) => item.index))}-${randomUUID()}`;
  const recorder = new DeletionRecorder(store, batch.run, attempt, new Map(batch.items.map((item) => [item.repository, item.index])));
  const ctx = { dryRun: !stored.apply, now: stored.now };
  const runContext = { governed: names, notGoverned: [], inventory: inventoryOf(stored, names), errors: [], warnings: [] };
  const options: RunOptions = {
    config,
    now: new Date(stored.now),
    apply: stored.apply,
    ...deps.clients(),
    concurrency,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    onRepositoryDone: (repository) => {
      repositoryLines(repository, ctx).forEach(writeLine);
      recorder.repositoryDone(repository);
    },
    onDeleteCall: (outcome) => {
      // The log line first: it is written at once, the record a moment later.
      writeLine(deleteCallLine(outcome, ctx));
      recorder.deleteCall(outcome);
    },
  };
  const [cleaning] = await Promise.allSettled([cleanRepositories(options, runContext, names)]);
  // Also when the run threw: what this attempt deleted must be on record before the invocation ends.
  const recordErrors = await recorder.settled();
  if (cleaning.status === "rejected") throw cleaning.reason;
  const cleaned = cleaning.value;
  for (const error of recordErrors) {
    const owner = cleaned.repositories.find((r) => r.repository === error.repository);
    if (!owner) throw new Error(error.message);
    owner.errors.push(error);
  }

  const report: BatchReport = { attempt, repositories: cleaned.repositories, notReached: cleaned.notReached, warnings: runContext.warnings };
  await store.put(keys.report(attempt), report);
  return { report: keys.report(attempt), attempt, repositories: cleaned.repositories.length, notReached: cleaned.notReached.length };
}
