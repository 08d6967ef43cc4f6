/**
 * Registry-scale behaviour that a test can check without timing: concurrency changes no decision, each
 * operation is called exactly the minimum number of times, and a run out of time stops cleanly, names the
 * repositories it did not reach, and a cursor brings the next run to them.
 */
import { expect } from "chai";
import { validateConfig } from "../runtime/config/schema";
import { createClients, destroyClients, AwsClients } from "../runtime/ecr/client";
import type { RunReport } from "../runtime/engine/report";
import { runCleanup } from "../runtime/engine/run";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";

const DAY = 86_400_000;
const NOW = new Date("2026-01-01T00:00:00Z");

describe("at registry scale, against the emulator", () => {
  let emulator: EcrEmulator;
  let clients: AwsClients;
  const saved = { ...process.env };

  beforeEach(async () => {
    emulator = await startEcrEmulator();
    Object.assign(process.env, { AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "t", AWS_SECRET_ACCESS_KEY: "t" });
    clients = createClients();
  });
  afterEach(async () => {
    destroyClients(clients);
    await emulator.stop();
    process.env = { ...saved };
  });

  const config = validateConfig(
    [
      { name: "releases", significant_tags: ["prod", "dev"], protected_period: "30d", protected_count: 5 },
      { name: "untagged", significant_tags: "*", protected_period: "10d", protected_count: 3, repositories: ["svc-0*"] },
    ],
    "test",
  );

  /** `repositories` repositories, `images` each (an image a day, prod on the 20th newest); an index with two children in each. */
  function seed(repositories: number, images: number): void {
    for (let r = 0; r < repositories; r++) {
      const name = `svc-${String(r).padStart(2, "0")}`;
      emulator.registry.createRepository(name);
      for (let i = images; i >= 1; i--) {
        emulator.registry.putImage(name, { tags: i === 20 ? ["prod"] : i === 2 ? ["dev"] : [], pushedAt: new Date(NOW.getTime() - i * DAY - r * 1000) });
      }
      const children = [0, 1].map((c) => emulator.registry.putImage(name, { pushedAt: new Date(NOW.getTime() - (images + 5) * DAY - c) }).digest);
      emulator.registry.putImage(name, { children, pushedAt: new Date(NOW.getTime() - (images + 5) * DAY) });
    }
  }

  const run = (extra: Partial<Parameters<typeof runCleanup>[0]> = {}) => runCleanup({ config, now: NOW, apply: false, ...clients, ...extra });
  /** The report without what legitimately differs between two runs of one plan. */
  const decisions = (report: RunReport) => report.repositories.map((r) => ({ repository: r.repository, images: r.images, kept: r.kept, modes: r.modes }));

  it("gives the same report at concurrency 1 and at 16", async () => {
    seed(24, 60);
    const one = await run({ concurrency: 1 });
    const sixteen = await run({ concurrency: 16 });
    expect(one.summary.toDelete).to.be.greaterThan(0);
    expect(decisions(sixteen)).to.deep.equal(decisions(one));
    expect(sixteen.summary).to.deep.equal(one.summary);
  });

  it("calls each operation exactly the minimum number of times", async () => {
    // Per repository: 1,250 images (two listing pages), an index (one BatchGetImage), and 1,247 − 35 kept = deletions in waves.
    seed(3, 1250);
    emulator.reset();
    const report = await run({ apply: true });
    expect(report.errors).to.deep.equal([]);
    const perRepository = report.repositories.map((r) => r.toDelete);
    // The index and its two children go in two waves: 1 index + N top-level in wave 0, 2 children in wave 1.
    const batches = perRepository.map((n) => Math.ceil((n - 2) / 100) + 1);
    // Before each delete call, the cheaper re-read of what is left: the whole listing, or candidates plus tagged images.
    const rechecks = perRepository.map((n) => {
      let left = 1253;
      let calls = 0;
      const sizes = [...Array.from({ length: Math.ceil((n - 2) / 100) }, (_, i) => Math.min(100, n - 2 - i * 100)), 2];
      for (const size of sizes) {
        calls += Math.min(Math.ceil(left / 1000), 1 + 1);
        left -= size;
      }
      return calls;
    });
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(emulator.calls).to.deep.equal({
      DescribeRepositories: 1,
      ListClusters: 1,
      ListFunctions: 1,
      // The other in-use sources, each once per run: EKS's clusters, App Runner's services, Batch's definitions, ECS's families.
      "eks:ListClusters": 1,
      ListServices: 1,
      DescribeJobDefinitions: 1,
      ListTaskDefinitionFamilies: 1,
      DescribeImages: 3 * Math.ceil(1253 / 1000) + total(rechecks),
      BatchGetImage: 3,
      BatchDeleteImage: total(batches),
    });
  });

  it("out of time, starts no new repository, reports the ones not reached, and a cursor brings the next run to them", async () => {
    seed(6, 30);
    let remaining = 100_000;
    // Each repository "takes" 30 s of the invocation's 100 s; no repository starts with under 60 s left: two run.
    const first = await run({ concurrency: 1, remainingTimeMs: () => remaining, safetyMarginMs: 60_000, onRepositoryDone: () => (remaining -= 30_000), apply: true });
    expect(first.repositories.map((r) => r.repository)).to.deep.equal(["svc-00", "svc-01"]);
    expect(first.notReached).to.deep.equal(["svc-02", "svc-03", "svc-04", "svc-05"]);
    expect(first.cursor).to.equal("svc-02");
    expect(first.summary.repositoriesNotReached).to.equal(4);

    const reached = new Set(first.repositories.map((r) => r.repository));
    let cursor = first.cursor;
    for (let day = 1; day <= 3 && cursor; day++) {
      remaining = 100_000;
      const next = await run({ concurrency: 1, startAt: cursor, remainingTimeMs: () => remaining, onRepositoryDone: () => (remaining -= 30_000), now: new Date(NOW.getTime() + day * DAY), apply: true });
      next.repositories.forEach((r) => reached.add(r.repository));
      expect(next.repositories[0].repository).to.equal(cursor);
      cursor = next.cursor;
    }
    expect([...reached].sort()).to.deep.equal(["svc-00", "svc-01", "svc-02", "svc-03", "svc-04", "svc-05"]);
  });

  it("a cursor past the last repository wraps around to the first", async () => {
    seed(3, 5);
    const report = await run({ startAt: "svc-02" });
    expect(report.repositories.map((r) => r.repository)).to.deep.equal(["svc-02", "svc-00", "svc-01"]);
    const beyond = await run({ startAt: "zzz" });
    expect(beyond.repositories.map((r) => r.repository)).to.deep.equal(["svc-00", "svc-01", "svc-02"]);
  });
});
