/**
 * Carries out a repository's plan: wave by wave (every index before its children), at most 100 digests a call.
 * Just before each call the repository is read again: anything that changed since the plan is kept, and when a
 * channel now stands at an older image (a rollback widens the window) nothing more is deleted in this repository.
 * A member is deleted only while every image that holds it was deleted by this run. What each call did is read
 * back exactly: a lost response or an image neither confirmed nor refused is described again.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import { deleteByDigest } from "../ecr/delete";
import { describeByDigest, MAX_IDS_PER_CALL, recheck, RepositorySize } from "../ecr/recheck";
import { planNoLongerHolds } from "../planner/channels";
import { deletions, overrideToKeep } from "../planner/plan";
import type { ImageDecision, Policy, RepositoryPlan } from "../planner/types";
import { chunks } from "./chunks";
import { errorCode, errorMessage } from "./errors";
import type { ImageLine, RunError } from "./report";

/** One delete call's outcome, reported as soon as it is known (the Lambda logs it, so a run cut off still tells). */
export interface DeleteCallOutcome {
  repository: string;
  /** Digests this call deleted. */
  deleted: string[];
  /** Digests this call did not delete, with ECR's failure code (or the error that ended the call). */
  failed: { digest: string; code: string }[];
}

export type DeleteCallListener = (outcome: DeleteCallOutcome) => void;

export type Outcome = Pick<ImageLine, "outcome" | "failure">;

export interface ApplyInput {
  client: ECRClient;
  plan: RepositoryPlan;
  policies: readonly Policy[];
  size: RepositorySize;
  /** Whether a newer pull time of this image counts as a change since the plan. */
  watchPulls: (digest: string) => boolean;
  onDeleteCall?: DeleteCallListener;
}

export interface ApplyResult {
  /** Filled in as the calls return, so that what was deleted is known even if the repository fails later. */
  outcomes: Map<string, Outcome>;
  errors: RunError[];
  /** Why deleting stopped early without a failure (a channel rolled back). */
  notes: string[];
}

/** Fills `result` as it goes; never throws (what went wrong is in `result.errors`). */
export async function applyPlan(input: ApplyInput, result: ApplyResult = { outcomes: new Map(), errors: [], notes: [] }): Promise<ApplyResult> {
  const { client, plan } = input;
  const repository = plan.repository;
  const planned = deletions(plan);
  const deletedByThisRun = (digest: string) => result.outcomes.get(digest)?.outcome === "deleted";
  const taggedDigests = new Set(planned.filter((d) => d.image.tags.length > 0).map((d) => d.image.digest));
  let stopped = false;

  const waves = [...new Set(planned.map((d) => d.wave))].sort((a, b) => a - b);
  try {
    for (const wave of waves) await applyWave(planned.filter((d) => d.wave === wave));
  } catch (err) {
    // An API error after the SDK's retries, or a bug: stop this repository; what was already deleted stays reported.
    result.errors.push({ kind: "api-error", repository, code: errorCode(err), message: `deleting stopped: ${errorMessage(err)}` });
  }
  return result;

  async function applyWave(wave: ImageDecision[]): Promise<void> {
    const candidates: ImageDecision[] = [];
    for (const decision of wave) {
      if (stopped) overrideToKeep(decision, "changed-since-plan");
      else if (decision.heldBy && !decision.heldBy.every(deletedByThisRun)) overrideToKeep(decision, "member-of-kept");
      else candidates.push(decision);
    }
    for (const batch of chunks(candidates, MAX_IDS_PER_CALL)) {
      if (stopped) {
        for (const decision of batch) overrideToKeep(decision, "changed-since-plan");
        continue;
      }
      const byDigest = new Map(batch.map((d) => [d.image.digest, d]));
      const checked = await recheck(client, repository, batch.map((d) => d.image), input.size, input.watchPulls);
      for (const { image } of checked.changed) overrideToKeep(byDigest.get(image.digest)!, "changed-since-plan");
      const gone = (digest: string) => deletedByThisRun(digest) || (checked.present !== undefined && !checked.present.has(digest));
      const widened = planNoLongerHolds(plan, input.policies, checked.tagged, gone);
      if (widened) {
        stopped = true;
        result.notes.push(`${widened}: nothing more is deleted in this repository in this run (changed-since-plan)`);
        for (const image of checked.unchanged) overrideToKeep(byDigest.get(image.digest)!, "changed-since-plan");
        continue;
      }
      if (checked.unchanged.length) await deleteBatch(checked.unchanged.map((image) => image.digest));
    }
  }

  async function deleteBatch(digests: string[]): Promise<void> {
    const call: DeleteCallOutcome = { repository, deleted: [], failed: [] };
    const unconfirmed: string[] = [];
    let callError: unknown;
    try {
      const response = await deleteByDigest(client, repository, digests);
      const refused = new Map(response.failures.map((f) => [f.digest, f]));
      for (const digest of digests) {
        const failure = refused.get(digest);
        // ImageNotFound for an image the re-check just found: this run's call (or the SDK's retry of it) deleted it.
        if (response.deleted.has(digest) || failure?.code === "ImageNotFound") record(digest, { outcome: "deleted" });
        else if (failure) fail(digest, failure.code, `ECR refused to delete ${digest}: ${failure.code}${failure.reason ? ` (${failure.reason})` : ""}`, failure.reason);
        else unconfirmed.push(digest);
      }
    } catch (err) {
      callError = err;
      unconfirmed.push(...digests);
    }
    if (unconfirmed.length) await settle(unconfirmed, callError);
    // The next re-check reads a smaller repository.
    input.size.images -= call.deleted.length;
    input.size.tagged -= call.deleted.filter((digest) => taggedDigests.has(digest)).length;
    input.onDeleteCall?.(call);
    if (callError) throw callError;

    function record(digest: string, outcome: Outcome): void {
      result.outcomes.set(digest, outcome);
      if (outcome.outcome === "deleted") call.deleted.push(digest);
      else call.failed.push({ digest, code: outcome.failure?.code ?? "Unknown" });
    }
    function fail(digest: string, code: string, message: string, reason = ""): void {
      record(digest, { outcome: "failed", failure: { code, reason } });
      result.errors.push({ kind: "delete-failed", repository, digest, code, message });
    }
    /** The call's answer was lost or silent about these: whatever is gone now, it deleted. */
    async function settle(silent: string[], err: unknown): Promise<void> {
      const why = err ? `the delete call failed (${errorCode(err)})` : "the delete call neither confirmed nor refused it";
      let present: Map<string, unknown>;
      try {
        present = await describeAgain(client, repository, silent);
      } catch (describeErr) {
        for (const digest of silent) {
          record(digest, { outcome: "unconfirmed", failure: { code: errorCode(describeErr), reason: why } });
          result.errors.push({
            kind: "delete-failed",
            repository,
            digest,
            code: "DeleteUnconfirmed",
            message: `${why} for ${digest}, and describing it again failed (${errorMessage(describeErr)}): it may or may not be deleted`,
          });
        }
        return;
      }
      for (const digest of silent) {
        if (!present.has(digest)) record(digest, { outcome: "deleted" });
        // After a failed call the repository's error says why; a silent answer is this image's own failure.
        else if (err) record(digest, { outcome: "failed", failure: { code: errorCode(err), reason: why } });
        else fail(digest, "DeleteUnconfirmed", `${why} for ${digest}, which is still there`);
      }
    }
  }
}

/** Rounds of describing again (each with the SDK's own retries) before an outcome is left unconfirmed. */
const SETTLE_ROUNDS = 3;
const SETTLE_PAUSE_MS = 250;

/** What is still there, asked again after a pause when the SDK's retries ran out (throttling, a network blip). */
async function describeAgain(client: ECRClient, repository: string, digests: readonly string[]): Promise<Map<string, unknown>> {
  for (let round = 1; ; round++) {
    try {
      return await describeByDigest(client, repository, digests);
    } catch (err) {
      if (round >= SETTLE_ROUNDS) throw err;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS * round));
    }
  }
}
