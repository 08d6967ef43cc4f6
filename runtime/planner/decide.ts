/** What one policy decides about the top-level images of one repository (spec section 3). */
import { globMatches } from "./glob";
import { isReferrerTag } from "./units";
import type { ChannelPosition, DatedImage, ImageRecord, Policy, PolicyMode, PolicyVerdict } from "./types";

/** ECR refreshes lastRecordedPullTime at least once every 24 hours, so it lags the real last pull by up to a day. */
const PULL_TIME_LAG_MS = 86_400_000;

export interface PolicyDecision {
  mode: PolicyMode;
  /** Verdicts aligned with `sorted` (an array, not a map keyed by digest: the planner's hot path); undefined: not this policy's business. */
  verdicts: (PolicyVerdict | undefined)[];
  /** Where each entry of significant_tags stands (none for '*'). */
  channels: ChannelPosition[];
}

/**
 * Index in `sorted` of the oldest channel position (-1 when no image carries a significant tag), and the
 * entries no image matches (a typo such as `prd` among `[dev, rc, prd]` silently moves the anchor: the report says so).
 */
export function findAnchor(
  entries: readonly string[],
  sorted: readonly ImageRecord[],
): { index: number; unmatched: string[]; positions: Map<string, number> } {
  const unfound = new Set(entries);
  const positions = new Map<string, number>();
  let index = -1;
  for (let i = 0; i < sorted.length && unfound.size > 0; i++) {
    for (const tag of sorted[i].tags) {
      if (isReferrerTag(tag)) continue;
      for (const entry of unfound) {
        if (globMatches(entry, tag)) {
          // The newest match of an entry is its channel position; later positions are older.
          unfound.delete(entry);
          positions.set(entry, i);
          index = i;
        }
      }
    }
  }
  return { index, unmatched: [...unfound], positions };
}

function toChannels(policy: Policy, entries: readonly string[], sorted: readonly DatedImage[], positions: Map<string, number>): ChannelPosition[] {
  return entries.map((entry) => {
    const i = positions.get(entry);
    return i === undefined ? { policy: policy.name, entry } : { policy: policy.name, entry, at: { digest: sorted[i].digest, pushedAt: sorted[i].pushedAt } };
  });
}

/** The first of the image's own tags (referrer tags never count) that matches an entry of significant_tags. */
export function significantTagOf(image: ImageRecord, entries: readonly string[]): string | undefined {
  return image.tags.find((tag) => !isReferrerTag(tag) && entries.some((entry) => globMatches(entry, tag)));
}

/** Where each entry stands in `sorted` (the planner's order), as the plan records it and the re-checks compare it. */
export function channelPositions(policy: Policy, sorted: readonly DatedImage[]): ChannelPosition[] {
  if (policy.significantTags === "*") return [];
  return toChannels(policy, policy.significantTags, sorted, findAnchor(policy.significantTags, sorted).positions);
}

/** `sorted` holds the repository's top-level images in the planner's order (see order.ts). */
export function decide(policy: Policy, sorted: readonly DatedImage[], now: number): PolicyDecision {
  const verdicts = new Array<PolicyVerdict | undefined>(sorted.length);
  const keep = (i: number, reason: PolicyVerdict["reason"]) => (verdicts[i] = { policy: policy.name, verdict: "keep", reason });
  const remove = (i: number, reason: PolicyVerdict["reason"]) => (verdicts[i] = { policy: policy.name, verdict: "delete", reason });
  const pulledSince = policy.keepPulledWithinMs === undefined ? undefined : now - policy.keepPulledWithinMs - PULL_TIME_LAG_MS;
  const recentlyPulled = (image: ImageRecord) =>
    pulledSince !== undefined && image.lastPulledAt !== undefined && image.lastPulledAt >= pulledSince;

  const channels = policy.significantTags === "*" ? { index: -1, unmatched: [], positions: new Map<string, number>() } : findAnchor(policy.significantTags, sorted);
  const anchorIndex = channels.index;
  const positions = policy.significantTags === "*" ? [] : toChannels(policy, policy.significantTags, sorted, channels.positions);
  if (anchorIndex >= 0) {
    const anchor = sorted[anchorIndex];
    const periodStart = anchor.pushedAt - policy.protectedPeriodMs;
    sorted.forEach((image, i) => {
      if (i === anchorIndex) keep(i, "anchor");
      else if (i < anchorIndex) keep(i, "newer-than-anchor");
      else if (image.pushedAt >= periodStart) keep(i, "period");
      else if (i - anchorIndex <= policy.protectedCount) keep(i, "count");
      else if (recentlyPulled(image)) keep(i, "pulled");
      else remove(i, "beyond-window");
    });
    const mode: PolicyMode = { policy: policy.name, mode: "anchor", anchor: { digest: anchor.digest, tags: anchor.tags, pushedAt: anchor.pushedAt } };
    if (channels.unmatched.length) mode.unmatchedTags = channels.unmatched;
    return { mode, verdicts, channels: positions };
  }

  const periodStart = now - policy.protectedPeriodMs;
  sorted.forEach((image, i) => {
    const untagged = image.tags.length === 0;
    if (i < policy.protectedCount) keep(i, "count");
    else if (untagged && image.pushedAt >= periodStart) keep(i, "period");
    else if (recentlyPulled(image)) keep(i, "pulled");
    else if (untagged) remove(i, "untagged-expired");
  });
  const mode: PolicyMode = { policy: policy.name, mode: "untagged" };
  if (policy.significantTags !== "*") mode.noSignificantTag = true;
  return { mode, verdicts, channels: positions };
}
