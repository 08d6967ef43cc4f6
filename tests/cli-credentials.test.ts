/**
 * Credentials that do not answer, as the real CLI meets them: a profile's credential_process that never returns, and
 * web identity credentials whose STS never answers. Each command ends within the credentials' deadline (shortened
 * here with ECR_CLEANUP_REQUEST_DEADLINE_MS), exits 1 (a failure, not a usage error) naming what did not answer, and
 * calls nothing. Credentials that are truly absent stay exit 2 (tests/e2e-emulator.test.ts).
 */
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentialsDeadlineMs, DEADLINE_ENV } from "../runtime/shared/deadline";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { runCli, writePolicyFile } from "./support/cli";

const POLICY = `
policies:
  - name: flush untagged
    repositories: [app]
    protected_period: 7d
    protected_count: 1
    significant_tags: [latest]
`;
const REQUEST_DEADLINE_MS = "150";
const CHAIN_MS = credentialsDeadlineMs({ [DEADLINE_ENV]: REQUEST_DEADLINE_MS });

/** A home whose default profile's credential_process records its pid, then sleeps for a day. */
function hangingProfileHome(): { home: string; pidFile: string } {
  const home = mkdtempSync(join(tmpdir(), "ecr-cleanup-home-"));
  const pidFile = join(home, "credential_process.pid");
  mkdirSync(join(home, ".aws"));
  writeFileSync(join(home, ".aws", "config"), `[default]\ncredential_process = sh -c 'echo $$ > ${pidFile}; exec sleep 100000'\nregion = us-east-1\n`);
  return { home, pidFile };
}

/** The environment of a user with no credentials in it: only what the home (or web identity) provides. */
function bareEnv(endpoint: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    [DEADLINE_ENV]: REQUEST_DEADLINE_MS,
    AWS_MAX_ATTEMPTS: "1",
    ...extra,
  };
}

describe("credentials that do not answer", function () {
  this.timeout(60_000);
  let emulator: EcrEmulator;
  let stalling: Server;
  let stallingEndpoint: string;
  const pidFiles: string[] = [];
  before(async () => {
    emulator = await startEcrEmulator();
    emulator.registry.createRepository("app");
    emulator.registry.putImage("app", { pushedAt: new Date(Date.now() - 100 * 86_400_000) });
    emulator.registry.putImage("app", { pushedAt: new Date(Date.now() - 99 * 86_400_000) });
    emulator.registry.putImage("app", { tags: ["latest"], pushedAt: new Date(Date.now() - 86_400_000) });
    // An STS that accepts connections and never answers.
    stalling = createServer(() => undefined);
    await new Promise<void>((listening) => stalling.listen(0, "127.0.0.1", listening));
    stallingEndpoint = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
  });
  after(async () => {
    // The credential_process the CLI gave up on is still sleeping: the CLI cannot stop it, the test does.
    for (const file of pidFiles) if (existsSync(file)) try { process.kill(Number(readFileSync(file, "utf8").trim())); } catch { /* already gone */ }
    stalling.closeAllConnections();
    await new Promise((closed) => stalling.close(closed));
    await emulator.stop();
  });

  const HANG = `the SDK's credential chain (profile default's credential_process, SSO or source role, then the instance metadata service) did not answer within ${CHAIN_MS} ms; abandoned`;
  const commands: [string, () => string[], string][] = [
    ["a dry run", () => ["--config", writePolicyFile(POLICY)], `ecr-cleanup: cannot resolve AWS credentials: ${HANG}; nothing was done\n`],
    ["--apply", () => ["--config", writePolicyFile(POLICY), "--apply"], `ecr-cleanup: cannot resolve AWS credentials: ${HANG}; nothing was done\n`],
    ["restore", () => ["restore", "--repository", "app", "--tag", "latest"], `ecr-cleanup restore: cannot resolve AWS credentials: ${HANG}; nothing was done\n`],
    ["iam-policy", () => ["iam-policy", "--config", writePolicyFile(POLICY)], `ecr-cleanup iam-policy: cannot tell which account the policy is for: cannot resolve AWS credentials: ${HANG}\n`],
  ];
  for (const [name, args, stderr] of commands) {
    it(`${name}: a credential_process that never returns ends the command, exit 1, naming the chain, nothing called`, async () => {
      const { home, pidFile } = hangingProfileHome();
      pidFiles.push(pidFile);
      const before = JSON.stringify(emulator.calls);
      const result = await runCli(args(), bareEnv(emulator.endpoint, { HOME: home }));
      expect(result.stderr).to.equal(stderr);
      expect(result.code).to.equal(1);
      expect(result.stdout).to.equal("");
      expect(JSON.stringify(emulator.calls)).to.equal(before);
      expect(emulator.registry.images("app")).to.have.length(3);
    });
  }

  it("doctor: the credentials check fails with what did not answer, exit 1", async () => {
    const { home, pidFile } = hangingProfileHome();
    pidFiles.push(pidFile);
    const result = await runCli(["doctor", "--config", writePolicyFile(POLICY), "--output", "json"], bareEnv(emulator.endpoint, { HOME: home }));
    expect(result.code, result.stderr).to.equal(1);
    const { checks } = JSON.parse(result.stdout) as { checks: { check: string; status: string; detail: string; remedy: string }[] };
    expect(checks.map((c) => [c.check, c.status])).to.deep.equal([["region", "ok"], ["credentials", "fail"]]);
    expect(checks[1].detail).to.equal(`cannot resolve AWS credentials: ${HANG}`);
    expect(checks[1].remedy).to.match(/^make the source named above answer \(run the profile's credential_process by hand/);
  });

  it("web identity whose STS never answers: exit 1 naming the endpoint, not 'no AWS credentials' (exit 2)", async () => {
    const home = mkdtempSync(join(tmpdir(), "ecr-cleanup-home-"));
    const token = join(home, "token");
    writeFileSync(token, "a-token");
    const env = bareEnv(emulator.endpoint, {
      HOME: home,
      AWS_ENDPOINT_URL_STS: stallingEndpoint,
      AWS_WEB_IDENTITY_TOKEN_FILE: token,
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/cleaner",
    });
    const before = JSON.stringify(emulator.calls);
    const result = await runCli(["--config", writePolicyFile(POLICY), "--apply"], env);
    expect(result.stderr).to.equal(
      `ecr-cleanup: cannot resolve AWS credentials: ${stallingEndpoint} did not answer the request within ${REQUEST_DEADLINE_MS} ms (connection to last byte); abandoned ` +
        "(a network failure: check the region, AWS_ENDPOINT_URL and your connection); nothing was done\n",
    );
    expect(result.code).to.equal(1);
    expect(JSON.stringify(emulator.calls)).to.equal(before);
  });
});
