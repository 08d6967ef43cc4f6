/**
 * A time-limited run (the Lambda's) that archives: archive runs take one call per image, so the time can run out in
 * the middle of a repository. The run stops before its next batch, reports that repository as not reached (the
 * cursor), and the next run continues it: every image archived once, nothing archived twice, nothing else touched.
 * A unit the time limit cuts between its members and its index is named half-archived, and the next run finishes it.
 * moto has no UpdateImageStorageClass: the emulator only.
 */
import { expect } from "chai";
import { validateConfig } from "../runtime/config/schema";
import { runCleanup } from "../runtime/engine/run";
import type { EcrEmulator } from "./emulator/server";
import { emulatorPerTest } from "./support/emulator-per-test";
import { destroyAll, emulatorClients } from "./support/in-process";

const DAY = 86_400_000;
const NOW = new Date("2026-01-01T00:00:00Z");

describe("archive runs under the Lambda's time limit", () => {
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "alpha", "beta");

  it("stops mid-repository between batches; the next run continues from the cursor and finishes", async () => {
    for (const repo of ["alpha", "beta"]) {
      for (let i = 0; i < 252; i++) emulator.registry.putImage(repo, { pushedAt: new Date(NOW.getTime() - (i + 10) * DAY) });
    }
    const config = validateConfig({ policies: [{ name: "a", significant_tags: "*", protected_period: "7d", protected_count: 2, action: "archive" }], settings: { in_use: { ecs: false, lambda: false } } }, "t");
    const clients = emulatorClients(emulator.endpoint);
    try {
      // Plenty of time until 150 images are archived, then less than the margin.
      const remaining = () => ((emulator.calls.UpdateImageStorageClass ?? 0) < 150 ? 900_000 : 1_000);
      const first = await runCleanup({ config, now: NOW, apply: true, ...clients, remainingTimeMs: remaining, concurrency: 1 });
      expect(first.errors).to.deep.equal([]);
      const alpha = first.repositories.find((r) => r.repository === "alpha")!;
      expect(alpha.outOfTime).to.equal(true);
      expect(alpha.archived).to.equal(200);
      expect(alpha.images.filter((l) => l.reason === "out-of-time")).to.have.length(50);
      expect(first.cursor).to.equal("alpha");
      expect(first.notReached).to.deep.equal(["alpha", "beta"]);

      const second = await runCleanup({ config, now: NOW, apply: true, ...clients, remainingTimeMs: () => 900_000, startAt: first.cursor, concurrency: 1 });
      expect(second.errors).to.deep.equal([]);
      expect(second.notReached).to.deep.equal([]);
      for (const repo of ["alpha", "beta"]) {
        const statuses = emulator.registry.images(repo).map((i) => i.status);
        expect(statuses.filter((s) => s === "ARCHIVED")).to.have.length(250);
        expect(statuses.filter((s) => s === "ACTIVE")).to.have.length(2);
      }
      expect(emulator.calls.UpdateImageStorageClass).to.equal(500);
    } finally {
      destroyAll([clients.ecr]);
    }
  });

  it("out of time between a unit's members and its index: the unit is named half-archived, and the next run finishes it", async () => {
    for (const days of [1, 2]) emulator.registry.putImage("alpha", { pushedAt: new Date(NOW.getTime() - days * DAY) });
    const old = (ms: number) => ({ pushedAt: new Date(NOW.getTime() - 40 * DAY - ms) });
    const amd = emulator.registry.putImage("alpha", old(2)).digest;
    const arm = emulator.registry.putImage("alpha", old(1)).digest;
    const index = emulator.registry.putImage("alpha", { ...old(0), children: [amd, arm] }).digest;
    const config = validateConfig({ policies: [{ name: "a", significant_tags: "*", protected_period: "7d", protected_count: 2, action: "archive" }], settings: { in_use: { ecs: false, lambda: false } } }, "t");
    const clients = emulatorClients(emulator.endpoint);
    try {
      // Time runs out once the members' calls are made: the index's batch does not start.
      const remaining = () => ((emulator.calls.UpdateImageStorageClass ?? 0) < 2 ? 900_000 : 1_000);
      const first = await runCleanup({ config, now: NOW, apply: true, ...clients, remainingTimeMs: remaining, concurrency: 1 });
      const alpha = first.repositories.find((r) => r.repository === "alpha")!;
      expect(alpha.outOfTime).to.equal(true);
      expect(emulator.registry.image("alpha", index)!.status).to.equal("ACTIVE");
      expect((alpha.halfArchived ?? []).map((u) => [u.unit, [...u.archived].sort(), u.notArchived])).to.deep.equal([[index, [amd, arm].sort(), [index]]]);
      expect(alpha.notes!.filter((n) => n.startsWith(`unit ${index} is half-archived: 2 of its images archived`))).to.have.length(1);

      const second = await runCleanup({ config, now: NOW, apply: true, ...clients, remainingTimeMs: () => 900_000, startAt: first.cursor, concurrency: 1 });
      expect([index, amd, arm].map((d) => emulator.registry.image("alpha", d)!.status)).to.deep.equal(["ARCHIVED", "ARCHIVED", "ARCHIVED"]);
      expect(second.repositories.find((r) => r.repository === "alpha")!.halfArchived).to.equal(undefined);
    } finally {
      destroyAll([clients.ecr]);
    }
  });
});
