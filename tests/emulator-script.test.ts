/**
 * `npm run emulator`: the demo registry left running, printing the environment to export. A user's session by hand,
 * as the README shows it: a plan of their own policy file, `apply` of that plan, then `restore` of what it archived,
 * each a separate CLI process against the same running registry; and `npm run demo` with a command that needs such a
 * registry says to use it.
 */
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { runCli, writePolicyFile } from "./support/cli";

const SCRIPT = resolve(__dirname, "../examples/demo/emulator.js");
const DEMO = resolve(__dirname, "../examples/demo/run-demo.js");

/** Starts the script on a free port; resolves with the child and the variables it printed once it printed them all. */
function startEmulatorScript(): Promise<{ child: ChildProcess; exported: Record<string, string>; stderr: () => string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [SCRIPT, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.stdout!.on("data", (chunk) => {
      stdout += chunk;
      const exported = Object.fromEntries([...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
      if (Object.keys(exported).length === 4) done({ child, exported, stderr: () => stderr });
    });
    child.on("exit", (code) => fail(new Error(`the emulator script exited (${code}) before printing its environment: ${stderr}`)));
  });
}

const ARCHIVE_POLICY = `
policies:
  - name: releases
    significant_tags: [dev, rc, prod]
    protected_period: 365
    protected_count: 13
    action: archive
    repositories: [hello_world]
`;

describe("npm run emulator: the demo registry, left running for a session by hand", function () {
  this.timeout(120_000);
  let emulator: Awaited<ReturnType<typeof startEmulatorScript>>;
  before(async () => {
    emulator = await startEmulatorScript();
  });
  after(() => {
    emulator?.child.kill("SIGTERM");
  });

  it("prints the endpoint on 127.0.0.1, the region and dummy credentials to export", () => {
    expect(emulator.exported.AWS_ENDPOINT_URL).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.exported).to.deep.include({ AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "demo", AWS_SECRET_ACCESS_KEY: "demo" });
    expect(emulator.stderr()).to.include("hello_world, payments-api, web-frontend, some_ignored_repository");
  });

  it("keeps its state between CLI runs: plan, apply that plan, then restore what it archived", async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...emulator.exported };
    const policies = writePolicyFile(ARCHIVE_POLICY);
    const plan = join(dirname(policies), "plan.json");

    const dryRun = await runCli(["--config", policies, "--plan-out", plan, "--output", "json"], env);
    expect(dryRun.code, dryRun.stderr).to.equal(0);
    const planned = JSON.parse(dryRun.stdout).summary.toArchive as number;
    expect(planned).to.be.greaterThan(0);
    expect(JSON.parse(readFileSync(plan, "utf8")).repositories).to.be.an("array");

    const applied = await runCli(["apply", plan, "--config", policies, "--output", "json"], env);
    expect(applied.code, applied.stderr).to.equal(0);
    const report = JSON.parse(applied.stdout);
    expect(report.summary.archived).to.equal(planned);
    const archivedTag = report.repositories[0].images.find((i: { outcome: string; tags: string[] }) => i.outcome === "archived" && i.tags.length).tags[0];

    // The registry remembers: a second dry run archives nothing more, and the archive restores by tag.
    const again = await runCli(["--config", policies, "--output", "json"], env);
    expect(JSON.parse(again.stdout).summary.toArchive).to.equal(0);
    const restored = await runCli(["restore", "--repository", "hello_world", "--tag", archivedTag], env);
    expect(restored.code, restored.stderr).to.equal(0);
    expect(restored.stdout + restored.stderr).to.include(archivedTag);
  });
});

describe("npm run emulator's options", () => {
  for (const [args, message] of [
    [["--latency", "fast"], "--latency (milliseconds) must be a whole number from 0 to 60000, not fast"],
    [["--port", "70000"], "the port must be a whole number from 0 to 65535, not 70000"],
  ] as const) {
    it(`${args.join(" ")}: refused with what it takes, nothing started`, () => {
      const run = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8", timeout: 30_000 });
      expect(run.status).to.equal(1);
      expect(run.stderr).to.include(message);
      expect(run.stdout).to.equal("");
    });
  }
});

describe("npm run demo with a command that needs a registry that stays, or a policy file of one's own", () => {
  for (const command of ["apply", "restore"]) {
    it(`${command}: exits 2 and points at npm run emulator`, () => {
      const run = spawnSync(process.execPath, [DEMO, command, "plan.json"], { encoding: "utf8" });
      expect(run.status).to.equal(2);
      expect(run.stderr).to.include("npm run emulator");
      expect(run.stdout).to.equal("");
    });
  }

  for (const args of [["--config", "my.yaml"], ["--config=my.yaml", "--output", "json"]]) {
    it(`${args.join(" ")}: exits 2 and points at npm run emulator, rather than the CLI's "--config given twice"`, () => {
      const run = spawnSync(process.execPath, [DEMO, ...args], { encoding: "utf8" });
      expect(run.status).to.equal(2);
      expect(run.stderr).to.equal(
        "npm run demo runs the CLI with the demo's policy file, examples/policies.yaml, on the demo registry; to try a policy file of your own,\n" +
          "start the same registry with `npm run emulator` (it prints the environment to export), then run `npx ecr-cleanup --config FILE` in another shell.\n",
      );
      expect(run.stdout).to.equal("");
    });
  }
});
