/**
 * The engine told to stop (RunOptions.signal: SIGINT or SIGTERM in the CLI) at each point of an apply run: while
 * listing, while re-checking before a call, during a delete or archive call. No delete or archive call starts after
 * it, the calls in flight finish, the report lists exactly what the emulator removed or archived, and what was not
 * acted on is kept as `interrupted`. A unit stopped between its calls (members archived, its index not) is named in the
 * report as half-archived.
 */
import { expect } from "chai";
import fc from "fast-check";
import { validateConfig } from "../runtime/config/schema";
import { ARCHIVE_CONCURRENCY } from "../runtime/engine/apply";
import { runCleanup } from "../runtime/engine/run";
import type { EcrEmulator } from "./emulator/server";
import { emulatorPerTest } from "./support/emulator-per-test";
import { destroyAll, emulatorClients } from "./support/in-process";
import { cosignTag } from "./support/report-lines";

const DAY = 86_400_000;
const NOW = new Date("2026-01-01T00:00:00Z");
const REPOSITORIES = ["alpha", "beta", "gamma"];
/** Per repository: 2 kept by protected_count, the rest planned (one delete call a repository, or one archive call an image). */
const IMAGES = 14;

const policyFile = (action: "delete" | "archive") =>
  validateConfig({ policies: [{ name: "p", significant_tags: "*", protected_period: "7d", protected_count: 2, action }], settings: { in_use: { ecs: false, lambda: false } } }, "t");

describe("an apply run told to stop (RunOptions.signal)", function () {
  this.timeout(120_000);
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), ...REPOSITORIES);

  const seed = () => {
    for (const repo of REPOSITORIES) for (let i = 0; i < IMAGES; i++) emulator.registry.putImage(repo, { pushedAt: new Date(NOW.getTime() - (i + 10) * DAY) });
  };

  /** Runs with concurrency 1, aborting when the n-th call of `operation` arrives (it is then in flight and finishes). */
  async function runAbortingAt(action: "delete" | "archive", operation: string, n: number) {
    emulator.reset();
    emulator.setLatency(operation, 5);
    const controller = new AbortController();
    let seen = 0;
    let callsAtAbort = -1;
    const acting = action === "delete" ? "BatchDeleteImage" : "UpdateImageStorageClass";
    emulator.beforeOperation(operation, () => {
      if (++seen === n) {
        callsAtAbort = emulator.faults.log.filter((r) => r.operation === acting).length;
        controller.abort();
      }
    });
    const clients = emulatorClients(emulator.endpoint);
    try {
      const report = await runCleanup({ config: policyFile(action), now: NOW, apply: true, ...clients, concurrency: 1, signal: controller.signal });
      return { report, callsAtAbort, aborted: controller.signal.aborted };
    } finally {
      destroyAll([clients.ecr]);
    }
  }

  /** `calls`: the delete or archive calls the emulator served in all (a range where calls run side by side). */
  const table: { action: "delete" | "archive"; operation: string; n: number; why: string; calls: [number, number] }[] = [
    { action: "delete", operation: "DescribeRepositories", n: 1, why: "while listing the repositories", calls: [0, 0] },
    { action: "delete", operation: "DescribeImages", n: 1, why: "while listing the first repository (before any delete)", calls: [0, 0] },
    { action: "delete", operation: "DescribeImages", n: 2, why: "while re-checking just before the first delete call", calls: [0, 0] },
    { action: "delete", operation: "DescribeImages", n: 3, why: "while listing the second repository, between its calls", calls: [1, 1] },
    { action: "delete", operation: "BatchDeleteImage", n: 1, why: "during the first delete call", calls: [1, 1] },
    { action: "delete", operation: "BatchDeleteImage", n: 2, why: "during the second delete call", calls: [2, 2] },
    { action: "archive", operation: "UpdateImageStorageClass", n: 1, why: "during the first archive call", calls: [1, ARCHIVE_CONCURRENCY] },
    { action: "archive", operation: "UpdateImageStorageClass", n: 17, why: "during an archive call in the second repository", calls: [17, 16 + ARCHIVE_CONCURRENCY] },
  ];
  for (const { action, operation, n, why, calls } of table) {
    it(`${action}: stops ${why}; the report lists exactly what the emulator ${action}d`, async () => {
      seed();
      const { report, aborted } = await runAbortingAt(action, operation, n);
      expect(aborted).to.equal(true);
      checkReportAgainstRegistry(action, report);
      expect(report.interrupted).to.equal(true);
      const served = emulator.faults.log.filter((r) => r.operation === (action === "delete" ? "BatchDeleteImage" : "UpdateImageStorageClass")).length;
      expect(served).to.be.within(calls[0], calls[1]);
    });
  }

  it("delete or archive, aborted at any call of any operation (fast-check): nothing starts after the signal but the calls in flight", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<"delete" | "archive">("delete", "archive"),
        fc.constantFrom("DescribeRepositories", "DescribeImages", "acting"),
        fc.integer({ min: 1, max: 30 }),
        async (action, which, n) => {
          emulator.registry.clear();
          for (const repo of REPOSITORIES) emulator.registry.createRepository(repo);
          seed();
          const acting = action === "delete" ? "BatchDeleteImage" : "UpdateImageStorageClass";
          const operation = which === "acting" ? acting : which;
          const { report, aborted, callsAtAbort } = await runAbortingAt(action, operation, n);
          checkReportAgainstRegistry(action, report);
          const calls = emulator.faults.log.filter((r) => r.operation === acting).length;
          if (!aborted) {
            expect(report.interrupted).to.equal(undefined);
            return;
          }
          expect(report.interrupted).to.equal(true);
          // The calls in flight when the signal came: the one that triggered it (acting), or up to a batch's worth of archive calls.
          const inFlight = which === "acting" ? (action === "delete" ? 1 : ARCHIVE_CONCURRENCY) : action === "delete" ? 0 : ARCHIVE_CONCURRENCY - 1;
          expect(calls - callsAtAbort, `${acting} calls after the signal`).to.be.at.most(inFlight);
        },
      ),
      { numRuns: 25 },
    );
  });

  describe("stopped between a unit's archive calls (members first, then the image that holds them)", () => {
    /** In `alpha`: 2 recent images, then `units` old units of an index, its 2 platform manifests and its signature. */
    const seedUnits = (units: number) => {
      for (const days of [1, 2]) emulator.registry.putImage("alpha", { pushedAt: new Date(NOW.getTime() - days * DAY) });
      return Array.from({ length: units }, (_, i) => {
        const at = (ms: number) => ({ pushedAt: new Date(NOW.getTime() - (40 + i) * DAY - ms) });
        const amd = emulator.registry.putImage("alpha", at(3)).digest;
        const arm = emulator.registry.putImage("alpha", at(2)).digest;
        const index = emulator.registry.putImage("alpha", { ...at(0), children: [amd, arm] }).digest;
        const signature = emulator.registry.putImage("alpha", { ...at(-1), tags: [cosignTag(index)] }).digest;
        return { index, images: [index, amd, arm, signature] };
      });
    };
    /** From the emulator: each unit with some images archived and some not, as the report must name it. */
    const halfArchivedInRegistry = (units: ReturnType<typeof seedUnits>) =>
      units
        .map(({ index, images }) => {
          const archived = images.filter((d) => emulator.registry.image("alpha", d)!.status === "ARCHIVED");
          return { unit: index, archived: archived.sort(), notArchived: images.filter((d) => !archived.includes(d)).sort() };
        })
        .filter((u) => u.archived.length > 0 && u.notArchived.length > 0);
    const halfArchivedInReport = (report: Awaited<ReturnType<typeof runCleanup>>) =>
      (report.repositories.find((r) => r.repository === "alpha")!.halfArchived ?? []).map((u) => ({ unit: u.unit, archived: [...u.archived].sort(), notArchived: [...u.notArchived].sort() }));

    it("during the members' calls: the unit is reported half-archived (which images, and the two ways out), its index active", async () => {
      const [unit] = seedUnits(1);
      const { report, aborted } = await runAbortingAt("archive", "UpdateImageStorageClass", 1);
      expect(aborted).to.equal(true);
      expect(emulator.registry.image("alpha", unit.index)!.status).to.equal("ACTIVE");
      const expected = halfArchivedInRegistry([unit]);
      expect(expected.map((u) => u.unit)).to.deep.equal([unit.index]);
      expect(halfArchivedInReport(report)).to.deep.equal(expected);
      const notes = report.repositories.find((r) => r.repository === "alpha")!.notes ?? [];
      const note = notes.find((n) => n.includes(unit.index));
      expect(note).to.match(new RegExp(`^unit ${unit.index} is half-archived: ${expected[0].archived.length} of its images archived .*running again finishes archiving it, or ecr-cleanup restore --repository alpha --digest ${unit.index} brings it back whole$`));
    });

    it("stopped at any archive call (fast-check): the report names exactly the units the emulator holds in part archived", async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 18 }), async (count, n) => {
          emulator.registry.clear();
          for (const repo of REPOSITORIES) emulator.registry.createRepository(repo);
          const units = seedUnits(count);
          const { report } = await runAbortingAt("archive", "UpdateImageStorageClass", n);
          expect(halfArchivedInReport(report)).to.deep.equal(halfArchivedInRegistry(units));
          // Members first: no index is archived while one of its members is active.
          for (const { index, images } of units) {
            if (emulator.registry.image("alpha", index)!.status === "ARCHIVED") {
              expect(images.map((d) => emulator.registry.image("alpha", d)!.status)).to.deep.equal(images.map(() => "ARCHIVED"));
            }
          }
        }),
        { numRuns: 20 },
      );
    });
  });

  /** What the report says was deleted or archived is what the emulator did; every other planned image says why not. */
  function checkReportAgainstRegistry(action: "delete" | "archive", report: Awaited<ReturnType<typeof runCleanup>>): void {
    expect(report.errors).to.deep.equal([]);
    for (const repo of REPOSITORIES) {
      const left = emulator.registry.images(repo);
      const done =
        action === "delete"
          ? IMAGES - left.length
          : left.filter((i) => i.status === "ARCHIVED").length;
      const repoReport = report.repositories.find((r) => r.repository === repo);
      if (!repoReport) {
        expect(report.notReached, `${repo} neither reported nor listed as not reached`).to.include(repo);
        expect(done, `${repo} not reached yet changed`).to.equal(0);
        continue;
      }
      const outcome = action === "delete" ? "deleted" : "archived";
      const reported = repoReport.images.filter((l) => l.outcome === outcome).map((l) => l.digest).sort();
      const actual =
        action === "delete"
          ? repoReport.images.filter((l) => !left.some((i) => i.digest === l.digest)).map((l) => l.digest).sort()
          : left.filter((i) => i.status === "ARCHIVED").map((i) => i.digest).sort();
      expect(reported, `${repo}: reported ${outcome}`).to.deep.equal(actual);
      expect(reported).to.have.length(done);
      // Everything planned and not done was kept as interrupted (never silently dropped).
      for (const line of repoReport.images) {
        if (line.outcome === undefined && line.policies.length && line.action === "keep" && line.reason !== "count" && line.reason !== "period") {
          expect(line.reason, `${repo} ${line.digest}`).to.equal("interrupted");
        }
      }
      expect(repoReport.images.filter((l) => l.outcome === outcome || l.reason === "interrupted")).to.have.length(IMAGES - 2);
    }
  }
});
