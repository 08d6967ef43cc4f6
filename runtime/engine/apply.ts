/**
 * Carries out a repository's plan: wave by wave (every index before its children), at most 100 digests a call.
 * Just before each call the repository is read again: anything that changed since the plan is kept, and when a
 * channel now stands at an older image (a rollback widens the window) nothing more is deleted in this repository.
 * A member is deleted only while every image that holds it was deleted by this run. What each call did is read
 * back exactly: a lost response or an image neither confirmed nor refused is described again.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import { deleteByDigest } from "../ecr/delete";
import { updateStorageClass } from "../ecr/storageClass";
import { describeByDigest, MAX_IDS_PER_CALL, recheck, RepositorySize } from "../ecr/recheck";
import { planNoLongerHolds } from "../planner/channels";
import { deletions, overrideToKeep } from "../planner/plan";
import type { ImageDecision, Policy, RepositoryPlan } from "../planner/types";
import { chunks } from "../shared/chunks";
import { mapConcurrent } from "../shared/pool";
import { isDeadlineExpiry } from "../shared/deadline";
import { errorCode, errorMessage } from "../shared/errors";
import type { ImageLine, RunError } from "./report";

/**
 * One delete or archive call's outcome, reported as soon as it is known (the Lambda logs it and `--journal` writes it,
 * so a run cut off still tells). An archive call is one image's UpdateImageStorageClass.
 */
export interface DeleteCallOutcome {
  repository: string;
  /** Digests this call deleted. */
  deleted: string[];
  /** Digests this call did not delete, with ECR's failure code (or the error that ended the call). */
  failed: { digest: string; code: string }[];
  /** Set for an archive call (UpdateImageStorageClass, one image): the digest archived, or none when it failed. */
  archived?: string[];
}

export type DeleteCallListener = (outcome: DeleteCallOutcome) => void;

export type Outcome = Pick<ImageLine, "outcome" | "failure">;

export interface ApplyInput {
  client: ECRClient;
  plan: RepositoryPlan;
  policies: readonly Policy[];
  /** The plan's `now` (epoch ms): grouped policies decide again with it before each call. */
  now: number;
  size: RepositorySize;
  /** Whether a newer pull time of this image counts as a change since the plan. */
  watchPulls: (digest: string) => boolean;
  onDeleteCall?: DeleteCallListener;
  /** In a time-limited run: whether to stop before the next batch (the next run continues with this repository). */
  outOfTime?: () => boolean;
  /**
   * Told to stop (SIGINT or SIGTERM in the CLI): no delete or archive call starts after it, the calls in flight finish,
   * and what was not acted on is kept as `interrupted`.
   */
  signal?: AbortSignal;
  /** UpdateImageStorageClass calls in flight at once in this repository. Defaults to ARCHIVE_CONCURRENCY. */
  archiveConcurrency?: number;
}

/** Archive calls in flight per repository: one image a call, so they run side by side within the SDK's adaptive retry. */
export const ARCHIVE_CONCURRENCY = 10;

export interface ApplyResult {
  /** Filled in as the calls return, so that what was deleted is known even if the repository fails later. */
  outcomes: Map<string, Outcome>;
  errors: RunError[];
  /** Why deleting stopped early without a failure (a channel rolled back, the run's time ran out). */
  notes: string[];
  /** Set when the run's time ran out before this repository was done: the next run starts with it. */
  outOfTime?: boolean;
}

/** Fills `result` as it goes; never throws (what went wrong is in `result.errors`). */
export async function applyPlan(input: ApplyInput, result: ApplyResult = { outcomes: new Map(), errors: [], notes: [] }): Promise<ApplyResult> {
  const { client, plan } = input;
  const repository = plan.repository;
  const planned = deletions(plan);
  const toDelete = planned.filter((d) => d.action === "delete");
  const toArchive = planned.filter((d) => d.action === "archive");
  const deletedByThisRun = (digest: string) => result.outcomes.get(digest)?.outcome === "deleted";
  const archivedByThisRun = (digest: string) => result.outcomes.get(digest)?.outcome === "archived";
  const taggedDigests = new Set(planned.filter((d) => d.image.tags.length > 0).map((d) => d.image.digest));
  let stopped = false;
  let stopReason: "changed-since-plan" | "out-of-time" | "interrupted" = "changed-since-plan";
  /** True once the run was told to stop: from then on nothing more is deleted or archived here. */
  const interrupted = (): boolean => {
    if (!input.signal?.aborted) return false;
    if (!stopped) {
      stopped = true;
      stopReason = "interrupted";
      result.notes.push("the run was interrupted: nothing more is deleted or archived in this repository (interrupted)");
    }
    return true;
  };

  try {
    // Deletions first, every index in an earlier call than its children (ECR refuses the reverse).
    for (const wave of wavesOf(toDelete, "ascending")) {
      await applyWave(wave, deleteBatch, (d) => (!d.heldBy || d.heldBy.every(deletedByThisRun) ? undefined : "member-of-kept"), () => []);
    }
    // Then archives, a unit's members before the images that hold them: a run cut off between the two leaves an
    // active index whose manifest the next run reads again, never an archived index whose children it cannot know.
    const holds = membersByHolder(toArchive);
    const archiving = new Map(toArchive.map((d) => [d.image.digest, d]));
    // A holder still to archive is re-checked with its members: one that changed keeps them (and itself) active.
    // Transitively: a signature of a platform manifest stays when the index above them changed.
    const pendingHolders = (d: ImageDecision): ImageDecision[] => {
      const found = new Set<ImageDecision>();
      const visit = (x: ImageDecision) => {
        for (const h of x.heldBy ?? []) {
          const holder = archiving.get(h);
          if (!holder || holder.action !== "archive" || archivedByThisRun(h) || found.has(holder)) continue;
          found.add(holder);
          visit(holder);
        }
      };
      visit(d);
      return [...found];
    };
    for (const wave of wavesOf(toArchive, "descending")) {
      await applyWave(wave, archiveBatch, (d) => {
        if (!(holds.get(d.image.digest) ?? []).every((m) => archivedByThisRun(m.image.digest))) return "member-not-archived";
        // Every holder goes: deleted by this run, or archived after it.
        const held = (d.heldBy ?? []).every((h) => deletedByThisRun(h) || archiving.get(h)?.action === "archive");
        return held ? undefined : "member-of-kept";
      }, pendingHolders);
    }
    await restoreUnderChangedHolders(holds);
  } catch (err) {
    // An API error after the SDK's retries, or a bug: stop this repository; what was already done stays reported.
    result.errors.push({ kind: "api-error", repository, code: errorCode(err), message: `deleting stopped: ${errorMessage(err)}` });
  }
  return result;

  /**
   * One wave: the decisions whose precondition holds (for a delete, every holder deleted by this run; for an archive,
   * every member archived by this run), re-checked just before each call as the spec's rule 3 says.
   */
  async function applyWave(
    wave: ImageDecision[],
    act: (batch: ImageDecision[]) => Promise<void>,
    notReady: (decision: ImageDecision) => "member-of-kept" | "member-not-archived" | undefined,
    alsoCheck: (decision: ImageDecision) => ImageDecision[],
  ): Promise<void> {
    const candidates: ImageDecision[] = [];
    for (const decision of wave) {
      const why = stopped ? stopReason : notReady(decision);
      if (why) overrideToKeep(decision, why);
      else candidates.push(decision);
    }
    for (const batch of checkBatches(candidates, alsoCheck)) {
      // Archive waves take a call per image: under a time limit they stop between batches (deletions finish, as before).
      if (!stopped && act === archiveBatch && input.outOfTime?.()) {
        stopped = true;
        stopReason = "out-of-time";
        result.outOfTime = true;
        result.notes.push("the run's time ran out: the next run continues with this repository (out-of-time)");
      }
      if (stopped || interrupted()) {
        for (const decision of batch) overrideToKeep(decision, stopReason);
        continue;
      }
      // Taken before the re-check: a holder it turns into a keep must still keep its members.
      const needs = new Map(batch.map((d) => [d, alsoCheck(d)]));
      const extra = [...new Set([...needs.values()].flat())].filter((d) => !batch.includes(d));
      const byDigest = new Map([...batch, ...extra].map((d) => [d.image.digest, d]));
      const checked = await recheck(client, repository, [...batch, ...extra].map((d) => d.image), input.size, input.watchPulls);
      for (const { image } of checked.changed) overrideToKeep(byDigest.get(image.digest)!, "changed-since-plan");
      // A member whose holder changed stays with it.
      for (const decision of batch) {
        if (decision.action !== "keep" && needs.get(decision)!.some((holder) => holder.action === "keep")) overrideToKeep(decision, "changed-since-plan");
      }
      checked.unchanged = checked.unchanged.filter((image) => batch.some((d) => d.image.digest === image.digest && d.action !== "keep"));
      // Deleted or archived by this run (an archived tagged member leaves the tagged listing): not a change by others.
      const gone = (digest: string) => deletedByThisRun(digest) || archivedByThisRun(digest) || (checked.present !== undefined && !checked.present.has(digest));
      const widened = planNoLongerHolds(plan, input.policies, checked.tagged, gone, { decisions: plan.decisions, now: input.now });
      if (widened) {
        stopped = true;
        result.notes.push(`${widened}: nothing more is deleted or archived in this repository in this run (changed-since-plan)`);
        for (const image of checked.unchanged) overrideToKeep(byDigest.get(image.digest)!, "changed-since-plan");
        continue;
      }
      // Told to stop during the re-check: this batch's call does not start either.
      if (interrupted()) for (const image of checked.unchanged) overrideToKeep(byDigest.get(image.digest)!, "interrupted");
      else if (checked.unchanged.length) await act(checked.unchanged.map((image) => byDigest.get(image.digest)!));
    }
  }

  /**
   * Members go before their holder, so a holder that changed after its members were archived (tagged, a rollback
   * onto it, or the repository stopped as changed-since-plan) is left active with members it cannot be pulled
   * without. Someone wants that image now: restore what this run archived under it, and say so.
   */
  async function restoreUnderChangedHolders(holds: Map<string, ImageDecision[]>): Promise<void> {
    const under = new Map<string, string>();
    const visit = (holder: string, top: string) => {
      for (const member of holds.get(holder) ?? []) {
        if (!archivedByThisRun(member.image.digest) || under.has(member.image.digest)) continue;
        under.set(member.image.digest, top);
        visit(member.image.digest, top);
      }
    };
    for (const d of toArchive) if (d.action === "keep" && d.reason === "changed-since-plan") visit(d.image.digest, d.image.digest);
    for (const [digest, holder] of under) {
      try {
        await updateStorageClass(client, repository, digest, "STANDARD");
        result.errors.push({
          kind: "archive-failed",
          repository,
          digest,
          code: "HolderChanged",
          message: `${holder} changed after this run archived its member ${digest}, so it stayed active: ${digest} was restored (ACTIVATING, typically up to 20 minutes)`,
        });
      } catch (err) {
        result.errors.push({
          kind: "archive-failed",
          repository,
          digest,
          code: errorCode(err),
          message: `${holder} changed after this run archived its member ${digest}, so it stayed active, and restoring ${digest} failed (${errorMessage(err)}): restore it with ecr-cleanup restore --repository ${repository} --digest ${digest}`,
        });
      }
    }
  }

  /** One UpdateImageStorageClass call per image, side by side; each image's outcome read back exactly. */
  async function archiveBatch(batch: ImageDecision[]): Promise<void> {
    const archivedHere: string[] = [];
    const unsure: { digest: string; err: unknown }[] = [];
    let fatal: unknown;
    await mapConcurrent(batch, input.archiveConcurrency ?? ARCHIVE_CONCURRENCY, async (decision) => {
      const { image } = decision;
      if (fatal !== undefined) return;
      // One call an image: told to stop, the calls in flight finish and no other starts.
      if (interrupted()) return overrideToKeep(decision, "interrupted");
      try {
        const status = await updateStorageClass(client, repository, image.digest, "ARCHIVE");
        if (status === "ARCHIVED") archived(image.digest);
        else unsure.push({ digest: image.digest, err: undefined });
      } catch (err) {
        // Throttled past the SDK's retries: stop this repository (the next run continues); the rest are settled below.
        if (isThrottling(err)) fatal = err;
        unsure.push({ digest: image.digest, err });
      }
    });
    // Whatever ECR answered (ImageStorageClassUpdateNotSupportedException after a retried call that did archive, a
    // lost answer), what the image's status is now tells: archived is archived, anything else failed.
    if (unsure.length) {
      let now: Map<string, ImageDecision["image"]> | undefined;
      let describeErr: unknown;
      try {
        now = await describeAgain(client, repository, unsure.map((u) => u.digest));
      } catch (err) {
        describeErr = err;
      }
      for (const { digest, err } of unsure) {
        const status = now?.get(digest)?.status;
        if (now && status === "ARCHIVED") archived(digest);
        else if (now && !now.has(digest)) {
          // Deleted by someone else since the re-check: not this run's doing, and nothing to archive.
          overrideToKeep(batch.find((d) => d.image.digest === digest)!, "changed-since-plan");
        } else {
          const code = err ? errorCode(err) : now ? "ArchiveUnconfirmed" : errorCode(describeErr);
          const why = err ? errorMessage(err) : `ECR answered status ${status ?? "unknown"}`;
          result.outcomes.set(digest, { outcome: now ? "failed" : "unconfirmed", failure: { code, reason: why } });
          input.onDeleteCall?.({ repository, deleted: [], failed: [{ digest, code }], archived: [] });
          result.errors.push({ kind: "archive-failed", repository, digest, code, message: `ECR did not archive ${digest}: ${code} (${why})` });
        }
      }
    }
    input.size.tagged -= archivedHere.filter((digest) => taggedDigests.has(digest)).length;
    if (fatal !== undefined) throw fatal;

    /** Reported call by call, as each is known: a run cut off in the middle of a batch still tells. */
    function archived(digest: string): void {
      result.outcomes.set(digest, { outcome: "archived" });
      archivedHere.push(digest);
      input.onDeleteCall?.({ repository, deleted: [], failed: [], archived: [digest] });
    }
  }

  async function deleteBatch(batch: ImageDecision[]): Promise<void> {
    const digests = batch.map((d) => d.image.digest);
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

/** Batches whose re-check (the candidates and what else each needs checked) names at most MAX_IDS_PER_CALL images. */
function checkBatches(candidates: readonly ImageDecision[], alsoCheck: (decision: ImageDecision) => ImageDecision[]): ImageDecision[][] {
  const batches: ImageDecision[][] = [];
  let batch: ImageDecision[] = [];
  let named = new Set<ImageDecision>();
  for (const decision of candidates) {
    const needs = [decision, ...alsoCheck(decision)].filter((d) => !named.has(d));
    if (batch.length && named.size + needs.length > MAX_IDS_PER_CALL) {
      batches.push(batch);
      batch = [];
      named = new Set();
    }
    batch.push(decision);
    for (const d of [decision, ...alsoCheck(decision)]) named.add(d);
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/** The decisions grouped by wave, in the order their calls go. */
function wavesOf(decisions: readonly ImageDecision[], order: "ascending" | "descending"): ImageDecision[][] {
  const waves = [...new Set(decisions.map((d) => d.wave))].sort((a, b) => (order === "ascending" ? a - b : b - a));
  return waves.map((wave) => decisions.filter((d) => d.wave === wave));
}

/** For each image to archive, the images to archive that it holds (they go first). */
function membersByHolder(decisions: readonly ImageDecision[]): Map<string, ImageDecision[]> {
  const holds = new Map<string, ImageDecision[]>();
  for (const decision of decisions) {
    for (const holder of decision.heldBy ?? []) {
      const list = holds.get(holder);
      if (list) list.push(decision);
      else holds.set(holder, [decision]);
    }
  }
  return holds;
}

function isThrottling(err: unknown): boolean {
  const name = (err as { name?: string })?.name ?? "";
  return name === "ThrottlingException" || name === "TooManyRequestsException";
}

/** Rounds of describing again (each with the SDK's own retries) before an outcome is left unconfirmed. */
const SETTLE_ROUNDS = 3;
const SETTLE_PAUSE_MS = 250;

/** What is still there, asked again after a pause when the SDK's retries ran out (throttling, a network blip). */
async function describeAgain(client: ECRClient, repository: string, digests: readonly string[]): Promise<Map<string, ImageDecision["image"]>> {
  for (let round = 1; ; round++) {
    try {
      return await describeByDigest(client, repository, digests);
    } catch (err) {
      // Rounds are for throttling and blips: an endpoint that let every attempt expire is not asked again.
      if (round >= SETTLE_ROUNDS || isDeadlineExpiry(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS * round));
    }
  }
}
