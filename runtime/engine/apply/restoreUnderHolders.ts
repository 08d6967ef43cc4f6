/**
 * Members go before their holder, so a holder that changed after its members were archived (tagged, a rollback onto
 * it, or the repository stopped as changed-since-plan) is left active with members it cannot be pulled without.
 * Someone wants that image now: what this run archived under it is restored, and the run says so.
 */
import { restoreImage } from "../../ecr/storageClass";
import type { ImageDecision } from "../../planner/types";
import { errorCode, errorMessage } from "../../shared/errors";
import { type ApplyRun } from "./types";

/**
 * The members this run archived under holders it then kept as changed-since-plan (transitively: a signature of a
 * platform manifest under the index), each with the holder that changed.
 */
export function membersToRestore(
  toArchive: readonly ImageDecision[],
  holds: ReadonlyMap<string, readonly ImageDecision[]>,
  archived: (digest: string) => boolean,
): Map<string, string> {
  const under = new Map<string, string>();
  const visit = (holder: string, top: string) => {
    for (const member of holds.get(holder) ?? []) {
      if (!archived(member.image.digest) || under.has(member.image.digest)) continue;
      under.set(member.image.digest, top);
      visit(member.image.digest, top);
    }
  };
  for (const d of toArchive) if (d.action === "keep" && d.reason === "changed-since-plan") visit(d.image.digest, d.image.digest);
  return under;
}

export async function restoreUnderChangedHolders(run: ApplyRun, under: ReadonlyMap<string, string>): Promise<void> {
  const { input, repository } = run;
  for (const [digest, holder] of under) {
    try {
      await restoreImage(input.client, repository, digest);
      // Told as it happens, like an archive call: a journal that listed the member archived must say it is back.
      input.onDeleteCall?.({ repository, deleted: [], failed: [], restored: [digest] });
      // The archive did not stick: the report counts it with the failures (as its error does), not as archived.
      run.result.outcomes.set(digest, { outcome: "failed", failure: { code: "HolderChanged", reason: `restored: ${holder} changed` } });
      run.result.errors.push({
        kind: "archive-failed",
        repository,
        digest,
        code: "HolderChanged",
        message: `${holder} changed after this run archived its member ${digest}, so it stayed active: ${digest} was restored (ACTIVATING, typically up to 20 minutes)`,
      });
    } catch (err) {
      input.onDeleteCall?.({ repository, deleted: [], failed: [{ digest, code: errorCode(err) }], restored: [] });
      run.result.errors.push({
        kind: "archive-failed",
        repository,
        digest,
        code: errorCode(err),
        message: `${holder} changed after this run archived its member ${digest}, so it stayed active, and restoring ${digest} failed (${errorMessage(err)}): restore it with ecr-cleanup restore --repository ${repository} --digest ${digest}`,
      });
    }
  }
}
