/**
 * Table-driven tests of the pure planner against spec sections 3 and 4. Every case states the exact
 * action and reason code for every image of the repository, written `{ name: "action:reason" }`.
 * `now` is fixed: nothing here reads the clock.
 */
import { expect } from "chai";
import { parseConfig } from "../runtime/config/load";
import { channelsWidened, planNoLongerHolds } from "../runtime/planner/channels";
import { planRepository } from "../runtime/planner/plan";
import { governs, missingRepositories } from "../runtime/planner/scope";
import type { ChannelPosition, ImageRecord, Policy, RepositoryPlan, SafetyKeepReason } from "../runtime/planner/types";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** One millisecond, in the days that Img's ages and pull times are written in. */
const MS = 1 / DAY;
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

/**
 * Real-looking digests that keep the order of the names: `sha256:` + the name's bytes in hex, padded with
 * zeros. So `d01 < d02` as digests too, and cosign tags (`sha256-<hex>.sig`) can name them.
 */
function hexOf(name: string): string {
  const hex = Buffer.from(name, "utf8").toString("hex");
  if (hex.length > 64) throw new Error(`name too long: ${name}`);
  return hex.padEnd(64, "0");
}
const digestOf = (name: string) => `sha256:${hexOf(name)}`;
const cosign = (subject: string, kind: "sig" | "att" | "sbom" = "sig") => `sha256-${hexOf(subject)}.${kind}`;

/** An image as the tests write it: ages in days before NOW (fractions allowed). */
interface Img {
  name: string;
  age: number;
  tags?: string[];
  /** Days before NOW of the last recorded pull. */
  pulled?: number;
  /** Names of the platform manifests this index lists. */
  children?: string[];
  /** Name (or raw digest, if it starts with sha256:) of the OCI subject. */
  subject?: string;
  /** ECR gave no push time. */
  undated?: boolean;
  status?: ImageRecord["status"];
  /** An index whose manifest cannot be read (archived or activating). */
  childrenUnknown?: boolean;
}

function toRecord(img: Img): ImageRecord {
  const record: ImageRecord = {
    digest: digestOf(img.name),
    tags: img.tags ?? [],
    pushedAt: NOW - Math.round(img.age * DAY),
    sizeBytes: 1000,
  };
  if (img.pulled !== undefined) record.lastPulledAt = NOW - Math.round(img.pulled * DAY);
  if (img.children) record.childDigests = img.children.map(digestOf);
  if (img.subject) record.subjectDigest = img.subject.startsWith("sha256:") ? img.subject : digestOf(img.subject);
  if (img.undated) delete record.pushedAt;
  if (img.status) record.status = img.status;
  if (img.childrenUnknown) record.childrenUnknown = true;
  return record;
}

const policy = (name: string, fields: Partial<Policy> = {}): Policy => ({
  index: 0,
  name,
  significantTags: "*",
  protectedPeriodMs: 0,
  protectedCount: 0,
  ...fields,
});

/** The release-history policy of the spec's example: a year, 13 images, channels dev/rc/prod. */
const release = (fields: Partial<Policy> = {}) =>
  policy("release", { significantTags: ["dev", "rc", "prod"], protectedPeriodMs: 365 * DAY, protectedCount: 13, ...fields });

interface Case {
  title: string;
  images: Img[];
  policies: Policy[];
  now?: number;
  inUse?: Record<string, SafetyKeepReason>;
  /** Every image: `action:reason`. */
  expected: Record<string, string>;
  /** Per policy: `anchor:<name>`, `untagged`, or `untagged:no-significant-tag`. */
  modes: Record<string, string>;
  capExceeded?: { cap: number; planned: number };
  /** For members: the name of the unit they are listed under. */
  unitOf?: Record<string, string>;
}

function plan(c: Case, policies = c.policies, images = c.images): RepositoryPlan {
  return planRepository({
    repository: "repo",
    images: images.map(toRecord),
    policies,
    now: c.now ?? NOW,
    inUse: c.inUse ? new Map(Object.entries(c.inUse).map(([name, reason]) => [digestOf(name), { reason, workloads: [] }])) : undefined,
  });
}

function namer(c: Case): (digest: string) => string {
  const names = new Map(c.images.map((img) => [digestOf(img.name), img.name]));
  return (digest) => names.get(digest) ?? digest;
}

function outcome(c: Case, p: RepositoryPlan): Record<string, string> {
  const name = namer(c);
  const out: Record<string, string> = {};
  for (const d of p.decisions) {
    expect(out, `${name(d.image.digest)} decided twice`).not.to.have.property(name(d.image.digest));
    out[name(d.image.digest)] = `${d.action}:${d.reason}`;
  }
  return out;
}

function modes(c: Case, p: RepositoryPlan): Record<string, string> {
  const name = namer(c);
  return Object.fromEntries(
    p.modes.map((m) => [
      m.policy,
      m.mode === "anchor" ? `anchor:${name(m.anchor!.digest)}` : m.noSignificantTag ? "untagged:no-significant-tag" : "untagged",
    ]),
  );
}

/** `count` images named `${prefix}NN` from `first`, `step` days apart starting at `age`. */
function series(prefix: string, first: number, count: number, age: number, step: number, tags?: (i: number) => string[] | undefined): Img[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}${String(first + i).padStart(2, "0")}`,
    age: age + i * step,
    tags: tags?.(i),
  }));
}

function expectRange(prefix: string, first: number, last: number, value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = first; i <= last; i++) out[`${prefix}${String(i).padStart(2, "0")}`] = value;
  return out;
}

function runTable(cases: Case[]): void {
  for (const c of cases) {
    it(c.title, () => {
      const p = plan(c);
      expect(outcome(c, p)).to.deep.equal(c.expected);
      expect(modes(c, p)).to.deep.equal(c.modes);
      expect(p.capExceeded).to.deep.equal(c.capExceeded);
      if (c.unitOf) {
        const name = namer(c);
        const unitOf = Object.fromEntries(p.decisions.filter((d) => d.unitOf).map((d) => [name(d.image.digest), name(d.unitOf!)]));
        expect(unitOf).to.deep.equal(c.unitOf);
      }
      // Neither the order of the policies nor the order of the listing changes anything.
      expect(plan(c, [...c.policies].reverse())).to.deep.equal(p);
      expect(plan(c, c.policies, [...c.images].reverse())).to.deep.equal(p);
    });
  }
}

describe("planner (spec section 3)", () => {
  describe("anchor mode: the release-history example (a year, 13 images, dev/rc/prod)", () => {
    runTable([
      {
        title: "the year before prod holds more than 13 images: the whole year stays",
        policies: [release()],
        images: [
          { name: "d01", age: 0, tags: ["dev"] },
          { name: "d02", age: 3 },
          { name: "d03", age: 6, tags: ["rc"] },
          { name: "d04", age: 9, tags: ["feature-x"] },
          { name: "d05", age: 12, tags: ["prod", "1.4.0"] },
          // 18 images within the year before prod (30 .. 370 days), then one exactly at the edge.
          ...series("d", 6, 18, 30, 20),
          { name: "d24", age: 12 + 365 },
          { name: "d25", age: 12 + 365 + 1 / 1440, tags: ["1.0.0"] },
          { name: "d26", age: 500 },
        ],
        expected: {
          d01: "keep:newer-than-anchor",
          d02: "keep:newer-than-anchor",
          d03: "keep:newer-than-anchor",
          d04: "keep:newer-than-anchor",
          d05: "keep:anchor",
          ...expectRange("d", 6, 24, "keep:period"),
          d25: "delete:beyond-window",
          d26: "delete:beyond-window",
        },
        modes: { release: "anchor:d05" },
      },
      {
        title: "the year before prod holds fewer than 13 images: 13 images follow the anchor",
        policies: [release()],
        images: [
          { name: "d01", age: 0, tags: ["dev"] },
          { name: "d02", age: 50 },
          { name: "d03", age: 100, tags: ["rc"] },
          { name: "d04", age: 200, tags: ["prod"] },
          // Within the year before prod (down to age 565): 4 images.
          { name: "d05", age: 300 },
          { name: "d06", age: 400, tags: ["1.2.0"] },
          { name: "d07", age: 500 },
          { name: "d08", age: 565 },
          // Beyond the year: 9 more complete the 13, the rest go (tagged or not).
          ...series("d", 9, 12, 600, 100, (i) => (i % 3 === 0 ? [`0.${i}.0`] : undefined)),
        ],
        expected: {
          d01: "keep:newer-than-anchor",
          d02: "keep:newer-than-anchor",
          d03: "keep:newer-than-anchor",
          d04: "keep:anchor",
          ...expectRange("d", 5, 8, "keep:period"),
          ...expectRange("d", 9, 17, "keep:count"),
          ...expectRange("d", 18, 20, "delete:beyond-window"),
        },
        modes: { release: "anchor:d04" },
      },
      {
        title: "fewer than protected_count images after the anchor: all of them stay",
        policies: [release({ protectedPeriodMs: DAY, protectedCount: 5 })],
        images: [
          { name: "d01", age: 0, tags: ["prod"] },
          { name: "d02", age: 10 },
          { name: "d03", age: 20, tags: ["old"] },
          { name: "d04", age: 30 },
        ],
        expected: { d01: "keep:anchor", d02: "keep:count", d03: "keep:count", d04: "keep:count" },
        modes: { release: "anchor:d01" },
      },
      {
        title: "period edge: pushed exactly protected_period before the anchor stays, a minute earlier does not",
        policies: [release({ protectedPeriodMs: 30 * DAY, protectedCount: 0 })],
        images: [
          { name: "d01", age: 5, tags: ["prod"] },
          { name: "d02", age: 35 },
          { name: "d03", age: 35 + 1 / 1440 },
        ],
        expected: { d01: "keep:anchor", d02: "keep:period", d03: "delete:beyond-window" },
        modes: { release: "anchor:d01" },
      },
      {
        title: "protected_count 0 and period 0: only the anchor and newer images stay",
        policies: [release({ protectedPeriodMs: 0, protectedCount: 0 })],
        images: [
          { name: "d01", age: 1, tags: ["dev"] },
          { name: "d02", age: 2, tags: ["prod"] },
          { name: "d03", age: 3, tags: ["rc"] },
          { name: "d04", age: 4 },
        ],
        expected: { d01: "keep:newer-than-anchor", d02: "keep:newer-than-anchor", d03: "keep:anchor", d04: "delete:beyond-window" },
        modes: { release: "anchor:d03" },
      },
    ]);
  });

  describe("anchor mode: channels, globs and entries that match nothing", () => {
    runTable([
      {
        title: "the anchor is the oldest channel position, whatever the order of the list",
        policies: [policy("p", { significantTags: ["prod", "dev", "rc"], protectedCount: 1 })],
        images: [
          { name: "d01", age: 1, tags: ["dev"] },
          { name: "d02", age: 2, tags: ["prod"] },
          { name: "d03", age: 3 },
          { name: "d04", age: 4, tags: ["rc"] },
          { name: "d05", age: 5, tags: ["v9"] },
          { name: "d06", age: 6 },
        ],
        expected: {
          d01: "keep:newer-than-anchor",
          d02: "keep:newer-than-anchor",
          d03: "keep:newer-than-anchor",
          d04: "keep:anchor",
          d05: "keep:count",
          d06: "delete:beyond-window",
        },
        modes: { p: "anchor:d04" },
      },
      {
        title: "globs: a channel stands at the NEWEST image matching its entry; older matches are not protected",
        policies: [policy("p", { significantTags: ["v*", "release-?"], protectedCount: 1 })],
        images: [
          { name: "d01", age: 1, tags: ["v3"] },
          { name: "d02", age: 2, tags: ["release-2"] },
          { name: "d03", age: 3, tags: ["v2"] },
          { name: "d04", age: 4, tags: ["release-1"] },
          { name: "d05", age: 5, tags: ["release-10"] },
          { name: "d06", age: 6, tags: ["v1"] },
          { name: "d07", age: 7 },
        ],
        expected: {
          d01: "keep:newer-than-anchor",
          d02: "keep:anchor",
          d03: "keep:count",
          d04: "delete:beyond-window",
          d05: "delete:beyond-window",
          d06: "delete:beyond-window",
          d07: "delete:beyond-window",
        },
        modes: { p: "anchor:d02" },
      },
      {
        title: "a glob channel newer than a plain channel: the plain one anchors",
        policies: [policy("p", { significantTags: ["v*", "prod"] })],
        images: [
          { name: "d01", age: 1, tags: ["v2"] },
          { name: "d02", age: 5, tags: ["prod"] },
          { name: "d03", age: 10, tags: ["v1"] },
        ],
        expected: { d01: "keep:newer-than-anchor", d02: "keep:anchor", d03: "delete:beyond-window" },
        modes: { p: "anchor:d02" },
      },
      {
        title: "'?' is exactly one character and matching is case-sensitive",
        policies: [policy("p", { significantTags: ["release-?", "Prod"] })],
        images: [
          { name: "d01", age: 1, tags: ["release-"] },
          { name: "d02", age: 2, tags: ["prod"] },
          { name: "d03", age: 3, tags: ["release-a"] },
          { name: "d04", age: 4, tags: ["release-10"] },
        ],
        expected: { d01: "keep:newer-than-anchor", d02: "keep:newer-than-anchor", d03: "keep:anchor", d04: "delete:beyond-window" },
        modes: { p: "anchor:d03" },
      },
      {
        title: "an entry that matches nothing is ignored; the others still anchor",
        policies: [policy("p", { significantTags: ["prod", "staging", "hotfix-*"] })],
        images: [
          { name: "d01", age: 1 },
          { name: "d02", age: 2, tags: ["prod"] },
          { name: "d03", age: 3, tags: ["stage"] },
        ],
        expected: { d01: "keep:newer-than-anchor", d02: "keep:anchor", d03: "delete:beyond-window" },
        modes: { p: "anchor:d02" },
      },
      {
        title: "an image with several tags is one image (one decision)",
        policies: [policy("p", { significantTags: ["prod", "rc"] })],
        images: [
          { name: "d01", age: 1, tags: ["rc", "prod", "1.2.3", "latest"] },
          { name: "d02", age: 2, tags: ["1.2.2", "1.2"] },
        ],
        expected: { d01: "keep:anchor", d02: "delete:beyond-window" },
        modes: { p: "anchor:d01" },
      },
    ]);
  });

  describe("untagged mode", () => {
    const images: Img[] = [
      { name: "d01", age: 0.5, tags: ["latest"] },
      { name: "d02", age: 1 },
      { name: "d03", age: 2 },
      { name: "d04", age: 3, tags: ["v1"] },
      { name: "d05", age: 7 },
      { name: "d06", age: 7 + 1 / 1440 },
      { name: "d07", age: 30, tags: ["prod"] },
      { name: "d08", age: 40 },
    ];
    const expected = {
      d01: "keep:count",
      d02: "keep:count",
      d03: "keep:period",
      d04: "keep:untouched",
      d05: "keep:period",
      d06: "delete:untagged-expired",
      d07: "keep:untouched",
      d08: "delete:untagged-expired",
    };
    runTable([
      {
        title: "no significant tag in the repository (a typo such as prd): untagged mode, flagged",
        policies: [policy("p", { significantTags: ["prd", "stagin*"], protectedPeriodMs: 7 * DAY, protectedCount: 2 })],
        images,
        expected,
        modes: { p: "untagged:no-significant-tag" },
      },
      {
        title: "'*': untagged mode, not flagged",
        policies: [policy("p", { significantTags: "*", protectedPeriodMs: 7 * DAY, protectedCount: 2 })],
        images,
        expected,
        modes: { p: "untagged" },
      },
      {
        title: "protected_count counts tagged images too; the period counts from now",
        policies: [policy("p", { protectedPeriodMs: 3 * DAY, protectedCount: 3 })],
        images: [
          { name: "d01", age: 1, tags: ["a"] },
          { name: "d02", age: 2, tags: ["b"] },
          { name: "d03", age: 10 },
          { name: "d04", age: 11 },
          { name: "d05", age: 12, tags: ["c"] },
        ],
        expected: { d01: "keep:count", d02: "keep:count", d03: "keep:count", d04: "delete:untagged-expired", d05: "keep:untouched" },
        modes: { p: "untagged" },
      },
      {
        title: "an empty repository decides nothing",
        policies: [policy("p", { significantTags: ["prod"] })],
        images: [],
        expected: {},
        modes: { p: "untagged:no-significant-tag" },
      },
    ]);
  });

  describe("several policies on one repository", () => {
    const images: Img[] = [
      { name: "d01", age: 1, tags: ["prod"] },
      { name: "d02", age: 5 },
      { name: "d03", age: 10, tags: ["v1"] },
      { name: "d04", age: 20 },
      { name: "d05", age: 40 },
      { name: "d06", age: 50, tags: ["v0"] },
    ];
    runTable([
      {
        title: "keep wins over delete; a delete stays when the other policy has no opinion",
        policies: [
          policy("a-release", { significantTags: ["prod"] }),
          policy("b-untagged", { significantTags: "*", protectedPeriodMs: 30 * DAY }),
        ],
        images,
        expected: {
          d01: "keep:anchor",
          d02: "keep:period",
          d03: "delete:beyond-window",
          d04: "keep:period",
          // Both delete: the reason comes from the first policy by name, not by position in the file.
          d05: "delete:beyond-window",
          d06: "delete:beyond-window",
        },
        modes: { "a-release": "anchor:d01", "b-untagged": "untagged" },
      },
      {
        title: "the same policies listed the other way round give the same plan",
        policies: [
          policy("b-untagged", { significantTags: "*", protectedPeriodMs: 30 * DAY }),
          policy("a-release", { significantTags: ["prod"] }),
        ],
        images,
        expected: {
          d01: "keep:anchor",
          d02: "keep:period",
          d03: "delete:beyond-window",
          d04: "keep:period",
          d05: "delete:beyond-window",
          d06: "delete:beyond-window",
        },
        modes: { "a-release": "anchor:d01", "b-untagged": "untagged" },
      },
      {
        title: "two anchor-mode policies on different channels: the older anchor protects more",
        policies: [
          policy("api", { significantTags: ["prod"], protectedCount: 0 }),
          policy("web", { significantTags: ["v1"], protectedCount: 1 }),
        ],
        images,
        expected: {
          d01: "keep:anchor",
          d02: "keep:newer-than-anchor",
          d03: "keep:anchor",
          d04: "keep:count",
          d05: "delete:beyond-window",
          d06: "delete:beyond-window",
        },
        modes: { api: "anchor:d01", web: "anchor:d03" },
      },
    ]);

    it("records every policy's verdict, sorted by policy name", () => {
      const c: Case = {
        title: "",
        policies: [
          policy("b-untagged", { significantTags: "*", protectedPeriodMs: 30 * DAY }),
          policy("a-release", { significantTags: ["prod"] }),
        ],
        images,
        expected: {},
        modes: {},
      };
      const p = plan(c);
      const d05 = p.decisions.find((d) => d.image.digest === digestOf("d05"))!;
      expect(d05.verdicts).to.deep.equal([
        { policy: "a-release", verdict: "delete", reason: "beyond-window" },
        { policy: "b-untagged", verdict: "delete", reason: "untagged-expired" },
      ]);
      const d03 = p.decisions.find((d) => d.image.digest === digestOf("d03"))!;
      expect(d03.verdicts).to.deep.equal([{ policy: "a-release", verdict: "delete", reason: "beyond-window" }]);
      expect(p.policies).to.deep.equal(["a-release", "b-untagged"]);
    });

    it("no governing policy: every image is untouched", () => {
      const p = planRepository({ repository: "r", images: images.map(toRecord), policies: [], now: NOW });
      expect(p.decisions.map((d) => `${d.action}:${d.reason}`)).to.deep.equal(Array(images.length).fill("keep:untouched"));
    });
  });

  describe("ties in push time: digest ascending breaks them", () => {
    runTable([
      {
        title: "three channels pushed at the same time: the anchor is the one with the greatest digest",
        policies: [release({ protectedPeriodMs: 0, protectedCount: 0 })],
        images: [
          { name: "d03", age: 5, tags: ["rc"] },
          { name: "d05", age: 6 },
          { name: "d01", age: 5, tags: ["dev"] },
          { name: "d04", age: 5 },
          { name: "d02", age: 5, tags: ["prod"] },
        ],
        expected: {
          d01: "keep:newer-than-anchor",
          d02: "keep:newer-than-anchor",
          d03: "keep:anchor",
          d04: "keep:period",
          d05: "delete:beyond-window",
        },
        modes: { release: "anchor:d03" },
      },
      {
        title: "protected_count after the anchor cuts between images pushed at the same time",
        policies: [policy("p", { significantTags: ["prod"], protectedCount: 1 })],
        images: [
          { name: "d03", age: 10 },
          { name: "d01", age: 0, tags: ["prod"] },
          { name: "d02", age: 10 },
        ],
        expected: { d01: "keep:anchor", d02: "keep:count", d03: "delete:beyond-window" },
        modes: { p: "anchor:d01" },
      },
      {
        title: "untagged mode: protected_count cuts between images pushed at the same time",
        policies: [policy("p", { protectedPeriodMs: DAY, protectedCount: 1 })],
        images: [
          { name: "d02", age: 10 },
          { name: "d03", age: 10 },
          { name: "d01", age: 10 },
        ],
        expected: { d01: "keep:count", d02: "delete:untagged-expired", d03: "delete:untagged-expired" },
        modes: { p: "untagged" },
      },
    ]);
  });

  // ECR's recorded pull time lags the real last pull by up to a day: the window reaches back keep_pulled_within + 1d.
  describe("keep_pulled_within", () => {
    runTable([
      {
        title: "anchor mode: images pulled within the window and its day of lag stay (edge included, 1 ms beyond not)",
        policies: [policy("p", { significantTags: ["prod"], keepPulledWithinMs: 7 * DAY })],
        images: [
          { name: "d01", age: 0, tags: ["prod"] },
          { name: "d02", age: 10, pulled: 2 },
          { name: "d03", age: 20, pulled: 7 + 1 / 1440, tags: ["v1"] },
          { name: "d04", age: 30, pulled: 8 },
          { name: "d05", age: 40, pulled: 8 + MS },
          { name: "d06", age: 50 },
        ],
        expected: {
          d01: "keep:anchor",
          d02: "keep:pulled",
          d03: "keep:pulled",
          d04: "keep:pulled",
          d05: "delete:beyond-window",
          d06: "delete:beyond-window",
        },
        modes: { p: "anchor:d01" },
      },
      {
        title: "untagged mode: pulled images stay, tagged or not, back to keep_pulled_within + 1d",
        policies: [policy("p", { protectedPeriodMs: DAY, keepPulledWithinMs: 7 * DAY })],
        images: [
          { name: "d01", age: 10, tags: ["v1"], pulled: 8 },
          { name: "d02", age: 10, tags: ["v2"], pulled: 8 + MS },
          { name: "d03", age: 10, pulled: 8 },
          { name: "d04", age: 10, pulled: 8 + MS },
        ],
        expected: { d01: "keep:pulled", d02: "keep:untouched", d03: "keep:pulled", d04: "delete:untagged-expired" },
        modes: { p: "untagged" },
      },
      {
        title: "without keep_pulled_within, pull times do not matter",
        policies: [policy("p", { significantTags: ["prod"] })],
        images: [
          { name: "d01", age: 0, tags: ["prod"] },
          { name: "d02", age: 10, pulled: 0 },
        ],
        expected: { d01: "keep:anchor", d02: "delete:beyond-window" },
        modes: { p: "anchor:d01" },
      },
    ]);
  });

  describe("durations from a policy file", () => {
    const fromYaml = (yaml: string) => parseConfig(yaml, "durations.yaml").policies;
    runTable([
      {
        title: "protected_period: 36h in untagged mode",
        policies: fromYaml("- name: p\n  protected_period: 36h\n  protected_count: 0\n  significant_tags: '*'\n"),
        images: [
          { name: "d01", age: 1.4 },
          { name: "d02", age: 1.5 },
          { name: "d03", age: 1.5 + 1 / 1440 },
        ],
        expected: { d01: "keep:period", d02: "keep:period", d03: "delete:untagged-expired" },
        modes: { p: "untagged" },
      },
      {
        title: "protected_period: 2w in anchor mode, keep_pulled_within: 1d",
        policies: fromYaml(
          "- name: p\n  protected_period: 2w\n  protected_count: 0\n  significant_tags: [prod]\n  keep_pulled_within: 1d\n",
        ),
        images: [
          { name: "d01", age: 1, tags: ["prod"] },
          { name: "d02", age: 15 },
          { name: "d03", age: 15 + 1 / 1440, pulled: 2 },
          { name: "d04", age: 16, pulled: 2 + MS },
        ],
        expected: { d01: "keep:anchor", d02: "keep:period", d03: "keep:pulled", d04: "delete:beyond-window" },
        modes: { p: "anchor:d01" },
      },
      {
        title: "protected_period: 7 is seven days",
        policies: fromYaml("- name: p\n  protected_period: 7\n  protected_count: 0\n  significant_tags: ['*']\n"),
        images: [
          { name: "d01", age: 7 },
          { name: "d02", age: 7 + 1 / 1440 },
        ],
        expected: { d01: "keep:period", d02: "delete:untagged-expired" },
        modes: { p: "untagged" },
      },
    ]);
  });
});

describe("planner safety rules (spec section 4)", () => {
  describe("max_deletions", () => {
    const images: Img[] = [
      { name: "d01", age: 0, tags: ["prod"] },
      { name: "i02", age: 10, children: ["i02c1", "i02c2"] },
      { name: "i02c1", age: 10 },
      { name: "i02c2", age: 10 },
      { name: "d03", age: 20 },
    ];
    runTable([
      {
        title: "more deletions (members included) than the smallest cap: every delete becomes cap-exceeded",
        policies: [
          policy("a", { significantTags: ["prod"], maxDeletions: 5 }),
          policy("b", { significantTags: ["prod"], maxDeletions: 3 }),
          policy("c", { significantTags: ["prod"] }),
        ],
        images,
        expected: {
          d01: "keep:anchor",
          i02: "keep:cap-exceeded",
          i02c1: "keep:cap-exceeded",
          i02c2: "keep:cap-exceeded",
          d03: "keep:cap-exceeded",
        },
        modes: { a: "anchor:d01", b: "anchor:d01", c: "anchor:d01" },
        capExceeded: { cap: 3, planned: 4 },
      },
      {
        title: "deletions equal to the cap are allowed",
        policies: [policy("a", { significantTags: ["prod"], maxDeletions: 4 }), policy("b", { significantTags: ["prod"], maxDeletions: 9 })],
        images,
        expected: {
          d01: "keep:anchor",
          i02: "delete:beyond-window",
          i02c1: "delete:member-of-deleted",
          i02c2: "delete:member-of-deleted",
          d03: "delete:beyond-window",
        },
        modes: { a: "anchor:d01", b: "anchor:d01" },
      },
      {
        title: "max_deletions 0 with nothing to delete is fine",
        policies: [policy("a", { significantTags: ["prod"], protectedCount: 10, maxDeletions: 0 })],
        images,
        expected: { d01: "keep:anchor", i02: "keep:count", i02c1: "keep:member-of-kept", i02c2: "keep:member-of-kept", d03: "keep:count" },
        modes: { a: "anchor:d01" },
      },
      {
        title: "max_deletions 0 with one deletion skips the repository",
        policies: [policy("a", { significantTags: ["prod"], protectedCount: 1, maxDeletions: 0 })],
        images,
        expected: { d01: "keep:anchor", i02: "keep:count", i02c1: "keep:member-of-kept", i02c2: "keep:member-of-kept", d03: "keep:cap-exceeded" },
        modes: { a: "anchor:d01" },
        capExceeded: { cap: 0, planned: 1 },
      },
    ]);
  });

  describe("in use", () => {
    runTable([
      {
        title: "in-use images stay whatever the policies say, untagged ones included",
        policies: [policy("p", { significantTags: ["prod"] }), policy("q", { protectedPeriodMs: DAY })],
        inUse: { d02: "in-use:ecs-task", d03: "in-use:ecs-service", d05: "in-use:lambda" },
        images: [
          { name: "d01", age: 0, tags: ["prod"] },
          { name: "d02", age: 10, tags: ["v1"] },
          { name: "d03", age: 20 },
          { name: "d04", age: 30 },
          { name: "d05", age: 40 },
        ],
        expected: {
          d01: "keep:anchor",
          d02: "keep:in-use:ecs-task",
          d03: "keep:in-use:ecs-service",
          d04: "delete:beyond-window",
          d05: "keep:in-use:lambda",
        },
        modes: { p: "anchor:d01", q: "untagged" },
      },
    ]);
  });

  describe("units", () => {
    // An index with two platform manifests and a cosign signature.
    const unit = (name: string, age: number, tags?: string[]): Img[] => [
      { name, age, tags, children: [`${name}c1`, `${name}c2`] },
      { name: `${name}c1`, age },
      { name: `${name}c2`, age },
      { name: `${name}s`, age: age - 0.01, tags: [cosign(name, "sig")] },
    ];
    runTable([
      {
        title: "a kept index keeps its platform manifests and its signature",
        policies: [policy("p", { significantTags: ["prod"] })],
        images: [...unit("i01", 10, ["prod"]), { name: "d02", age: 20 }],
        expected: {
          i01: "keep:anchor",
          i01c1: "keep:member-of-kept",
          i01c2: "keep:member-of-kept",
          i01s: "keep:member-of-kept",
          d02: "delete:beyond-window",
        },
        modes: { p: "anchor:i01" },
        unitOf: { i01c1: "i01", i01c2: "i01", i01s: "i01" },
      },
      {
        title: "a deleted index deletes all four",
        policies: [policy("p", { significantTags: ["prod"] })],
        images: [{ name: "d01", age: 0, tags: ["prod"] }, ...unit("i02", 10, ["1.0"])],
        expected: {
          d01: "keep:anchor",
          i02: "delete:beyond-window",
          i02c1: "delete:member-of-deleted",
          i02c2: "delete:member-of-deleted",
          i02s: "delete:member-of-deleted",
        },
        modes: { p: "anchor:d01" },
        unitOf: { i02c1: "i02", i02c2: "i02", i02s: "i02" },
      },
      {
        title: "a child shared with another kept index stays",
        policies: [policy("p", { significantTags: ["prod"] })],
        images: [
          { name: "i01", age: 1, tags: ["prod"], children: ["i01c1", "shared"] },
          { name: "i01c1", age: 1 },
          { name: "shared", age: 5 },
          { name: "i02", age: 5, children: ["i02c1", "shared"] },
          { name: "i02c1", age: 5 },
          { name: "i02s", age: 5, tags: [cosign("i02", "att")] },
        ],
        expected: {
          i01: "keep:anchor",
          i01c1: "keep:member-of-kept",
          shared: "keep:member-of-kept",
          i02: "delete:beyond-window",
          i02c1: "delete:member-of-deleted",
          i02s: "delete:member-of-deleted",
        },
        modes: { p: "anchor:i01" },
        unitOf: { i01c1: "i01", shared: "i01", i02c1: "i02", i02s: "i02" },
      },
      {
        title: "a shared child kept by an OLDER unit is listed under that unit, not the deleted one",
        policies: [policy("p", { protectedPeriodMs: DAY })],
        inUse: { i02: "in-use:ecs-task" },
        images: [
          { name: "i01", age: 10, children: ["i01c1", "shared"] },
          { name: "i01c1", age: 10 },
          { name: "shared", age: 20 },
          { name: "i02", age: 20, children: ["i02c1", "shared"] },
          { name: "i02c1", age: 20 },
        ],
        expected: {
          i01: "delete:untagged-expired",
          i01c1: "delete:member-of-deleted",
          shared: "keep:member-of-kept",
          i02: "keep:in-use:ecs-task",
          i02c1: "keep:member-of-kept",
        },
        modes: { p: "untagged" },
        unitOf: { i01c1: "i01", shared: "i02", i02c1: "i02" },
      },
      {
        title: "OCI referrers (subjectDigest) follow their subject; one whose subject is gone is top-level",
        policies: [policy("p", { significantTags: ["prod"] })],
        images: [
          { name: "d01", age: 1, tags: ["prod"] },
          { name: "r01", age: 1, subject: "d01" },
          { name: "d02", age: 10 },
          { name: "r02", age: 0.5, subject: "d02" },
          { name: "r03", age: 20, subject: digestOf("absent") },
        ],
        expected: {
          d01: "keep:anchor",
          r01: "keep:member-of-kept",
          d02: "delete:beyond-window",
          r02: "delete:member-of-deleted",
          r03: "delete:beyond-window",
        },
        modes: { p: "anchor:d01" },
        unitOf: { r01: "d01", r02: "d02" },
      },
      {
        title: "signatures of members belong to the unit too (transitively)",
        policies: [policy("p", { significantTags: ["prod"] })],
        images: [
          { name: "d01", age: 0, tags: ["prod"] },
          ...unit("i02", 10),
          { name: "i02c1s", age: 9, tags: [cosign("i02c1", "sbom")] },
        ],
        expected: {
          d01: "keep:anchor",
          i02: "delete:beyond-window",
          i02c1: "delete:member-of-deleted",
          i02c2: "delete:member-of-deleted",
          i02s: "delete:member-of-deleted",
          i02c1s: "delete:member-of-deleted",
        },
        modes: { p: "anchor:d01" },
        unitOf: { i02c1: "i02", i02c2: "i02", i02s: "i02", i02c1s: "i02" },
      },
      {
        title: "an in-use member keeps its whole unit",
        policies: [policy("p", { significantTags: ["prod"] })],
        inUse: { i02c2: "in-use:lambda" },
        images: [{ name: "d01", age: 0, tags: ["prod"] }, ...unit("i02", 10)],
        expected: {
          d01: "keep:anchor",
          i02: "keep:in-use:lambda",
          i02c1: "keep:member-of-kept",
          i02c2: "keep:member-of-kept",
          i02s: "keep:member-of-kept",
        },
        modes: { p: "anchor:d01" },
      },
      {
        title: "an in-use signature keeps its whole unit",
        policies: [policy("p", { significantTags: ["prod"] })],
        inUse: { i02s: "in-use:ecs-service" },
        images: [{ name: "d01", age: 0, tags: ["prod"] }, ...unit("i02", 10)],
        expected: {
          d01: "keep:anchor",
          i02: "keep:in-use:ecs-service",
          i02c1: "keep:member-of-kept",
          i02c2: "keep:member-of-kept",
          i02s: "keep:member-of-kept",
        },
        modes: { p: "anchor:d01" },
      },
      {
        title: "protected_count counts top-level images only (untagged mode)",
        policies: [policy("p", { protectedCount: 2 })],
        images: [...unit("i01", 1), { name: "d02", age: 2 }, { name: "d03", age: 3 }],
        expected: {
          i01: "keep:count",
          i01c1: "keep:member-of-kept",
          i01c2: "keep:member-of-kept",
          i01s: "keep:member-of-kept",
          d02: "keep:count",
          d03: "delete:untagged-expired",
        },
        modes: { p: "untagged" },
      },
      {
        title: "protected_count counts top-level images only (anchor mode)",
        policies: [policy("p", { significantTags: ["prod"], protectedCount: 2 })],
        images: [{ name: "d00", age: 0, tags: ["prod"] }, ...unit("i01", 1), { name: "d02", age: 2 }, { name: "d03", age: 3 }],
        expected: {
          d00: "keep:anchor",
          i01: "keep:count",
          i01c1: "keep:member-of-kept",
          i01c2: "keep:member-of-kept",
          i01s: "keep:member-of-kept",
          d02: "keep:count",
          d03: "delete:beyond-window",
        },
        modes: { p: "anchor:d00" },
      },
      {
        title: "cosign tags are never significant, even when a glob matches them",
        policies: [policy("p", { significantTags: ["sha256-*", "*.sig"] })],
        images: [...unit("i01", 1), { name: "d02", age: 2 }, { name: "dang", age: 3, tags: [cosign("absent")] }],
        expected: {
          i01: "delete:untagged-expired",
          i01c1: "delete:member-of-deleted",
          i01c2: "delete:member-of-deleted",
          i01s: "delete:member-of-deleted",
          d02: "delete:untagged-expired",
          // A signature whose subject is gone is top-level and carries a tag: not untagged mode's business.
          dang: "keep:untouched",
        },
        modes: { p: "untagged:no-significant-tag" },
      },
      {
        title: "a dangling cosign signature never becomes a channel position",
        policies: [policy("p", { significantTags: ["prod", "sha256-*"] })],
        images: [{ name: "dang", age: 100, tags: [cosign("absent", "att")] }, { name: "d01", age: 1, tags: ["prod"] }, { name: "d02", age: 50 }],
        expected: { d01: "keep:anchor", d02: "delete:beyond-window", dang: "delete:beyond-window" },
        modes: { p: "anchor:d01" },
      },
    ]);
  });
});

describe("planner hardening: tagged members, holders, listings as sets (spec sections 3 and 4)", () => {
  const prod = policy("p", { significantTags: ["prod", "dev"], protectedPeriodMs: 5 * DAY });
  const untagged = policy("u", { protectedPeriodMs: 7 * DAY, protectedCount: 2 });
  runTable([
    {
      title: "a tagged platform manifest is a channel position: its old index and sibling are newer than the anchor",
      policies: [prod],
      images: [
        { name: "d01", age: 1, tags: ["dev"] },
        { name: "i40", age: 40, children: ["i40a", "i40b"] },
        { name: "i40a", age: 40.001 },
        { name: "i40b", age: 40.002, tags: ["prod"] },
        { name: "d50", age: 50 },
      ],
      expected: {
        d01: "keep:newer-than-anchor",
        i40: "keep:newer-than-anchor",
        i40a: "keep:member-of-kept",
        i40b: "keep:anchor",
        d50: "delete:beyond-window",
      },
      modes: { p: "anchor:i40b" },
      unitOf: { i40a: "i40", i40b: "i40" },
    },
    {
      title: "untagged mode leaves a tagged member alone when its untagged index goes",
      policies: [untagged],
      images: [
        { name: "d01", age: 1 },
        { name: "d02", age: 2 },
        { name: "i60", age: 60, children: ["i60a", "i60b"] },
        { name: "i60a", age: 60 },
        { name: "i60b", age: 60, tags: ["prod"] },
      ],
      expected: { d01: "keep:count", d02: "keep:count", i60: "delete:untagged-expired", i60a: "delete:member-of-deleted", i60b: "keep:untouched" },
      modes: { u: "untagged" },
      unitOf: { i60a: "i60", i60b: "i60" },
    },
    {
      title: "a tagged member counts in protected_count like any image in the order",
      policies: [policy("p", { significantTags: ["prod"], protectedCount: 1 })],
      images: [
        { name: "d01", age: 1, tags: ["prod"] },
        { name: "i10", age: 10, children: ["i10a"] },
        { name: "i10a", age: 10.5, tags: ["v1-arm"] },
        { name: "d20", age: 20 },
      ],
      // Order: d01, i10, i10a, d20: count 1 keeps i10; i10a's own decision deletes it, but its index stays, so it stays.
      expected: { d01: "keep:anchor", i10: "keep:count", i10a: "keep:member-of-kept", d20: "delete:beyond-window" },
      modes: { p: "anchor:d01" },
      unitOf: { i10a: "i10" },
    },
    {
      title: "a signature of a tagged platform manifest stays while that manifest stays",
      policies: [untagged],
      images: [
        { name: "d01", age: 1 },
        { name: "d02", age: 2 },
        { name: "i60", age: 60, children: ["i60a"] },
        { name: "i60a", age: 60, tags: ["arm"] },
        { name: "i60s", age: 60, tags: [cosign("i60a")] },
      ],
      expected: { d01: "keep:count", d02: "keep:count", i60: "delete:untagged-expired", i60a: "keep:untouched", i60s: "keep:member-of-kept" },
      modes: { u: "untagged" },
      unitOf: { i60a: "i60", i60s: "i60" },
    },
    {
      title: "a member whose holder is archived stays; an active index's children go with it",
      policies: [untagged],
      images: [
        { name: "d01", age: 1 },
        { name: "d02", age: 2 },
        { name: "i50", age: 50, children: ["i50a"] },
        { name: "i50a", age: 50 },
        { name: "i60", age: 60, children: ["i60a"], status: "ARCHIVED" },
        { name: "i60a", age: 60 },
      ],
      expected: { d01: "keep:count", d02: "keep:count", i50: "delete:untagged-expired", i50a: "delete:member-of-deleted", i60a: "keep:member-of-kept" },
      modes: { u: "untagged" },
      unitOf: { i50a: "i50", i60a: "i60" },
    },
    {
      title: "a unit with an image being restored is left alone",
      policies: [untagged],
      images: [
        { name: "d01", age: 1 },
        { name: "d02", age: 2 },
        { name: "i60", age: 60, children: ["i60a", "i60b"] },
        { name: "i60a", age: 60 },
        { name: "i60b", age: 60, status: "ACTIVATING" },
      ],
      expected: { d01: "keep:count", d02: "keep:count", i60: "keep:unit-activating", i60a: "keep:member-of-kept" },
      modes: { u: "untagged" },
      unitOf: { i60a: "i60" },
    },
    {
      title: "an index whose manifest cannot be read (archived) may hold any image pushed before it: those stay",
      policies: [untagged],
      images: [
        { name: "d01", age: 1 },
        { name: "d02", age: 2 },
        { name: "d30", age: 30 },
        { name: "i40", age: 40, status: "ARCHIVED", childrenUnknown: true },
        { name: "d41", age: 41 },
      ],
      expected: { d01: "keep:count", d02: "keep:count", d30: "delete:untagged-expired", d41: "keep:holder-unreadable" },
      modes: { u: "untagged" },
    },
    {
      title: "an image without a push time is kept and takes no place in the order",
      policies: [untagged],
      images: [{ name: "d01", age: 1 }, { name: "nul", age: 0, undated: true }, { name: "d02", age: 2 }, { name: "d60", age: 60 }],
      expected: { d01: "keep:count", d02: "keep:count", nul: "keep:unknown-push-time", d60: "delete:untagged-expired" },
      modes: { u: "untagged" },
    },
    {
      title: "an undated image with a significant tag: the window has no start, nothing is deleted",
      policies: [prod],
      images: [{ name: "d01", age: 1, tags: ["dev"] }, { name: "nul", age: 0, undated: true, tags: ["prod"] }, { name: "d60", age: 60 }],
      expected: { d01: "keep:anchor", nul: "keep:unknown-push-time", d60: "keep:window-unknown" },
      modes: { p: "anchor:d01" },
    },
  ]);

  it("a digest listed twice is one image: one place in the order and in protected_count, every tag it carried", () => {
    const images = [
      { name: "d01", age: 1 },
      { name: "d02", age: 2 },
      { name: "d03", age: 3 },
    ].map(toRecord);
    const listed = [...images, { ...images[0], tags: ["late"] }];
    const p = planRepository({ repository: "repo", images: listed, policies: [policy("u", { protectedCount: 2 })], now: NOW });
    expect(p.decisions.map((d) => [d.image.digest, d.image.tags, d.action, d.reason])).to.deep.equal([
      [digestOf("d01"), ["late"], "keep", "count"],
      [digestOf("d02"), [], "keep", "count"],
      [digestOf("d03"), [], "delete", "untagged-expired"],
    ]);
  });

  it("records where each channel stood, for the re-checks before each delete call", () => {
    const p = planRepository({
      repository: "repo",
      images: [{ name: "d01", age: 1, tags: ["dev"] }, { name: "d05", age: 5, tags: ["prod"] }].map(toRecord),
      policies: [prod],
      now: NOW,
    });
    expect(p.channels).to.deep.equal([
      { policy: "p", entry: "prod", at: { digest: digestOf("d05"), pushedAt: NOW - 5 * DAY } },
      { policy: "p", entry: "dev", at: { digest: digestOf("d01"), pushedAt: NOW - DAY } },
    ]);
  });
});

describe("planNoLongerHolds: a tagged member that loses its tags leaves the order", () => {
  const prod = policy("p", { significantTags: ["prod"] });
  const plan = { channels: [{ policy: "p", entry: "prod", at: { digest: digestOf("d01"), pushedAt: NOW - DAY } }], taggedMembers: [digestOf("m05")] };
  const tagged = (entries: Img[]) => entries.map(toRecord);
  const none = () => false;
  it("still tagged: the plan holds", () => {
    expect(planNoLongerHolds(plan, [prod], tagged([{ name: "d01", age: 1, tags: ["prod"] }, { name: "m05", age: 5, tags: ["arm"] }]), none)).to.equal(undefined);
  });
  it("its own tags gone (only a referrer tag left counts as none): the plan no longer holds", () => {
    expect(planNoLongerHolds(plan, [prod], tagged([{ name: "d01", age: 1, tags: ["prod"] }]), none)).to.match(/^member sha256:6d3035.* lost its own tags/);
  });
  it("deleted (by this run, or seen gone in a whole listing): not a change of order", () => {
    expect(planNoLongerHolds(plan, [prod], tagged([{ name: "d01", age: 1, tags: ["prod"] }]), (d) => d === digestOf("m05"))).to.equal(undefined);
  });
});

describe("channelsWidened: whether a plan still holds after the channels moved", () => {
  const prod = policy("p", { significantTags: ["prod", "dev"] });
  const at = (name: string, age: number) => ({ digest: digestOf(name), pushedAt: NOW - age * DAY });
  const planned: ChannelPosition[] = [
    { policy: "p", entry: "prod", at: at("d05", 5) },
    { policy: "p", entry: "dev", at: at("d01", 1) },
  ];
  const tagged = (entries: Img[]) => entries.map(toRecord);
  const cases: { title: string; now: Img[]; widened: RegExp | undefined; planned?: typeof planned }[] = [
    { title: "unchanged", now: [{ name: "d01", age: 1, tags: ["dev"] }, { name: "d05", age: 5, tags: ["prod"] }], widened: undefined },
    { title: "prod moved to a newer image", now: [{ name: "d01", age: 1, tags: ["dev", "prod"] }], widened: undefined },
    { title: "prod rolled back to an older image", now: [{ name: "d01", age: 1, tags: ["dev"] }, { name: "d09", age: 9, tags: ["prod"] }], widened: /^channel prod of policy "p" now stands at sha256:6430390/ },
    { title: "dev gone, prod still there", now: [{ name: "d05", age: 5, tags: ["prod"] }], widened: undefined },
    { title: "every channel gone (untagged mode would keep tagged images)", now: [{ name: "d03", age: 3, tags: ["other"] }], widened: /^every channel of policy "p" is gone/ },
    {
      title: "a channel appears where the plan had none (untagged mode becomes anchor mode)",
      planned: [{ policy: "p", entry: "prod" }, { policy: "p", entry: "dev" }],
      now: [{ name: "d30", age: 30, tags: ["prod"] }],
      widened: /^channel prod of policy "p" now stands at .*, older than the no image the plan assumed/,
    },
    { title: "a tagged image without a push time carries a channel", now: [{ name: "nul", age: 0, undated: true, tags: ["prod"] }, { name: "d01", age: 1, tags: ["dev"] }], widened: /has no push time/ },
    { title: "referrer tags are never channels", now: [{ name: "d01", age: 1, tags: ["dev"] }, { name: "d05", age: 5, tags: ["prod"] }, { name: "d09", age: 9, tags: [cosign("d05")] }], widened: undefined },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const result = channelsWidened(c.planned ?? planned, [prod], tagged(c.now));
      if (c.widened) expect(result).to.match(c.widened);
      else expect(result).to.equal(undefined);
    });
  }
});

describe("scope: governs and missingRepositories", () => {
  const cases: { policy: Partial<Policy>; yes: string[]; no: string[] }[] = [
    { policy: { repositories: ["hello_world"] }, yes: ["hello_world"], no: ["hello_world2", "Hello_World", "team/hello_world", "hello"] },
    { policy: { repositories: ["team/*"] }, yes: ["team/a", "team/a/b", "team/"], no: ["team", "other/team/a", "Team/a"] },
    { policy: { repositories: ["*"] }, yes: ["a", "a/b/c"], no: [] },
    { policy: { repositories: ["*/api"] }, yes: ["x/api", "x/y/api"], no: ["api", "x/api2"] },
    { policy: { repositories: ["app-?"] }, yes: ["app-1", "app-x"], no: ["app-", "app-10", "App-1"] },
    { policy: { repositories: ["app.v?"] }, yes: ["app.v1"], no: ["appxv1"] },
    { policy: { repositories: ["a+b", "c(d)"] }, yes: ["a+b", "c(d)"], no: ["aab", "cd"] },
    { policy: { repositories: ["one", "two/*"] }, yes: ["one", "two/x"], no: ["three"] },
    { policy: { protectedRepositories: ["some_ignored_repository"] }, yes: ["hello_world", "some_ignored_repository2"], no: ["some_ignored_repository"] },
    { policy: { protectedRepositories: ["legacy/*", "?"] }, yes: ["legacy", "ab", "new/legacy/x"], no: ["legacy/a", "legacy/a/b", "x"] },
    { policy: {}, yes: ["anything", "a/b/c"], no: [] },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.policy)} governs ${c.yes.join(", ") || "-"}, not ${c.no.join(", ") || "-"}`, () => {
      const p = policy("p", c.policy);
      for (const repo of c.yes) expect(governs(p, repo), repo).to.equal(true);
      for (const repo of c.no) expect(governs(p, repo), repo).to.equal(false);
    });
  }

  it("missingRepositories reports names (not globs, not protected names) absent from the registry", () => {
    const policies = [
      policy("a", { repositories: ["hello_world", "missing", "team/*", "gone-?"] }),
      policy("b", { repositories: ["Hello_World", "hello_world"] }),
      policy("c", { protectedRepositories: ["some_ignored_repository"] }),
      policy("d"),
    ];
    expect(missingRepositories(policies, new Set(["hello_world", "team/x"]))).to.deep.equal([
      { policy: "a", repository: "missing" },
      { policy: "b", repository: "Hello_World" },
    ]);
    expect(missingRepositories(policies, new Set(["hello_world", "missing", "Hello_World"]))).to.deep.equal([]);
  });
});
