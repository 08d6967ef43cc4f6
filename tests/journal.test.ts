/**
 * `--journal FILE` with the real CLI against the emulator: one JSON line per delete or archive call, on disk before
 * the next call, so that a run killed with SIGKILL leaves the record of every call the emulator completed (at most
 * the ones in flight missing); a journal that cannot be written stops the run; `restore --from-report` restores what a
 * journal says was archived.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARCHIVE_CONCURRENCY } from "../runtime/engine/apply";
import type { EcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { emulatorPerTest } from "./support/emulator-per-test";

const NOW = new Date("2026-01-01T00:00:00Z");
const DAY = 86_400_000;
const REPOSITORIES = ["app-a", "app-b", "app-c"];
const policy = (action: "delete" | "archive") => `policies:
  - name: p
    significant_tags: "*"
    protected_period: 7d
    protected_count: 1
    action: ${action}
settings:
  in_use:
    ecs: false
    lambda: false
`;

interface Line {
  format: string;
  version: number;
  time: string;
  call: "delete" | "archive";
  repository: string;
  done: string[];
  failed: { digest: string; code: string }[];
}

const readJournal = (path: string): Line[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));

describe("--journal FILE", function () {
  this.timeout(120_000);
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), ...REPOSITORIES);

  /** Per repository: one image kept, `old` images to delete or archive. */
  function seed(old: number): void {
    for (const repo of REPOSITORIES) {
      emulator.registry.putImage(repo, { pushedAt: new Date(NOW.getTime() - DAY) });
      for (let i = 0; i < old; i++) emulator.registry.putImage(repo, { pushedAt: new Date(NOW.getTime() - (20 + i) * DAY) });
    }
  }
  const journalPath = () => join(mkdtempSync(join(tmpdir(), "ecr-cleanup-journal-")), "journal.jsonl");
  const apply = (action: "delete" | "archive", journal: string, onSpawn?: (child: ChildProcess) => void, ...extra: string[]) =>
    runCli(["--config", writePolicyFile(policy(action)), "--now", NOW.toISOString(), "--apply", "--concurrency", "1", "--journal", journal, "--output", "json", ...extra], awsEnv(emulator.endpoint), onSpawn);

  it("a finished run: one line per call, each naming what ECR deleted, with time and kind", async () => {
    seed(3);
    const journal = journalPath();
    const result = await apply("delete", journal);
    expect(result.code, result.stderr).to.equal(0);
    const lines = readJournal(journal);
    expect(lines.map((l) => [l.format, l.version, l.call, l.repository, l.done.length, l.failed])).to.deep.equal(
      REPOSITORIES.map((repo) => ["ecr-cleanup-journal", 1, "delete", repo, 3, []]),
    );
    const reported = JSON.parse(result.stdout).repositories.flatMap((r: { images: { digest: string; outcome?: string }[] }) => r.images.filter((l) => l.outcome === "deleted").map((l) => l.digest));
    expect(lines.flatMap((l) => l.done).sort()).to.deep.equal(reported.sort());
    for (const line of lines) expect(Date.parse(line.time)).to.be.a("number").and.not.NaN;
  });

  it("a failed delete is journaled with its code", async () => {
    seed(2);
    const victim = emulator.registry.images("app-b").find((i) => i.pushedAt.getTime() < NOW.getTime() - 10 * DAY)!.digest;
    emulator.failDigests("app-b", [victim], "ImageReferencedByManifestList", "injected");
    const journal = journalPath();
    const result = await apply("delete", journal);
    expect(result.code).to.equal(1);
    const line = readJournal(journal).find((l) => l.repository === "app-b")!;
    expect(line.failed).to.deep.equal([{ digest: victim, code: "ImageReferencedByManifestList" }]);
    expect(line.done).to.have.length(1);
  });

  for (const k of [1, 2, 3]) {
    it(`SIGKILL while delete call ${k} is in flight: the journal holds every call the emulator completed before it`, async () => {
      seed(3);
      const journal = journalPath();
      let child: ChildProcess | undefined;
      let calls = 0;
      emulator.beforeOperation("BatchDeleteImage", async () => {
        if (++calls !== k) return;
        child!.kill("SIGKILL");
        await new Promise(() => undefined); // the process is gone: this call never completes
      });
      const result = await apply("delete", journal, (c) => (child = c));
      expect(result.signal).to.equal("SIGKILL");
      const removed = emulator.faults.removals.flatMap((r) => r.removed).sort();
      const lines = existsSync(journal) ? readJournal(journal) : [];
      expect(lines).to.have.length(k - 1);
      expect(lines.flatMap((l) => l.done).sort()).to.deep.equal(removed);
    });
  }

  it("SIGKILL in the middle of archive calls: every archived image the journal names is archived, at most the calls in flight missing", async () => {
    seed(25);
    const journal = journalPath();
    let child: ChildProcess | undefined;
    let calls = 0;
    emulator.setLatency("UpdateImageStorageClass", 5);
    emulator.beforeOperation("UpdateImageStorageClass", async () => {
      if (++calls !== 37) return;
      child!.kill("SIGKILL");
      await new Promise(() => undefined);
    });
    const result = await apply("archive", journal, (c) => (child = c));
    expect(result.signal).to.equal("SIGKILL");
    const archived = REPOSITORIES.flatMap((repo) => emulator.registry.images(repo).filter((i) => i.status === "ARCHIVED").map((i) => i.digest));
    const journaled = readJournal(journal).flatMap((l) => (l.call === "archive" ? l.done : []));
    expect(archived).to.include.members(journaled);
    // One line per call: far more than one line per batch of calls.
    expect(readJournal(journal).every((l) => l.done.length + l.failed.length === 1)).to.equal(true);
    expect(archived.length - journaled.length).to.be.at.most(ARCHIVE_CONCURRENCY);
    expect(journaled.length).to.be.at.least(36 - ARCHIVE_CONCURRENCY);
  });

  it("restore --from-report JOURNAL restores what the journal says was archived, and nothing else", async () => {
    seed(2);
    emulator.registry.activationDelayMs = 60 * 60_000;
    const journal = journalPath();
    // A delete run's line in the same journal is not a restore target.
    writeFileSync(journal, JSON.stringify({ format: "ecr-cleanup-journal", version: 1, time: NOW.toISOString(), call: "delete", repository: "app-a", done: ["sha256:" + "1".repeat(64)], failed: [] }) + "\n");
    const applied = await apply("archive", journal);
    expect(applied.code, applied.stderr).to.equal(0);
    const archived = REPOSITORIES.flatMap((repo) => emulator.registry.images(repo).filter((i) => i.status === "ARCHIVED").map((i) => `${repo} ${i.digest}`));
    expect(archived).to.have.length(6);
    const restored = await runCli(["restore", "--from-report", journal, "--output", "json"], awsEnv(emulator.endpoint));
    expect(restored.code, restored.stderr).to.equal(0);
    const lines = JSON.parse(restored.stdout).images as { repository: string; digest: string; outcome: string }[];
    expect(lines.map((l) => `${l.repository} ${l.digest}`).sort()).to.deep.equal(archived.sort());
    expect(lines.every((l) => l.outcome === "restoring")).to.equal(true);
    for (const repo of REPOSITORIES) expect(emulator.registry.images(repo).filter((i) => i.status === "ACTIVATING")).to.have.length(2);
  });

  it("a journal that cannot be written (a full disk) stops the run before its next call: exit 1, said, what was done reported", async () => {
    if (!existsSync("/dev/full")) return;
    seed(2);
    const result = await apply("delete", "/dev/full");
    expect(result.code).to.equal(1);
    expect(emulator.calls.BatchDeleteImage).to.equal(1);
    const report = JSON.parse(result.stdout);
    expect(report.errors.map((e: { kind: string }) => e.kind)).to.include("journal-failed");
    expect(result.stderr).to.match(/the journal \/dev\/full cannot be written .*: the run stopped before its next call/);
    // A full disk is no network failure: the message says what failed, and no more.
    expect(result.stderr.split("\n")).to.include(
      "ecr-cleanup: error: JournalWriteFailed: the journal /dev/full cannot be written (ENOSPC: no space left on device, write): the run stopped before its next call",
    );
    expect(report.repositories.flatMap((r: { images: { outcome?: string }[] }) => r.images.filter((l) => l.outcome === "deleted"))).to.have.length(2);
  });
});
