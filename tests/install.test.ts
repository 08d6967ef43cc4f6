/**
 * The install paths docs/pulumi.md gives, until the package is published: from a tarball made with `npm pack`, and
 * from a git URL at a commit (`git+file://` of a clone here, as `git+https://` of their own copy would be for a
 * user). Each goes into a fresh Pulumi program with the peer dependencies: the installed CLI runs (`npx ecr-cleanup
 * --version`, and a dry run against the emulator that reports what this checkout's CLI reports), and the program runs
 * under Pulumi's mocks: the component deploys the bundle the package shipped, and nothing bundles at run time
 * (esbuild is not even installed there). Packages come from npm's cache where it has them (`--prefer-offline`).
 */
import { expect } from "chai";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BundleFiles, readHandlerBundle } from "../component/bundle";
import { seedDemoRegistry } from "../examples/demo/registry";
import { startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { sameFiles } from "./support/bundle-files";
import { BIN } from "./support/cli";
import { ROOT } from "./support/packed-package";

const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
/** The peer dependencies at the versions the tests run with (the devDependencies). */
const PEERS = Object.keys(PKG.peerDependencies).map((name) => `${name}@${PKG.devDependencies[name]}`);

/** A Pulumi program that uses the installed package under mocks, and prints what it registered. */
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const types = [];
let code;
pulumi.runtime.setMocks({
  newResource: (args) => {
    types.push(args.type);
    if (args.type === "aws:lambda/function:Function") code = args.inputs.code;
    const name = typeof args.inputs.name === "string" ? args.inputs.name : args.name + "-0a1b2c3";
    return { id: name + "-id", state: { ...args.inputs, name, arn: "arn:aws:mock:eu-west-1:123456789012:" + name } };
  },
  call: (args) => ({ partition: "aws", region: "eu-west-1", accountId: "123456789012" }),
}, "project", "stack", false).then(async () => {
  const { EcrCleanupPolicy } = require("ecr-cleanup");
  const policy = new EcrCleanupPolicy("ecr-retention", {
    policies: [{ name: "releases", repositories: ["hello_world"], significantTags: ["prod"], protectedPeriod: "365d", protectedCount: 13 }],
  });
  await new Promise((resolve) => policy.functionName.apply(resolve));
  const assets = await (await code).assets;
  const bundle = {};
  for (const file of Object.keys(assets).sort()) bundle[file] = await assets[file].text;
  process.stdout.write(JSON.stringify({ types, bundle }) + "\\n");
});
`;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...env, npm_config_update_notifier: "false" } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed in ${cwd} (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** A fresh program folder with the package installed from `spec`; returns its folder. */
/** As run(), without blocking: the emulator it talks to answers from this process. */
function runAsync(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, env: { ...env, npm_config_update_notifier: "false" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? done(stdout) : fail(new Error(`${command} ${args.join(" ")} failed in ${cwd} (${code}):\n${stdout}\n${stderr}`))));
  });
}

function freshProgram(spec: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ecr-cleanup-program-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "program", version: "1.0.0", private: true, main: "index.js" }, null, 2));
  writeFileSync(join(dir, "index.js"), PROGRAM);
  run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--save-exact", spec, ...PEERS], dir);
  return dir;
}

function runProgram(dir: string): { types: string[]; bundle: BundleFiles } {
  return JSON.parse(run(process.execPath, ["index.js"], dir).trim().split("\n").pop()!);
}

describe("installing the package into a fresh Pulumi program", function () {
  this.timeout(900_000);

  function checkInstalled(dir: string): void {
    const installed = join(dir, "node_modules/ecr-cleanup");
    for (const file of ["dist/lambda/single/index.mjs", "dist/lambda/locked/index.mjs", "dist/lambda/fan-out/index.mjs", "PulumiPlugin.yaml", "LICENSE", "index.ts"]) {
      expect(existsSync(join(installed, file)), file).to.equal(true);
    }
    expect(existsSync(join(installed, "tests")), "no tests shipped").to.equal(false);
    // One copy of each Pulumi SDK: the program's (peer dependencies), none nested under the package.
    expect(existsSync(join(installed, "node_modules/@pulumi"))).to.equal(false);
    // Nothing bundles at run time: esbuild is not there.
    expect(existsSync(join(dir, "node_modules/esbuild"))).to.equal(false);
    const result = runProgram(dir);
    expect(result.types).to.include("ecr-cleanup:index:EcrCleanupPolicy");
    expect(result.types).to.include("aws:lambda/function:Function");
    expect(sameFiles(result.bundle, readHandlerBundle("single", installed)), "the shipped bundle").to.equal(true);
  }

  /** The installed CLI, as a user runs it in their project: its version, and a dry run of the demo registry. */
  async function checkCli(dir: string): Promise<void> {
    expect(run("npx", ["--no-install", "ecr-cleanup", "--version"], dir).trim()).to.equal(`ecr-cleanup ${PKG.version}`);
    const emulator = await startEcrEmulator();
    try {
      seedDemoRegistry(emulator, new Date("2026-12-01T00:00:00Z"));
      const env = { ...awsEnv(emulator.endpoint), PATH: process.env.PATH, HOME: process.env.HOME };
      const args = ["--config", join(ROOT, "examples/policies.yaml"), "--now", "2026-12-01T00:00:00Z", "--output", "json"];
      const installed = JSON.parse(await runAsync("npx", ["--no-install", "ecr-cleanup", ...args], dir, env));
      const here = JSON.parse(await runAsync(process.execPath, [BIN, ...args], dir, env));
      expect(installed.summary.toDelete).to.be.greaterThan(0);
      expect(installed.summary).to.deep.equal(here.summary);
    } finally {
      await emulator.stop();
    }
  }

  it("from a tarball made with npm pack", async () => {
    const out = mkdtempSync(join(tmpdir(), "ecr-cleanup-pack-"));
    // The suite has just built dist/; `npm pack` would run `prepare` (the build) again.
    const name = JSON.parse(run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", out], ROOT))[0].filename;
    const dir = freshProgram(join(out, name));
    checkInstalled(dir);
    await checkCli(dir);
    // The bytes the package shipped are the bytes this checkout built.
    expect(sameFiles(runProgram(dir).bundle, readHandlerBundle("single")), "this build's bundle").to.equal(true);
  });

  it("from a git URL at a commit (git+file:// of a clone; `prepare` builds the package there)", async () => {
    const clone = mkdtempSync(join(tmpdir(), "ecr-cleanup-clone-"));
    execFileSync("git", ["clone", "--quiet", "--no-hardlinks", ROOT, clone]);
    const commit = execFileSync("git", ["-C", clone, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    const dir = freshProgram(`git+file://${clone}#${commit}`);
    checkInstalled(dir);
    await checkCli(dir);
    // Built there from the same sources: the same bytes as this checkout's build.
    expect(sameFiles(runProgram(dir).bundle, readHandlerBundle("single")), "the same bundle however installed").to.equal(true);
  });
});
