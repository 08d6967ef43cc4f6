/**
 * Narrows a fresh plan of a repository to what an approved plan file named: the fresh plan is the authority, the
 * file only takes away. An image is acted on only when both plans act on it the same way and it has the tags and
 * push time the file recorded; every other delete of the fresh plan becomes a keep (`not-in-plan`, or
 * `changed-since-plan` when the image changed). When the repository's window is not the one the file assumed (a
 * channel stands at an older image, an anchor moved either way, a policy changed mode, a tagged member lost its
 * tags), nothing in it is acted on: the review was of another window. Pure.
 */
import { findAnchorAt, planNoLongerHolds } from "../planner/channels";
import { deletions, overrideToKeep } from "../planner/plan";
import type { ChannelPosition, ImageDecision, Policy, RepositoryPlan } from "../planner/types";
import type { PlanImage, PlanRepository } from "./format";

/** An image the file named that the fresh plan does not act on, and why. */
export interface PlanMiss {
  digest: string;
  tags: string[];
  action: string;
  /** `vanished`, `retagged`, `re-pushed`, `action-differs`, `window-changed`, or the fresh plan's own reason code. */
  why: string;
  detail?: string;
}

export interface Narrowed {
  /** The digests both plans act on: what the run may still act on, after the re-checks just before each call. */
  approved: Set<string>;
  misses: PlanMiss[];
  /** Set when the repository's window is not the file's: nothing in it is acted on. */
  windowChanged?: string;
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  const [x, y] = [[...a].sort(), [...b].sort()];
  return x.length === y.length && x.every((tag, i) => tag === y[i]);
}
const pushedMs = (image: PlanImage) => (image.pushedAt === undefined ? undefined : Date.parse(image.pushedAt));

const asPositions = (file: PlanRepository): ChannelPosition[] =>
  file.channels.map(({ policy, group, entry, at }) => ({
    policy,
    ...(group === undefined ? {} : { group }),
    entry,
    ...(at ? { at: { digest: at.digest, pushedAt: Date.parse(at.pushedAt) } } : {}),
  }));

/** A grouped policy's anchor in each group, by group: the oldest of the group's channel positions. */
function groupAnchors(positions: readonly ChannelPosition[], policy: string): Map<string, { digest: string; pushedAt: number }> {
  const groups = new Set(positions.filter((c) => c.policy === policy).map((c) => c.group ?? ""));
  const anchors = new Map<string, { digest: string; pushedAt: number }>();
  for (const group of groups) {
    const anchor = findAnchorAt(positions.filter((c) => c.policy === policy && (c.group ?? "") === group));
    if (anchor) anchors.set(group, anchor);
  }
  return anchors;
}

/** Why the fresh plan's window differs from the file's, or undefined when it is the same. */
export function windowChange(file: PlanRepository, fresh: RepositoryPlan, policies: readonly Policy[]): string | undefined {
  const assumed = asPositions(file);
  const present = new Set(fresh.decisions.map((d) => d.image.digest));
  // Channels stand at active images only (as the planner and the re-check place them): an expired archived image is
  // among the decisions, but its tags are no channel position.
  const isActive = (status: string | undefined) => status === undefined || status === "ACTIVE";
  const taggedNow = fresh.decisions.map((d) => d.image).filter((image) => isActive(image.status) && image.tags.length > 0);
  // The engine's own re-check: a channel at an older image, or a tagged member that lost its tags.
  const widened = planNoLongerHolds({ channels: assumed, taggedMembers: file.taggedMembers }, policies, taggedNow, (digest) => !present.has(digest));
  if (widened) return widened;
  for (const policy of policies) {
    if (policy.significantTags === "*") continue;
    if (policy.groupBy !== undefined) {
      const was = groupAnchors(assumed, policy.name);
      const is = groupAnchors(fresh.channels, policy.name);
      for (const group of new Set([...was.keys(), ...is.keys()])) {
        const [a, b] = [was.get(group), is.get(group)];
        if (!a || !b || a.digest !== b.digest || a.pushedAt !== b.pushedAt) {
          const show = (at: { digest: string } | undefined) => (at ? at.digest : "none (count mode)");
          return `the anchor of group "${group}" of policy "${policy.name}" is now ${show(b)}, the plan assumed ${show(a)}`;
        }
      }
      continue;
    }
    const was = findAnchorAt(assumed.filter((c) => c.policy === policy.name));
    const is = fresh.modes.find((m) => m.policy === policy.name)?.anchor;
    if (!was && !is) continue;
    if (!was || !is || was.digest !== is.digest || was.pushedAt !== is.pushedAt) {
      const show = (at: { digest: string } | undefined) => (at ? at.digest : "none (untagged mode)");
      return `the anchor of policy "${policy.name}" is now ${show(is)}, the plan assumed ${show(was)}`;
    }
  }
  return undefined;
}

/** Why the fresh plan does not act on an image the file named, or undefined when it does, the same way. */
function missOf(named: PlanImage, fresh: ImageDecision | undefined): Omit<PlanMiss, "digest" | "tags" | "action"> | undefined {
  if (!fresh) return { why: "vanished", detail: "no longer an active image of the repository" };
  const { image } = fresh;
  if (!sameTags(image.tags, named.tags)) return { why: "retagged", detail: `now tagged [${image.tags.join(", ")}]` };
  if (image.pushedAt !== pushedMs(named)) return { why: "re-pushed", detail: "its push time changed since the plan" };
  if (fresh.action === "keep") return { why: fresh.reason, detail: "the fresh plan keeps it" };
  if (fresh.action !== named.action) return { why: "action-differs", detail: `the fresh plan would ${fresh.action} it` };
  return undefined;
}

/** Narrows `fresh` in place (deletes become keeps, never the reverse). `file`: the plan file's entry for it, if any. */
export function narrowToPlan(fresh: RepositoryPlan, file: PlanRepository | undefined, policies: readonly Policy[]): Narrowed {
  const result: Narrowed = { approved: new Set(), misses: [] };
  const acting = deletions(fresh);
  if (!file) {
    for (const decision of acting) overrideToKeep(decision, "not-in-plan");
    return result;
  }
  const changed = windowChange(file, fresh, policies);
  if (changed) {
    result.windowChanged = changed;
    for (const decision of acting) overrideToKeep(decision, "changed-since-plan");
    result.misses = file.images.map(({ digest, tags, action }) => ({ digest, tags, action, why: "window-changed", detail: changed }));
    return result;
  }
  const byDigest = new Map(fresh.decisions.map((d) => [d.image.digest, d]));
  const named = new Map(file.images.map((image) => [image.digest, image]));
  for (const image of file.images) {
    const miss = missOf(image, byDigest.get(image.digest));
    if (miss) result.misses.push({ digest: image.digest, tags: image.tags, action: image.action, ...miss });
    else result.approved.add(image.digest);
  }
  for (const decision of acting) {
    if (result.approved.has(decision.image.digest)) continue;
    overrideToKeep(decision, named.has(decision.image.digest) ? "changed-since-plan" : "not-in-plan");
  }
  return result;
}
