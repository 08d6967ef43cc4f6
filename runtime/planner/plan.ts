/**
 * A repository's plan: every governing policy decides for the images it orders (top-level images and tagged
 * members), the decisions combine (delete only when some policy says delete and none says keep), then the safety
 * rules turn deletes into keeps (in use, units being restored, unknown push times, holders, the cap). Pure:
 * policies and listings in, decisions out.
 */
import { decide, significantTagOf } from "./decide";
import { distinctImages } from "./distinct";
import { decideGrouped } from "./groups";
import { compareImages, hasPushTime } from "./order";
import { buildUnits, isReferrerTag, Units } from "./units";
import type { Action, DatedImage, ImageDecision, ImageRecord, InUseMark, Policy, PolicyVerdict, RepositoryPlan, SafetyKeepReason } from "./types";

/** settings.archive as the planner reads it (config/schema.ts validates it). */
export interface ArchiveRules {
  /** An active image restored within this (by lastActivatedAt) is kept as `restored`, and its unit with it. */
  keepRestoredForMs: number;
  /** Archived images whose lastArchivedAt is older are deleted (`archived-expired`). Absent: archived images are left alone. */
  deleteAfterMs?: number;
}

const DEFAULT_RULES: ArchiveRules = { keepRestoredForMs: 30 * 86_400_000 };

export interface PlanInput {
  repository: string;
  /** Every image of the repository, whatever its status: units span statuses, but only active images are planned. */
  images: readonly ImageRecord[];
  /** The policies that govern this repository (see scope.ts). */
  policies: readonly Policy[];
  now: number;
  /** Digests that workloads use (as the listing spells them), with the kind of use and the workloads. */
  inUse?: ReadonlyMap<string, InUseMark>;
  /** settings.archive; defaults to keeping restored images 30 days and leaving archived images alone. */
  archive?: ArchiveRules;
}

/** A safety rule keeps what the policies (or the unit) would have deleted: never the reverse. */
export function overrideToKeep(decision: ImageDecision, reason: SafetyKeepReason): void {
  decision.action = "keep";
  decision.reason = reason;
  decision.overridden = true;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Keep when any policy keeps; otherwise archive when an archive policy votes it out (archive wins), else delete.
 * `verdicts` come in policy-name order, so the result does not depend on the order of the policies.
 */
function combine(image: ImageRecord, verdicts: PolicyVerdict[], archivers: ReadonlySet<string>): ImageDecision {
  const keep = verdicts.find((v) => v.verdict === "keep");
  if (keep) return { image, action: "keep", reason: keep.reason, verdicts, wave: 0 };
  const archiving = archivers.size ? verdicts.find((v) => archivers.has(v.policy)) : undefined;
  if (archiving) return { image, action: "archive", reason: archiving.reason, verdicts, wave: 0 };
  if (verdicts.length) return { image, action: "delete", reason: verdicts[0].reason, verdicts, wave: 0 };
  return { image, action: "keep", reason: "untouched", verdicts, wave: 0 };
}

/** Whether the decision takes the image out of standard storage (deletes or archives it): what every safety rule guards. */
export const removes = (decision: Pick<ImageDecision, "action">) => decision.action !== "keep";

const isActive = (image: ImageRecord) => image.status === undefined || image.status === "ACTIVE";

/** A member with a tag of its own (not a referrer tag): someone pulls it by that tag, so it is decided like a top-level image. */
function isTaggedMember(image: ImageRecord, units: Units): boolean {
  return units.holders.has(image.digest) && image.tags.some((tag) => !isReferrerTag(tag));
}

export function planRepository(input: PlanInput): RepositoryPlan {
  const { repository, policies, now } = input;
  const inUse = input.inUse ?? new Map<string, InUseMark>();
  const rules = input.archive ?? DEFAULT_RULES;
  const archivers = new Set(policies.filter((p) => p.action === "archive").map((p) => p.name));
  const restoredSince = now - rules.keepRestoredForMs;
  const recentlyRestored = (image: ImageRecord) => isActive(image) && image.lastActivatedAt !== undefined && !(image.lastActivatedAt < restoredSince);
  const images = distinctImages(input.images);
  const units = buildUnits(images);
  const orphans = new Set(units.orphans.map((image) => image.digest));

  // The images the policies order and decide: active top-level images and active tagged members.
  const decided = units.holders.size === 0
    ? images.filter(isActive)
    : images.filter((image) => isActive(image) && !orphans.has(image.digest) && (!units.holders.has(image.digest) || isTaggedMember(image, units)));
  const sorted = decided.filter(hasPushTime).sort(compareImages);
  const undated = decided.filter((image) => !hasPushTime(image));

  // Decided in name order (once per repository rather than sorting each image's verdicts).
  const policyDecisions = [...policies].sort(byName).map((policy) => (policy.groupBy === undefined ? decide(policy, sorted, now) : decideGrouped(policy, sorted, now)));
  const ownDecisions: ImageDecision[] = sorted.map((image, i) => {
    const verdicts: PolicyVerdict[] = [];
    for (const d of policyDecisions) {
      const verdict = d.verdicts[i];
      if (verdict) verdicts.push(verdict);
    }
    return combine(image, verdicts, archivers);
  });
  for (const image of undated) {
    ownDecisions.push({ image, action: "keep", reason: "unknown-push-time", verdicts: [], wave: 0, overridden: true });
  }

  // Archived images past settings.archive.delete_after: deleted, with the same safety rules as any delete.
  if (rules.deleteAfterMs !== undefined) {
    // "Older" than delete_after, strictly: an image archived exactly that long ago stays until the next run.
    const expiredBefore = now - rules.deleteAfterMs;
    for (const image of images) {
      if (image.status !== "ARCHIVED" || orphans.has(image.digest) || image.lastArchivedAt === undefined || !(image.lastArchivedAt < expiredBefore)) continue;
      ownDecisions.push({ image, action: "delete", reason: "archived-expired", verdicts: [], wave: 0 });
    }
  }

  // In use, being restored, or restored lately: a unit any of whose images is in use (activating, restored) is kept whole.
  for (const decision of ownDecisions) {
    if (!removes(decision)) continue;
    const members = units.members.get(decision.image.digest) ?? [];
    // The top-level image's own use names the reason first; the workloads are those of the whole unit.
    const marks = [decision.image, ...members].flatMap((image) => inUse.get(image.digest) ?? []);
    if (marks.length) {
      overrideToKeep(decision, marks[0].reason);
      decision.workloads = [...new Set(marks.flatMap((mark) => mark.workloads))].sort();
    } else if (members.some((image) => image.status === "ACTIVATING")) overrideToKeep(decision, "unit-activating");
    else if (recentlyRestored(decision.image) || members.some(recentlyRestored)) overrideToKeep(decision, "restored");
    // An expired index whose manifest cannot be read: any image pushed no later may be its child, so one being (or lately) restored keeps it.
    else if (decision.image.childrenUnknown && decision.image.pushedAt !== undefined) {
      const mayHold = (image: ImageRecord) => image !== decision.image && !(image.pushedAt !== undefined && image.pushedAt > decision.image.pushedAt!);
      if (images.some((image) => mayHold(image) && image.status === "ACTIVATING")) overrideToKeep(decision, "unit-activating");
      else if (images.some((image) => mayHold(image) && recentlyRestored(image))) overrideToKeep(decision, "restored");
    }
  }

  const failure = undatedChannel(undated, policies);
  if (failure) for (const decision of ownDecisions) if (removes(decision)) overrideToKeep(decision, "window-unknown");

  const unreadable = unreadableIndexes(images, ownDecisions, units);
  // Most repositories hold no index, no referrer and no archived image: their decisions are the policies' own.
  const simple = units.holders.size === 0 && unreadable.length === 0 && decided.length === images.length;
  const all = simple ? ownDecisions : withMembers(images, sorted, undated, new Map(ownDecisions.map((d) => [d.image.digest, d])), units, orphans, unreadable);
  const plan: RepositoryPlan = {
    repository,
    policies: policies.map((p) => p.name).sort(),
    modes: policyDecisions.map((d) => d.mode),
    decisions: all,
    // By policy name, so that the plan does not depend on the order of the policies.
    channels: policyDecisions.flatMap((d) => d.channels),
    taggedMembers: decided.filter((image) => units.holders.has(image.digest)).map((image) => image.digest).sort(),
  };
  if (failure) plan.failure = failure;

  // Safety cap: the smallest max_deletions among the governing policies bounds the whole repository.
  const caps = policies.flatMap((p) => (p.maxDeletions === undefined ? [] : [p.maxDeletions]));
  // Archives and expiries count like deletions.
  const planned = all.filter(removes).length;
  if (caps.length && planned > Math.min(...caps)) {
    plan.capExceeded = { cap: Math.min(...caps), planned };
    for (const decision of all) {
      if (removes(decision)) overrideToKeep(decision, "cap-exceeded");
    }
  }
  return plan;
}

/** An image with a significant tag but no push time: its channel's window has no start, so nothing may be deleted. */
function undatedChannel(undated: readonly ImageRecord[], policies: readonly Policy[]): RepositoryPlan["failure"] {
  for (const image of undated) {
    for (const policy of policies) {
      const tag = policy.significantTags === "*" ? undefined : significantTagOf(image, policy.significantTags);
      if (tag !== undefined) {
        return {
          code: "unknown-push-time",
          message: `image ${image.digest} carries significant tag ${tag} of policy "${policy.name}" but ECR gave no push time, so its protected window has no start: nothing is deleted in this repository`,
        };
      }
    }
  }
  return undefined;
}

/** An index whose manifest cannot be read (archived or activating: a pull fails with 404), and whether this plan deletes it. */
interface Unreadable {
  pushedAt: number;
  digest: string;
  deleted: boolean;
}

function unreadableIndexes(images: readonly ImageRecord[], own: readonly ImageDecision[], units: Units): Unreadable[] {
  // A top-level decision is final once the safety rules above ran; a member's may still change with its holders.
  const deleting = new Set(own.filter((d) => d.action === "delete" && !units.holders.has(d.image.digest)).map((d) => d.image.digest));
  return images
    .filter((image) => image.childrenUnknown)
    .map((image) => ({ digest: image.digest, pushedAt: image.pushedAt ?? Number.POSITIVE_INFINITY, deleted: deleting.has(image.digest) }));
}

/**
 * Whether deleting (or archiving) `image` could take a child from an index whose manifest cannot be read. ECR accepts
 * an index only once its images are in the repository, so any image pushed no later than such an index may be its
 * child, and a member of an archived or activating holder is left alone (spec section 4). It is kept unless every
 * such index is deleted first in this run: expired archived images go together, as this cleaner archives an index's
 * children just before the index.
 */
function pinnedByUnreadable(image: ImageRecord, unreadable: readonly Unreadable[]): Unreadable | undefined {
  if (image.childrenUnknown) return undefined;
  return unreadable.find((index) => !index.deleted && (image.pushedAt === undefined || !(image.pushedAt > index.pushedAt)));
}

/** The unreadable indexes this plan deletes that may hold the image: it goes in a later call, and only after they went. */
function unreadableHolders(image: ImageRecord, unreadable: readonly Unreadable[]): string[] {
  if (image.childrenUnknown) return [];
  return unreadable.filter((index) => index.deleted && (image.pushedAt === undefined || !(image.pushedAt > index.pushedAt))).map((index) => index.digest);
}

/** The decisions that take images out of standard storage (delete or archive), members included. */
export function deletions(plan: RepositoryPlan): ImageDecision[] {
  return plan.decisions.filter(removes);
}

/**
 * Every active image's final decision. A member goes only when every image that holds it goes (holders come first:
 * they have a smaller depth), and a tagged member only when its own decisions say delete as well. Decisions are
 * listed by unit: each top-level image in the planner's order, then its members; a member is listed under the first
 * kept unit that holds it, never under a deleted unit that shares it.
 */
function withMembers(
  images: readonly ImageRecord[],
  sorted: readonly DatedImage[],
  undated: readonly ImageRecord[],
  own: Map<string, ImageDecision>,
  units: Units,
  orphans: ReadonlySet<string>,
  unreadable: readonly Unreadable[],
): ImageDecision[] {
  const final = new Map<string, ImageDecision>();
  const depthOf = (image: ImageRecord) => (units.holders.has(image.digest) ? (units.depth.get(image.digest) ?? 1) : 0);
  // Active images, and the archived ones this plan deletes (expired): every other image only holds.
  const active = images.filter((image) => isActive(image) || own.has(image.digest)).sort((a, b) => depthOf(a) - depthOf(b));
  // Kept as it is decided, so that what it holds (later in `active`: a greater depth) stays with it.
  const pin = (decision: ImageDecision): ImageDecision => {
    if (removes(decision)) {
      const index = pinnedByUnreadable(decision.image, unreadable);
      const holders = index ? [] : unreadableHolders(decision.image, unreadable);
      if (index) overrideToKeep(decision, "holder-unreadable");
      else if (holders.length) {
        // Deleted only while every index that may hold it was deleted by this run (apply's rule for members); its
        // wave follows (assignWaves), and so do the waves of what it holds.
        decision.heldBy = [...new Set([...(decision.heldBy ?? []), ...holders])].sort();
      }
    }
    return decision;
  };
  for (const image of active) {
    const mine = own.get(image.digest);
    const heldBy = units.holders.get(image.digest);
    if (orphans.has(image.digest)) {
      final.set(image.digest, { image, action: "keep", reason: "untouched", verdicts: [], wave: 0 });
      continue;
    }
    if (!heldBy) {
      final.set(image.digest, pin(mine!));
      continue;
    }
    // A holder that is not active (archived, activating) or not planned is never deleted by this run.
    const holderGoes = (digest: string) => removes(final.get(digest) ?? { action: "keep" });
    const allHoldersGo = heldBy.every(holderGoes);
    const holderWanted = heldBy.some((digest) => holderGoes(digest) || final.get(digest)?.overridden === true);
    // Archive wins: a member of a unit that is archived is archived too (restoring the unit brings it back).
    const archived = heldBy.some((digest) => final.get(digest)?.action === "archive");
    const expiring = heldBy.some((digest) => final.get(digest)?.reason === "archived-expired");
    const follows: Action = !allHoldersGo ? "keep" : archived ? "archive" : "delete";
    let decision: ImageDecision = mine
      ? { ...mine, heldBy, wave: depthOf(image) }
      : { image, action: follows, reason: follows === "keep" ? "member-of-kept" : archived ? "member-of-archived" : "member-of-deleted", verdicts: [], heldBy, wave: depthOf(image) };
    if (mine && removes(mine) && !allHoldersGo) overrideToKeep(decision, "member-of-kept");
    else if (mine && mine.action === "delete" && archived) decision.action = "archive";
    else if (!mine && !allHoldersGo && holderWanted) decision.overridden = true;
    // An expired archived member of an active holder archived now is archived already: nothing to do with it.
    if (mine && mine.reason === "archived-expired" && archived) decision = { image, action: "keep", reason: "untouched", verdicts: [], heldBy, wave: depthOf(image) };
    // An expired archived holder takes only archived images with it: an active member is the next run's to decide.
    if (!mine && expiring && isActive(image) && removes(decision)) decision = { image, action: "keep", reason: "untouched", verdicts: [], heldBy, wave: depthOf(image) };
    final.set(image.digest, pin(decision));
  }
  assignWaves(final, units);

  // The listing: units in the planner's order, each member under the first kept unit that holds it.
  const tops = [...sorted, ...undated].filter((image) => !units.holders.has(image.digest));
  const listed: ImageDecision[] = [];
  const placed = new Set<string>();
  const place = (decision: ImageDecision | undefined, unitOf?: string) => {
    if (!decision || placed.has(decision.image.digest)) return;
    placed.add(decision.image.digest);
    listed.push(unitOf === undefined ? decision : { ...decision, unitOf });
  };
  const keeper = new Map<string, string>();
  for (const top of tops) {
    if (final.get(top.digest)?.action !== "keep") continue;
    for (const member of units.members.get(top.digest) ?? []) if (!keeper.has(member.digest)) keeper.set(member.digest, top.digest);
  }
  for (const top of tops) {
    place(final.get(top.digest));
    for (const member of units.members.get(top.digest) ?? []) {
      const kept = keeper.get(member.digest);
      if (kept === undefined || kept === top.digest) place(final.get(member.digest), top.digest);
    }
  }
  // Expired archived images (not in the planner's order), members of units whose top-level image is not active
  // (listed under a holder), and images in reference cycles.
  for (const decision of final.values()) place(decision, decision.heldBy?.[0]);
  return listed;
}

/**
 * Waves follow depth: every image goes in a later wave than each image that holds it (the indexes that list it, the
 * subjects it refers to, and the unreadable indexes this plan deletes that may hold it), so that an index always goes
 * in an earlier call than its children, and a unit that an unreadable index may hold keeps its own order after it.
 * Without unreadable holders this is the unit's depth (units.ts).
 */
function assignWaves(final: Map<string, ImageDecision>, units: Units): void {
  const waves = new Map<string, number>();
  const visiting = new Set<string>();
  const waveOf = (digest: string): number => {
    const known = waves.get(digest);
    if (known !== undefined) return known;
    // A reference cycle (orphans, which are kept): no order to keep.
    if (visiting.has(digest)) return 0;
    visiting.add(digest);
    const decided = final.get(digest);
    const holders = decided ? (decided.heldBy ?? []) : (units.holders.get(digest) ?? []);
    const wave = holders.length ? 1 + Math.max(...holders.map(waveOf)) : 0;
    visiting.delete(digest);
    waves.set(digest, wave);
    return wave;
  };
  for (const [digest, decision] of final) decision.wave = waveOf(digest);
}
