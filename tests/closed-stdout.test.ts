/**
 * `ecr-cleanup … | head`: a reader that closes its end before the command has written. Every command still ends as
 * it would have (the same exit code: the work is done, only its output is not read), with no stack trace on stderr.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { BIN, runCli, writePolicyFile } from "./support/cli";

const POLICY = `
policies:
  - name: shop
    repositories: [shop]
    significant_tags: ['*']
    protected_period: 7d
    protected_count: 1
settings:
  in_use:
    ecs: false
    lambda: false
    eks: false
    app_runner: false
    batch: false
`;

/** Runs the bin with its stdout closed at once, as `| head` does when it has read enough (here: nothing). */
function runWithStdoutClosed(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => done({ code, stderr }));
  });
}

describe("a closed stdout (ecr-cleanup … | head)", function () {
  this.timeout(60_000);
  let emulator: EcrEmulator;
  before(async () => {
    emulator = await startEcrEmulator();
    emulator.registry.createRepository("shop");
    emulator.registry.putImage("shop", { tags: ["v1"] });
  });
  after(async () => {
    await emulator.stop();
  });

  const config = () => writePolicyFile(POLICY);
  const commands: [string, () => string[]][] = [
    ["a dry run (table)", () => ["--config", config()]],
    ["a dry run (json)", () => ["--config", config(), "--output", "json"]],
    ["iam-policy", () => ["iam-policy", "--config", config()]],
    ["doctor", () => ["doctor", "--config", config()]],
    ["restore", () => ["restore", "--repository", "shop", "--tag", "v1"]],
    ["--help", () => ["--help"]],
  ];
  for (const [name, args] of commands) {
    it(`${name}: the exit code of a run whose output is read, and no stack trace`, async () => {
      const env = awsEnv(emulator.endpoint);
      const read = await runCli(args(), env);
      expect(read.stdout, read.stderr).to.not.equal("");
      const closed = await runWithStdoutClosed(args(), env);
      expect(closed.stderr).to.not.match(/EPIPE|Error:|\n\s+at /);
      expect(closed.stderr).to.equal(read.stderr);
      expect(closed.code).to.equal(read.code);
    });
  }
});

/** Runs the bin with its stdout on a full disk (/dev/full: every write fails with ENOSPC). */
function runWithStdoutFull(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const full = openSync("/dev/full", "w");
  return new Promise<{ code: number | null; stderr: string }>((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", full, "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => done({ code, stderr }));
  }).finally(() => closeSync(full));
}

const FLUSH_UNTAGGED = `
policies:
  - name: flush untagged
    repositories: [app]
    protected_period: 7d
    protected_count: 1
    significant_tags: [latest]
settings:
  in_use:
    ecs: false
    lambda: false
    eks: false
    app_runner: false
    batch: false
`;

describe("a stdout that cannot be written (a full disk: > /dev/full)", function () {
  this.timeout(60_000);
  let emulator: EcrEmulator;
  let old: string[];
  beforeEach(async function () {
    if (!existsSync("/dev/full")) this.skip();
    emulator = await startEcrEmulator();
    emulator.registry.createRepository("app");
    const day = 86_400_000;
    old = [0, 1, 2].map((i) => emulator.registry.putImage("app", { pushedAt: new Date(Date.now() - 100 * day + i * 1000) }).digest);
    emulator.registry.putImage("app", { tags: ["latest"], pushedAt: new Date(Date.now() - day) });
  });
  afterEach(async () => {
    await emulator?.stop();
  });

  const lastLine = (stderr: string) => stderr.trimEnd().split("\n").at(-1);
  const LOST = "ecr-cleanup: error: the output could not be written to stdout (ENOSPC: no space left on device, write): it is lost";

  it("--apply --journal: the deletes are done, one line says the report is lost and the journal has the record, exit 1", async () => {
    const journal = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-")), "journal.jsonl");
    const result = await runWithStdoutFull(["--config", writePolicyFile(FLUSH_UNTAGGED), "--apply", "--output", "json", "--journal", journal], awsEnv(emulator.endpoint));
    expect(result.stderr).to.not.match(/ENOSPC.*\n\s+at |\n\s+at /);
    expect(lastLine(result.stderr)).to.equal(`${LOST}; the journal ${journal} has the record of every delete and archive call`);
    expect(result.stderr.split(LOST)).to.have.length(2);
    expect(result.code).to.equal(1);
    const left = emulator.registry.images("app").map((i) => i.digest);
    const deleted = old.filter((digest) => !left.includes(digest));
    // The newest untagged image is kept (protected_count 1 beside the anchor); the two older ones are deleted.
    expect(deleted).to.have.length(2);
    const journaled = readFileSync(journal, "utf8").trim().split("\n").flatMap((line) => JSON.parse(line).done as string[]);
    expect(journaled.sort()).to.deep.equal(deleted.sort());
  });

  it("--apply without a journal: the same line, without a journal to point to, exit 1", async () => {
    const result = await runWithStdoutFull(["--config", writePolicyFile(FLUSH_UNTAGGED), "--apply"], awsEnv(emulator.endpoint));
    expect(result.stderr).to.not.match(/\n\s+at /);
    expect(lastLine(result.stderr)).to.equal(LOST);
    expect(result.code).to.equal(1);
    expect(emulator.registry.images("app")).to.have.length(2);
  });

  it("a dry run that would exit 0 exits 1: its report is lost", async () => {
    const result = await runWithStdoutFull(["--config", writePolicyFile(FLUSH_UNTAGGED)], awsEnv(emulator.endpoint));
    expect(lastLine(result.stderr)).to.equal(LOST);
    expect(result.code).to.equal(1);
    expect(emulator.registry.images("app")).to.have.length(4);
  });
});
