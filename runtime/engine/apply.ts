/**
 * Carries out a repository's plan: wave by wave (every index before its children), at most 100 digests a
 * call, each batch described again just before its delete. Anything that changed since the plan is kept;
 * a unit whose top-level image was not deleted keeps its members.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import { deleteByDigest } from "../ecr/delete";
import { MAX_IDS_PER_CALL, recheck } from "../ecr/recheck";
import { deletions, overrideToKeep } from "../planner/plan";
import type { ImageDecision, RepositoryPlan, SafetyKeepReason } from "../planner/types";
import { chunks } from "./chunks";
import { errorCode, errorMessage } from "./errors";
import type { ImageLine, RunError } from "./report";

/** One delete call's outcome, reported as soon as ECR answers (the Lambda logs it, so a run cut off still tells). */
export interface DeleteCallOutcome {
  repository: string;
  /** Digests this call deleted. */
  deleted: string[];
  /** Digests this call did not delete, with ECR's failure code (or the error that ended the call). */
  failed: { digest: string; code: string }[];
}

export type DeleteCallListener = (outcome: DeleteCallOutcome) => void;

export interface ApplyResult {
  outcomes: Map<string, Pick<ImageLine, "outcome" | "failure">>;
  errors: RunError[];
}

export async function applyPlan(
  client: ECRClient,
  plan: RepositoryPlan,
  watchPulls: (digest: string) => boolean,
  onDeleteCall: DeleteCallListener = () => {},
): Promise<ApplyResult> {
  const repository = plan.repository;
  const result: ApplyResult = { outcomes: new Map(), errors: [] };
  const planned = deletions(plan);
  // Top-level images (and members) that were not deleted: their units' members must stay.
  const notDeleted = new Set<string>();
  const keep = (decision: ImageDecision, reason: SafetyKeepReason) => {
    overrideToKeep(decision, reason);
    notDeleted.add(decision.image.digest);
  };

  const waves = [...new Set(planned.map((d) => d.wave))].sort((a, b) => a - b);
  try {
    for (const wave of waves) {
      await applyWave(wave);
    }
  } catch (err) {
    // An API error after the SDK's retries: stop this repository; what was already deleted stays reported.
    result.errors.push({ kind: "api-error", repository, code: errorCode(err), message: `deleting stopped: ${errorMessage(err)}` });
  }
  return result;

  async function applyWave(wave: number): Promise<void> {
    const candidates: ImageDecision[] = [];
    for (const decision of planned.filter((d) => d.wave === wave)) {
      if (decision.unitOf && notDeleted.has(decision.unitOf)) keep(decision, "member-of-kept");
      else candidates.push(decision);
    }
    for (const batch of chunks(candidates, MAX_IDS_PER_CALL)) {
      const byDigest = new Map(batch.map((d) => [d.image.digest, d]));
      const checked = await recheck(client, repository, batch.map((d) => d.image), watchPulls);
      for (const { image } of checked.changed) keep(byDigest.get(image.digest)!, "changed-since-plan");
      if (checked.unchanged.length === 0) continue;

      const deleted = await deleteByDigest(client, repository, checked.unchanged.map((image) => image.digest));
      for (const failure of deleted.failures) {
        const decision = byDigest.get(failure.digest);
        if (!decision) continue;
        if (failure.code === "ImageNotFound") {
          // Vanished since the re-check (another cleaner, or our own call retried after a dropped connection): not a failure.
          keep(decision, "changed-since-plan");
          continue;
        }
        notDeleted.add(failure.digest);
        result.outcomes.set(failure.digest, { outcome: "failed", failure: { code: failure.code, reason: failure.reason } });
        result.errors.push({
          kind: "delete-failed",
          repository,
          digest: failure.digest,
          code: failure.code,
          message: `ECR refused to delete ${failure.digest}: ${failure.code}${failure.reason ? ` (${failure.reason})` : ""}`,
        });
      }
      onDeleteCall({
        repository,
        deleted: checked.unchanged.filter((image) => deleted.deleted.has(image.digest)).map((image) => image.digest),
        failed: deleted.failures.map((failure) => ({ digest: failure.digest, code: failure.code })),
      });
      for (const image of checked.unchanged) {
        if (deleted.deleted.has(image.digest)) result.outcomes.set(image.digest, { outcome: "deleted" });
        else if (!result.outcomes.has(image.digest)) {
          // Neither confirmed nor refused: count it as not deleted, so its members stay.
          notDeleted.add(image.digest);
          result.outcomes.set(image.digest, { outcome: "unconfirmed" });
        }
      }
    }
  }
}
