/**
 * Every file the CLI reads or writes (`--config`, `--plan-out`, `--journal`, `apply PLAN`, `restore --from-report`):
 * a directory, a missing file, a missing folder, an unreadable or unwritable one, bytes that are not UTF-8, and for
 * --from-report any file that is not a report or journal of ecr-cleanup. Each is a usage error that names the file
 * (exit 2), with nothing on stdout and not one AWS call: the real bin against the emulator, which counts the calls.
 */
import { expect } from "chai";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli } from "./support/cli";
import { emulatorPerTest } from "./support/emulator-per-test";

const POLICY = `policies:
  - name: p
    significant_tags: "*"
    protected_period: 7d
    protected_count: 1
`;
/** Root reads and writes whatever the permission bits say: those cases cannot be made for it. */
const IS_ROOT = process.getuid?.() === 0;

describe("files named on the command line: usage errors naming the file, nothing done", function () {
  this.timeout(120_000);
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "app");

  let dir: string;
  let config: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ecr-cleanup-files-"));
    config = join(dir, "policies.yaml");
    writeFileSync(config, POLICY);
  });
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const folder = (name: string) => {
    const path = join(dir, name);
    mkdirSync(path);
    return path;
  };
  const unreadable = (name: string) => {
    const path = file(name, "{}");
    chmodSync(path, 0o000);
    return path;
  };

  async function expectUsageError(args: string[], names: string, why: RegExp): Promise<void> {
    const result = await runCli(args, awsEnv(emulator.endpoint));
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stdout).to.equal("");
    expect(result.stderr).to.include(names);
    expect(result.stderr).to.match(why);
    expect(emulator.faults.log.map((r) => r.operation), "AWS calls").to.deep.equal([]);
  }

  const cases: { what: string; args: () => string[]; names: () => string; why: RegExp; skip?: boolean }[] = [
    { what: "--config naming a directory", args: () => ["--config", folder("conf")], names: () => join(dir, "conf"), why: /is a directory/ },
    { what: "--config naming a missing file", args: () => ["--config", join(dir, "nope.yaml")], names: () => join(dir, "nope.yaml"), why: /no such file/ },
    { what: "--config naming an unreadable file", args: () => ["--config", unreadable("secret.yaml")], names: () => join(dir, "secret.yaml"), why: /permission denied/, skip: IS_ROOT },
    {
      what: "--config that is not UTF-8 (Latin-1: a tag read wrong would match other images)",
      args: () => ["--config", file("latin1.yaml", Buffer.concat([Buffer.from(POLICY.replace('"*"', "[caf")), Buffer.from([0xe9]), Buffer.from("]\n")]))],
      names: () => join(dir, "latin1.yaml"),
      why: /not UTF-8 text \(byte \d+ is not\)/,
    },
    { what: "--plan-out naming a directory", args: () => ["--config", config, "--plan-out", folder("plans")], names: () => `--plan-out ${join(dir, "plans")}`, why: /is a directory/ },
    { what: "--plan-out in a folder that does not exist", args: () => ["--config", config, "--plan-out", join(dir, "none", "plan.json")], names: () => `--plan-out ${join(dir, "none", "plan.json")}`, why: /its folder .* does not exist/ },
    { what: "--plan-out under a file", args: () => ["--config", config, "--plan-out", join(config, "plan.json")], names: () => `--plan-out ${join(config, "plan.json")}`, why: /a part of its path is not a directory/ },
    {
      what: "--plan-out in a folder that cannot be written",
      args: () => {
        const locked = folder("locked");
        chmodSync(locked, 0o500);
        return ["--config", config, "--plan-out", join(locked, "plan.json")];
      },
      names: () => join(dir, "locked", "plan.json"),
      why: /cannot be written/,
      skip: IS_ROOT,
    },
    { what: "--journal naming a directory", args: () => ["--config", config, "--apply", "--journal", folder("j")], names: () => `--journal ${join(dir, "j")}`, why: /is a directory/ },
    { what: "--journal in a folder that does not exist", args: () => ["--config", config, "--apply", "--journal", join(dir, "none", "j.jsonl")], names: () => `--journal ${join(dir, "none", "j.jsonl")}`, why: /no such file/ },
    { what: "--journal naming the policy file", args: () => ["--config", config, "--apply", "--journal", config], names: () => `--journal ${config}`, why: /is the policy file/ },
    { what: "--journal without --apply", args: () => ["--config", config, "--journal", join(dir, "j.jsonl")], names: () => "--journal", why: /a dry run makes none/ },
    { what: "apply PLAN naming a directory", args: () => ["apply", folder("plan")], names: () => join(dir, "plan"), why: /refused, nothing was done: it cannot be read \(EISDIR: it is a directory, not a file\)/ },
    { what: "apply PLAN naming a missing file", args: () => ["apply", join(dir, "plan.json")], names: () => join(dir, "plan.json"), why: /it cannot be read \(ENOENT: no such file\)/ },
    { what: "apply PLAN naming an unreadable file", args: () => ["apply", unreadable("plan.json")], names: () => join(dir, "plan.json"), why: /permission denied/, skip: IS_ROOT },
    { what: "apply PLAN that is not UTF-8", args: () => ["apply", file("plan.json", Buffer.from([0x7b, 0xff, 0x7d]))], names: () => join(dir, "plan.json"), why: /not UTF-8 text \(byte 1 is not\)/ },
    { what: "restore --from-report naming a directory", args: () => ["restore", "--from-report", folder("r")], names: () => `--from-report ${join(dir, "r")}`, why: /is a directory/ },
    { what: "restore --from-report naming a missing file", args: () => ["restore", "--from-report", join(dir, "r.json")], names: () => `--from-report ${join(dir, "r.json")}`, why: /no such file/ },
    { what: "restore --from-report naming an unreadable file", args: () => ["restore", "--from-report", unreadable("r.json")], names: () => join(dir, "r.json"), why: /permission denied/, skip: IS_ROOT },
    { what: "restore --from-report that is not UTF-8", args: () => ["restore", "--from-report", file("r.json", Buffer.from([0xc3, 0x28]))], names: () => join(dir, "r.json"), why: /not UTF-8 text \(byte 0 is not\)/ },
  ];
  for (const c of cases) {
    (c.skip ? it.skip : it)(c.what, async () => {
      await expectUsageError(c.args(), c.names(), c.why);
    });
  }

  describe("restore --from-report: only a report or journal of ecr-cleanup", () => {
    const report = (images: unknown) => ({
      formatVersion: 1,
      apply: true,
      now: "2026-01-01T00:00:00.000Z",
      repositories: [
        { repository: "app", policies: ["p"], modes: [], images, kept: {}, imagesScanned: 1, toDelete: 0, deleted: 0, bytesToFree: 0, bytesFreed: 0, errors: [] },
      ],
      notGoverned: [],
      notReached: [],
      errors: [],
      warnings: [],
      summary: { repositories: 1, imagesScanned: 1, toDelete: 0, deleted: 0, bytesToFree: 0, bytesFreed: 0, keptBySafety: {}, failures: 0, repositoriesSkipped: 0, repositoriesNotReached: 0 },
    });
    const shapes: { what: string; content: string; why: RegExp }[] = [
      { what: "images: \"x\" (silently restored nothing before)", content: JSON.stringify(report("x")), why: /not a JSON report or journal of ecr-cleanup \(repositories\.0\.images: .*expected array/i },
      { what: "another JSON document", content: JSON.stringify({ hello: "world" }), why: /not a JSON report or journal of ecr-cleanup/ },
      { what: "a JSON array", content: "[1, 2]", why: /not a JSON report or journal of ecr-cleanup/ },
      { what: "a line of text", content: "hello\n", why: /not a JSON report or journal of ecr-cleanup \(line 1: not JSON/ },
      { what: "an empty file", content: "", why: /empty: neither a JSON report nor a journal/ },
      { what: "the report of a dry run", content: JSON.stringify({ ...report([]), apply: false }), why: /the report of a dry run/ },
      {
        what: "a journal with a line that is not the journal's",
        content: `${JSON.stringify({ format: "ecr-cleanup-journal", version: 1, time: "t", call: "archive", repository: "app", done: [], failed: [] })}\n{"call":"archive"}\n`,
        why: /line 2 is not a line of an ecr-cleanup journal/,
      },
    ];
    for (const shape of shapes) {
      it(`${shape.what}: exit 2, the file and what is wrong named`, async () => {
        const path = file("report.json", shape.content);
        await expectUsageError(["restore", "--from-report", path], `--from-report ${path}`, shape.why);
      });
    }

    it("a plan (--plan-out), doctor's output or an IAM policy: exit 2, named for what it is, and no AWS call", async () => {
      const plan = join(dir, "plan.json");
      const dry = await runCli(["--config", config, "--plan-out", plan], awsEnv(emulator.endpoint));
      expect(dry.code, dry.stderr).to.equal(0);
      emulator.faults.log.length = 0;
      const doctorOutput = file("doctor.json", JSON.stringify({ format: 1, ok: true, checks: [] }));
      const iamPolicy = file("iam.json", JSON.stringify({ Version: "2012-10-17", Statement: [] }));
      for (const [path, what] of [[plan, "a plan"], [doctorOutput, "the output of ecr-cleanup doctor"], [iamPolicy, "an IAM policy"]]) {
        const result = await runCli(["restore", "--from-report", path], awsEnv(emulator.endpoint));
        expect([result.code, result.stdout]).to.deep.equal([2, ""]);
        expect(result.stderr.split("\n")[0]).to.equal(`ecr-cleanup restore: --from-report ${path} is ${what}, not a report or journal: restore reads the JSON report or the journal of an --apply run`);
      }
      expect(emulator.faults.log.map((r) => r.operation), "AWS calls").to.deep.equal([]);
    });

    it("another JSON document: at most its first 3 problems", async () => {
      const path = file("other.json", JSON.stringify({ hello: "world" }));
      const result = await runCli(["restore", "--from-report", path], awsEnv(emulator.endpoint));
      expect(result.code).to.equal(2);
      const problems = /not a JSON report or journal of ecr-cleanup \((.*)\)$/m.exec(result.stderr)![1];
      expect(problems.split("; ").filter((p) => !p.startsWith("and ")).length).to.equal(3);
    });

    it("a report that archived nothing restores nothing and says so (exit 0, no restore call)", async () => {
      const path = file("report.json", JSON.stringify(report([{ digest: "sha256:" + "a".repeat(64), tags: [], pushedAt: "unknown", sizeBytes: 0, action: "delete", reason: "beyond-window", policies: [], outcome: "deleted" }])));
      const result = await runCli(["restore", "--from-report", path], awsEnv(emulator.endpoint));
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.include("names no archived image: nothing to restore");
      expect(emulator.calls.UpdateImageStorageClass ?? 0).to.equal(0);
    });
  });
});
