/**
 * Pulumi.yaml at the root runs the example program: Pulumi's Node.js language host compiles it with ts-node and
 * the project's `typescript` package (with type checking), which must be a TypeScript with a JS API (3.8 to 6.x;
 * the native TypeScript 7 has none). The Pulumi CLI cannot be installed here, so the test loads the program the way
 * the language host does, in a child process, with Pulumi's mocks.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

const ROOT = resolve(__dirname, "../..");
const HOST = resolve(__dirname, "support/pulumi-host.js");

describe("Pulumi.yaml and the example program", function () {
  it("names the nodejs runtime with TypeScript and the example as main", () => {
    const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"));
    expect(project.runtime).to.deep.equal({ name: "nodejs", options: { typescript: true, packagemanager: "npm" } });
    expect(project.main).to.equal("examples/pulumi/index.ts");
    expect(existsSync(join(ROOT, project.main))).to.equal(true);
  });

  it("pins a TypeScript that @pulumi/pulumi's language host accepts (it needs the compiler's JS API)", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    const version: string = pkg.devDependencies.typescript;
    expect(version).to.match(/^\d+\.\d+\.\d+$/, "pinned exactly");
    const peer: string = JSON.parse(readFileSync(join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8")).peerDependencies.typescript;
    expect(peer).to.equal(">= 3.8.3 < 7");
    const [major, minor] = version.split(".").map(Number);
    expect(major > 3 || (major === 3 && minor >= 8)).to.equal(true);
    expect(major).to.be.below(7);
  });

  it("loads, type-checks and runs the example as the language host does (ts-node, the project's typescript)", () => {
    const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"));
    const run = spawnSync(process.execPath, [HOST, ROOT, project.main], { encoding: "utf8" });
    expect(run.status, run.stderr).to.equal(0);
    const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
    expect(result.typescript).to.equal(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies.typescript);
    expect(result.exports).to.deep.equal(["repositories", "functionName", "logGroupName", "scheduleArn", "alarmArns"]);
    expect(result.types.filter((t: string) => t === "aws:ecr/repository:Repository")).to.have.length(2);
    expect(result.types).to.include("ecr-cleanup:index:EcrCleanupPolicy");
    expect(result.types).to.include("aws:lambda/function:Function");
  }).timeout(180_000); // a guard against a hang, not a speed check: type-checking the program takes a while on a busy 2-core machine
});
