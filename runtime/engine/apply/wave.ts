/**
 * One wave of a plan's calls: the decisions whose precondition holds (for a delete, every holder deleted by this run;
 * for an archive, every member archived by this run), cut into batches, each re-checked just before its call: what
 * changed since the plan stays, and when a channel now stands at an older image (a rollback widens the window)
 * nothing more is deleted or archived in this repository in this run.
 */
import { recheck } from "../../ecr/recheck";
import { planNoLongerHolds } from "../../planner/channels";
import { overrideToKeep } from "../../planner/plan";
import type { ImageDecision } from "../../planner/types";
import { checkBatches, type NotReady } from "./order";
import { archivedByThisRun, deletedByThisRun, interrupted, type ApplyRun } from "./types";

export interface WaveStep {
  /** Carries out one re-checked batch (a delete call, or archive calls). */
  act: (run: ApplyRun, batch: ImageDecision[]) => Promise<void>;
  notReady: (decision: ImageDecision) => NotReady | undefined;
  /** What is re-checked with a decision (an archive's holders still to archive): one of them changed keeps it. */
  alsoCheck: (decision: ImageDecision) => ImageDecision[];
  /** Archive waves take a call per image: under a time limit they stop between batches (deletions finish). */
  stopsWhenOutOfTime: boolean;
}

export async function applyWave(run: ApplyRun, wave: readonly ImageDecision[], step: WaveStep): Promise<void> {
  const candidates: ImageDecision[] = [];
  for (const decision of wave) {
    const why = run.stopped ?? step.notReady(decision);
    if (why) overrideToKeep(decision, why);
    else candidates.push(decision);
  }
  for (const batch of checkBatches(candidates, step.alsoCheck)) {
    if (!run.stopped && step.stopsWhenOutOfTime && run.input.outOfTime?.()) {
      run.stopped = "out-of-time";
      run.result.outOfTime = true;
      run.result.notes.push("the run's time ran out: the next run continues with this repository (out-of-time)");
    }
    if (run.stopped || interrupted(run)) {
      for (const decision of batch) overrideToKeep(decision, run.stopped!);
      continue;
    }
    const ready = await recheckBatch(run, batch, step.alsoCheck);
    // Told to stop during the re-check: this batch's call does not start either.
    if (interrupted(run)) for (const decision of ready) overrideToKeep(decision, "interrupted");
    else if (ready.length) await step.act(run, ready);
  }
}

/** Re-reads the repository for a batch: the decisions still to act on (none once the repository stopped). */
async function recheckBatch(run: ApplyRun, batch: readonly ImageDecision[], alsoCheck: WaveStep["alsoCheck"]): Promise<ImageDecision[]> {
  const { input } = run;
  // Taken before the re-check: a holder it turns into a keep must still keep its members.
  const needs = new Map(batch.map((d) => [d, alsoCheck(d)]));
  const extra = [...new Set([...needs.values()].flat())].filter((d) => !batch.includes(d));
  const byDigest = new Map([...batch, ...extra].map((d) => [d.image.digest, d]));
  const checked = await recheck(input.client, run.repository, [...batch, ...extra].map((d) => d.image), input.size, input.watchPulls);
  for (const { image } of checked.changed) overrideToKeep(byDigest.get(image.digest)!, "changed-since-plan");
  // A member whose holder changed stays with it.
  for (const decision of batch) {
    if (decision.action !== "keep" && needs.get(decision)!.some((holder) => holder.action === "keep")) overrideToKeep(decision, "changed-since-plan");
  }
  const unchanged = checked.unchanged.filter((image) => batch.some((d) => d.image.digest === image.digest && d.action !== "keep"));
  // Deleted or archived by this run (an archived tagged member leaves the tagged listing): not a change by others.
  const gone = (digest: string) => deletedByThisRun(run, digest) || archivedByThisRun(run, digest) || (checked.present !== undefined && !checked.present.has(digest));
  const widened = planNoLongerHolds(input.plan, input.policies, checked.tagged, gone, { decisions: input.plan.decisions, now: input.now });
  if (widened) {
    run.stopped = "changed-since-plan";
    run.result.notes.push(`${widened}: nothing more is deleted or archived in this repository in this run (changed-since-plan)`);
    for (const image of unchanged) overrideToKeep(byDigest.get(image.digest)!, "changed-since-plan");
    return [];
  }
  return unchanged.map((image) => byDigest.get(image.digest)!);
}
