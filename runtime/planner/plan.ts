/**
 * A repository's plan: every governing policy decides for the images it orders (top-level images and tagged
 * members), the decisions combine (delete only when some policy says delete and none says keep), then the safety
 * rules turn deletes into keeps (in use, units being restored, unknown push times, holders, the cap). Pure:
 * policies and listings in, decisions out.
 */
import { decide, significantTagOf } from "./decide";
import { distinctImages } from "./distinct";
import { compareImages, hasPushTime } from "./order";
import { buildUnits, isReferrerTag, Units } from "./units";
import type { DatedImage, ImageDecision, ImageRecord, InUseMark, Policy, PolicyVerdict, RepositoryPlan, SafetyKeepReason } from "./types";

export interface PlanInput {
  repository: string;
  /** Every image of the repository, whatever its status: units span statuses, but only active images are planned. */
  images: readonly ImageRecord[];
  /** The policies that govern this repository (see scope.ts). */
  policies: readonly Policy[];
  now: number;
  /** Digests that workloads use (as the listing spells them), with the kind of use and the workloads. */
  inUse?: ReadonlyMap<string, InUseMark>;
}

/** A safety rule keeps what the policies (or the unit) would have deleted: never the reverse. */
export function overrideToKeep(decision: ImageDecision, reason: SafetyKeepReason): void {
  decision.action = "keep";
  decision.reason = reason;
  decision.overridden = true;
}

const byPolicyName = (a: PolicyVerdict, b: PolicyVerdict) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0);

function combine(image: ImageRecord, verdicts: PolicyVerdict[]): ImageDecision {
  verdicts.sort(byPolicyName);
  const keep = verdicts.find((v) => v.verdict === "keep");
  if (keep) return { image, action: "keep", reason: keep.reason, verdicts, wave: 0 };
  if (verdicts.length) return { image, action: "delete", reason: verdicts[0].reason, verdicts, wave: 0 };
  return { image, action: "keep", reason: "untouched", verdicts, wave: 0 };
}

const isActive = (image: ImageRecord) => image.status === undefined || image.status === "ACTIVE";

/** A member with a tag of its own (not a referrer tag): someone pulls it by that tag, so it is decided like a top-level image. */
function isTaggedMember(image: ImageRecord, units: Units): boolean {
  return units.holders.has(image.digest) && image.tags.some((tag) => !isReferrerTag(tag));
}

export function planRepository(input: PlanInput): RepositoryPlan {
  const { repository, policies, now } = input;
  const inUse = input.inUse ?? new Map<string, InUseMark>();
  const images = distinctImages(input.images);
  const units = buildUnits(images);
  const orphans = new Set(units.orphans.map((image) => image.digest));

  // The images the policies order and decide: active top-level images and active tagged members.
  const decided = units.holders.size === 0
    ? images.filter(isActive)
    : images.filter((image) => isActive(image) && !orphans.has(image.digest) && (!units.holders.has(image.digest) || isTaggedMember(image, units)));
  const sorted = decided.filter(hasPushTime).sort(compareImages);
  const undated = decided.filter((image) => !hasPushTime(image));

  const policyDecisions = policies.map((policy) => decide(policy, sorted, now));
  const ownDecisions: ImageDecision[] = sorted.map((image, i) => {
    const verdicts: PolicyVerdict[] = [];
    for (const d of policyDecisions) {
      const verdict = d.verdicts[i];
      if (verdict) verdicts.push(verdict);
    }
    return combine(image, verdicts);
  });
  for (const image of undated) {
    ownDecisions.push({ image, action: "keep", reason: "unknown-push-time", verdicts: [], wave: 0, overridden: true });
  }

  // In use, or being restored: a unit any of whose images is in use (or activating) is kept whole.
  for (const decision of ownDecisions) {
    if (decision.action !== "delete") continue;
    const members = units.members.get(decision.image.digest) ?? [];
    // The top-level image's own use names the reason first; the workloads are those of the whole unit.
    const marks = [decision.image, ...members].flatMap((image) => inUse.get(image.digest) ?? []);
    if (marks.length) {
      overrideToKeep(decision, marks[0].reason);
      decision.workloads = [...new Set(marks.flatMap((mark) => mark.workloads))].sort();
    } else if (members.some((image) => image.status === "ACTIVATING")) overrideToKeep(decision, "unit-activating");
  }

  const failure = undatedChannel(undated, policies);
  if (failure) for (const decision of ownDecisions) if (decision.action === "delete") overrideToKeep(decision, "window-unknown");

  const mayBeHeld = possibleChildrenOfUnreadable(images);
  // Most repositories hold no index, no referrer and no archived image: their decisions are the policies' own.
  const simple = units.holders.size === 0 && mayBeHeld.size === 0 && decided.length === images.length;
  const all = simple ? ownDecisions : withMembers(images, sorted, undated, new Map(ownDecisions.map((d) => [d.image.digest, d])), units, orphans, mayBeHeld);
  const plan: RepositoryPlan = {
    repository,
    policies: policies.map((p) => p.name).sort(),
    modes: policyDecisions.map((d) => d.mode).sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0)),
    decisions: all,
    // By policy name, so that the plan does not depend on the order of the policies.
    channels: policyDecisions.flatMap((d) => d.channels).sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0)),
    taggedMembers: decided.filter((image) => units.holders.has(image.digest)).map((image) => image.digest).sort(),
  };
  if (failure) plan.failure = failure;

  // Safety cap: the smallest max_deletions among the governing policies bounds the whole repository.
  const caps = policies.flatMap((p) => (p.maxDeletions === undefined ? [] : [p.maxDeletions]));
  const planned = all.filter((d) => d.action === "delete").length;
  if (caps.length && planned > Math.min(...caps)) {
    plan.capExceeded = { cap: Math.min(...caps), planned };
    for (const decision of all) {
      if (decision.action === "delete") overrideToKeep(decision, "cap-exceeded");
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

/**
 * Images that may be children of an index whose manifest cannot be read (archived or activating: a pull fails with
 * 404): ECR accepts an index only once its images are in the repository, so any image pushed no later than it.
 */
function possibleChildrenOfUnreadable(images: readonly ImageRecord[]): Set<string> {
  const unreadable = images.filter((image) => image.childrenUnknown);
  if (!unreadable.length) return new Set();
  const latest = Math.max(...unreadable.map((image) => image.pushedAt ?? Number.POSITIVE_INFINITY));
  return new Set(images.filter((image) => !image.childrenUnknown && (image.pushedAt === undefined || !(image.pushedAt > latest))).map((image) => image.digest));
}

/** The decisions that delete, members included. */
export function deletions(plan: RepositoryPlan): ImageDecision[] {
  return plan.decisions.filter((d) => d.action === "delete");
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
  mayBeHeld: ReadonlySet<string>,
): ImageDecision[] {
  const final = new Map<string, ImageDecision>();
  const depthOf = (image: ImageRecord) => (units.holders.has(image.digest) ? (units.depth.get(image.digest) ?? 1) : 0);
  const active = images.filter(isActive).sort((a, b) => depthOf(a) - depthOf(b));
  // Kept as it is decided, so that what it holds (later in `active`: a greater depth) stays with it.
  const pin = (decision: ImageDecision): ImageDecision => {
    if (decision.action === "delete" && mayBeHeld.has(decision.image.digest)) overrideToKeep(decision, "holder-unreadable");
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
    const holderGoes = (digest: string) => final.get(digest)?.action === "delete";
    const allHoldersGo = heldBy.every(holderGoes);
    const holderWanted = heldBy.some((digest) => holderGoes(digest) || final.get(digest)?.overridden === true);
    const decision: ImageDecision = mine
      ? { ...mine, heldBy, wave: depthOf(image) }
      : { image, action: allHoldersGo ? "delete" : "keep", reason: allHoldersGo ? "member-of-deleted" : "member-of-kept", verdicts: [], heldBy, wave: depthOf(image) };
    if (mine && mine.action === "delete" && !allHoldersGo) overrideToKeep(decision, "member-of-kept");
    else if (!mine && !allHoldersGo && holderWanted) decision.overridden = true;
    final.set(image.digest, pin(decision));
  }

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
  // Members of units whose top-level image is not active (listed under a holder), and images in reference cycles.
  for (const decision of final.values()) place(decision, decision.heldBy?.[0]);
  return listed;
}
