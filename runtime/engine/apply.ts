/**
 * Carries out a repository's plan: wave by wave (every index before its children), at most 100 digests a call.
 * Just before each call the repository is read again: anything that changed since the plan is kept, and when a
 * channel now stands at an older image (a rollback widens the window) nothing more is deleted in this repository.
 * A member is deleted only while every image that holds it was deleted by this run. What each call did is read
 * back exactly: a lost response or an image neither confirmed nor refused is described again.
 *
 * The steps live in runtime/engine/apply/: the order of the calls (order.ts), one wave and its re-checks (wave.ts),
 * the delete and archive calls (deleteBatch.ts, archiveBatch.ts), settling what a call's answer did not say
 * (settle.ts), restoring what was archived under a holder that changed (restoreUnderHolders.ts), and naming the
 * units a stop left archived in part (halfArchived.ts).
 */
import { deletions } from "../planner/plan";
import { errorCode, errorMessage, serverFaultMark } from "../shared/errors";
import { archiveBatch } from "./apply/archiveBatch";
import { deleteBatch } from "./apply/deleteBatch";
import { halfArchivedNote, halfArchivedUnits } from "./apply/halfArchived";
import { archiveNotReady, deleteNotReady, membersByHolder, pendingHolders, wavesOf } from "./apply/order";
import { membersToRestore, restoreUnderChangedHolders } from "./apply/restoreUnderHolders";
import { archivedByThisRun, deletedByThisRun, type ApplyInput, type ApplyResult, type ApplyRun } from "./apply/types";
import { applyWave } from "./apply/wave";

export { ARCHIVE_CONCURRENCY } from "./apply/types";
export type { ApplyInput, ApplyResult, DeleteCallListener, DeleteCallOutcome, Outcome } from "./apply/types";

/** Fills `result` as it goes; never throws (what went wrong is in `result.errors`). */
export async function applyPlan(input: ApplyInput, result: ApplyResult = { outcomes: new Map(), errors: [], notes: [] }): Promise<ApplyResult> {
  const planned = deletions(input.plan);
  const run: ApplyRun = {
    input,
    result,
    repository: input.plan.repository,
    taggedDigests: new Set(planned.filter((d) => d.image.tags.length > 0).map((d) => d.image.digest)),
  };
  const deleted = (digest: string) => deletedByThisRun(run, digest);
  const archived = (digest: string) => archivedByThisRun(run, digest);
  const toDelete = planned.filter((d) => d.action === "delete");
  const toArchive = planned.filter((d) => d.action === "archive");
  try {
    // Deletions first, every index in an earlier call than its children (ECR refuses the reverse).
    for (const wave of wavesOf(toDelete, "ascending")) {
      await applyWave(run, wave, { act: deleteBatch, notReady: (d) => deleteNotReady(d, deleted), alsoCheck: () => [], stopsWhenOutOfTime: false });
    }
    // Then archives, a unit's members before the images that hold them: a run cut off between the two leaves an
    // active index whose manifest the next run reads again, never an archived index whose children it cannot know.
    const holds = membersByHolder(toArchive);
    const archiving = new Map(toArchive.map((d) => [d.image.digest, d]));
    for (const wave of wavesOf(toArchive, "descending")) {
      await applyWave(run, wave, {
        act: archiveBatch,
        notReady: (d) => archiveNotReady(d, holds, archiving, deleted, archived),
        // A holder still to archive is re-checked with its members: one that changed keeps them (and itself) active.
        alsoCheck: (d) => pendingHolders(d, archiving, archived),
        stopsWhenOutOfTime: true,
      });
    }
    const restoring = membersToRestore(toArchive, holds, archived);
    await restoreUnderChangedHolders(run, restoring);
    // Stopped between a unit's calls: the report (and the CLI's journal) says which units are half-archived.
    const half = halfArchivedUnits(toArchive, (digest) => archived(digest) && !restoring.has(digest));
    if (half.length) {
      result.halfArchived = half;
      result.notes.push(...half.map((unit) => halfArchivedNote(run.repository, unit)));
    }
  } catch (err) {
    // An API error after the SDK's retries, or a bug: stop this repository; what was already done stays reported.
    result.errors.push({ kind: "api-error", repository: run.repository, code: errorCode(err), message: `deleting stopped: ${errorMessage(err)}`, ...serverFaultMark(err) });
  }
  return result;
}
