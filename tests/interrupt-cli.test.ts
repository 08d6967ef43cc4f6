/**
 * SIGINT, SIGTERM and SIGHUP sent to the real `ecr-cleanup` (bin/ecr-cleanup.js) at each point of an --apply run against the
 * emulator (with latency, so that calls are in flight): while listing, while reading in-use sources, while
 * re-checking between a unit's waves, during a delete call. The run stops before its next delete call, lets the call
 * in flight finish, prints the report of exactly what the emulator deleted (table or JSON) and exits 130, 143 or 129.
 * A second SIGINT or SIGTERM exits at once, a repeated SIGHUP does not; a dry run exits at once. SIGHUP usually means
 * the terminal is gone: with nobody reading stdout and stderr, or on a real terminal that hangs up (a pseudo-terminal
 * closed), the run still stops the same way and its journal records the signal and every call. An
 * archive run stopped between a unit's calls names the unit it left half-archived, and the next run finishes it.
 */
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import fc from "fast-check";
import type { EcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { BIN, runCli, writePolicyFile } from "./support/cli";
import { emulatorPerTest } from "./support/emulator-per-test";

const NOW = new Date("2026-01-01T00:00:00Z");
const DAY = 86_400_000;
const REPOSITORIES = ["app-a", "app-b", "app-c"];
const POLICY = `policies:
  - name: p
    significant_tags: "*"
    protected_period: 7d
    protected_count: 1
settings:
  in_use:
    ecs: false
    lambda: false
`;
const EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type Signal = keyof typeof EXIT;

describe("signals during ecr-cleanup --apply (the real CLI)", function () {
  this.timeout(300_000);
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), ...REPOSITORIES);

  /** Per repository: a kept image, 3 old images and an old index with 2 platform manifests (deleted a wave after it). */
  function seed(): Map<string, string[]> {
    const all = new Map<string, string[]>();
    for (const repo of REPOSITORIES) {
      const at = (days: number) => ({ pushedAt: new Date(NOW.getTime() - days * DAY) });
      const digests = [1, 20, 21, 22].map((days) => emulator.registry.putImage(repo, at(days)).digest);
      const amd = emulator.registry.putImage(repo, at(30)).digest;
      const arm = emulator.registry.putImage(repo, at(30)).digest;
      const index = emulator.registry.putImage(repo, { ...at(30), children: [amd, arm] }).digest;
      all.set(repo, [...digests, amd, arm, index]);
    }
    return all;
  }

  const deletedFromEmulator = (seeded: Map<string, string[]>) =>
    [...seeded].flatMap(([repo, digests]) => digests.filter((d) => !emulator.registry.images(repo).some((i) => i.digest === d))).sort();
  const deleteCalls = () => emulator.faults.log.filter((r) => r.operation === "BatchDeleteImage").length;

  interface Point {
    operation: string;
    n: number;
  }

  /** Runs --apply and sends `signal` when the n-th call of `operation` arrives at the emulator. */
  async function interruptAt(point: Point, signal: Signal, output: "json" | "table", extra: string[] = []) {
    const seeded = seed();
    emulator.setLatency("*", 15);
    let child: ChildProcess | undefined;
    let seen = 0;
    let served: number | undefined;
    emulator.beforeOperation(point.operation, async () => {
      if (++seen !== point.n) return;
      served = deleteCalls();
      // The call is held until the CLI has taken the signal in (its stderr line): from then on, no delete call starts.
      await signalTakenIn(child!, signal);
    });
    const file = writePolicyFile(POLICY);
    const result = await runCli(["--config", file, "--now", NOW.toISOString(), "--apply", "--concurrency", "1", "--output", output, ...extra], awsEnv(emulator.endpoint), (c) => (child = c));
    return { result, seeded, served, signalled: served !== undefined };
  }

  /** Sends `signal` and resolves once the CLI says it is stopping. */
  function signalTakenIn(child: ChildProcess, signal: Signal): Promise<void> {
    return new Promise((resolve) => {
      let text = "";
      child.stderr!.on("data", (chunk) => {
        text += chunk;
        if (text.includes(`${signal}: stopping before`)) resolve();
      });
      child.kill(signal);
    });
  }

  /** The digests the report says it deleted: JSON outcomes, or the table's DELETED lines (12-character digests). */
  function reportedDeleted(stdout: string, output: "json" | "table", seeded: Map<string, string[]>): string[] {
    if (output === "json") {
      const report = JSON.parse(stdout);
      return report.repositories.flatMap((r: { images: { digest: string; outcome?: string }[] }) => r.images.filter((l) => l.outcome === "deleted").map((l) => l.digest)).sort();
    }
    const short = stdout.split("\n").filter((line) => /\bDELETED\b/.test(line)).map((line) => line.replace("└", "").trim().split(/\s+/)[0]);
    const all = [...seeded.values()].flat();
    return short.map((s) => all.find((d) => d.slice("sha256:".length).startsWith(s)) ?? s).sort();
  }

  function check(run: Awaited<ReturnType<typeof interruptAt>>, point: Point, signal: Signal, output: "json" | "table") {
    const { result, seeded, served, signalled } = run;
    const deleted = deletedFromEmulator(seeded);
    expect(reportedDeleted(result.stdout, output, seeded), "the report lists exactly what the emulator deleted").to.deep.equal(deleted);
    if (!signalled) {
      expect(result.code, result.stderr).to.equal(0);
      return;
    }
    expect(result.code, result.stderr).to.equal(EXIT[signal]);
    expect(result.stderr).to.include(`ecr-cleanup: ${signal}: stopping before the next delete or archive call`);
    // After the signal: only the delete call in flight (the one the signal came during) was served.
    const inFlight = point.operation === "BatchDeleteImage" ? 1 : 0;
    expect(deleteCalls() - served!, "delete calls after the signal").to.equal(inFlight);
    if (output === "json") expect(JSON.parse(result.stdout).interrupted).to.equal(true);
    else expect(result.stdout).to.match(/interrupted:\s+stopped by a signal/);
  }

  const table: { point: Point; why: string }[] = [
    { point: { operation: "DescribeRepositories", n: 1 }, why: "while listing the repositories" },
    { point: { operation: "DescribeJobDefinitions", n: 1 }, why: "while reading the in-use sources" },
    { point: { operation: "DescribeImages", n: 1 }, why: "while listing the first repository's images" },
    // The first repository: listing, re-check of wave 1 (3 images and the index), its call, then the re-check of wave 2.
    { point: { operation: "DescribeImages", n: 3 }, why: "while re-checking between a unit's waves (the index deleted, its platform manifests not)" },
    { point: { operation: "BatchDeleteImage", n: 1 }, why: "during the first delete call" },
    { point: { operation: "BatchDeleteImage", n: 3 }, why: "during a delete call in the second repository" },
  ];
  for (const { point, why } of table) {
    it(`SIGINT ${why}: exit 130, the JSON report lists exactly what was deleted, nothing deleted after it`, async () => {
      const run = await interruptAt(point, "SIGINT", "json");
      expect(run.signalled).to.equal(true);
      check(run, point, "SIGINT", "json");
    });
  }

  it("between a unit's waves: the index is deleted, its platform manifests stay and are reported as interrupted", async () => {
    const point = { operation: "DescribeImages", n: 3 };
    const run = await interruptAt(point, "SIGTERM", "json");
    check(run, point, "SIGTERM", "json");
    const first = JSON.parse(run.result.stdout).repositories.find((r: { repository: string }) => r.repository === "app-a");
    const [amd, arm, index] = run.seeded.get("app-a")!.slice(4);
    const line = (d: string) => first.images.find((l: { digest: string }) => l.digest === d);
    expect(line(index).outcome).to.equal("deleted");
    expect([line(amd).reason, line(arm).reason]).to.deep.equal(["interrupted", "interrupted"]);
    expect(emulator.registry.images("app-a").map((i) => i.digest)).to.include.members([amd, arm]);
  });

  it("between a unit's archive calls: its index stays active, the report, stderr and journal name the half-archived unit, and running again finishes it", async () => {
    const at = (days: number) => ({ pushedAt: new Date(NOW.getTime() - days * DAY) });
    emulator.registry.putImage("app-a", at(1));
    const amd = emulator.registry.putImage("app-a", at(30)).digest;
    const arm = emulator.registry.putImage("app-a", at(30)).digest;
    const index = emulator.registry.putImage("app-a", { ...at(30), children: [amd, arm] }).digest;
    const status = (d: string) => emulator.registry.image("app-a", d)!.status;
    emulator.setLatency("*", 15);
    let child: ChildProcess | undefined;
    let signalled = false;
    emulator.beforeOperation("UpdateImageStorageClass", async () => {
      if (signalled) return;
      signalled = true;
      await signalTakenIn(child!, "SIGINT");
    });
    const config = writePolicyFile(POLICY.replace("protected_count: 1", "protected_count: 1\n    action: archive"));
    const journal = writePolicyFile("", "journal.jsonl");
    const run = () => runCli(["--config", config, "--now", NOW.toISOString(), "--apply", "--concurrency", "1", "--journal", journal, "--output", "json"], awsEnv(emulator.endpoint), (c) => (child = c));

    const first = await run();
    expect(first.code, first.stderr).to.equal(130);
    expect(status(index)).to.equal("ACTIVE");
    const archived = [amd, arm].filter((d) => status(d) === "ARCHIVED").sort();
    expect(archived.length).to.be.at.least(1);
    const notArchived = [index, amd, arm].filter((d) => !archived.includes(d)).sort();
    const reported = JSON.parse(first.stdout).repositories.find((r: { repository: string }) => r.repository === "app-a").halfArchived as { unit: string; archived: string[]; notArchived: string[] }[];
    expect(reported.map((u) => [u.unit, [...u.archived].sort(), [...u.notArchived].sort()])).to.deep.equal([[index, archived, notArchived]]);
    expect(first.stderr).to.include(`ecr-cleanup: warning: app-a: unit ${index} is half-archived: ${archived.length} of its images archived`);
    expect(first.stderr).to.include(`running again finishes archiving it, or ecr-cleanup restore --repository app-a --digest ${index} brings it back whole`);
    const lines = readFileSync(journal, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const half = lines.filter((l) => l.halfArchived !== undefined);
    expect(half.map((l) => [l.repository, l.halfArchived, [...l.archived].sort(), [...l.notArchived].sort()])).to.deep.equal([["app-a", index, archived, notArchived]]);
    expect(lines.findIndex((l) => l.signal === "SIGINT")).to.be.lessThan(lines.indexOf(half[0]));

    const second = await run();
    expect(second.code, second.stderr).to.equal(0);
    expect([index, amd, arm].map(status)).to.deep.equal(["ARCHIVED", "ARCHIVED", "ARCHIVED"]);
    expect(JSON.parse(second.stdout).repositories.find((r: { repository: string }) => r.repository === "app-a").halfArchived).to.equal(undefined);
    expect(second.stderr).to.not.include("half-archived");
  });

  it("any signal at any point, table or JSON (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("DescribeRepositories", "DescribeImages", "BatchDeleteImage"),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom<Signal>("SIGINT", "SIGTERM", "SIGHUP"),
        fc.constantFrom<"json" | "table">("json", "table"),
        async (operation, n, signal, output) => {
          emulator.reset();
          emulator.registry.clear();
          for (const repo of REPOSITORIES) emulator.registry.createRepository(repo);
          const point = { operation, n };
          check(await interruptAt(point, signal, output), point, signal, output);
        },
      ),
      { numRuns: 8 },
    );
  });

  it("a second signal exits at once, after one line with the number of images deleted so far", async () => {
    seed();
    let child: ChildProcess | undefined;
    let calls = 0;
    emulator.beforeOperation("BatchDeleteImage", async () => {
      if (++calls !== 2) return;
      // The first repository's second call (its unit's platform manifests): 4 images deleted before it.
      await signalTakenIn(child!, "SIGINT");
      // The call in flight never ends: only the second signal ends the run.
      child!.kill("SIGTERM");
      await new Promise(() => undefined);
    });
    const result = await runCli(["--config", writePolicyFile(POLICY), "--now", NOW.toISOString(), "--apply", "--concurrency", "1", "--output", "json"], awsEnv(emulator.endpoint), (c) => (child = c));
    expect(result.code).to.equal(143);
    expect(result.stdout).to.equal("");
    const lines = result.stderr.trim().split("\n");
    expect(lines.at(-1)).to.equal("ecr-cleanup: SIGTERM again: exiting at once, 4 images deleted so far");
  });

  /**
   * Seeds, and at the second delete call (the first repository's platform manifests) calls `hangUp`, holding the
   * call until the CLI's journal records the SIGHUP (or the CLI is gone). `check` then asserts what a user relies on.
   */
  function hangUpAtSecondDelete(hangUp: () => void, exited: () => boolean, takenIn: () => Promise<void> = async () => undefined) {
    const seeded = seed();
    emulator.setLatency("*", 15);
    const journal = writePolicyFile("", "journal.jsonl");
    let calls = 0;
    let served = -1;
    emulator.beforeOperation("BatchDeleteImage", async () => {
      if (++calls !== 2) return;
      served = deleteCalls();
      hangUp();
      while (!exited() && !journalLines(journal).some((l) => l.signal === "SIGHUP")) await new Promise((r) => setTimeout(r, 10));
      await takenIn();
    });
    return {
      journal,
      check() {
        expect(deleteCalls() - served, "delete calls after the hang-up: the one in flight").to.equal(1);
        const lines = journalLines(journal);
        expect(lines.filter((l) => l.signal).map((l) => l.signal)).to.deep.equal(["SIGHUP"]);
        const journalled = lines.flatMap((l) => (l.call === "delete" ? (l.done as string[]) : [])).sort();
        expect(journalled, "the journal lists exactly what the emulator deleted").to.deep.equal(deletedFromEmulator(seeded));
        expect(journalled).to.have.length.above(0);
      },
    };
  }
  const hasExited = (child: ChildProcess | undefined) => child!.exitCode !== null || child!.signalCode !== null;

  it("SIGHUP with the terminal gone (nobody reads stdout or stderr): exit 129, the journal records the signal and exactly what was deleted", async () => {
    let child: ChildProcess | undefined;
    const run = hangUpAtSecondDelete(() => {
      // The terminal closes: the reading ends of stdout and stderr go away, then the hang-up arrives.
      child!.stdout!.destroy();
      child!.stderr!.destroy();
      child!.kill("SIGHUP");
    }, () => hasExited(child));
    const args = ["--config", writePolicyFile(POLICY), "--now", NOW.toISOString(), "--apply", "--concurrency", "1", "--journal", run.journal];
    const result = await runCli(args, awsEnv(emulator.endpoint), (c) => (child = c));
    expect(result.signal, "ended by the signal itself").to.equal(null);
    expect(result.code).to.equal(129);
    run.check();
  });

  // Python's pty module gives the CLI a real terminal to lose; without python3 there is no terminal to close here.
  // Its first argument: how many SIGHUPs the CLI gets, the kernel's alone (1) or the shell's right after it (2), as
  // an interactive shell sends its jobs when its terminal closes. It prints the CLI's pid, then how the CLI ended.
  const PTY_RUNNER = `
import os, pty, signal, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
print("pid %d" % pid, flush=True)
closed = []
def hang_up(*_):
    if not closed:
        closed.append(1)
        os.close(fd)  # the terminal goes away: the kernel sends SIGHUP to the CLI
        if sys.argv[1] == "2":
            os.kill(pid, signal.SIGHUP)
signal.signal(signal.SIGUSR1, hang_up)
try:
    while True:
        os.read(fd, 65536)
except OSError:
    pass
while True:
    try:
        _, status = os.waitpid(pid, 0)
        break
    except InterruptedError:
        pass
print("signal %d" % os.WTERMSIG(status) if os.WIFSIGNALED(status) else "exit %d" % os.WEXITSTATUS(status))
`;
  const hasPython = spawnSync("python3", ["-c", "import pty"]).status === 0;

  for (const hangups of [1, 2]) {
    (hasPython ? it : it.skip)(`a closed terminal (a real one, hung up by the kernel${hangups === 2 ? ", then the shell's SIGHUP" : ""}): the run stops as for SIGHUP, the call in flight finishes and is journaled, exit 129 (no abort)`, async () => {
      let runner: ChildProcess | undefined;
      let out = "";
      const cliPid = () => Number(/^pid (\d+)$/m.exec(out)![1]);
      // With the shell's SIGHUP, the call in flight is answered only once that one has reached the CLI too.
      const run = hangUpAtSecondDelete(() => runner!.kill("SIGUSR1"), () => hasExited(runner), () => delivered(cliPid(), "SIGHUP"));
      const cli = [process.execPath, BIN, "--config", writePolicyFile(POLICY), "--now", NOW.toISOString(), "--apply", "--concurrency", "1", "--journal", run.journal];
      const ended = await new Promise<string>((done) => {
        runner = spawn("python3", ["-c", PTY_RUNNER, String(hangups), ...cli], { env: awsEnv(emulator.endpoint), stdio: ["ignore", "pipe", "inherit"] });
        runner.stdout!.on("data", (chunk) => (out += chunk));
        runner.on("close", () => done(out.trim().split("\n").at(-1)!));
      });
      expect(ended, "how the CLI ended").to.equal("exit 129");
      run.check();
    });
  }

  /** Resolves once `signal`, sent to process `pid`, is no longer pending: its handler has it (Linux: /proc/PID/status). */
  async function delivered(pid: number, signal: "SIGHUP"): Promise<void> {
    const bit = 1n << BigInt(osConstants.signals[signal] - 1);
    const pending = () => {
      if (!existsSync(`/proc/${pid}/status`)) return false;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      return ["SigPnd", "ShdPnd"].some((field) => (BigInt("0x" + status.match(new RegExp(`^${field}:\\s*([0-9a-f]+)`, "m"))![1]) & bit) !== 0n);
    };
    while (pending()) await new Promise((r) => setTimeout(r, 5));
  }

  it("two SIGHUPs in a row (a closed terminal: the kernel's and the shell's): no exit at once; the call in flight finishes, is reported and journaled, exit 129", async () => {
    const seeded = seed();
    emulator.setLatency("*", 15);
    const journal = writePolicyFile("", "journal.jsonl");
    let child: ChildProcess | undefined;
    let calls = 0;
    let served = -1;
    emulator.beforeOperation("BatchDeleteImage", async () => {
      if (++calls !== 2) return;
      served = deleteCalls();
      await signalTakenIn(child!, "SIGHUP");
      child!.kill("SIGHUP");
      // The call in flight is answered only once the second hangup has reached the CLI.
      await delivered(child!.pid!, "SIGHUP");
    });
    const args = ["--config", writePolicyFile(POLICY), "--now", NOW.toISOString(), "--apply", "--concurrency", "1", "--journal", journal, "--output", "json"];
    const result = await runCli(args, awsEnv(emulator.endpoint), (c) => (child = c));
    expect(result.code, result.stderr).to.equal(129);
    expect(result.stderr).to.not.include("again");
    expect(deleteCalls() - served, "delete calls after the signal: the one in flight").to.equal(1);
    const deleted = deletedFromEmulator(seeded);
    expect(reportedDeleted(result.stdout, "json", seeded), "the report lists exactly what the emulator deleted").to.deep.equal(deleted);
    const lines = journalLines(journal);
    expect(lines.filter((l) => l.signal).map((l) => l.signal)).to.deep.equal(["SIGHUP"]);
    const journalled = lines.flatMap((l) => (l.call === "delete" ? (l.done as string[]) : [])).sort();
    expect(journalled, "the journal lists exactly what the emulator deleted, the call in flight included").to.deep.equal(deleted);
    expect(journalled, "the first repository: its first call (4 images) and the call in flight (2)").to.have.length(6);
  });

  it("a SIGINT after repeated SIGHUPs still exits at once (exit 130, one line with the images deleted so far)", async () => {
    seed();
    let child: ChildProcess | undefined;
    let calls = 0;
    emulator.beforeOperation("BatchDeleteImage", async () => {
      if (++calls !== 2) return;
      await signalTakenIn(child!, "SIGHUP");
      // Pending together, SIGHUP (1) is delivered before SIGINT (2).
      child!.kill("SIGHUP");
      child!.kill("SIGINT");
      await new Promise(() => undefined);
    });
    const result = await runCli(["--config", writePolicyFile(POLICY), "--now", NOW.toISOString(), "--apply", "--concurrency", "1", "--output", "json"], awsEnv(emulator.endpoint), (c) => (child = c));
    expect(result.code, result.stderr).to.equal(130);
    expect(result.stdout).to.equal("");
    expect(result.stderr).to.not.include("SIGHUP again");
    expect(result.stderr.trim().split("\n").at(-1)).to.equal("ecr-cleanup: SIGINT again: exiting at once, 4 images deleted so far");
  });

  function journalLines(path: string): Record<string, unknown>[] {
    if (!existsSync(path)) return [];
    return readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  }

  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    it(`a dry run exits ${EXIT[signal]} at once on ${signal}, saying nothing was deleted`, async () => {
      seed();
      let child: ChildProcess | undefined;
      emulator.beforeOperation("DescribeImages", async () => {
        child!.kill(signal);
        await new Promise(() => undefined);
      });
      const result = await runCli(["--config", writePolicyFile(POLICY), "--now", NOW.toISOString(), "--output", "json"], awsEnv(emulator.endpoint), (c) => (child = c));
      expect(result.code).to.equal(EXIT[signal]);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.equal(`ecr-cleanup: ${signal}: dry run stopped, nothing was deleted\n`);
      expect(deleteCalls()).to.equal(0);
    });
  }
});

describe("signals during ecr-cleanup restore (the real CLI)", function () {
  this.timeout(120_000);
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "app");

  /** Archived images named in a journal, one line each. */
  function archivedJournal(count: number): { path: string; digests: string[] } {
    emulator.registry.activationDelayMs = 60 * 60_000;
    const digests = Array.from({ length: count }, (_, i) =>
      emulator.registry.putImage("app", { pushedAt: new Date(NOW.getTime() - (40 + i) * DAY), status: "ARCHIVED", lastArchivedAt: new Date(NOW.getTime() - DAY) }).digest,
    );
    const lines = digests.map((d) => JSON.stringify({ format: "ecr-cleanup-journal", version: 1, time: NOW.toISOString(), call: "archive", repository: "app", done: [d], failed: [] }));
    return { path: writePolicyFile(lines.join("\n") + "\n", "journal.jsonl"), digests };
  }
  const restoreCalls = () => emulator.faults.log.filter((r) => r.operation === "UpdateImageStorageClass").length;

  for (const k of [1, 3]) {
    it(`SIGTERM during restore call ${k}: no restore call after it, exit 143, the report lists what was restored and what was not`, async () => {
      const { path, digests } = archivedJournal(5);
      let child: ChildProcess | undefined;
      let calls = 0;
      let served = -1;
      emulator.beforeOperation("UpdateImageStorageClass", async () => {
        if (++calls !== k) return;
        served = restoreCalls();
        await new Promise<void>((resolve) => {
          child!.stderr!.on("data", (chunk) => String(chunk).includes("SIGTERM: stopping before the next restore call") && resolve());
          child!.kill("SIGTERM");
        });
      });
      const result = await runCli(["restore", "--from-report", path, "--output", "json"], awsEnv(emulator.endpoint), (c) => (child = c));
      expect(result.code, result.stderr).to.equal(143);
      expect(restoreCalls() - served).to.equal(1);
      const lines = JSON.parse(result.stdout).images as { digest: string; outcome: string }[];
      const activating = digests.filter((d) => emulator.registry.image("app", d)!.status === "ACTIVATING");
      expect(activating).to.have.length(k);
      expect(lines.filter((l) => l.outcome === "restoring").map((l) => l.digest).sort()).to.deep.equal([...activating].sort());
      expect(lines.filter((l) => l.outcome === "interrupted")).to.have.length(5 - k);
    });
  }

  for (const [signal, code] of [["SIGINT", 130], ["SIGHUP", 129]] as const) {
    it(`${signal} while --wait waits: stops waiting at once, exit ${code}`, async () => {
      const { path } = archivedJournal(2);
      let child: ChildProcess | undefined;
      let describes = 0;
      emulator.beforeOperation("DescribeImages", () => {
        // The first status check of the wait (after the listing): the restores were made; now the signal.
        if (++describes === 2) child!.kill(signal);
      });
      const result = await runCli(["restore", "--from-report", path, "--wait", "--timeout", "30m", "--output", "json"], awsEnv(emulator.endpoint), (c) => (child = c));
      expect(result.code, result.stderr).to.equal(code);
      const lines = JSON.parse(result.stdout).images as { outcome: string }[];
      expect(lines.map((l) => l.outcome)).to.deep.equal(["restoring", "restoring"]);
    });
  }
});
