/**
 * An --apply run that restores the members it archived under a holder that then changed journals those restores
 * (`call: "restore"`), and `restore --from-report JOURNAL` reads them: a member the run brought back is not a restore
 * target, one whose restore failed still is. The line naming a unit a stopped run left half-archived is read too.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readReportSource } from "../runtime/cli/report-source";
import type { EcrEmulator } from "./emulator/server";
import { at, NOW, pushAppUnit } from "./support/archive-app";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { emulatorPerTest } from "./support/emulator-per-test";

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const line = (call: "delete" | "archive" | "restore", n: number, failed = false) =>
  JSON.stringify({
    format: "ecr-cleanup-journal",
    version: 1,
    time: "2026-12-07T03:00:00.000Z",
    call,
    repository: "app",
    done: failed ? [] : [digest(n)],
    failed: failed ? [{ digest: digest(n), code: "ServerException" }] : [],
  });
const targets = (...lines: string[]) => readReportSource(lines.join("\n") + "\n", "run.journal").map((t) => t.digest);

describe("restore lines in a journal", () => {
  const table: [string, string[], string[]][] = [
    ["archived, then restored by the run: not a target", [line("archive", 1), line("archive", 2), line("restore", 1)], [digest(2)]],
    ["archived, its restore failed: still a target", [line("archive", 1), line("restore", 1, true)], [digest(1)]],
    ["archived, restored, archived again by a later run: a target", [line("archive", 1), line("restore", 1), line("archive", 1)], [digest(1)]],
    ["restored without an archive line in the file: nothing to restore", [line("restore", 1)], []],
    ["deleted and restored lines never add a target", [line("delete", 1), line("restore", 2)], []],
  ];
  for (const [name, lines, expected] of table) it(name, () => expect(targets(...lines)).to.deep.equal(expected));

  it("a half-archived unit's line (written as a stopped run ends) is read: its archived members stay targets, it adds none", () => {
    const half = JSON.stringify({ format: "ecr-cleanup-journal", version: 1, time: "2026-12-07T03:00:01.000Z", repository: "app", halfArchived: digest(9), archived: [digest(1)], notArchived: [digest(9), digest(2)] });
    const signal = JSON.stringify({ format: "ecr-cleanup-journal", version: 1, time: "2026-12-07T03:00:00.500Z", signal: "SIGINT" });
    expect(targets(line("archive", 1), signal, half)).to.deep.equal([digest(1)]);
  });
});

describe("--journal of a run that restores members under a holder that changed (the real CLI)", function () {
  this.timeout(120_000);
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "app", "other");

  const POLICY = `policies:
  - name: archiver
    protected_period: 7d
    protected_count: 2
    significant_tags: '*'
    action: archive
settings:
  in_use:
    ecs: false
    lambda: false
`;
  const status = (repository: string, d: string) => emulator.registry.image(repository, d)?.status ?? "GONE";
  const standardCalls = () => emulator.faults.log.filter((r) => r.operation === "UpdateImageStorageClass" && r.input.targetStorageClass === "STANDARD").length;

  it("journals each restore, and restore --from-report JOURNAL restores only what is still archived", async () => {
    emulator.registry.activationDelayMs = 3_600_000;
    for (const repository of ["app", "other"]) for (const days of [1, 2]) emulator.registry.putImage(repository, { pushedAt: at(days) });
    const plain = emulator.registry.putImage("other", { pushedAt: at(30) }).digest;
    const u = pushAppUnit(emulator, 40);
    let archives = 0;
    emulator.beforeOperation("UpdateImageStorageClass", ({ input }) => {
      // Someone tags the index while the cleaner archives its members: it stays active, and its members come back.
      if (input.repositoryName === "app" && input.targetStorageClass === "ARCHIVE" && ++archives === 1) emulator.registry.tag("app", "rollback", u.index);
    });
    const journal = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-journal-")), "journal.jsonl");
    const applied = await runCli(["--config", writePolicyFile(POLICY), "--now", NOW, "--apply", "--journal", journal, "--output", "json"], awsEnv(emulator.endpoint));
    expect(applied.code, applied.stderr).to.equal(1);
    const members = [u.amd, u.arm, u.signature].sort();
    for (const member of members) expect(status("app", member), member).to.equal("ACTIVATING");
    expect(status("app", u.index)).to.equal("ACTIVE");
    expect(status("other", plain)).to.equal("ARCHIVED");

    const lines = readFileSync(journal, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const restores = lines.filter((l) => l.call === "restore");
    expect(restores.map((l) => [l.repository, l.failed])).to.deep.equal(members.map(() => ["app", []]));
    expect(restores.flatMap((l) => l.done).sort()).to.deep.equal(members);
    // Each restore comes after the archive of the same member.
    for (const member of members) {
      expect(lines.findIndex((l) => l.call === "archive" && l.done.includes(member))).to.be.lessThan(lines.findIndex((l) => l.call === "restore" && l.done.includes(member)));
    }

    const before = standardCalls();
    const restored = await runCli(["restore", "--from-report", journal, "--output", "json"], awsEnv(emulator.endpoint));
    expect(restored.code, restored.stderr).to.equal(0);
    const images = JSON.parse(restored.stdout).images as { repository: string; digest: string; outcome: string }[];
    expect(images.map((l) => [l.repository, l.digest, l.outcome])).to.deep.equal([["other", plain, "restoring"]]);
    expect(standardCalls() - before).to.equal(1);
    expect(status("other", plain)).to.equal("ACTIVATING");
  });
});
