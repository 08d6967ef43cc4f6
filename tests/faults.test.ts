/**
 * Faults end to end: the real CLI, through the real SDK, against the emulator with injected throttling
 * storms, 500s, dropped connections, partial batch failures, and the process killed between two delete
 * batches. In each case nothing that is kept is deleted, the report and exit code say what failed, and a
 * second run finishes the job.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";

const DAY = 86_400_000;
const NOW = "2026-01-01T00:00:00.000Z";
const IMAGES = 250;
// Newest first: dev on day 2, prod on day 20; kept: days 1..30 (prod and 10 days before it).
const KEPT = 30;

describe("faults, end to end against the emulator", () => {
  let emulator: EcrEmulator;
  let digests: string[];
  let config: string;

  beforeEach(async () => {
    emulator = await startEcrEmulator();
    emulator.registry.createRepository("hello_world");
    digests = [];
    for (let age = IMAGES; age >= 1; age--) {
      const tags = age === 2 ? ["dev"] : age === 20 ? ["prod"] : [];
      digests.unshift(emulator.registry.putImage("hello_world", { tags, pushedAt: new Date(Date.parse(NOW) - age * DAY) }).digest);
    }
    config = writePolicyFile(`
- name: releases
  protected_period: 10
  protected_count: 3
  significant_tags: [prod, dev]
  repositories: [hello_world]
`);
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const run = (onSpawn?: (child: ChildProcess) => void) =>
    runCli(["--config", config, "--now", NOW, "--output", "json", "--apply"], { ...awsEnv(emulator.endpoint), AWS_MAX_ATTEMPTS: "4" }, onSpawn);
  const survivors = () => new Set(emulator.registry.images("hello_world").map((i) => i.digest));
  const kept = () => digests.slice(0, KEPT);

  function expectKeptIntact(): void {
    const alive = survivors();
    for (const digest of kept()) expect(alive.has(digest), `kept image ${digest} was deleted`).to.equal(true);
  }

  async function expectSecondRunFinishes(): Promise<void> {
    emulator.reset();
    const second = await run();
    expect(second.code, second.stderr).to.equal(0);
    expect([...survivors()].sort()).to.deep.equal([...kept()].sort());
  }

  it("rides out a throttling storm on every operation with the SDK's adaptive retry", async () => {
    emulator.throttle("*", 10, 2);
    // The rate alone throttles only a machine fast enough to call faster than it; a loaded one may never be throttled.
    emulator.failNext("*", 3, "throttle");
    const result = await run();
    expect(result.code, result.stderr).to.equal(0);
    expect(emulator.faults.injectedCount("throttle")).to.be.greaterThan(0);
    expect([...survivors()].sort()).to.deep.equal([...kept()].sort());
  });

  it("throttled past its retries: reports the error, exits 1, deletes nothing kept; a second run finishes", async () => {
    emulator.failNext("BatchDeleteImage", 1000, "throttle");
    const result = await run();
    expect(result.code).to.equal(1);
    const report = JSON.parse(result.stdout);
    expect(report.errors.map((e: { kind: string; code: string }) => [e.kind, e.code])).to.deep.equal([["api-error", "ThrottlingException"]]);
    expect(survivors().size).to.equal(IMAGES);
    await expectSecondRunFinishes();
  });

  it("retries 500s; persistent 500s are reported with exit 1 and a second run finishes", async () => {
    emulator.failNext("DescribeImages", 2, "server-error");
    emulator.failNext("BatchDeleteImage", 2, "server-error");
    const retried = await run();
    expect(retried.code, retried.stderr).to.equal(0);
    expect([...survivors()].sort()).to.deep.equal([...kept()].sort());
  });

  it("persistent 500s on the second delete batch stop the repository with exit 1; a second run finishes", async () => {
    // After the first batch, every BatchDeleteImage call (and each of its retries) gets a 500.
    emulator.beforeOperation("BatchDeleteImage", () => emulator.failNext("BatchDeleteImage", 1000, "server-error"), { once: true });
    const result = await run();
    expect(result.code).to.equal(1);
    const report = JSON.parse(result.stdout);
    expect(report.errors.map((e: { code: string }) => e.code)).to.deep.equal(["ServerException"]);
    expect(report.summary.deleted).to.equal(100);
    expectKeptIntact();
    await expectSecondRunFinishes();
  });

  it("survives dropped connections", async () => {
    emulator.failNext("DescribeImages", 1, "drop-connection");
    emulator.failNext("BatchDeleteImage", 2, "drop-connection");
    const result = await run();
    expect(result.code, result.stderr).to.equal(0);
    expect([...survivors()].sort()).to.deep.equal([...kept()].sort());
  });

  it("partial batch failures are reported one by one with exit 1; a second run finishes", async () => {
    const refused = [digests[100], digests[200]];
    emulator.failDigests("hello_world", refused, "KmsError");
    const result = await run();
    expect(result.code).to.equal(1);
    const report = JSON.parse(result.stdout);
    expect(report.errors.map((e: { digest: string; code: string }) => [e.digest, e.code])).to.deep.equal(refused.map((d) => [d, "KmsError"]));
    expect([...survivors()].sort()).to.deep.equal([...kept(), ...refused].sort());
    emulator.faults.clearFailDigests();
    await expectSecondRunFinishes();
  });

  it("the process killed between two delete batches deletes nothing kept; a second run finishes", async () => {
    let child: ChildProcess | undefined;
    let deleteCalls = 0;
    emulator.beforeOperation("BatchDeleteImage", () => {
      if (++deleteCalls === 2) child?.kill("SIGKILL");
    });
    const result = await run((c) => (child = c));
    expect(result.signal).to.equal("SIGKILL");
    expectKeptIntact();
    expect(survivors().size).to.be.lessThan(IMAGES);
    await expectSecondRunFinishes();
  });
});
