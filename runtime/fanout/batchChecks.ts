/**
 * What a worker checks before it touches ECR, beyond its event's shape (runtime/fanout/batchEvent.ts) and the stored
 * run's (runtime/fanout/storedRun.ts): that the stored run is this run's and fresh, that the function still has the
 * policies and dry-run switch the prepare step read, and that every item is one the prepare step wrote. Any
 * mismatch is a refusal: nothing is deleted.
 */
import type { Batch } from "./batchEvent";
import { refuse } from "./refusal";
import type { StoredRun } from "./storedRun";

/** How far in the future a stored run's time may be: Lambda's clocks are synchronised, so a little. */
export const MAX_CLOCK_SKEW_MS = 60_000;

export interface FunctionState {
  apply: boolean;
  configFingerprint: string;
  timeLimitMs: number;
  clock: Date;
}

function checkTimes(stored: StoredRun, fn: FunctionState): void {
  const storedAt = Date.parse(stored.storedAt);
  const age = fn.clock.getTime() - storedAt;
  if (age > fn.timeLimitMs) {
    refuse(`the run was stored at ${stored.storedAt}, longer ago than the run's time limit (${fn.timeLimitMs / 1000} s): no execution lives that long, so this batch is a replay`);
  }
  if (-age > MAX_CLOCK_SKEW_MS) refuse(`the run was stored at ${stored.storedAt}, later than the clock (${fn.clock.toISOString()})`);
  if (Date.parse(stored.now) > storedAt) refuse(`the run's now (${stored.now}) is later than when it was stored (${stored.storedAt})`);
}

function checkFunction(stored: StoredRun, fn: FunctionState): void {
  if (stored.configFingerprint !== fn.configFingerprint) refuse("the function's policies or settings changed since this run's prepare step read them");
  if (stored.apply !== fn.apply) refuse(`the function's dry-run switch changed since this run's prepare step read it (${stored.apply ? "apply" : "dry run"} then)`);
}

function checkItems(batch: Batch, stored: StoredRun): void {
  const governed = new Set(stored.governed);
  for (const { index, repository } of batch.items) {
    if (!governed.has(repository)) refuse(`${JSON.stringify(repository.slice(0, 256))} is not one of the run's governed repositories`);
    if (stored.governed[index] !== repository) refuse(`item ${index} (${repository}) is not one the prepare step wrote: position ${index} is ${stored.governed[index] ?? "past the end"}`);
  }
}

export function checkBatch(batch: Batch, stored: StoredRun, fn: FunctionState): void {
  checkTimes(stored, fn);
  checkFunction(stored, fn);
  checkItems(batch, stored);
}
