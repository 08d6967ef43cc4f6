/**
 * group_by (a policy's rule applied to each group of images separately): table-driven planner cases with the exact
 * action, reason and group of every image, the re-checks before a delete call, the validator's messages, linear-time
 * matching of a tag built to make backtracking engines explode, and a property over generated repositories: no
 * image is deleted that some group of some policy keeps.
 */
import { expect } from "chai";
import fc from "fast-check";
import { RE2JS } from "re2js";
import { ConfigError } from "../runtime/config/errors";
import { parseConfig } from "../runtime/config/load";
import { validateConfig } from "../runtime/config/schema";
import { groupedReleaseWarnings } from "../runtime/engine/runWarnings";
import { channelsWidened, planNoLongerHolds } from "../runtime/planner/channels";
import { compileGroupPattern, loadRegexEngine } from "../runtime/planner/groupPattern";
import { planRepository } from "../runtime/planner/plan";
import type { ImageRecord, Policy, RepositoryPlan } from "../runtime/planner/types";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1, 12);
/** Branch builds: the branch is the group, the commit a 7 to 40 hex digit suffix. */
const BRANCH = "(.+)-[0-9a-f]{7,40}";

const digestOf = (name: string) => `sha256:${Buffer.from(name).toString("hex").padEnd(64, "0")}`;

interface Img {
  name: string;
  /** Days before NOW. */
  age: number;
  tags?: string[];
  /** Days before NOW of the last recorded pull. */
  pulled?: number;
}

const record = (img: Img): ImageRecord => ({
  digest: digestOf(img.name),
  tags: img.tags ?? [],
  pushedAt: NOW - Math.round(img.age * DAY),
  sizeBytes: 1,
  ...(img.pulled === undefined ? {} : { lastPulledAt: NOW - img.pulled * DAY }),
});

const policy = (name: string, fields: Partial<Policy>): Policy => ({ index: 0, name, significantTags: "*", protectedPeriodMs: 0, protectedCount: 0, ...fields });

function plan(images: Img[], policies: Policy[], now = NOW): RepositoryPlan {
  return planRepository({ repository: "repo", images: images.map(record), policies, now });
}

/** Every image: `action:reason`, and the group of each policy's verdict (`policy=group`) when it has one. */
function outcome(images: Img[], p: RepositoryPlan): Record<string, string> {
  const names = new Map(images.map((img) => [digestOf(img.name), img.name]));
  return Object.fromEntries(
    p.decisions.map((d) => {
      const groups = d.verdicts.filter((v) => v.group !== undefined).map((v) => `${v.policy}=${v.group}`);
      return [names.get(d.image.digest)!, `${d.action}:${d.reason}${groups.length ? ` ${groups.join(" ")}` : ""}`];
    }),
  );
}

before(loadRegexEngine);

describe("group_by: the planner applies the rule to each group", () => {
  interface Case {
    title: string;
    images: Img[];
    policies: Policy[];
    expected: Record<string, string>;
    /** Per grouped policy: `group:mode:kept/deleted`, by group name. */
    groups?: Record<string, string[]>;
  }
  const perBranch = policy("branches", { groupBy: BRANCH, protectedCount: 3, protectedPeriodMs: 7 * DAY });
  const cases: Case[] = [
    {
      title: "count mode: the newest protected_count of each group, and those pushed within protected_period; the rest group-expired, tagged or not",
      images: [
        { name: "m1", age: 10, tags: ["main-a000001"] },
        { name: "m2", age: 11, tags: ["main-a000002"] },
        { name: "m3", age: 12, tags: ["main-a000003"] },
        { name: "m4", age: 13, tags: ["main-a000004"] },
        { name: "m5", age: 14, tags: ["main-a000005", "v1.2"] },
        { name: "f1", age: 1, tags: ["feature-x-b000001"] },
        { name: "f2", age: 2, tags: ["feature-x-b000002"] },
        { name: "f3", age: 3, tags: ["feature-x-b000003"] },
        // Within the week: kept by the period although it is the fourth newest.
        { name: "f4", age: 6.9, tags: ["feature-x-b000004"] },
        { name: "f5", age: 7.1, tags: ["feature-x-b000005"] },
        // No tag the pattern matches: not this policy's business.
        { name: "latest", age: 30, tags: ["latest"] },
        { name: "untagged", age: 40 },
      ],
      policies: [perBranch],
      expected: {
        m1: "keep:count branches=main",
        m2: "keep:count branches=main",
        m3: "keep:count branches=main",
        m4: "delete:group-expired branches=main",
        m5: "delete:group-expired branches=main",
        f1: "keep:count branches=feature-x",
        f2: "keep:count branches=feature-x",
        f3: "keep:count branches=feature-x",
        f4: "keep:period branches=feature-x",
        f5: "delete:group-expired branches=feature-x",
        latest: "keep:untouched",
        untagged: "keep:untouched",
      },
      groups: { branches: ["feature-x:count:4/1", "main:count:3/2"] },
    },
    {
      title: "anchor mode within a group that carries a channel: the group's own anchor, period and count; its other images beyond-window",
      images: [
        { name: "a1", age: 1, tags: ["api-1111111"] },
        { name: "a2", age: 5, tags: ["api-2222222", "api-prod"] },
        { name: "a3", age: 10, tags: ["api-3333333"] },
        { name: "a4", age: 20, tags: ["api-4444444"] },
        { name: "a5", age: 30, tags: ["api-5555555"] },
        { name: "w1", age: 2, tags: ["web-1111111"] },
        { name: "w2", age: 40, tags: ["web-2222222", "web-prod"] },
        { name: "w3", age: 60, tags: ["web-3333333"] },
        { name: "w4", age: 70, tags: ["web-4444444"] },
        { name: "w5", age: 80, tags: ["web-5555555"] },
        // A group with no channel: count mode.
        { name: "j1", age: 50, tags: ["jobs-1111111"] },
        { name: "j2", age: 51, tags: ["jobs-2222222"] },
        { name: "j3", age: 52, tags: ["jobs-3333333"] },
      ],
      policies: [policy("services", { groupBy: "([a-z]+)-(?:prod|[0-9a-f]{7,40})", significantTags: ["*-prod"], protectedCount: 2, protectedPeriodMs: 7 * DAY })],
      expected: {
        a1: "keep:newer-than-anchor services=api",
        a2: "keep:anchor services=api",
        a3: "keep:period services=api",
        a4: "keep:count services=api",
        a5: "delete:beyond-window services=api",
        w1: "keep:newer-than-anchor services=web",
        w2: "keep:anchor services=web",
        w3: "keep:count services=web",
        w4: "keep:count services=web",
        w5: "delete:beyond-window services=web",
        j1: "keep:count services=jobs",
        j2: "keep:count services=jobs",
        j3: "delete:group-expired services=jobs",
      },
      groups: { services: ["api:anchor:4/1", "jobs:count:2/1", "web:anchor:4/1"] },
    },
    {
      title: "an image in two groups: kept when one group keeps it, though the other deletes it; deleted when both delete it",
      images: [
        { name: "x1", age: 1, tags: ["api-1111111"] },
        { name: "x2", age: 2, tags: ["web-2222222"] },
        // In api and web of policy one (deleted in both), and the second newest web image of web-two (kept).
        { name: "both", age: 3, tags: ["api-3333333", "web-3333333"] },
        { name: "x4", age: 4, tags: ["web-4444444"] },
        { name: "both-old", age: 9, tags: ["api-5555555", "web-5555555"] },
      ],
      policies: [policy("one", { groupBy: BRANCH, protectedCount: 1 }), policy("web-two", { groupBy: "(web)-.*", protectedCount: 2 })],
      expected: {
        x1: "keep:count one=api",
        x2: "keep:count one=web web-two=web",
        // Policy one: api deletes it, web deletes it; policy web-two keeps it (its second newest web image).
        both: "keep:count one=api web-two=web",
        x4: "delete:group-expired one=web web-two=web",
        "both-old": "delete:group-expired one=api web-two=web",
      },
      groups: { one: ["api:count:1/2", "web:count:1/3"], "web-two": ["web:count:2/2"] },
    },
    {
      title: "an image one group of a policy keeps and another group of the same policy deletes is kept, its verdict naming the keeping group",
      images: [
        { name: "a1", age: 1, tags: ["api-1111111"] },
        { name: "shared", age: 2, tags: ["api-2222222", "web-2222222"] },
      ],
      policies: [policy("one", { groupBy: BRANCH, protectedCount: 1 })],
      expected: { a1: "keep:count one=api", shared: "keep:count one=web" },
      groups: { one: ["api:count:1/1", "web:count:1/0"] },
    },
    {
      title: 'a capturing group that takes no part in the match puts the image in the group ""',
      images: [
        { name: "n1", age: 1, tags: ["build-1"] },
        { name: "n2", age: 2, tags: ["build-2"] },
        { name: "r1", age: 3, tags: ["rc-build-3"] },
        { name: "r2", age: 4, tags: ["rc-build-4"] },
        { name: "n3", age: 5, tags: ["build-5"] },
      ],
      policies: [policy("optional", { groupBy: "(?:(rc)-)?build-[0-9]+", protectedCount: 1 })],
      expected: {
        n1: 'keep:count optional=',
        n2: 'delete:group-expired optional=',
        r1: "keep:count optional=rc",
        r2: "delete:group-expired optional=rc",
        n3: 'delete:group-expired optional=',
      },
      groups: { optional: [":count:1/2", "rc:count:1/1"] },
    },
    {
      title: "grouped and ungrouped policies on one repository: keep wins across them; untagged images only the ungrouped policy decides",
      images: [
        { name: "p1", age: 1, tags: ["pr-12-aaaaaaa"] },
        { name: "p2", age: 2, tags: ["pr-12-bbbbbbb"] },
        { name: "prod", age: 20, tags: ["prod", "main-ccccccc"] },
        { name: "m2", age: 30, tags: ["main-ddddddd"] },
        { name: "m3", age: 400, tags: ["main-eeeeeee"] },
        { name: "u1", age: 25 },
        { name: "u2", age: 500 },
      ],
      policies: [
        policy("pr", { groupBy: "(pr-[0-9]+)-[0-9a-f]{7}", protectedCount: 1 }),
        policy("release", { significantTags: ["prod"], protectedPeriodMs: 365 * DAY, protectedCount: 0 }),
      ],
      expected: {
        // The ungrouped release policy keeps what is newer than its anchor: the pr group's delete loses.
        p1: "keep:count pr=pr-12",
        p2: "keep:newer-than-anchor pr=pr-12",
        prod: "keep:anchor",
        m2: "keep:period",
        u1: "keep:period",
        m3: "delete:beyond-window",
        u2: "delete:beyond-window",
      },
      groups: { pr: ["pr-12:count:1/1"] },
    },
    {
      title: "keep_pulled_within keeps a group's image pulled lately; referrer tags name no group",
      images: [
        { name: "g1", age: 1, tags: ["main-1111111"] },
        { name: "g2", age: 50, tags: ["main-2222222"], pulled: 3 },
        { name: "g3", age: 60, tags: ["main-3333333"] },
        { name: "sig", age: 70, tags: [`sha256-${"ab".repeat(32)}.sig`] },
      ],
      policies: [policy("pulls", { groupBy: "([a-z0-9]+)-.*", protectedCount: 1, keepPulledWithinMs: 7 * DAY })],
      expected: {
        g1: "keep:count pulls=main",
        g2: "keep:pulled pulls=main",
        g3: "delete:group-expired pulls=main",
        sig: "keep:untouched",
      },
    },
  ];

  for (const c of cases) {
    it(c.title, () => {
      const p = plan(c.images, c.policies);
      expect(outcome(c.images, p)).to.deep.equal(c.expected);
      for (const [name, groups] of Object.entries(c.groups ?? {})) {
        const mode = p.modes.find((m) => m.policy === name)!;
        expect(mode.mode).to.equal("grouped");
        expect(mode.groups!.map((g) => `${g.group}:${g.mode}:${g.kept}/${g.deleted}`)).to.deep.equal(groups);
      }
    });
  }

  it("the result does not depend on the order of the policies", () => {
    const c = cases[2];
    expect(outcome(c.images, plan(c.images, [...c.policies].reverse()))).to.deep.equal(c.expected);
  });

  it("a group's channels stand per group, and the anchor-mode groups' positions are recorded for the re-checks", () => {
    const c = cases[1];
    const p = plan(c.images, c.policies);
    expect(p.channels.map((ch) => `${ch.group}:${ch.entry}@${ch.at && c.images.find((i) => digestOf(i.name) === ch.at!.digest)!.name}`)).to.deep.equal([
      "api:*-prod@a2",
      "web:*-prod@w2",
    ]);
  });
});

describe("group_by: the re-checks before a delete call", () => {
  const images: Img[] = [
    { name: "a1", age: 1, tags: ["api-1111111"] },
    { name: "a2", age: 2, tags: ["api-2222222"] },
    { name: "a3", age: 3, tags: ["api-3333333"] },
    { name: "a4", age: 4, tags: ["api-4444444"] },
  ];
  const twoNewest = policy("two", { groupBy: BRANCH, protectedCount: 2 });
  const none = () => false;

  it("a tag moved off a kept image (it leaves its group) makes the group keep an image the plan deletes: the plan no longer holds", () => {
    const p = plan(images, [twoNewest]);
    expect(outcome(images, p)).to.deep.include({ a3: "delete:group-expired two=api", a4: "delete:group-expired two=api" });
    const retagged = [{ ...images[0], tags: ["something-else"] }, ...images.slice(1)].map(record);
    expect(planNoLongerHolds(p, [twoNewest], retagged, none, { decisions: p.decisions, now: NOW })).to.match(
      /^group "api" of policy "two" now keeps sha256:6133.* \(count\): its images changed since the plan$/,
    );
    // Unchanged images: the plan holds.
    expect(planNoLongerHolds(p, [twoNewest], images.map(record), none, { decisions: p.decisions, now: NOW })).to.equal(undefined);
  });

  it("images deleted since the plan are not re-counted: deleting a3 leaves a4's delete standing", () => {
    const p = plan(images, [twoNewest]);
    const gone = (digest: string) => digest === digestOf("a3");
    const now = images.filter((i) => i.name !== "a3").map(record);
    expect(planNoLongerHolds(p, [twoNewest], now, gone, { decisions: p.decisions, now: NOW })).to.equal(undefined);
    // Deleted by someone else and not known as gone: the count would shift onto a3's successor.
    const kept = images.filter((i) => i.name !== "a2").map(record);
    expect(planNoLongerHolds(p, [twoNewest], kept, none, { decisions: p.decisions, now: NOW })).to.match(/now keeps/);
  });

  it("a channel that rolls back within a group, appears in a count-mode group, or leaves an anchor-mode group: the channels widened", () => {
    const perService = policy("svc", { groupBy: "([a-z]+)-(?:prod|[0-9a-f]{7})", significantTags: ["*-prod"], protectedCount: 0 });
    const repo: Img[] = [
      { name: "a1", age: 1, tags: ["api-1111111", "api-prod"] },
      { name: "a2", age: 2, tags: ["api-2222222"] },
      { name: "w1", age: 1, tags: ["web-1111111"] },
      { name: "w2", age: 2, tags: ["web-2222222"] },
    ];
    const planned = plan(repo, [perService]).channels;
    const moved = (tags: Record<string, string[]>) => repo.map((img) => record({ ...img, tags: tags[img.name] ?? img.tags }));
    expect(channelsWidened(planned, [perService], moved({}))).to.equal(undefined);
    expect(channelsWidened(planned, [perService], moved({ a1: ["api-1111111"], a2: ["api-2222222", "api-prod"] }))).to.match(
      /^channel \*-prod of group "api" of policy "svc" now stands at sha256:6132.*, older than/,
    );
    expect(channelsWidened(planned, [perService], moved({ w2: ["web-2222222", "web-prod"] }))).to.match(/^group "web" of policy "svc" now has a channel/);
    expect(channelsWidened(planned, [perService], moved({ a1: ["api-1111111"] }))).to.match(/^group "api" of policy "svc" lost every channel/);
  });
});

describe("group_by: the validator", () => {
  const file = (groupBy: unknown) => [{ name: "per branch", significant_tags: "*", protected_period: 7, protected_count: 3, group_by: groupBy }];
  const messageOf = (groupBy: unknown): string => {
    try {
      validateConfig(file(groupBy), "policies.yaml");
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error("validated");
  };

  it("accepts a pattern with one capturing group, as the policy's groupBy", () => {
    expect(parseConfig(`- name: per branch\n  significant_tags: '*'\n  protected_period: 7\n  protected_count: 3\n  group_by: '${BRANCH}'\n`, "p.yaml").policies[0].groupBy).to.equal(BRANCH);
    expect(validateConfig(file("(?P<branch>[a-z]+)-(?:[0-9]+)"), "p.yaml").policies[0].groupBy).to.equal("(?P<branch>[a-z]+)-(?:[0-9]+)");
  });

  const errors: [string, unknown, string][] = [
    ["no capturing group", "[a-z]+-[0-9a-f]{7}", "has no capturing group: put the part of the tag that names the group in parentheses"],
    ["two capturing groups", "([a-z]+)-([0-9a-f]{7})", "has 2 capturing groups; it needs exactly one (write the others as (?:...))"],
    ["a backreference", "(a+)\\1", "is not a regular expression RE2 accepts (error parsing regexp: invalid escape sequence: `\\1`)"],
    ["lookahead", "(a+)(?=b)", "is not a regular expression RE2 accepts (error parsing regexp: invalid or unsupported Perl syntax: `(?=`)"],
    ["an unclosed group", "(main", "is not a regular expression RE2 accepts (error parsing regexp: missing closing ): `(main`)"],
    ["not a string", 7, "must be a regular expression (RE2 syntax) with one capturing group, as a string; got 7"],
    ["empty", "", 'must be a regular expression (RE2 syntax) with one capturing group, as a string; got ""'],
  ];
  for (const [what, groupBy, why] of errors) {
    it(`${what}: a configuration error naming the file, the policy and the field, and why`, () => {
      const message = messageOf(groupBy);
      expect(message).to.include(`policies.yaml: policy #1 "per branch", field group_by: ${why}`);
    });
  }

  it("the component's camelCase names the field groupBy", () => {
    try {
      validateConfig([{ name: "p", significantTags: ["*"], protectedPeriod: "7d", protectedCount: 1, groupBy: "x" }], "EcrCleanupPolicy \"c\"", "camel");
      expect.fail("validated");
    } catch (err) {
      expect((err as Error).message).to.include('policy #1 "p", field groupBy: has no capturing group');
    }
  });
});

describe("group_by: linear-time matching", function () {
  // A backtracking engine takes 2^n steps for (a+)+b on a^n!: with n = 5,000 it would not finish this century.
  // re2js runs in time linear in the tag; the generous timeout only bounds a broken run, nothing is timed.
  this.timeout(60_000);
  const n = 5_000;
  const crafted = "a".repeat(n) + "!";

  it("a tag crafted for catastrophic backtracking is matched, and planned, without stalling", () => {
    // Node's own RegExp on this input would never return (checked on a 30-character tag: 2^30 steps).
    const pattern = compileGroupPattern("((?:a+)+)b");
    expect(pattern.groupOf(crafted)).to.equal(undefined);
    expect(pattern.groupOf("a".repeat(n) + "b")).to.equal("a".repeat(n));
    const images: Img[] = [
      { name: "evil", age: 1, tags: [crafted] },
      { name: "ok", age: 2, tags: ["aab"] },
    ];
    const p = plan(images, [policy("evil", { groupBy: "((?:a+)+)b", protectedCount: 0 })]);
    expect(outcome(images, p)).to.deep.equal({ evil: "keep:untouched", ok: "delete:group-expired evil=aa" });
  });

  it("the work grows linearly with the tag: RE2's program size does not depend on the tag, and ten times the tag is matched as well", () => {
    // re2js exposes no step counter; what it exposes is the compiled program, whose size is fixed by the pattern.
    // A backtracking engine's work doubles with each character; RE2's is (program size) x (tag length).
    const re = RE2JS.compile("((?:a+)+)b");
    expect(re.programSize()).to.be.below(20);
    const pattern = compileGroupPattern("((?:a+)+)b");
    expect(pattern.groupOf("a".repeat(10 * n) + "!")).to.equal(undefined);
  });
});

describe("group_by: the matcher the planner runs answers as RE2's public Matcher does", () => {
  // The planner matches with RE2's own entry point on the pattern anchored at both ends (so that RE2 can take its
  // one-pass matcher); the model is re2js's public API on the pattern as written: the whole tag matches, then group 1.
  const atom = fc.constantFrom("a", "b", "-", "1", ".", "[a-b]", "[^a]", "\\d", "\\w", "(?:a|b-)", "(?i:a)", "^", "$", "\\b", "\\B", "(?m:^)", "(?m:$)");
  const quantifier = fc.constantFrom("", "", "*", "+", "?", "{1,2}", "*?", "+?", "??");
  const piece = fc.tuple(atom, quantifier).map(([a, q]) => (["^", "$", "\\b", "\\B", "(?m:^)", "(?m:$)"].includes(a) ? a : a + q));
  const run = fc.array(piece, { maxLength: 4 }).map((pieces) => pieces.join(""));
  const flags = fc.constantFrom("", "(?i)", "(?m)", "(?s)", "(?U)", "(?ms)");
  const patternArb = fc
    .tuple(flags, run, run, fc.constantFrom("", "?", "*", "+"), run, fc.constantFrom("", "|b", "|(?:a)"))
    .map(([f, before, inside, q, after, alternative]) => `${f}${before}(${inside})${q}${after}${alternative}`);
  const tagArb = fc.array(fc.constantFrom("a", "b", "A", "-", "1", "\n", "é"), { maxLength: 8 }).map((chars) => chars.join(""));

  it("the same group, or no match, for every generated pattern and tag", () => {
    fc.assert(
      fc.property(patternArb, fc.array(tagArb, { minLength: 1, maxLength: 6 }), (source, tags) => {
        let re: RE2JS;
        try {
          re = RE2JS.compile(source);
        } catch {
          return; // a pattern RE2 refuses is the validator's (see above)
        }
        fc.pre(re.groupCount() === 1);
        const pattern = compileGroupPattern(source);
        for (const tag of tags) {
          const m = re.matcher(tag);
          const expected = m.matches() ? (m.group(1) ?? "") : undefined;
          expect(pattern.groupOf(tag), `${source} on ${JSON.stringify(tag)}`).to.equal(expected);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("the anchors added around a pattern change nothing about what it accepts: an unbalanced pattern stays an error", () => {
    // `a)(b` would compile once wrapped as \A(?:a)(b)\z; the source is checked alone first.
    expect(() => compileGroupPattern("a)(b")).to.throw(/is not a regular expression RE2 accepts/);
    expect(() => compileGroupPattern("(a)\\")).to.throw(/is not a regular expression RE2 accepts/);
    expect(compileGroupPattern("(?m)(a)$").groupOf("a\nb")).to.equal(undefined);
    expect(compileGroupPattern("(?m)(a)$").groupOf("a")).to.equal("a");
  });
});

describe("group_by: property over generated repositories", () => {
  const GROUP_PATTERNS = ["(.+)-[0-9a-f]{3}", "([a-z]+)-.*", "(?:(rc)-)?[a-z]+-[0-9a-f]{3}", "(.*)"];
  const TAG_PARTS = ["api", "web", "rc-api", "rc-web", "main"];
  const tagArb = fc.oneof(
    fc.tuple(fc.constantFrom(...TAG_PARTS), fc.constantFrom("abc", "0f1", "fff", "prod")).map(([a, b]) => `${a}-${b}`),
    fc.constantFrom("prod", "latest", "v1"),
  );
  const imageArb = fc.record({ age: fc.integer({ min: 0, max: 60 }), tags: fc.uniqueArray(tagArb, { maxLength: 3 }), pulled: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }) });
  const policyArb = fc.record({
    groupBy: fc.option(fc.constantFrom(...GROUP_PATTERNS), { nil: undefined, freq: 4 }),
    significantTags: fc.oneof(fc.constant("*" as const), fc.uniqueArray(fc.constantFrom("prod", "*-prod", "v1", "rc-*"), { minLength: 1, maxLength: 2 })),
    protectedCount: fc.integer({ min: 0, max: 3 }),
    periodDays: fc.integer({ min: 0, max: 20 }),
    pulledDays: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
  });

  /** The rule inside one group, written from the contract's words, independently of the planner's code. */
  function groupKeeps(p: Policy, members: ImageRecord[]): Set<string> {
    const keep = new Set<string>();
    const pulled = (image: ImageRecord) => p.keepPulledWithinMs !== undefined && image.lastPulledAt !== undefined && image.lastPulledAt >= NOW - p.keepPulledWithinMs - DAY;
    const entries = p.significantTags === "*" ? [] : p.significantTags;
    const glob = (entry: string, tag: string) => new RegExp(`^${entry.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(tag);
    const positions = entries.map((entry) => members.findIndex((image) => image.tags.some((tag) => glob(entry, tag)))).filter((i) => i >= 0);
    if (positions.length) {
      const anchor = Math.max(...positions);
      members.forEach((image, i) => {
        if (i <= anchor || image.pushedAt! >= members[anchor].pushedAt! - p.protectedPeriodMs || i - anchor <= p.protectedCount || pulled(image)) keep.add(image.digest);
      });
    } else {
      members.forEach((image, i) => {
        if (i < p.protectedCount || image.pushedAt! >= NOW - p.protectedPeriodMs || pulled(image)) keep.add(image.digest);
      });
    }
    return keep;
  }

  it("no image is deleted that some group of some grouped policy keeps, each grouped verdict is the model's, and names a group the image is in", () => {
    fc.assert(
      fc.property(fc.array(imageArb, { maxLength: 25 }), fc.array(policyArb, { minLength: 1, maxLength: 3 }), (specs, specPolicies) => {
        // ECR keeps a tag on one image only: the first image to claim a tag keeps it.
        const claimed = new Set<string>();
        const images: ImageRecord[] = specs.map((s, i) => ({
          digest: `sha256:${i.toString(16).padStart(64, "0")}`,
          tags: s.tags.filter((t) => !claimed.has(t) && claimed.add(t)),
          pushedAt: NOW - s.age * DAY,
          sizeBytes: 1,
          ...(s.pulled === undefined ? {} : { lastPulledAt: NOW - s.pulled * DAY }),
        }));
        const policies: Policy[] = specPolicies.map((s, index) => ({
          index,
          name: `p${index}`,
          significantTags: s.significantTags,
          protectedPeriodMs: s.periodDays * DAY,
          protectedCount: s.protectedCount,
          ...(s.groupBy === undefined ? {} : { groupBy: s.groupBy }),
          ...(s.pulledDays === undefined ? {} : { keepPulledWithinMs: s.pulledDays * DAY }),
        }));
        const p = planRepository({ repository: "r", images, policies, now: NOW });
        const order = [...images].sort((a, b) => b.pushedAt! - a.pushedAt! || (a.digest < b.digest ? -1 : 1));
        const keptBySomeGroup = new Set<string>();
        /** Per grouped policy and image: whether one of the image's groups keeps it (the model's verdict). */
        const keptByPolicy = new Map<string, boolean>();
        const groupsOfImage = new Map<string, Set<string>>();
        for (const policy of policies.filter((q) => q.groupBy !== undefined)) {
          const re = RE2JS.compile(policy.groupBy!);
          const groups = new Map<string, ImageRecord[]>();
          for (const image of order) {
            for (const tag of image.tags) {
              const m = re.matcher(tag);
              if (!m.matches()) continue;
              const group = m.group(1) ?? "";
              const list = groups.get(group) ?? [];
              if (!list.includes(image)) list.push(image);
              groups.set(group, list);
              groupsOfImage.set(`${policy.name} ${image.digest}`, (groupsOfImage.get(`${policy.name} ${image.digest}`) ?? new Set()).add(group));
            }
          }
          for (const members of groups.values()) {
            const keeps = groupKeeps(policy, members);
            for (const image of members) {
              const key = `${policy.name} ${image.digest}`;
              keptByPolicy.set(key, keptByPolicy.get(key) === true || keeps.has(image.digest));
            }
            for (const digest of keeps) keptBySomeGroup.add(digest);
          }
        }
        for (const d of p.decisions) {
          if (d.action !== "keep") expect(keptBySomeGroup.has(d.image.digest), `${d.image.digest} [${d.image.tags}] deleted but a group keeps it`).to.equal(false);
          for (const v of d.verdicts.filter((verdict) => verdict.group !== undefined)) {
            expect([...(groupsOfImage.get(`${v.policy} ${d.image.digest}`) ?? [])]).to.include(v.group);
            // Both ways: the policy keeps exactly what one of the image's groups keeps, and deletes the rest of its groups' images.
            const expected = keptByPolicy.get(`${v.policy} ${d.image.digest}`) ? "keep" : "delete";
            expect(v.verdict, `${v.policy} on [${d.image.tags}] in group ${v.group}`).to.equal(expected);
          }
          // An image no policy decides stays; a grouped policy has an opinion about exactly its groups' images.
          if (d.verdicts.length === 0) expect(d.action).to.equal("keep");
        }
        for (const policy of policies.filter((q) => q.groupBy !== undefined)) {
          for (const d of p.decisions) {
            const inAGroup = groupsOfImage.has(`${policy.name} ${d.image.digest}`);
            expect(d.verdicts.some((v) => v.policy === policy.name), `${policy.name} on [${d.image.tags}]`).to.equal(inAGroup);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("groupedReleaseWarnings: a grouped policy that removes an image with a tag its pattern does not match", () => {
  const WARNING_TAIL = "inside a group every image is the group's, tagged or not; protect release images with another policy or a list of significant tags";
  const builds = policy("builds", { groupBy: BRANCH, protectedCount: 1 });
  /** main: a release build (also prod and v2.6.0) behind a newer build; feature-x: two builds. */
  const IMAGES: Img[] = [
    { name: "release", age: 3, tags: ["main-1a2b3c4", "prod", "v2.6.0"] },
    { name: "main-new", age: 1, tags: ["main-9f8e7d6"] },
    { name: "feature-old", age: 4, tags: ["feature-x-5e6f7a8", "feature-x-latest"] },
    { name: "feature-new", age: 2, tags: ["feature-x-0a0b0c0"] },
    { name: "untagged", age: 9 },
  ];
  const warnings = (images: Img[], policies: Policy[]) => groupedReleaseWarnings("repo", plan(images, policies), policies);

  it("names the policy, the count and the other tags, sorted", () => {
    expect(outcome(IMAGES, plan(IMAGES, [builds]))).to.deep.include({ release: "delete:group-expired builds=main", "feature-old": "delete:group-expired builds=feature-x" });
    expect(warnings(IMAGES, [builds])).to.deep.equal([
      `repo: policy "builds" deletes 2 image(s) that also carry tags its group_by does not match (feature-x-latest, prod, v2.6.0): ${WARNING_TAIL}`,
    ]);
  });

  it("says nothing when every tag of a removed image is in the pattern, or when nothing it votes out is removed", () => {
    const onlyBuilds = IMAGES.filter((img) => img.name !== "release" && img.name !== "feature-old");
    expect(warnings([...onlyBuilds, { name: "main-old", age: 5, tags: ["main-1111111", "main-2222222"] }], [builds])).to.deep.equal([]);
    // Another policy keeps the releases (keep wins): nothing with an outside tag is removed.
    const releases = policy("releases", { significantTags: ["prod", "feature-x-latest"], protectedCount: 0 });
    expect(outcome(IMAGES, plan(IMAGES, [builds, releases]))).to.deep.include({ release: "keep:newer-than-anchor builds=main", "feature-old": "keep:anchor builds=feature-x" });
    expect(warnings(IMAGES, [builds, releases])).to.deep.equal([]);
    // A policy without group_by is not this warning's business.
    expect(warnings(IMAGES, [policy("untagged", { protectedCount: 0 })])).to.deep.equal([]);
  });

  it("says archives for an archive policy, and names five tags and how many more", () => {
    const many: Img[] = [{ name: "old", age: 5, tags: ["main-1a2b3c4", "a", "b", "c", "d", "e", "f", "g"] }, { name: "new", age: 1, tags: ["main-9f8e7d6"] }];
    expect(warnings(many, [{ ...builds, action: "archive" }])).to.deep.equal([
      `repo: policy "builds" archives 1 image(s) that also carry tags its group_by does not match (a, b, c, d, e and 2 more): ${WARNING_TAIL}`,
    ]);
  });
});
