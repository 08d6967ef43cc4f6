/**
 * The order of a plan's calls, pure: decisions grouped by wave, deletions before their members and archives after
 * them, what must hold before an image's call (its holders deleted, its members archived), and how a wave's
 * candidates are cut into batches whose re-check fits one DescribeImages call.
 */
import { MAX_IDS_PER_CALL } from "../../ecr/describe";
import type { ImageDecision } from "../../planner/types";

/** Why a decision waits out its wave as a keep: a holder stays (delete, archive), or a member was not archived. */
export type NotReady = "member-of-kept" | "member-not-archived";

/** The decisions grouped by wave, in the order their calls go: ascending for deletions (holders first), descending for archives (members first). */
export function wavesOf(decisions: readonly ImageDecision[], order: "ascending" | "descending"): ImageDecision[][] {
  const waves = [...new Set(decisions.map((d) => d.wave))].sort((a, b) => (order === "ascending" ? a - b : b - a));
  return waves.map((wave) => decisions.filter((d) => d.wave === wave));
}

/** For each image to archive, the images to archive that it holds (they go first). */
export function membersByHolder(decisions: readonly ImageDecision[]): Map<string, ImageDecision[]> {
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

/** A delete goes only when every image that holds it was deleted by this run. */
export function deleteNotReady(decision: ImageDecision, deleted: (digest: string) => boolean): NotReady | undefined {
  return !decision.heldBy || decision.heldBy.every(deleted) ? undefined : "member-of-kept";
}

/**
 * An archive goes only when every member it holds was archived by this run, and every image that holds it goes:
 * deleted by this run, or archived after it.
 */
export function archiveNotReady(
  decision: ImageDecision,
  holds: ReadonlyMap<string, readonly ImageDecision[]>,
  archiving: ReadonlyMap<string, ImageDecision>,
  deleted: (digest: string) => boolean,
  archived: (digest: string) => boolean,
): NotReady | undefined {
  if (!(holds.get(decision.image.digest) ?? []).every((m) => archived(m.image.digest))) return "member-not-archived";
  const held = (decision.heldBy ?? []).every((h) => deleted(h) || archiving.get(h)?.action === "archive");
  return held ? undefined : "member-of-kept";
}

/**
 * The holders still to archive above a decision, transitively (a signature of a platform manifest, the manifest, the
 * index above it): they are re-checked with it, and one that changed keeps it (and itself) active.
 */
export function pendingHolders(decision: ImageDecision, archiving: ReadonlyMap<string, ImageDecision>, archived: (digest: string) => boolean): ImageDecision[] {
  const found = new Set<ImageDecision>();
  const visit = (x: ImageDecision) => {
    for (const h of x.heldBy ?? []) {
      const holder = archiving.get(h);
      if (!holder || holder.action !== "archive" || archived(h) || found.has(holder)) continue;
      found.add(holder);
      visit(holder);
    }
  };
  visit(decision);
  return [...found];
}

/** Batches whose re-check (the candidates and what else each needs checked) names at most MAX_IDS_PER_CALL images. */
export function checkBatches(candidates: readonly ImageDecision[], alsoCheck: (decision: ImageDecision) => ImageDecision[]): ImageDecision[][] {
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
