/**
 * The model's oracle: what a plan made now would do with each image of a repository (spec sections 3 and 4), on a
 * view of the emulator's images. The policies' decisions come from the project's pure planner (planRepository);
 * the units of section 4 (tagged members, statuses, shared members) are closed here over the view's structure,
 * because the planner does not know tagged members and statuses yet. When it does, `oracleDecisions` becomes one
 * planRepository call on `toPlannerRecord` of every image (the self-check below then compares nothing new).
 */
import { isIndexMediaType } from "../emulator/manifests";
import type { ImageView } from "../emulator/registry";
import { planRepository } from "../../runtime/planner/plan";
import type { ImageDecision, ImageRecord, InUseMark, Policy, RepositoryPlan, SafetyKeepReason } from "../../runtime/planner/types";

/** The oracle knows the kind of use only; the planner's marks carry workloads too (none here). */
const marksOf = (reasons: ReadonlyMap<string, SafetyKeepReason>): Map<string, InUseMark> =>
  new Map([...reasons].map(([digest, reason]) => [digest, { reason, workloads: [] }]));

export interface OracleImage {
  view: ImageView;
  /** Deleted since the run started (by the cleaner or by others): the view is the image as it last was. */
  gone: boolean;
}

export interface OracleInput {
  repository: string;
  images: readonly OracleImage[];
  /** The policies that govern the repository. */
  policies: readonly Policy[];
  now: number;
  inUse: ReadonlyMap<string, SafetyKeepReason>;
  /** The last pull by someone else than the cleaner (its own manifest reads are not pulls it plans on). */
  pulledAt(digest: string): number | undefined;
  /** Indexes that were not active when the run planned: the cleaner could not read which images they list. */
  unreadableIndexes: ReadonlySet<string>;
  /** settings.archive.delete_after: archived images whose lastArchivedAt is older are deleted. */
  deleteAfterMs?: number;
}

export interface OracleDecision {
  /** What a plan made now does with the image: keep it, delete it, or archive it (spec section 6: archive wins). */
  action: "keep" | "delete" | "archive";
  /** A short category, for grouping violations: `policy:period`, `tagged-member:anchor`, `member-of-kept`, ... */
  category: string;
  /** Why, in words, naming images by `name()`. */
  detail: string;
}

export interface Oracle {
  decisions: Map<string, OracleDecision>;
  /** The planner's plan of the deciders (top-level images and tagged members), for the channel positions. */
  plan: RepositoryPlan;
}

const COSIGN_TAG = /^sha256-([0-9a-f]{64})\.(sig|att|sbom)$/;
const isReferrerTag = (tag: string) => COSIGN_TAG.test(tag);

/**
 * The planner's record of an emulator image: the one place that knows the planner's input type. The engine is
 * changing ImageRecord (`pushedAt` may become optional, images may gain a `status`): adapt here.
 */
export function toPlannerRecord(view: ImageView, lastPulledAt: number | undefined): ImageRecord {
  const record: ImageRecord = {
    digest: view.digest,
    tags: [...view.tags].sort(),
    pushedAt: view.pushedAt.getTime(),
    sizeBytes: view.sizeBytes,
    manifestMediaType: view.manifestMediaType,
  };
  if (lastPulledAt !== undefined) record.lastPulledAt = lastPulledAt;
  if (view.artifactMediaType) record.artifactMediaType = view.artifactMediaType;
  if (isIndexMediaType(view.manifestMediaType)) record.childDigests = [...view.children];
  if (view.subjectDigest) record.subjectDigest = view.subjectDigest;
  return record;
}

/** Owner -> the images that belong to it, within the view: an index's children, a referrer's subject, cosign tags. */
function belongings(images: readonly ImageView[]): Map<string, string[]> {
  const present = new Set(images.map((i) => i.digest));
  const edges = new Map<string, string[]>();
  const add = (owner: string, member: string) => {
    if (owner === member || !present.has(owner) || !present.has(member)) return;
    const list = edges.get(owner) ?? [];
    if (!list.includes(member)) list.push(member);
    edges.set(owner, list);
  };
  for (const image of images) {
    if (isIndexMediaType(image.manifestMediaType)) for (const child of image.children) add(image.digest, child);
    if (image.subjectDigest) add(image.subjectDigest, image.digest);
    for (const tag of image.tags) {
      const m = COSIGN_TAG.exec(tag);
      if (m) add(`sha256:${m[1]}`, image.digest);
    }
  }
  return edges;
}

/** Every image that belongs, directly or not, to `root` (not `root` itself). */
function reach(root: string, edges: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(edges.get(root) ?? [])];
  while (stack.length) {
    const digest = stack.pop()!;
    if (seen.has(digest) || digest === root) continue;
    seen.add(digest);
    stack.push(...(edges.get(digest) ?? []));
  }
  return seen;
}

/**
 * Spec section 3, several policies: keep when a policy keeps (or a safety rule did), otherwise remove when a policy
 * votes out; section 6: archive when an archive policy is among those that vote it out, delete otherwise.
 */
function combined(d: ImageDecision, archivers: ReadonlySet<string>): OracleDecision["action"] {
  if (d.overridden || !d.verdicts.length || d.verdicts.some((v) => v.verdict === "keep")) return "keep";
  return d.verdicts.some((v) => archivers.has(v.policy)) ? "archive" : "delete";
}

const withoutCaps = (policies: readonly Policy[]) => policies.map(({ maxDeletions: _cap, ...policy }) => policy);

function policyWhy(d: ImageDecision, name: (digest: string) => string): string {
  const verdicts = d.verdicts.map((v) => `${v.policy}: ${v.verdict} (${v.reason})`).join(", ");
  return d.overridden ? `${d.reason} (the policies said ${verdicts || "nothing"})` : verdicts || `no policy decides it (${d.reason})`;
}

/**
 * What a plan made now would do with every image of `input.images` (gone ones included, so that the run's own
 * earlier deletions and deletions by others keep their place in the order and their units).
 *
 * - The deciders are the ACTIVE top-level images and the ACTIVE tagged members (members carrying a tag other than a
 *   referrer tag; section 3): the planner decides them per policy as top-level images of one order, with the in-use
 *   digests of their units, and without max_deletions (the cap bounds a run's plan, checked on its own; it does not
 *   turn a delete call's images into keeps because others pushed meanwhile). How the policies' verdicts combine is
 *   recomputed here (`combined`): keep if any keeps, archive if an archive policy votes out, delete otherwise.
 * - Kept roots: deciders kept, every image that is not ACTIVE (left alone, and its members with it) except archived
 *   images past delete_after that no workload names, and the top-level image of a unit holding an ACTIVATING image.
 * - Everything a kept root holds is kept; an image that belongs to no top-level image (a cycle) is kept; an active
 *   member of an expiring image is left alone, and an expired image that an image archived now holds is archived
 *   already (both kept, with what they hold).
 * - Every other image goes: expired ones are deleted; the rest are archived when they or an image that holds them is
 *   archived by an archive policy's vote (archive wins, the unit goes whole), deleted otherwise.
 */
export function oracleDecisions(input: OracleInput, name: (digest: string) => string = (d) => d): Oracle {
  const views = input.images.map((i) => i.view);
  const byDigest = new Map(views.map((v) => [v.digest, v]));
  const edges = belongings(views);
  const owned = new Set([...edges.values()].flat());
  const topLevel = views.filter((v) => !owned.has(v.digest));
  const taggedMember = (v: ImageView) => owned.has(v.digest) && v.tags.some((t) => !isReferrerTag(t));
  const deciders = views.filter((v) => v.status === "ACTIVE" && (!owned.has(v.digest) || taggedMember(v)));
  const units = new Map(views.map((v) => [v.digest, reach(v.digest, edges)]));

  // A decider is in use when anything its unit holds is.
  const usedBy = (digest: string) => [digest, ...units.get(digest)!].find((d) => input.inUse.has(d));
  const inUse = new Map<string, SafetyKeepReason>();
  for (const decider of deciders) {
    const used = usedBy(decider.digest);
    if (used !== undefined) inUse.set(decider.digest, input.inUse.get(used)!);
  }
  // Archived images past delete_after (spec section 6): deleted, unless a workload names them or a safety rule keeps them.
  const expiredBefore = input.deleteAfterMs === undefined ? undefined : input.now - input.deleteAfterMs;
  const expired = (v: ImageView) => expiredBefore !== undefined && v.status === "ARCHIVED" && v.lastArchivedAt !== undefined && v.lastArchivedAt.getTime() < expiredBefore;
  // The deciders alone, without what makes them belong to each other: the planner sees them all as top-level. A
  // tagged member loses its referrer tags (never significant; it keeps a tag of its own, so it is tagged still).
  const records = deciders.map((v) => {
    const { childDigests: _children, subjectDigest: _subject, ...record } = toPlannerRecord(v, input.pulledAt(v.digest));
    return owned.has(v.digest) ? { ...record, tags: record.tags.filter((t) => !isReferrerTag(t)) } : record;
  });
  const plan = planRepository({ repository: input.repository, images: records, policies: withoutCaps(input.policies), now: input.now, inUse: marksOf(inUse) });
  const own = new Map(plan.decisions.map((d) => [d.image.digest, d]));
  // The planner orders and decides per policy; how the verdicts combine is the spec's, recomputed here.
  const archivers = new Set(input.policies.filter((p) => p.action === "archive").map((p) => p.name));
  const ownAction = (digest: string) => {
    const d = own.get(digest);
    return d ? combined(d, archivers) : undefined;
  };

  const decisions = new Map<string, OracleDecision>();
  const keepRoot = (digest: string, category: string, detail: string) => {
    if (decisions.has(digest)) return;
    decisions.set(digest, { action: "keep", category, detail });
  };
  // Roots first: what each image's own standing keeps.
  const roots: string[] = [];
  for (const v of views) {
    const d = own.get(v.digest);
    const tagged = owned.has(v.digest);
    if (expired(v)) {
      const used = usedBy(v.digest);
      if (used === undefined) continue;
      keepRoot(v.digest, "in-use:archived-expired", `archived longer than delete_after, but ${name(used)} is in use`);
      roots.push(v.digest);
    } else if (v.status !== "ACTIVE") {
      keepRoot(v.digest, "not-active", `its status is ${v.status}: left alone, and what it holds with it`);
      roots.push(v.digest);
    } else if (d && ownAction(v.digest) === "keep") {
      const category = d.overridden ? d.reason : `policy:${d.reason}`;
      keepRoot(v.digest, tagged ? `tagged-member:${category}` : category, `${tagged ? "a tagged member, kept by its own decision: " : ""}${policyWhy(d, name)}`);
      roots.push(v.digest);
    }
  }
  for (const top of topLevel) {
    const restoring = [top.digest, ...units.get(top.digest)!].find((d) => byDigest.get(d)!.status === "ACTIVATING");
    if (restoring !== undefined && !roots.includes(top.digest)) {
      keepRoot(top.digest, "unit-being-restored", `its unit holds ${name(restoring)}, which is being restored (ACTIVATING)`);
      roots.push(top.digest);
    }
  }
  // An index that was not active when the run planned could not be pulled, so the cleaner could not read which images
  // it lists: any image pushed no later than it (ECR takes an index only once its children are in) may be its child,
  // and stays (docs/never-deleted.md). One archived during the run was read while it was active (its manifest cannot change).
  for (const index of views.filter((x) => input.unreadableIndexes.has(x.digest))) {
    for (const v of views) {
      if (v === index || v.pushedAt.getTime() > index.pushedAt.getTime() || decisions.has(v.digest)) continue;
      keepRoot(v.digest, "holder-unreadable", `may be a child of ${name(index.digest)} (${index.status}), whose manifest cannot be read`);
      roots.push(v.digest);
    }
  }
  for (const root of roots) {
    for (const member of units.get(root)!) {
      keepRoot(member, "member-of-kept", `belongs to ${name(root)}, which is kept (${decisions.get(root)!.category}: ${decisions.get(root)!.detail})`);
    }
  }
  const reachable = new Set(topLevel.flatMap((t) => [t.digest, ...units.get(t.digest)!]));
  // Whatever goes and holds `v` (directly or not): an archive policy's decider archives its whole unit (archive wins).
  const holdersOf = (v: ImageView) => views.filter((h) => h !== v && units.get(h.digest)!.has(v.digest) && decisions.get(h.digest)?.action !== "keep");
  const archiver = (v: ImageView) => [v, ...holdersOf(v)].find((h) => ownAction(h.digest) === "archive");
  // The keeps that depend on what else goes, then what those hold.
  const keptHere: string[] = [];
  for (const v of views) {
    if (decisions.has(v.digest)) continue;
    const archivedWith = archiver(v);
    const expiring = holdersOf(v).find(expired);
    if (!reachable.has(v.digest)) keepRoot(v.digest, "orphan", "belongs to images that belong to it (a cycle): kept");
    else if (expired(v) && archivedWith) keepRoot(v.digest, "archived-already", `archived already, and ${name(archivedWith.digest)}, which holds it, is archived now`);
    // A member of an archived holder is left alone (section 4): an expiring holder goes, its active members stay.
    else if (!own.has(v.digest) && !expired(v) && expiring) keepRoot(v.digest, "member-of-expiring", `belongs to ${name(expiring.digest)}, archived and expiring: left for the next run`);
    else continue;
    keptHere.push(v.digest);
  }
  for (const root of keptHere) {
    for (const member of units.get(root)!) keepRoot(member, "member-of-kept", `belongs to ${name(root)}, which is kept (${decisions.get(root)!.category})`);
  }
  for (const v of views) {
    if (decisions.has(v.digest)) continue;
    const d = own.get(v.digest);
    const archivedWith = archiver(v);
    const action = archivedWith ? "archive" : "delete";
    const via = archivedWith && archivedWith !== v ? `, archived with ${name(archivedWith.digest)}` : "";
    if (expired(v)) decisions.set(v.digest, { action: "delete", category: "archived-expired", detail: "archived longer than delete_after" });
    else if (d) decisions.set(v.digest, { action, category: `policy:${d.reason}`, detail: policyWhy(d, name) + via });
    else {
      const holders = topLevel.filter((t) => units.get(t.digest)!.has(v.digest)).map((t) => name(t.digest));
      decisions.set(v.digest, { action, category: `member-of-${action}d`, detail: `belongs only to units that go (${holders.join(", ")})${via}` });
    }
  }

  selfCheck(input, views, owned, decisions, name);
  return { decisions, plan };
}

/**
 * Where the planner knows everything that matters (no tagged member, every image ACTIVE), the oracle must delete and
 * archive exactly what the planner deletes and archives: a check of this file's unit logic against the project's.
 */
function selfCheck(input: OracleInput, views: ImageView[], owned: Set<string>, decisions: Map<string, OracleDecision>, name: (d: string) => string): void {
  if (views.some((v) => v.status !== "ACTIVE" || (owned.has(v.digest) && v.tags.some((t) => !isReferrerTag(t))))) return;
  const records = views.map((v) => toPlannerRecord(v, input.pulledAt(v.digest)));
  const plan = planRepository({ repository: input.repository, images: records, policies: withoutCaps(input.policies), now: input.now, inUse: marksOf(input.inUse) });
  const shown = (pairs: [string, string][]) => pairs.map(([digest, action]) => `${name(digest)} ${action}`).join(", ");
  const planner = plan.decisions.filter((d) => d.action !== "keep").map((d) => [d.image.digest, d.action] as [string, string]).sort();
  const oracle = [...decisions].filter(([, d]) => d.action !== "keep").map(([digest, d]) => [digest, d.action] as [string, string]).sort();
  if (shown(planner) !== shown(oracle)) throw new Error(`oracle self-check: the planner removes [${shown(planner)}], the oracle [${shown(oracle)}]`);
}
