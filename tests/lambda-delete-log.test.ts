/**
 * The Lambda logs each delete call's outcome as ECR answers it (spec section 5), so that a run cut off by its time
 * limit still tells what it deleted: the line of a call is in the log before the next call is made. Archive calls and
 * the restores of members under a holder that changed are logged the same way.
 */
import { expect } from "chai";
import { createHandler } from "../runtime/lambda/handler";
import type { EcrEmulator } from "./emulator/server";
import { emulatorPerTest } from "./support/emulator-per-test";
import { destroyAll, emulatorClients, lambdaContext } from "./support/in-process";

const CLOCK = new Date("2030-06-01T12:00:00.000Z");
const CONFIG = JSON.stringify({ policies: [{ name: "flush", significant_tags: "*", protected_period: "7d", protected_count: 0 }] });
const ARCHIVE_CONFIG = JSON.stringify({ policies: [{ name: "cold", significant_tags: "*", protected_period: "7d", protected_count: 0, action: "archive" }] });

describe("the Lambda logs every delete call as it happens", () => {
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "app");

  /** Runs the function once with CONFIG against the emulator, every line it logs pushed to `written` as it is written. */
  async function runFunction(config: string, written: string[]): Promise<void> {
    const clients = emulatorClients(emulator.endpoint);
    const original = process.stdout.write;
    (process.stdout as { write: unknown }).write = (chunk: string) => written.push(...String(chunk).split("\n").filter(Boolean)) > 0;
    try {
      const handler = createHandler({
        env: () => ({ ECR_CLEANUP_CONFIG: config, ECR_CLEANUP_DRY_RUN: "false" }),
        clients: () => clients,
        ssm: () => {
          throw new Error("no cursor in this deployment");
        },
        clock: () => CLOCK,
      });
      await handler({ scheduledTime: CLOCK.toISOString() }, lambdaContext());
    } finally {
      process.stdout.write = original;
      destroyAll(Object.values(clients));
    }
  }

  it("one delete-call line per BatchDeleteImage, written before the next call, naming every digest it deleted", async () => {
    const old = Array.from({ length: 150 }, (_, i) => emulator.registry.putImage("app", { pushedAt: new Date(CLOCK.getTime() - (30 + i) * 86_400_000) }).digest);
    const written: string[] = [];
    const seenBeforeSecondCall: string[] = [];
    let calls = 0;
    emulator.beforeOperation("BatchDeleteImage", () => {
      if (++calls === 2) seenBeforeSecondCall.push(...written);
    });
    await runFunction(CONFIG, written);
    const lines = written.map((line) => JSON.parse(line));
    const deleteLines = lines.filter((l) => l.type === "delete-call");
    expect(deleteLines.map((l) => [l.repository, l.deleted.length, l.failed])).to.deep.equal([
      ["app", 100, []],
      ["app", 50, []],
    ]);
    expect(deleteLines.flatMap((l) => l.deleted).sort()).to.deep.equal([...old].sort());
    expect(seenBeforeSecondCall.map((line) => JSON.parse(line).type)).to.deep.equal(["delete-call"]);
    expect(deleteLines[0]).to.include({ dryRun: false, now: CLOCK.toISOString() });
  });

  it("one archive-call line per UpdateImageStorageClass (one image), written as ECR answers it, not once a batch", async () => {
    const old = Array.from({ length: 40 }, (_, i) => emulator.registry.putImage("app", { pushedAt: new Date(CLOCK.getTime() - (30 + i) * 86_400_000) }).digest);
    const written: string[] = [];
    let linesAtLastCall = -1;
    let calls = 0;
    emulator.beforeOperation("UpdateImageStorageClass", () => {
      if (++calls === old.length) linesAtLastCall = written.filter((line) => JSON.parse(line).type === "archive-call").length;
    });
    await runFunction(ARCHIVE_CONFIG, written);
    const lines = written.map((line) => JSON.parse(line)).filter((l) => l.type === "archive-call");
    expect(lines).to.have.length(old.length);
    expect(lines.every((l) => l.archived.length === 1 && l.failed.length === 0 && l.repository === "app")).to.equal(true);
    expect(lines.flatMap((l) => l.archived).sort()).to.deep.equal([...old].sort());
    // The last call of the batch: the calls answered before it are logged already (at most the others in flight are not).
    expect(linesAtLastCall).to.be.at.least(old.length - 10);
  });

  it("a member restored under a holder that changed: one restore-call line, after its archive-call line", async () => {
    const day = (n: number, ms = 0) => ({ pushedAt: new Date(CLOCK.getTime() - n * 86_400_000 - ms) });
    const amd = emulator.registry.putImage("app", day(40, 2)).digest;
    const arm = emulator.registry.putImage("app", day(40, 1)).digest;
    const index = emulator.registry.putImage("app", { ...day(40), children: [amd, arm] }).digest;
    const written: string[] = [];
    let archives = 0;
    // Someone tags the index while the function archives its platform manifests: it stays active, they come back.
    emulator.beforeOperation("UpdateImageStorageClass", ({ input }) => {
      if (input.targetStorageClass === "ARCHIVE" && ++archives === 1) emulator.registry.tag("app", "rollback", index);
    });
    await runFunction(ARCHIVE_CONFIG, written);
    const calls = written.map((line) => JSON.parse(line)).filter((l) => l.type === "archive-call" || l.type === "restore-call");
    expect(calls.map((l) => l.failed)).to.deep.equal([[], [], [], []]);
    expect(calls.filter((l) => l.type === "archive-call").flatMap((l) => l.archived).sort()).to.deep.equal([amd, arm].sort());
    expect(calls.filter((l) => l.type === "restore-call").flatMap((l) => l.restored).sort()).to.deep.equal([amd, arm].sort());
    expect(calls.map((l) => l.type)).to.deep.equal(["archive-call", "archive-call", "restore-call", "restore-call"]);
  });
});
