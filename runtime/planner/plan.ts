/**
 * A repository's plan: every governing policy decides for the top-level images, the decisions combine
 * (delete only when some policy says delete and none says keep), then the safety rules turn deletes
 * into keeps (in use, units, the cap). Pure: policies and listings in, decisions out.
 */
import { decide } from "./decide";
import { compareImages } from "./order";
import { buildUnits, Units } from "./units";
import type { ImageDecision, ImageRecord, Policy, PolicyVerdict, RepositoryPlan, SafetyKeepReason } from "./types";

export interface PlanInput {
  repository: string;
  /** Every active image of the repository. */
  images: readonly ImageRecord[];
  /** The policies that govern this repository (see scope.ts). */
  policies: readonly Policy[];
  now: number;
  /** Digests that workloads use, with the source that uses them. */
  inUse?: ReadonlyMap<string, SafetyKeepReason>;
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

export function planRepository(input: PlanInput): RepositoryPlan {
  const { repository, policies, now } = input;
  const inUse = input.inUse ?? new Map<string, SafetyKeepReason>();
  const units = buildUnits(input.images);
  const sorted = [...units.topLevel].sort(compareImages);

  const decisions = policies.map((policy) => decide(policy, sorted, now));
  const topDecisions = sorted.map((image, i) => {
    const verdicts: PolicyVerdict[] = [];
    for (const d of decisions) {
      const verdict = d.verdicts[i];
      if (verdict) verdicts.push(verdict);
    }
    return combine(image, verdicts);
  });

  // In use: a unit any of whose images is in use is kept whole.
  for (const decision of inUse.size ? topDecisions : []) {
    const members = units.members.get(decision.image.digest) ?? [];
    const used = [decision.image, ...members].find((image) => inUse.has(image.digest));
    if (used && decision.action === "delete") overrideToKeep(decision, inUse.get(used.digest)!);
  }

  const all = units.members.size || units.orphans.length ? withMembers(topDecisions, units) : topDecisions;

  const plan: RepositoryPlan = {
    repository,
    policies: policies.map((p) => p.name).sort(),
    modes: decisions.map((d) => d.mode).sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0)),
    decisions: all,
  };

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

/** The decisions that delete, members included. */
export function deletions(plan: RepositoryPlan): ImageDecision[] {
  return plan.decisions.filter((d) => d.action === "delete");
}

/**
 * Members follow their unit, but stay while any kept unit holds them. A kept member is listed under
 * (and `unitOf` names) the first kept unit that holds it, never under a deleted unit that shares it.
 */
function withMembers(topDecisions: ImageDecision[], units: Units): ImageDecision[] {
  const keptBy = new Map<string, string>();
  for (const decision of topDecisions) {
    if (decision.action === "keep") {
      for (const member of units.members.get(decision.image.digest) ?? []) {
        if (!keptBy.has(member.digest)) keptBy.set(member.digest, decision.image.digest);
      }
    }
  }
  // Members of a unit the policies deleted: kept, they are a safety rule's keep.
  const inDeletedUnit = new Set<string>();
  for (const decision of topDecisions) {
    if (decision.overridden || decision.action === "delete") {
      for (const member of units.members.get(decision.image.digest) ?? []) inDeletedUnit.add(member.digest);
    }
  }
  const placed = new Set<string>();
  const all: ImageDecision[] = [];
  for (const decision of topDecisions) {
    all.push(decision);
    for (const member of units.members.get(decision.image.digest) ?? []) {
      if (placed.has(member.digest)) continue;
      const keeper = keptBy.get(member.digest);
      if (keeper !== undefined && keeper !== decision.image.digest) continue; // listed under its keeper
      placed.add(member.digest);
      const kept = keeper !== undefined;
      const line: ImageDecision = {
        image: member,
        action: kept ? "keep" : "delete",
        reason: kept ? "member-of-kept" : "member-of-deleted",
        verdicts: [],
        unitOf: decision.image.digest,
        wave: units.depth.get(member.digest) ?? 1,
      };
      if (kept && inDeletedUnit.has(member.digest)) line.overridden = true;
      all.push(line);
    }
  }
  for (const orphan of units.orphans) all.push({ image: orphan, action: "keep", reason: "untouched", verdicts: [], wave: 0 });
  return all;
}
