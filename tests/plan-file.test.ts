/** The plan file's pure parts: its checksum, and narrowing a fresh plan to what an approved plan named. */
import { expect } from "chai";
import { sealPlan, checksumMatches } from "../runtime/plan-file/checksum";
import type { PlanBody, PlanRepository } from "../runtime/plan-file/format";
import { narrowToPlan, windowChange } from "../runtime/plan-file/narrow";
import { recordRepository } from "../runtime/plan-file/record";
import { planRepository } from "../runtime/planner/plan";
import type { ImageRecord, Policy, SafetyKeepReason } from "../runtime/planner/types";

const DAY = 86_400_000;
const NOW = Date.parse("2026-01-01T00:00:00Z");
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;

/** Images 1..12, image n pushed n days ago; prod on image 4, dev on image 1. Kept: 1..4, 5..6 (2 days), 5..7 (count 3). */
function images(tags: Record<number, string[]> = { 1: ["dev"], 4: ["prod"] }, skip: number[] = []): ImageRecord[] {
  const out: ImageRecord[] = [];
  for (let n = 1; n <= 12; n++) {
    if (!skip.includes(n)) out.push({ digest: digest(n), tags: tags[n] ?? [], pushedAt: NOW - n * DAY, sizeBytes: 1 });
  }
  return out;
}
const POLICY: Policy = { index: 0, name: "p", significantTags: ["prod", "dev"], protectedPeriodMs: 2 * DAY, protectedCount: 3 };
const plan = (list: ImageRecord[], inUse?: Map<string, SafetyKeepReason>, policy = POLICY) =>
  planRepository({ repository: "app", images: list, policies: [policy], now: NOW, inUse });
const deleted = (p: ReturnType<typeof plan>) => p.decisions.filter((d) => d.action === "delete").map((d) => d.image.digest);
const reasonOf = (p: ReturnType<typeof plan>, n: number) => p.decisions.find((d) => d.image.digest === digest(n))!.reason;
const FILE: PlanRepository = recordRepository(plan(images()));
const PLANNED = [8, 9, 10, 11, 12].map(digest);

describe("plan file: narrowing a fresh plan to the approved one", () => {
  it("the recorded plan holds the deletes and the channel positions", () => {
    expect(FILE.images.map((i) => i.digest)).to.deep.equal(PLANNED);
    expect(FILE.images[0]).to.deep.equal({ digest: digest(8), tags: [], pushedAt: new Date(NOW - 8 * DAY).toISOString(), action: "delete" });
    expect(FILE.channels).to.deep.equal([
      { policy: "p", entry: "prod", at: { digest: digest(4), pushedAt: new Date(NOW - 4 * DAY).toISOString() } },
      { policy: "p", entry: "dev", at: { digest: digest(1), pushedAt: new Date(NOW - DAY).toISOString() } },
    ]);
  });

  type Case = {
    what: string;
    fresh: () => ReturnType<typeof plan>;
    file?: (file: PlanRepository) => PlanRepository | undefined;
    approved: number[];
    misses: Record<number, string>;
    /** Final reasons of images the fresh plan deleted but the narrowing kept. */
    kept?: Record<number, string>;
    window?: string;
  };
  const copy = (file: PlanRepository): PlanRepository => JSON.parse(JSON.stringify(file));
  const cases: Case[] = [
    { what: "nothing changed", fresh: () => plan(images()), approved: [8, 9, 10, 11, 12], misses: {} },
    {
      what: "an image the file does not name",
      fresh: () => plan(images()),
      file: (f) => ({ ...copy(f), images: f.images.filter((i) => i.digest !== digest(9)) }),
      approved: [8, 10, 11, 12],
      misses: {},
      kept: { 9: "not-in-plan" },
    },
    { what: "an image tagged since", fresh: () => plan(images({ 1: ["dev"], 4: ["prod"], 10: ["hotfix"] })), approved: [8, 9, 11, 12], misses: { 10: "retagged" }, kept: { 10: "changed-since-plan" } },
    {
      what: "an image pushed again since",
      fresh: () => plan(images()),
      file: (f) => {
        const edited = copy(f);
        edited.images[1].pushedAt = new Date(NOW - 30 * DAY).toISOString();
        return edited;
      },
      approved: [8, 10, 11, 12],
      misses: { 9: "re-pushed" },
      kept: { 9: "changed-since-plan" },
    },
    {
      what: "another action in the file",
      fresh: () => plan(images()),
      file: (f) => {
        const edited = copy(f);
        edited.images[0].action = "archive";
        return edited;
      },
      approved: [9, 10, 11, 12],
      misses: { 8: "action-differs" },
      kept: { 8: "changed-since-plan" },
    },
    { what: "an image gone since", fresh: () => plan(images(undefined, [11])), approved: [8, 9, 10, 12], misses: { 11: "vanished" } },
    {
      what: "an image in use since",
      fresh: () => plan(images(), new Map([[digest(12), "in-use:ecs-service" as SafetyKeepReason]])),
      approved: [8, 9, 10, 11],
      misses: { 12: "in-use:ecs-service" },
    },
    {
      what: "a channel rolled back (older than assumed)",
      fresh: () => plan(images({ 1: ["dev"], 6: ["prod"] })),
      approved: [],
      misses: { 8: "window-changed", 9: "window-changed", 10: "window-changed", 11: "window-changed", 12: "window-changed" },
      kept: { 10: "changed-since-plan", 11: "changed-since-plan", 12: "changed-since-plan" },
      window: `channel prod of policy "p" now stands at ${digest(6)}`,
    },
    {
      what: "the anchor moved newer",
      fresh: () => plan(images({ 1: ["dev"], 2: ["prod"] })),
      approved: [],
      misses: { 8: "window-changed", 9: "window-changed", 10: "window-changed", 11: "window-changed", 12: "window-changed" },
      kept: { 6: "changed-since-plan", 7: "changed-since-plan", 8: "changed-since-plan", 9: "changed-since-plan", 10: "changed-since-plan", 11: "changed-since-plan", 12: "changed-since-plan" },
      window: `the anchor of policy "p" is now ${digest(2)}, the plan assumed ${digest(4)}`,
    },
    {
      what: "every channel gone (untagged mode now)",
      fresh: () => plan(images({})),
      approved: [],
      misses: { 8: "window-changed", 9: "window-changed", 10: "window-changed", 11: "window-changed", 12: "window-changed" },
      window: `every channel of policy "p" is gone`,
    },
    {
      what: "a channel other than the anchor moved newer",
      fresh: () => plan(images()),
      file: () => recordRepository(plan(images({ 2: ["dev"], 4: ["prod"] }))),
      approved: [8, 9, 10, 11, 12],
      misses: {},
    },
    {
      what: "a repository the file does not name",
      fresh: () => plan(images()),
      file: () => undefined,
      approved: [],
      misses: {},
      kept: { 8: "not-in-plan", 9: "not-in-plan", 10: "not-in-plan", 11: "not-in-plan", 12: "not-in-plan" },
    },
  ];

  for (const c of cases) {
    it(`${c.what}: acts on ${c.approved.length ? c.approved.join(", ") : "nothing"}`, () => {
      const fresh = c.fresh();
      const freshDeletes = deleted(fresh);
      const file = c.file ? c.file(FILE) : FILE;
      const result = narrowToPlan(fresh, file, [POLICY]);
      expect([...result.approved].sort()).to.deep.equal(c.approved.map(digest));
      expect(deleted(fresh)).to.deep.equal(c.approved.map(digest));
      expect(Object.fromEntries(result.misses.map((m) => [m.digest, m.why]))).to.deep.equal(
        Object.fromEntries(Object.entries(c.misses).map(([n, why]) => [digest(Number(n)), why])),
      );
      for (const [n, reason] of Object.entries(c.kept ?? {})) {
        expect(freshDeletes, `image ${n} was a fresh delete`).to.include(digest(Number(n)));
        expect(reasonOf(fresh, Number(n))).to.equal(reason);
      }
      if (c.window) expect(result.windowChanged).to.include(c.window);
      else expect(result.windowChanged).to.equal(undefined);
    });
  }

  it("untagged mode on both sides has no window to compare", () => {
    const untagged: Policy = { ...POLICY, significantTags: "*" };
    const fresh = plan(images(), undefined, untagged);
    expect(windowChange(recordRepository(plan(images(), undefined, untagged)), fresh, [untagged])).to.equal(undefined);
  });
});

describe("plan file: checksum", () => {
  const body: PlanBody = {
    format: "ecr-cleanup-plan",
    version: 1,
    createdAt: "2026-01-01T00:00:00.000Z",
    registry: { account: "123456789012", region: "us-east-1" },
    now: "2026-01-01T00:00:00.000Z",
    config: { source: "p.yaml", fingerprint: "0".repeat(64), document: [{ name: "p" }] },
    repositories: [FILE],
  };
  const sealed = sealPlan(body);

  it("matches the file as written, and re-indented", () => {
    expect(sealed.checksum).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(checksumMatches(JSON.parse(JSON.stringify(sealed, null, 2)))).to.equal(true);
    expect(checksumMatches(JSON.parse(JSON.stringify(sealed)))).to.equal(true);
  });

  const edits: [string, (file: any) => void][] = [
    ["a changed digest", (f) => (f.repositories[0].images[0].digest = digest(99))],
    ["a removed image", (f) => f.repositories[0].images.pop()],
    ["a changed policy", (f) => (f.config.document[0].name = "q")],
    ["keys in another order", (f) => {
      const { format, version, ...rest } = f;
      for (const key of Object.keys(f)) delete f[key];
      Object.assign(f, { version, format, ...rest });
    }],
    ["a changed checksum", (f) => (f.checksum = f.checksum.replace(/.$/, (c: string) => (c === "0" ? "1" : "0")))],
  ];
  for (const [what, edit] of edits) {
    it(`does not match after ${what}`, () => {
      const file = JSON.parse(JSON.stringify(sealed));
      edit(file);
      expect(checksumMatches(file)).to.equal(false);
    });
  }
});
