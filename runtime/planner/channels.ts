/**
 * Whether the channels moved since the plan in a way that widens what must stay (spec section 4, rule 3): a channel
 * that now stands at an older image than planned (a rollback), a channel appearing older than the plan's anchor or
 * in a policy that had none (untagged mode becomes anchor mode), or every channel of a policy gone (anchor mode
 * becomes untagged mode, which keeps tagged images). A channel moving to a newer image only narrows the window.
 */
import { channelPositions, significantTagOf } from "./decide";
import { decideGrouped } from "./groups";
import { groupsNoLongerHold } from "./groupRecheck";
import { compareImages, hasPushTime } from "./order";
import { isReferrerTag } from "./units";
import type { ChannelPosition, DatedImage, ImageDecision, ImageRecord, Policy, RepositoryPlan } from "./types";

type At = NonNullable<ChannelPosition["at"]>;

/** `a` comes later than `b` in the planner's order. */
const older = (a: At, b: At) => compareImages(a, b) > 0;
const describe = (at: At | undefined) => (at ? `${at.digest} (pushed ${new Date(at.pushedAt).toISOString()})` : "no image");

/**
 * A sentence saying why the plan no longer holds, or undefined when it still does: a channel moved the widening way,
 * or a tagged member that the policies ordered lost its own tags (it leaves the order, so the counts shift and keep
 * more). `tagged`: the repository's active tagged images now.
 */
export function planNoLongerHolds(
  plan: Pick<RepositoryPlan, "channels" | "taggedMembers">,
  policies: readonly Policy[],
  tagged: readonly ImageRecord[],
  /** Deleted since the plan (by this run, or by others when the re-check saw the whole repository): not a change of order. */
  gone: (digest: string) => boolean,
  /** The plan's decisions and `now`: grouped policies decide again (groupRecheck.ts). Without them (a plan file) only the channels count. */
  regroup?: { decisions: readonly ImageDecision[]; now: number },
): string | undefined {
  if (plan.taggedMembers.length) {
    const stillTagged = new Set(tagged.filter((image) => image.tags.some((t) => !isReferrerTag(t))).map((image) => image.digest));
    const untagged = plan.taggedMembers.find((digest) => !stillTagged.has(digest) && !gone(digest));
    if (untagged) return `member ${untagged} lost its own tags since the plan, which changes the order the counts are taken in`;
  }
  return channelsWidened(plan.channels, policies, tagged) ?? (regroup && groupsNoLongerHold(regroup.decisions, policies, tagged, gone, regroup.now));
}

/** A sentence saying what moved, or undefined when the plan still holds. `tagged`: the repository's active tagged images now. */
export function channelsWidened(planned: readonly ChannelPosition[], policies: readonly Policy[], tagged: readonly ImageRecord[]): string | undefined {
  const sorted = tagged.filter(hasPushTime).sort(compareImages);
  for (const policy of policies) {
    if (policy.significantTags === "*") continue;
    const entries = policy.significantTags;
    if (policy.groupBy !== undefined) {
      const moved = groupChannelsWidened(planned, policy, entries, sorted, tagged);
      if (moved) return moved;
      continue;
    }
    const undated = tagged.find((image) => !hasPushTime(image) && significantTagOf(image, entries) !== undefined);
    if (undated) return `image ${undated.digest} now carries a significant tag of policy "${policy.name}" but has no push time`;
    const before = planned.filter((c) => c.policy === policy.name);
    const now = channelPositions(policy, sorted);
    const plannedAnchor = findAnchorAt(before);
    if (plannedAnchor && !now.some((c) => c.at)) return `every channel of policy "${policy.name}" is gone (it would keep tagged images in untagged mode)`;
    for (const current of now) {
      const was = before.find((c) => c.entry === current.entry)?.at;
      const is = current.at;
      if (!is) continue;
      const widened = was ? older(is, was) : !plannedAnchor || older(is, plannedAnchor);
      if (widened) return `channel ${current.entry} of policy "${policy.name}" now stands at ${describe(is)}, older than the ${describe(was)} the plan assumed`;
    }
  }
  return undefined;
}

/** The plan's anchor: the oldest of its channel positions. */
export function findAnchorAt(positions: readonly ChannelPosition[]): At | undefined {
  let anchor: At | undefined;
  for (const { at } of positions) if (at && (!anchor || older(at, anchor))) anchor = at;
  return anchor;
}

/**
 * A grouped policy's channels stand per group: a channel at an older image than planned within its group, a group
 * that gains a channel (count mode becomes anchor mode) or loses every channel (anchor mode becomes count mode).
 */
function groupChannelsWidened(planned: readonly ChannelPosition[], policy: Policy, entries: readonly string[], sorted: readonly DatedImage[], tagged: readonly ImageRecord[]): string | undefined {
  const undated = tagged.find((image) => !hasPushTime(image) && significantTagOf(image, entries) !== undefined);
  if (undated) return `image ${undated.digest} now carries a significant tag of policy "${policy.name}" but has no push time`;
  const mine = planned.filter((c) => c.policy === policy.name);
  // Channels do not depend on `now` (only the votes do).
  const now = decideGrouped(policy, sorted, 0).channels;
  const groups = new Set([...mine, ...now].map((c) => c.group ?? ""));
  for (const group of groups) {
    const before = mine.filter((c) => (c.group ?? "") === group);
    const after = now.filter((c) => c.group === group);
    const had = findAnchorAt(before);
    const has = findAnchorAt(after);
    if (had && !has) return `group "${group}" of policy "${policy.name}" lost every channel (count mode would decide it)`;
    if (!had && has) return `group "${group}" of policy "${policy.name}" now has a channel at ${describe(has)} (anchor mode would decide it)`;
    for (const current of after) {
      const was = before.find((c) => c.entry === current.entry)?.at;
      if (current.at && (was ? older(current.at, was) : older(current.at, had!))) {
        return `channel ${current.entry} of group "${group}" of policy "${policy.name}" now stands at ${describe(current.at)}, older than the ${describe(was)} the plan assumed`;
      }
    }
  }
  return undefined;
}
