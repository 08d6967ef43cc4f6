/**
 * `ecr-cleanup … | head`: a reader that closes its end before the command has written. Every command still ends as
 * it would have (the same exit code: the work is done, only its output is not read), with no stack trace on stderr.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
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
