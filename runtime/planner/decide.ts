/** What one policy decides about the top-level images of one repository (spec section 3). */
import { globMatches } from "./glob";
import { isReferrerTag } from "./units";
import type { ImageRecord, Policy, PolicyMode, PolicyVerdict } from "./types";

export interface PolicyDecision {
  mode: PolicyMode;
  /** Verdicts by digest; an image with no entry is not this policy's business. */
  verdicts: Map<string, PolicyVerdict>;
}

/** Index in `sorted` of the oldest channel position, or -1 when no image carries a significant tag. */
export function findAnchor(entries: readonly string[], sorted: readonly ImageRecord[]): number {
  const unfound = new Set(entries);
  let anchor = -1;
  for (let i = 0; i < sorted.length && unfound.size > 0; i++) {
    for (const tag of sorted[i].tags) {
      if (isReferrerTag(tag)) continue;
      for (const entry of unfound) {
        if (globMatches(entry, tag)) {
          // The newest match of an entry is its channel position; later positions are older.
          unfound.delete(entry);
          anchor = i;
        }
      }
    }
  }
  return anchor;
}

/** `sorted` holds the repository's top-level images in the planner's order (see order.ts). */
export function decide(policy: Policy, sorted: readonly ImageRecord[], now: number): PolicyDecision {
  const verdicts = new Map<string, PolicyVerdict>();
  const keep = (image: ImageRecord, reason: PolicyVerdict["reason"]) =>
    verdicts.set(image.digest, { policy: policy.name, verdict: "keep", reason });
  const remove = (image: ImageRecord, reason: PolicyVerdict["reason"]) =>
    verdicts.set(image.digest, { policy: policy.name, verdict: "delete", reason });
  const pulledSince = policy.keepPulledWithinMs === undefined ? undefined : now - policy.keepPulledWithinMs;
  const recentlyPulled = (image: ImageRecord) =>
    pulledSince !== undefined && image.lastPulledAt !== undefined && image.lastPulledAt >= pulledSince;

  const anchorIndex = policy.significantTags === "*" ? -1 : findAnchor(policy.significantTags, sorted);
  if (anchorIndex >= 0) {
    const anchor = sorted[anchorIndex];
    const periodStart = anchor.pushedAt - policy.protectedPeriodMs;
    sorted.forEach((image, i) => {
      if (i === anchorIndex) keep(image, "anchor");
      else if (i < anchorIndex) keep(image, "newer-than-anchor");
      else if (image.pushedAt >= periodStart) keep(image, "period");
      else if (i - anchorIndex <= policy.protectedCount) keep(image, "count");
      else if (recentlyPulled(image)) keep(image, "pulled");
      else remove(image, "beyond-window");
    });
    return {
      mode: { policy: policy.name, mode: "anchor", anchor: { digest: anchor.digest, tags: anchor.tags, pushedAt: anchor.pushedAt } },
      verdicts,
    };
  }

  const periodStart = now - policy.protectedPeriodMs;
  sorted.forEach((image, i) => {
    const untagged = image.tags.length === 0;
    if (i < policy.protectedCount) keep(image, "count");
    else if (untagged && image.pushedAt >= periodStart) keep(image, "period");
    else if (recentlyPulled(image)) keep(image, "pulled");
    else if (untagged) remove(image, "untagged-expired");
  });
  const mode: PolicyMode = { policy: policy.name, mode: "untagged" };
  if (policy.significantTags !== "*") mode.noSignificantTag = true;
  return { mode, verdicts };
}
