/**
 * With the same registry and `now`, `--apply` does what the dry run showed, when an expired archived index (whose
 * manifest cannot be read, so any image pushed no later may be its child) goes first: waves follow depth, so an older
 * unit's index and its members never share a wave (which made apply keep the members as `member-of-kept`). A property
 * over unit shapes, the real engine (runCleanup) through the SDK against the emulator.
 */
import { expect } from "chai";
import fc from "fast-check";
import { validateConfig } from "../runtime/config/schema";
import { destroyClients } from "../runtime/ecr/client";
import type { RunReport } from "../runtime/engine/report";
import { runCleanup } from "../runtime/engine/run";
import { startEcrEmulator } from "./emulator/server";
import { emulatorClients } from "./support/in-process";
import { cosignTag } from "./support/report-lines";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1);
const at = (daysAgo: number, ms = 0) => new Date(NOW - daysAgo * DAY - ms);
const RUNS = Number(process.env.ECR_CLEANUP_WAVES_RUNS ?? 25);

const unitShape = fc.record({
  /** Days before NOW: older or newer than the expired index. */
  age: fc.integer({ min: 100, max: 220 }),
  children: fc.integer({ min: 1, max: 3 }),
  signature: fc.boolean(),
  /** A signature of a platform manifest too: a member two deep. */
  childSignature: fc.boolean(),
});

const scenario = fc.record({
  expiredIndexAge: fc.integer({ min: 130, max: 180 }),
  expiredChild: fc.boolean(),
  units: fc.array(unitShape, { minLength: 1, maxLength: 3 }),
  singles: fc.array(fc.integer({ min: 100, max: 220 }), { maxLength: 3 }),
  action: fc.constantFrom("delete", "archive"),
  count: fc.integer({ min: 0, max: 2 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** What a report did or would do to each image: `delete` or `archive`, by digest. */
function acted(report: RunReport, dry: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of report.repositories[0]?.images ?? []) {
    if (dry && line.action !== "keep") out.set(line.digest, line.action);
    if (!dry && line.outcome === "deleted") out.set(line.digest, "delete");
    if (!dry && line.outcome === "archived") out.set(line.digest, "archive");
  }
  return out;
}

async function applyMatchesDryRun(s: Scenario): Promise<void> {
  const emulator = await startEcrEmulator();
  const clients = emulatorClients(emulator.endpoint);
  try {
    const { registry } = emulator;
    registry.createRepository("app");
    // Kept by count and period: the two newest.
    registry.putImage("app", { pushedAt: at(0.5) });
    registry.putImage("app", { pushedAt: at(1) });
    // The expired archived index, and (perhaps) its expired archived child.
    const expiredChild = s.expiredChild ? [registry.putImage("app", { pushedAt: at(s.expiredIndexAge, 1), status: "ARCHIVED", lastArchivedAt: at(125) }).digest] : [];
    const base = expiredChild.length ? [] : [registry.putImage("app", { pushedAt: at(s.expiredIndexAge, 1) }).digest];
    const expired = registry.putImage("app", { pushedAt: at(s.expiredIndexAge), children: [...expiredChild, ...base] }).digest;
    registry.archive("app", expired, at(125));
    s.units.forEach((u, k) => {
      const children = Array.from({ length: u.children }, (_, c) => registry.putImage("app", { pushedAt: at(u.age, 10 + k * 10 + c) }).digest);
      const index = registry.putImage("app", { pushedAt: at(u.age, k * 10), children }).digest;
      if (u.signature) registry.putImage("app", { pushedAt: at(u.age, k * 10 - 1), tags: [cosignTag(index)] });
      if (u.childSignature) registry.putImage("app", { pushedAt: at(u.age, k * 10 - 2), tags: [cosignTag(children[0])] });
    });
    for (const age of s.singles) registry.putImage("app", { pushedAt: at(age, 500) });
    const config = validateConfig(
      { policies: [{ name: "p", protected_period: "7d", protected_count: s.count, significant_tags: "*", action: s.action }], settings: { archive: { delete_after: "90d" } } },
      "waves",
    );
    const run = (apply: boolean) => runCleanup({ config, now: new Date(NOW), apply, ...clients, concurrency: 1 });
    const dry = await run(false);
    const applied = await run(true);
    expect(applied.errors, JSON.stringify(applied.errors)).to.deep.equal([]);
    expect(Object.fromEntries(acted(applied, false)), "--apply did what the dry run showed").to.deep.equal(Object.fromEntries(acted(dry, true)));
    const memberOfKept = (report: RunReport) => report.repositories[0].images.filter((l) => l.reason === "member-of-kept").map((l) => l.digest).sort();
    expect(memberOfKept(applied)).to.deep.equal(memberOfKept(dry));
  } finally {
    destroyClients(clients);
    await emulator.stop();
  }
}

describe("waves under an expired archived index (fast-check)", function () {
  this.timeout(0);

  it(`--apply deletes and archives what the dry run showed, with the same registry and now (${RUNS} runs)`, async () => {
    await fc.assert(fc.asyncProperty(scenario, applyMatchesDryRun), { numRuns: RUNS });
  });

  it("an older unit's index and its platform manifests: the dry run and --apply delete all of them, the index first", async () => {
    await applyMatchesDryRun({ expiredIndexAge: 150, expiredChild: false, units: [{ age: 200, children: 2, signature: false, childSignature: false }], singles: [], action: "delete", count: 0 });
  });
});
