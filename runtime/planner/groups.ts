/**
 * A policy with `group_by` (spec section 3, "Groups"): its images are those with a tag the pattern matches whole, each
 * in the group its capturing group names (an image whose tags name several groups is in each), and the rule applies
 * inside each group as if the group were the repository: anchor mode where the group's images carry a channel,
 * count mode elsewhere. An image one group keeps and another deletes is kept.
 */
import { anchorOf, findAnchor, pulledCheck, toChannels, voteByAnchor, type PolicyDecision } from "./decide";
import { compileGroupPattern } from "./groupPattern";
import { isReferrerTag } from "./units";
import type { ChannelPosition, DatedImage, GroupMode, Policy, PolicyVerdict } from "./types";

/** Each group's images as indexes into `sorted`, in the planner's order; groups by name. Referrer tags name no group. */
export function groupsOf(source: string, sorted: readonly DatedImage[]): [string, number[]][] {
  const pattern = compileGroupPattern(source);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < sorted.length; i++) {
    for (const tag of sorted[i].tags) {
      if (isReferrerTag(tag)) continue;
      const group = pattern.groupOf(tag);
      if (group === undefined) continue;
      const members = groups.get(group);
      if (!members) groups.set(group, [i]);
      // Two tags of one image in the same group: the image is there once.
      else if (members[members.length - 1] !== i) members.push(i);
    }
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `sorted` holds the repository's images that policies order (see plan.ts), in the planner's order. */
export function decideGrouped(policy: Policy, sorted: readonly DatedImage[], now: number): PolicyDecision {
  const verdicts = new Array<PolicyVerdict | undefined>(sorted.length);
  const channels: ChannelPosition[] = [];
  const groups: GroupMode[] = [];
  const pulled = pulledCheck(policy, now);
  const periodStart = now - policy.protectedPeriodMs;
  for (const [group, members] of groupsOf(policy.groupBy!, sorted)) {
    const images = members.map((i) => sorted[i]);
    const summary: GroupMode = { group, mode: "count", kept: 0, deleted: 0 };
    // Groups come by name: an image's verdict is its first keeping group's, else its first group's.
    const vote = (j: number, verdict: PolicyVerdict["verdict"], reason: PolicyVerdict["reason"]) => {
      if (verdict === "keep") summary.kept++;
      else summary.deleted++;
      const i = members[j];
      const earlier = verdicts[i];
      if (!earlier || (earlier.verdict === "delete" && verdict === "keep")) verdicts[i] = { policy: policy.name, verdict, reason, group };
    };
    const found = policy.significantTags === "*" ? undefined : findAnchor(policy.significantTags, images);
    if (found && found.index >= 0) {
      summary.mode = "anchor";
      summary.anchor = anchorOf(images[found.index]);
      voteByAnchor(policy, images, found.index, pulled, vote);
      channels.push(...toChannels(policy, policy.significantTags as string[], images, found.positions, group));
    } else {
      images.forEach((image, j) => {
        if (j < policy.protectedCount) vote(j, "keep", "count");
        else if (image.pushedAt >= periodStart) vote(j, "keep", "period");
        else if (pulled(image)) vote(j, "keep", "pulled");
        else vote(j, "delete", "group-expired");
      });
    }
    groups.push(summary);
  }
  return { mode: { policy: policy.name, mode: "grouped", groups }, verdicts, channels };
}
