/**
 * One BatchDeleteImage call for a re-checked batch, and what it did to each image read back exactly: confirmed,
 * refused (by name, never swallowed), or settled by describing again when the answer was lost or silent about it.
 */
import { deleteByDigest } from "../../ecr/delete";
import type { ImageDecision } from "../../planner/types";
import { describeAgain, settledDeletes, type Described, type Verdict } from "./settle";
import type { ApplyRun, DeleteCallOutcome } from "./types";

type DeleteAnswer = Awaited<ReturnType<typeof deleteByDigest>>;

/**
 * What the call's answer says about each digest it named; the digests it says nothing certain about are `silent`, and
 * are described again: one the answer calls both deleted and refused, and one refused as ImageNotFound (for an image
 * the re-check just found, most often this run's call or the SDK's retry of it deleted it; but a holder read as deleted
 * while it is there would let its members go, so only a description that no longer finds it says so).
 */
export function answeredDeletes(digests: readonly string[], answer: DeleteAnswer): { verdicts: Verdict[]; silent: string[] } {
  const refused = new Map(answer.failures.map((f) => [f.digest, f]));
  const verdicts: Verdict[] = [];
  const silent: string[] = [];
  for (const digest of digests) {
    const failure = refused.get(digest);
    if (failure?.code === "ImageNotFound" || (failure && answer.deleted.has(digest))) silent.push(digest);
    else if (answer.deleted.has(digest)) verdicts.push({ digest, outcome: { outcome: "deleted" } });
    else if (failure) {
      verdicts.push({
        digest,
        outcome: { outcome: "failed", failure: { code: failure.code, reason: failure.reason ?? "" } },
        error: { code: failure.code, message: `ECR refused to delete ${digest}: ${failure.code}${failure.reason ? ` (${failure.reason})` : ""}` },
      });
    } else silent.push(digest);
  }
  return { verdicts, silent };
}

export async function deleteBatch(run: ApplyRun, batch: ImageDecision[]): Promise<void> {
  const { input, repository } = run;
  const digests = batch.map((d) => d.image.digest);
  const call: DeleteCallOutcome = { repository, deleted: [], failed: [] };
  let silent: string[] = [];
  let callError: unknown;
  try {
    const answered = answeredDeletes(digests, await deleteByDigest(input.client, repository, digests));
    for (const verdict of answered.verdicts) record(run, call, verdict);
    silent = answered.silent;
  } catch (err) {
    callError = err;
    silent = digests;
  }
  if (silent.length) {
    let described: Described;
    try {
      described = { present: new Set((await describeAgain(input.client, repository, silent)).keys()) };
    } catch (error) {
      described = { error };
    }
    for (const verdict of settledDeletes(silent, callError, described)) record(run, call, verdict);
  }
  // The next re-check reads a smaller repository.
  input.size.images -= call.deleted.length;
  input.size.tagged -= call.deleted.filter((digest) => run.taggedDigests.has(digest)).length;
  input.onDeleteCall?.(call);
  if (callError) throw callError;
}

function record(run: ApplyRun, call: DeleteCallOutcome, { digest, outcome, error }: Verdict): void {
  run.result.outcomes.set(digest, outcome);
  if (outcome.outcome === "deleted") call.deleted.push(digest);
  else call.failed.push({ digest, code: outcome.failure?.code ?? "Unknown" });
  if (error) run.result.errors.push({ kind: "delete-failed", repository: run.repository, digest, ...error });
}
