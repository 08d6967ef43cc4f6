/**
 * UpdateImageStorageClass calls for a re-checked batch, one image a call, side by side; what each did read back
 * exactly. Whatever ECR answered other than ARCHIVED (ImageStorageClassUpdateNotSupportedException after a retried
 * call that did archive, a lost answer), the image's status now tells: archived is archived, anything else failed.
 */
import { updateStorageClass } from "../../ecr/storageClass";
import { overrideToKeep } from "../../planner/plan";
import type { ImageDecision, ImageRecord } from "../../planner/types";
import { mapConcurrent } from "../../shared/pool";
import { describeAgain, settledArchive } from "./settle";
import { ARCHIVE_CONCURRENCY, interrupted, type ApplyRun } from "./types";

export async function archiveBatch(run: ApplyRun, batch: ImageDecision[]): Promise<void> {
  const { input, repository } = run;
  const archivedHere: string[] = [];
  // Reported call by call, as each is known: a run cut off in the middle of a batch still tells.
  const archived = (digest: string) => {
    run.result.outcomes.set(digest, { outcome: "archived" });
    archivedHere.push(digest);
    input.onDeleteCall?.({ repository, deleted: [], failed: [], archived: [digest] });
  };
  const unsure: { digest: string; err: unknown }[] = [];
  let fatal: unknown;
  await mapConcurrent(batch, input.archiveConcurrency ?? ARCHIVE_CONCURRENCY, async (decision) => {
    const { image } = decision;
    if (fatal !== undefined) return;
    // One call an image: told to stop, the calls in flight finish and no other starts.
    if (interrupted(run)) return overrideToKeep(decision, "interrupted");
    try {
      const status = await updateStorageClass(input.client, repository, image.digest, "ARCHIVE");
      if (status === "ARCHIVED") archived(image.digest);
      else unsure.push({ digest: image.digest, err: undefined });
    } catch (err) {
      // Throttled past the SDK's retries: stop this repository (the next run continues); the rest are settled below.
      if (isThrottling(err)) fatal = err;
      unsure.push({ digest: image.digest, err });
    }
  });
  if (unsure.length) {
    let now: Map<string, ImageRecord> | undefined;
    let describeError: unknown;
    try {
      now = await describeAgain(input.client, repository, unsure.map((u) => u.digest));
    } catch (err) {
      describeError = err;
    }
    for (const { digest, err } of unsure) {
      const verdict = settledArchive(digest, err, now, describeError);
      if (verdict === "archived") archived(digest);
      // Deleted by someone else since the re-check: not this run's doing, and nothing to archive.
      else if (verdict === "vanished") overrideToKeep(batch.find((d) => d.image.digest === digest)!, "changed-since-plan");
      else {
        run.result.outcomes.set(digest, verdict.outcome);
        input.onDeleteCall?.({ repository, deleted: [], failed: [{ digest, code: verdict.error!.code }], archived: [] });
        run.result.errors.push({ kind: "archive-failed", repository, digest, ...verdict.error! });
      }
    }
  }
  input.size.tagged -= archivedHere.filter((digest) => run.taggedDigests.has(digest)).length;
  if (fatal !== undefined) throw fatal;
}

function isThrottling(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? "";
  return name === "ThrottlingException" || name === "TooManyRequestsException";
}
