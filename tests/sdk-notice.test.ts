/**
 * `previewImpact` runs inside the user's Pulumi program: its AWS clients must not print the SDK's nine-line notice
 * about Node.js versions into `pulumi preview`, and must leave the program's environment as it found it. Each case
 * runs in a fresh Node process, since the SDK prints the notice once per process.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const PREVIEW = resolve(__dirname, "../component/previewImpact.js");
const NOTICE = "NodeVersionSupportWarning";
const nodeMajor = Number(process.versions.node.split(".")[0]);

/** Runs `script` in a fresh process without the variable; its stderr, and the variable as the script left it. */
function fresh(script: string): { stderr: string; variable: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_REGION: "eu-west-1" };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const run = spawnSync(process.execPath, ["-e", `(async () => { ${script}; process.stdout.write(String(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED)); })()`], { env, encoding: "utf8" });
  expect(run.status, run.stderr).to.equal(0);
  return { stderr: run.stderr, variable: run.stdout };
}

describe("previewImpact's clients and the SDK's Node.js notice", function () {
  this.timeout(60_000);

  it("the SDK prints the notice for a client made plainly on this Node.js (so the next case can fail)", function () {
    if (nodeMajor >= 22) this.skip(); // the SDK prints it only below Node.js 22
    expect(fresh(`const { STSClient } = require("@aws-sdk/client-sts"); new STSClient({})`).stderr).to.include(NOTICE);
  });

  it("the preview's first client prints no notice, and the variable is unset again afterwards", async () => {
    const { stderr, variable } = fresh(`await require(${JSON.stringify(PREVIEW)}).environmentRegion()`);
    expect(stderr).to.not.include(NOTICE);
    expect(variable).to.equal("undefined");
  });

  it("a value the program set is put back as it was", () => {
    const { variable } = fresh(`process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "false"; await require(${JSON.stringify(PREVIEW)}).environmentRegion()`);
    expect(variable).to.equal("false");
  });
});
