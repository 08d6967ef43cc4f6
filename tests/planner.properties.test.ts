/**
 * Properties of the planner (spec sections 3 and 4) over generated registries and policies. The oracles
 * here (top-level images, units, channel positions) are computed from the generator's own structure, not
 * from the planner's code, so that they check it rather than repeat it.
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadRegexEngine } from "../runtime/planner/groupPattern";
import { planRepository } from "../runtime/planner/plan";
import type { ImageRecord, Policy, RepositoryPlan, SafetyKeepReason } from "../runtime/planner/types";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BASE = Date.UTC(2025, 0, 1);
const NOW = BASE + 90 * DAY;
const RUNS = 200;

const TAGS = ["dev", "rc", "prod", "v1", "v2", "v2.1", "release-1", "release-2", "latest"];
const ENTRIES = ["dev", "rc", "prod", "v*", "v?", "release-?", "prd", "sha256-*", "*.sig"];

const digestOf = (i: number) => `sha256:${i.toString(16).padStart(64, "0")}`;
const cosignTag = (subject: string, kind: string) => `sha256-${subject.slice("sha256:".length)}.${kind}`;

interface Registry {
  images: ImageRecord[];
  /** Digests of the images the generator made top-level (no owner in the repository). */
  topLevel: Set<string>;
  /** member digest -> digests of the images it belongs to. */
  owners: Map<string, string[]>;
}

type MemberSpec = { kind: "child" | "subject" | "sig" | "att" | "sbom"; owner: number; owner2: number | null; age: number };

const baseImage = fc.record({
  age: fc.integer({ min: 0, max: 150 }), // in half-days: many ties
  // Days before NOW of the last pull; most images were never pulled (or long ago).
  pulled: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }) }),
});

/**
 * A registry: top-level images with unique tags (as ECR keeps them) and push times with ties, some untagged;
 * then members (platform manifests, OCI referrers, cosign signatures) that belong to earlier images,
 * children sometimes shared by two indexes.
 */
const registryArb: fc.Arbitrary<Registry> = fc
  .record({
    base: fc.array(baseImage, { minLength: 0, maxLength: 40, size: "medium" }),
    tagOwners: fc.array(fc.option(fc.nat(), { nil: null, freq: 2 }), { minLength: TAGS.length, maxLength: TAGS.length }),
    extraTags: fc.array(fc.nat(), { maxLength: 6 }),
    members: fc.array(
      fc.record({
        kind: fc.constantFrom("child", "subject", "sig", "att", "sbom") as fc.Arbitrary<MemberSpec["kind"]>,
        owner: fc.nat(),
        owner2: fc.option(fc.nat(), { nil: null, freq: 3 }),
        age: fc.integer({ min: 0, max: 150 }),
      }),
      { maxLength: 12, size: "medium" },
    ),
  })
  .map(({ base, tagOwners, extraTags, members }) => {
    const images: ImageRecord[] = base.map((b, i) => ({
      digest: digestOf(i + 1),
      tags: [],
      pushedAt: BASE + b.age * 12 * HOUR,
      sizeBytes: 100,
      ...(b.pulled === undefined ? {} : { lastPulledAt: NOW - b.pulled * DAY }),
    }));
    const topLevel = new Set(images.map((image) => image.digest));
    const owners = new Map<string, string[]>();
    if (images.length) {
      tagOwners.forEach((owner, t) => owner !== null && images[owner % images.length].tags.push(TAGS[t]));
      extraTags.forEach((owner, k) => images[owner % images.length].tags.push(`build-${k}`));
      // Members belong to any earlier image (top-level or member), so units nest and never form a cycle.
      (members as MemberSpec[]).forEach((m, k) => {
        const digest = digestOf(1000 + k);
        const pick = (n: number) => images[n % images.length];
        const member: ImageRecord = { digest, tags: [], pushedAt: BASE + m.age * 12 * HOUR, sizeBytes: 10 };
        const ownerImages = [pick(m.owner)];
        if (m.kind === "child") {
          if (m.owner2 !== null && pick(m.owner2) !== ownerImages[0]) ownerImages.push(pick(m.owner2));
          for (const o of ownerImages) o.childDigests = [...(o.childDigests ?? []), digest];
        } else if (m.kind === "subject") {
          member.subjectDigest = ownerImages[0].digest;
        } else {
          member.tags.push(cosignTag(ownerImages[0].digest, m.kind));
        }
        owners.set(digest, ownerImages.map((o) => o.digest));
        images.push(member);
      });
    }
    return { images, topLevel, owners };
  });

const policyArb = fc.record({
  significantTags: fc.oneof(
    { weight: 1, arbitrary: fc.constant("*" as const) },
    { weight: 4, arbitrary: fc.uniqueArray(fc.constantFrom(...ENTRIES), { minLength: 1, maxLength: 4 }) },
  ),
  protectedPeriodMs: fc.oneof(fc.integer({ min: 0, max: 30 }).map((d) => d * DAY), fc.integer({ min: 0, max: 72 }).map((h) => h * HOUR)),
  protectedCount: fc.integer({ min: 0, max: 6 }),
  keepPulledWithinMs: fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 20 }).map((d) => d * DAY)),
  maxDeletions: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) }),
  // group_by: release trains, version lines, every tag its own group, and a capturing group that may take no part.
  groupBy: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom("(release)-[0-9]", "(v[0-9]).*", "(.+)", "(?:(v)2)?.*") }),
});

const policiesArb: fc.Arbitrary<Policy[]> = fc.array(policyArb, { minLength: 1, maxLength: 3 }).map((specs) =>
  specs.map((spec, index) => {
    const p: Policy = { index, name: `p${index}`, significantTags: spec.significantTags, protectedPeriodMs: spec.protectedPeriodMs, protectedCount: spec.protectedCount };
    if (spec.keepPulledWithinMs !== undefined) p.keepPulledWithinMs = spec.keepPulledWithinMs;
    if (spec.maxDeletions !== undefined) p.maxDeletions = spec.maxDeletions;
    if (spec.groupBy !== undefined) p.groupBy = spec.groupBy;
    return p;
  }),
);

const IN_USE: SafetyKeepReason[] = ["in-use:ecs-task", "in-use:ecs-service", "in-use:lambda"];

const scenarioArb = fc
  .record({
    registry: registryArb,
    policies: policiesArb,
    inUsePicks: fc.array(fc.tuple(fc.nat(), fc.constantFrom(...IN_USE)), { maxLength: 3 }),
    nowOffset: fc.integer({ min: 0, max: 30 * 24 }).map((h) => h * HOUR),
  })
  .map(({ registry, policies, inUsePicks, nowOffset }) => {
    const inUse = new Map<string, SafetyKeepReason>();
    if (registry.images.length) for (const [n, reason] of inUsePicks) inUse.set(registry.images[n % registry.images.length].digest, reason);
    return { registry, policies, inUse, now: NOW + nowOffset };
  });

type Scenario = { registry: Registry; policies: Policy[]; inUse: Map<string, SafetyKeepReason>; now: number };

function planOf(s: Scenario, policies = s.policies, images = s.registry.images): RepositoryPlan {
  return planRepository({ repository: "repo", images, policies, now: s.now, inUse: new Map([...s.inUse].map(([digest, reason]) => [digest, { reason, workloads: [] }])) });
}

/** Top-level images in the spec's order: pushedAt descending, digest ascending. */
function ordered(s: Scenario): ImageRecord[] {
  return s.registry.images
    .filter((image) => s.registry.topLevel.has(image.digest))
    .sort((a, b) => b.pushedAt! - a.pushedAt! || (a.digest < b.digest ? -1 : 1));
}

/** Glob matching written independently of glob.ts. */
function matches(entry: string, tag: string): boolean {
  if (!entry.includes("*") && !entry.includes("?")) return entry === tag;
  let re = "^";
  for (const ch of entry) re += ch === "*" ? "[\\s\\S]*" : ch === "?" ? "[\\s\\S]" : ch.replace(/[.+^$()|[\]{}\\]/g, "\\$&");
  return new RegExp(re + "$").test(tag);
}

/** Index (in `order`) of each channel position, for a policy with a list of entries. */
function channelPositions(entries: string[], order: ImageRecord[]): number[] {
  return entries.flatMap((entry) => {
    const i = order.findIndex((image) => image.tags.some((tag) => !/^sha256-[0-9a-f]{64}\.(sig|att|sbom)$/.test(tag) && matches(entry, tag)));
    return i < 0 ? [] : [i];
  });
}

/** Every image that belongs (transitively) to `top`. */
function unitOf(s: Scenario, top: string): Set<string> {
  const unit = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [member, owners] of s.registry.owners) {
      if (!unit.has(member) && owners.some((o) => o === top || unit.has(o))) {
        unit.add(member);
        grew = true;
      }
    }
  }
  return unit;
}

const actions = (plan: RepositoryPlan) => new Map(plan.decisions.map((d) => [d.image.digest, d]));

describe("planner properties", () => {
  before(loadRegexEngine);

  it("decides every image exactly once", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = planOf(s);
        expect(plan.decisions.map((d) => d.image.digest).sort()).to.deep.equal(s.registry.images.map((i) => i.digest).sort());
      }),
      { numRuns: RUNS },
    );
  });

  it("anchor mode: no channel position and nothing newer than the anchor is deleted", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = planOf(s);
        const decided = actions(plan);
        const order = ordered(s);
        for (const policy of s.policies) {
          // These properties state the ungrouped rule; a grouped policy's own are in groups.test.ts.
          if (policy.groupBy !== undefined) continue;
          if (policy.significantTags === "*") continue;
          const positions = channelPositions(policy.significantTags, order);
          if (!positions.length) continue;
          const anchor = Math.max(...positions);
          const mode = plan.modes.find((m) => m.policy === policy.name)!;
          expect(mode.mode).to.equal("anchor");
          expect(mode.anchor!.digest).to.equal(order[anchor].digest);
          for (let i = 0; i <= anchor; i++) {
            expect(decided.get(order[i].digest)!.action, `image #${i}, anchor #${anchor}`).to.equal("keep");
            const verdict = decided.get(order[i].digest)!.verdicts.find((v) => v.policy === policy.name)!;
            expect(verdict.verdict).to.equal("keep");
            expect(verdict.reason).to.equal(i === anchor ? "anchor" : "newer-than-anchor");
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("anchor mode: at least protected_count images older than the anchor survive, when there were that many", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const decided = actions(planOf(s));
        const order = ordered(s);
        for (const policy of s.policies) {
          // These properties state the ungrouped rule; a grouped policy's own are in groups.test.ts.
          if (policy.groupBy !== undefined) continue;
          if (policy.significantTags === "*") continue;
          const positions = channelPositions(policy.significantTags, order);
          if (!positions.length) continue;
          const older = order.slice(Math.max(...positions) + 1);
          const survivors = older.filter((image) => decided.get(image.digest)!.action === "keep").length;
          expect(survivors).to.be.at.least(Math.min(policy.protectedCount, older.length));
          // And those are exactly the next protected_count images in the order.
          for (const image of older.slice(0, policy.protectedCount)) expect(decided.get(image.digest)!.action).to.equal("keep");
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("untagged mode: the policy says nothing but keep about tagged images, and flags a missing significant tag", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = planOf(s);
        const order = ordered(s);
        for (const policy of s.policies) {
          // These properties state the ungrouped rule; a grouped policy's own are in groups.test.ts.
          if (policy.groupBy !== undefined) continue;
          const untaggedMode = policy.significantTags === "*" || channelPositions(policy.significantTags, order).length === 0;
          if (!untaggedMode) continue;
          const mode = plan.modes.find((m) => m.policy === policy.name)!;
          expect(mode.mode).to.equal("untagged");
          expect(Boolean(mode.noSignificantTag)).to.equal(policy.significantTags !== "*");
          for (const d of plan.decisions) {
            if (d.unitOf || d.image.tags.length === 0) continue;
            const verdict = d.verdicts.find((v) => v.policy === policy.name);
            if (verdict) expect(verdict.verdict, `tagged ${d.image.digest}`).to.equal("keep");
          }
        }
        // With untagged-mode policies alone, no tagged top-level image is ever deleted.
        const allUntagged = s.policies.every((p) => p.groupBy === undefined && (p.significantTags === "*" || channelPositions(p.significantTags, order).length === 0));
        if (allUntagged) {
          for (const d of plan.decisions) if (!d.unitOf && d.image.tags.length) expect(d.action).to.equal("keep");
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("a top-level image is deleted only when some policy says delete and none says keep", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        for (const d of planOf(s).decisions) {
          if (d.unitOf || d.action !== "delete") continue;
          expect(d.verdicts.some((v) => v.verdict === "delete")).to.equal(true);
          expect(d.verdicts.some((v) => v.verdict === "keep")).to.equal(false);
          expect(s.inUse.has(d.image.digest)).to.equal(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("the plan does not depend on the order of the policies or of the listing", () => {
    fc.assert(
      fc.property(
        scenarioArb.chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.shuffledSubarray(s.policies, { minLength: s.policies.length, maxLength: s.policies.length }),
            fc.shuffledSubarray(s.registry.images, { minLength: s.registry.images.length, maxLength: s.registry.images.length }),
          ),
        ),
        ([s, policies, images]) => {
          const plan = planOf(s);
          expect(planOf(s, policies)).to.deep.equal(plan);
          expect(planOf(s, s.policies, images)).to.deep.equal(plan);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("applying a plan and planning again with the same now deletes nothing more", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const deleted = new Set(planOf(s).decisions.filter((d) => d.action === "delete").map((d) => d.image.digest));
        const after = s.registry.images.filter((image) => !deleted.has(image.digest));
        const again = planOf(s, s.policies, after);
        expect(again.decisions.filter((d) => d.action === "delete").map((d) => d.image.digest)).to.deep.equal([]);
      }),
      { numRuns: RUNS },
    );
  });

  it("units go whole: a kept unit loses no member; a deleted unit leaves only members another kept unit holds", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = planOf(s);
        const decided = actions(plan);
        const kept = ordered(s).filter((image) => decided.get(image.digest)!.action === "keep");
        const heldByKept = new Set(kept.flatMap((image) => [...unitOf(s, image.digest)]));
        for (const top of ordered(s)) {
          const action = decided.get(top.digest)!.action;
          for (const member of unitOf(s, top.digest)) {
            const d = decided.get(member)!;
            if (action === "keep") expect(d.action, `member ${member} of kept ${top.digest}`).to.equal("keep");
            else expect(d.action, `member ${member} of deleted ${top.digest}`).to.equal(heldByKept.has(member) ? "keep" : "delete");
            if (d.action === "keep") expect(d.reason).to.be.oneOf(["member-of-kept", "cap-exceeded"]);
            else expect(d.reason).to.equal("member-of-deleted");
          }
          // An in-use image anywhere in a unit keeps the unit.
          if ([top.digest, ...unitOf(s, top.digest)].some((digest) => s.inUse.has(digest))) expect(action).to.equal("keep");
        }
        // Nothing in use is ever deleted.
        for (const digest of s.inUse.keys()) expect(decided.get(digest)!.action).to.equal("keep");
      }),
      { numRuns: RUNS },
    );
  });

  it("an image is deleted in a later wave than every deleted image it belongs to (index before children)", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const decided = actions(planOf(s));
        for (const [member, owners] of s.registry.owners) {
          const d = decided.get(member)!;
          if (d.action !== "delete") continue;
          for (const owner of owners) {
            const o = decided.get(owner)!;
            if (o.action === "delete") expect(d.wave, `${member} after ${owner}`).to.be.greaterThan(o.wave);
          }
        }
        for (const d of decided.values()) if (!d.unitOf && s.registry.topLevel.has(d.image.digest)) expect(d.wave).to.equal(0);
      }),
      { numRuns: RUNS },
    );
  });

  it("protected_count counts top-level images only (untagged mode keeps the N newest top-level images)", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const decided = actions(planOf(s));
        const order = ordered(s);
        for (const policy of s.policies) {
          // These properties state the ungrouped rule; a grouped policy's own are in groups.test.ts.
          if (policy.groupBy !== undefined) continue;
          if (policy.significantTags !== "*") continue;
          for (const image of order.slice(0, policy.protectedCount)) {
            const verdict = decided.get(image.digest)!.verdicts.find((v) => v.policy === policy.name);
            expect(verdict, image.digest).to.deep.equal({ policy: policy.name, verdict: "keep", reason: "count" });
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("the safety cap: over the smallest cap nothing is deleted; at or under it, the cap changes nothing", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = planOf(s);
        const uncapped = planOf(s, s.policies.map(({ maxDeletions: _, ...p }) => p));
        const planned = uncapped.decisions.filter((d) => d.action === "delete").length;
        const caps = s.policies.flatMap((p) => (p.maxDeletions === undefined ? [] : [p.maxDeletions]));
        if (caps.length && planned > Math.min(...caps)) {
          expect(plan.capExceeded).to.deep.equal({ cap: Math.min(...caps), planned });
          expect(plan.decisions.filter((d) => d.action === "delete")).to.deep.equal([]);
          uncapped.decisions.forEach((d, i) => d.action === "delete" && expect(plan.decisions[i].reason).to.equal("cap-exceeded"));
        } else {
          expect(plan.capExceeded).to.equal(undefined);
          expect(plan).to.deep.equal(uncapped);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
