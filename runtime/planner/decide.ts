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

export function toChannels(policy: Policy, entries: readonly string[], sorted: readonly DatedImage[], positions: Map<string, number>, group?: string): ChannelPosition[] {
  const base = group === undefined ? { policy: policy.name } : { policy: policy.name, group };
  return entries.map((entry) => {
    const i = positions.get(entry);
    return i === undefined ? { ...base, entry } : { ...base, entry, at: { digest: sorted[i].digest, pushedAt: sorted[i].pushedAt } };
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

/** Whether the policy's keep_pulled_within keeps an image (ECR's pull time lags the real last pull by up to a day). */
export function pulledCheck(policy: Policy, now: number): (image: ImageRecord) => boolean {
  if (policy.keepPulledWithinMs === undefined) return () => false;
  const pulledSince = now - policy.keepPulledWithinMs - PULL_TIME_LAG_MS;
  return (image) => image.lastPulledAt !== undefined && image.lastPulledAt >= pulledSince;
}

type Vote = (i: number, verdict: PolicyVerdict["verdict"], reason: PolicyVerdict["reason"]) => void;

/** Anchor mode over `sorted` (a repository, or one group of it) whose anchor is `sorted[anchorIndex]`: every image gets a vote. */
export function voteByAnchor(policy: Policy, sorted: readonly DatedImage[], anchorIndex: number, pulled: (image: ImageRecord) => boolean, vote: Vote): void {
  const periodStart = sorted[anchorIndex].pushedAt - policy.protectedPeriodMs;
  for (let i = 0; i < sorted.length; i++) {
    const image = sorted[i];
    if (i === anchorIndex) vote(i, "keep", "anchor");
    else if (i < anchorIndex) vote(i, "keep", "newer-than-anchor");
    else if (image.pushedAt >= periodStart) vote(i, "keep", "period");
    else if (i - anchorIndex <= policy.protectedCount) vote(i, "keep", "count");
    else if (pulled(image)) vote(i, "keep", "pulled");
    else vote(i, "delete", "beyond-window");
  }
}

export const anchorOf = (image: DatedImage) => ({ digest: image.digest, tags: image.tags, pushedAt: image.pushedAt });

/** `sorted` holds the repository's top-level images in the planner's order (see order.ts). */
export function decide(policy: Policy, sorted: readonly DatedImage[], now: number): PolicyDecision {
  const verdicts = new Array<PolicyVerdict | undefined>(sorted.length);
  const vote: Vote = (i, verdict, reason) => (verdicts[i] = { policy: policy.name, verdict, reason });
  const recentlyPulled = pulledCheck(policy, now);

  const channels = policy.significantTags === "*" ? { index: -1, unmatched: [], positions: new Map<string, number>() } : findAnchor(policy.significantTags, sorted);
  const anchorIndex = channels.index;
  const positions = policy.significantTags === "*" ? [] : toChannels(policy, policy.significantTags, sorted, channels.positions);
  if (anchorIndex >= 0) {
    voteByAnchor(policy, sorted, anchorIndex, recentlyPulled, vote);
    const mode: PolicyMode = { policy: policy.name, mode: "anchor", anchor: anchorOf(sorted[anchorIndex]) };
    if (channels.unmatched.length) mode.unmatchedTags = channels.unmatched;
    return { mode, verdicts, channels: positions };
  }

  const periodStart = now - policy.protectedPeriodMs;
  sorted.forEach((image, i) => {
    const untagged = image.tags.length === 0;
    if (i < policy.protectedCount) vote(i, "keep", "count");
    else if (untagged && image.pushedAt >= periodStart) vote(i, "keep", "period");
    else if (recentlyPulled(image)) vote(i, "keep", "pulled");
    else if (untagged) vote(i, "delete", "untagged-expired");
  });
  const mode: PolicyMode = { policy: policy.name, mode: "untagged" };
  if (policy.significantTags !== "*") mode.noSignificantTag = true;
  return { mode, verdicts, channels: positions };
}
