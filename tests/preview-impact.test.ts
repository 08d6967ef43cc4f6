/**
 * previewImpact under Pulumi's mocks in preview mode, with the project's emulator as the live registry (and as the
 * deployed function's Lambda, and STS): the diagnostics' exact text on the component for an added policy, a changed
 * count and a removed repository; the cap failure; the warnings (credentials of another account, an unreadable
 * registry or in-use source, keepPulledWithin); and that turning it on changes no resource's inputs.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { EcrCleanupPolicy, EcrCleanupPolicyArgs, RetentionPolicy } from "../component";
import { formatBytes, leavingLine, repositoryLine } from "../component/impactReport";
import { configJson } from "../component/policyConfig";
import { previewImpactOf, PreviewImpactResult } from "../component/previewImpact";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { captureDiagnostics, DiagnosticsCapture } from "./support/diagnostics";
import { ACCOUNT_ID, archiveFiles, Recorder, REGION, valueOf } from "./support/pulumi-mocks";

const DAY = 86_400_000;
/** 30 of these make 1.1 GiB (1125 MiB). */
const IMAGE_BYTES = 37.5 * 1024 * 1024;
const FUNCTION = (name: string) => `${name}-function-0a1b2c3`;

const flush = (count: number, repositories: string[], more: Partial<RetentionPolicy> = {}): RetentionPolicy => ({
  name: `flush to ${count}`,
  significantTags: ["*"],
  protectedPeriod: "7d",
  protectedCount: count,
  repositories,
  ...more,
});

describe("previewImpact (Pulumi mocks in preview mode, the emulator as the live registry)", function () {
  this.timeout(120_000);
  let emulator: EcrEmulator;
  let diagnostics: DiagnosticsCapture;
  const savedEnv = { ...process.env };

  beforeEach(async () => {
    emulator = await startEcrEmulator({ region: REGION, account: ACCOUNT_ID });
    emulator.registry.createRepository("hello_world");
    emulator.registry.createRepository("legacy");
    // 40 untagged images older than the 7-day period in hello_world, 8 in legacy.
    for (let i = 0; i < 40; i++) emulator.registry.putImage("hello_world", { pushedAt: new Date(Date.now() - (10 + i) * DAY), sizeBytes: IMAGE_BYTES });
    for (let i = 0; i < 8; i++) emulator.registry.putImage("legacy", { pushedAt: new Date(Date.now() - (10 + i) * DAY) });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ACCESS_KEY_ID: "preview",
      AWS_SECRET_ACCESS_KEY: "preview",
      AWS_REGION: REGION,
      AWS_EC2_METADATA_DISABLED: "true",
    });
    diagnostics = captureDiagnostics();
  });

  afterEach(async () => {
    diagnostics?.restore();
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    await emulator.stop();
  });

  /** The line of what the new policies' deletions are worth a month (eu-west-1, the mocks' region, at the price list's $0.10). */
  const worth = (name: string, size: string, usd: string) =>
    `EcrCleanupPolicy "${name}" previewImpact: the new policies delete ${size}, worth $${usd} a month of standard storage at $0.1 per GB-month ` +
    "(the eu-west-1 standard price); an upper bound: images share layers, which ECR bills once; archived images are still billed and not counted";

  /** The function a previous `pulumi up` deployed, holding these policies in its configuration. */
  function deployed(name: string, policies: RetentionPolicy[]): void {
    emulator.lambda.createFunction({ name: FUNCTION(name), packageType: "Zip", environment: { ECR_CLEANUP_CONFIG: configJson(policies as never), ECR_CLEANUP_DRY_RUN: "true" } });
  }

  /** Runs a preview of the component; returns what it logged on itself and its recorded resources. */
  async function preview(name: string, args: Partial<EcrCleanupPolicyArgs>, opts: { preview?: boolean } = {}) {
    const rec = new Recorder();
    await rec.install(opts.preview ?? true);
    const component = new EcrCleanupPolicy(name, { policies: [flush(10, ["hello_world"])], previewImpact: true, ...args });
    const work = previewImpactOf(component);
    let result: PreviewImpactResult | undefined;
    let failure: unknown;
    if (work) await work.then((r) => (result = r), (err) => (failure = err));
    const c = component;
    const outputs = [c.functionName, c.functionArn, c.roleArn, c.logGroupName, c.scheduleArn, c.alarmArns, c.cursorParameterName, c.stateMachineArn, c.runsBucketName];
    await Promise.all(outputs.map((o) => valueOf(o as pulumi.Output<unknown>)));
    return {
      rec,
      component,
      result,
      failure,
      info: diagnostics.on(component, "info"),
      warnings: diagnostics.on(component, "warning"),
    };
  }

  it("an added policy: its repository is new, the others keep their numbers", async () => {
    deployed("added", [flush(22, ["legacy"])]);
    const run = await preview("added", { policies: [flush(22, ["legacy"]), flush(10, ["hello_world"])] });
    expect(run.failure).to.equal(undefined);
    expect(run.info).to.deep.equal(["hello_world: 30 images (new)", "legacy: 0 images (unchanged)", worth("added", "1.1 GiB", "0.11")]);
    expect(run.warnings).to.deep.equal([]);
  });

  it("before the first deployment, every repository is new", async () => {
    const run = await preview("first", { policies: [flush(10, ["hello_world", "legacy"])] });
    expect(run.info).to.deep.equal(["hello_world: 30 images (new)", "legacy: 0 images (new)", worth("first", "1.1 GiB", "0.11")]);
  });

  it("a changed count: before → after, the difference, and the size the new plan frees in binary units", async () => {
    deployed("changed", [flush(22, ["hello_world"])]);
    const run = await preview("changed", { policies: [flush(10, ["hello_world"])] });
    expect(run.info).to.deep.equal(["hello_world: 18 → 30 images (+12, 1.1 GiB)", worth("changed", "1.1 GiB", "0.11")]);
    const back = await preview("changed", { policies: [flush(22, ["hello_world"])] });
    expect(back.info).to.deep.equal(["hello_world: 18 images (unchanged)", worth("changed", "675.0 MiB", "0.07")]);
  });

  it("reportPricePerGbMonth overrides the price the deletions are valued at", async () => {
    const run = await preview("priced", { policies: [flush(10, ["hello_world"])], reportPricePerGbMonth: 0.2 });
    expect(run.info).to.deep.equal([
      "hello_world: 30 images (new)",
      'EcrCleanupPolicy "priced" previewImpact: the new policies delete 1.1 GiB, worth $0.22 a month of standard storage at $0.2 per GB-month ' +
        "(settings.report.price_per_gb_month); an upper bound: images share layers, which ECR bills once; archived images are still billed and not counted",
    ]);
  });

  it("a removed repository: it leaves the policies, and says what the deployed ones would have deleted", async () => {
    deployed("removed", [flush(2, ["hello_world", "legacy"])]);
    const run = await preview("removed", { policies: [flush(2, ["hello_world"])] });
    expect(run.info).to.deep.equal(["hello_world: 38 images (unchanged)", "legacy: 6 → 0 images (no longer governed)", worth("removed", "1.4 GiB", "0.14")]);
  });

  it("a policy change that takes a repository past its maxDeletions fails the preview, naming the repository", async () => {
    deployed("capped", [flush(22, ["hello_world"], { maxDeletions: 20 })]);
    const run = await preview("capped", { policies: [flush(10, ["hello_world"], { maxDeletions: 20 })] });
    expect(run.failure).to.be.instanceOf(pulumi.ResourceError);
    const error = run.failure as pulumi.ResourceError;
    expect(error.message).to.equal(
      'EcrCleanupPolicy "capped": the new policies take repository hello_world: the plan deletes 30 images, more than maxDeletions 20, ' +
        "so the function skips the repository whole: raise maxDeletions or change the policies",
    );
    expect((error as unknown as { resource: pulumi.Resource }).resource).to.equal(run.component);
    // The numbers are still shown.
    expect(run.info).to.deep.equal(["hello_world: 18 → 30 images (+12, 1.1 GiB)"]);
  });

  it("a repository over its cap with unchanged policies only warns", async () => {
    const policies = [flush(10, ["hello_world"], { maxDeletions: 20 })];
    deployed("over", policies);
    const run = await preview("over", { policies });
    expect(run.failure).to.equal(undefined);
    expect(run.info).to.deep.equal(["hello_world: 30 images (unchanged)"]);
    expect(run.warnings).to.deep.equal([
      'EcrCleanupPolicy "over" previewImpact: with unchanged policies, repository hello_world: the plan deletes 30 images, more than maxDeletions 20, so the function skips the repository whole',
    ]);
  });

  it("a glob in repositories that matches nothing: a warning, as the function's log would say", async () => {
    const run = await preview("typo", { policies: [flush(10, ["hello_world", "legacy-*"])] });
    expect(run.failure).to.equal(undefined);
    expect(run.info).to.deep.equal(["hello_world: 30 images (new)", worth("typo", "1.1 GiB", "0.11")]);
    expect(run.warnings).to.deep.equal([
      'EcrCleanupPolicy "typo" previewImpact: policy "flush to 10" names repositories legacy-*, a glob that matches no repository (a typo would leave the repositories it meant to the other policies)',
    ]);
  });

  it("a registry it cannot read: a warning, no numbers", async () => {
    emulator.failNext("DescribeRepositories", 100, "server-error");
    const run = await preview("unreadable", {});
    expect(run.failure).to.equal(undefined);
    expect(run.info).to.deep.equal([]);
    expect(run.warnings).to.have.length(1);
    expect(run.warnings[0]).to.match(/^EcrCleanupPolicy "unreadable" previewImpact: cannot list the registry's repositories \(.+\): no numbers$/);
  });

  it("an in-use source it cannot read: the numbers it shows are upper bounds, and the warning says so", async () => {
    emulator.failNext("ListClusters", 100, "server-error");
    const run = await preview("ecs-down", {});
    expect(run.info).to.deep.equal(["hello_world: 30 images (new)", worth("ecs-down", "1.1 GiB", "0.11")]);
    expect(run.warnings).to.have.length(1);
    expect(run.warnings[0]).to.match(
      /^EcrCleanupPolicy "ecs-down" previewImpact: cannot read the images in use: ECS in account \d{12} in [a-z0-9-]+: .+\(component arg inUseEcs: false\): every number of the new policies is an upper bound \(an image in use would be kept\)$/,
    );
  });

  it("credentials of another account than the provider's: a warning, no numbers", async () => {
    emulator.identities.set("preview", { account: "999999999999", arn: "arn:aws:iam::999999999999:user/other", userId: "AIDAOTHER" });
    const run = await preview("elsewhere", {});
    expect(run.info).to.deep.equal([]);
    expect(run.warnings).to.deep.equal([
      `EcrCleanupPolicy "elsewhere" previewImpact: the AWS credentials of the program's environment are for account 999999999999, but the provider deploys to account ${ACCOUNT_ID}: no numbers (preview with the provider's credentials)`,
    ]);
    expect(emulator.calls.DescribeRepositories ?? 0).to.equal(0);
  });

  it("an environment that names another region than the provider's: a warning, no numbers", async () => {
    process.env.AWS_REGION = "us-west-2";
    const run = await preview("region", {});
    expect(run.info).to.deep.equal([]);
    expect(run.warnings).to.deep.equal([
      `EcrCleanupPolicy "region" previewImpact: the program's environment names region us-west-2, but the provider deploys to ${REGION}: no numbers (preview with the provider's region)`,
    ]);
  });

  it("warns when keepPulledWithin is in play (the preview's index reads are pulls)", async () => {
    const run = await preview("pulls", { policies: [flush(10, ["hello_world"], { keepPulledWithin: "30d" })] });
    expect(run.warnings).to.deep.equal([
      'EcrCleanupPolicy "pulls" previewImpact: "flush to 10" uses keepPulledWithin, and the preview reads image index manifests (BatchGetImage), which counts as a pull ' +
        "and refreshes lastRecordedPullTime: preview with credentials registered as a pull-time update exclusion (see docs/pulumi.md)",
    ]);
  });

  it("changes no resource's inputs (no diff): the same resources with previewImpact on and off", async () => {
    deployed("same", [flush(22, ["hello_world"])]);
    const on = await preview("same", { previewImpact: true });
    const off = await preview("same", { previewImpact: false });
    expect(on.info).to.have.length(2);
    expect(off.info).to.deep.equal([]);
    // By name (registration may interleave differently); the function's code compared by its files' text.
    const shape = async (rec: Recorder) => {
      const all = [];
      for (const r of [...rec.resources].sort((x, y) => (x.name < y.name ? -1 : 1))) {
        const inputs = r.inputs.code ? { ...r.inputs, code: await archiveFiles(r.inputs.code) } : r.inputs;
        all.push({ type: r.type, name: r.name, inputs });
      }
      return all;
    };
    expect(await shape(on.rec)).to.deep.equal(await shape(off.rec));
  });

  it("does nothing outside a preview (pulumi up's update, after its preview)", async () => {
    const run = await preview("update", {}, { preview: false });
    expect(previewImpactOf(run.component)).to.equal(undefined);
    expect(run.info).to.deep.equal([]);
    expect(emulator.calls.DescribeRepositories ?? 0).to.equal(0);
  });
});

describe("previewImpact's lines (pure)", () => {
  it("sizes in binary units with one decimal", () => {
    const cases: [number, string][] = [
      [0, "0 B"], [1023, "1023 B"], [1024, "1.0 KiB"], [1536, "1.5 KiB"], [10 * 1024 * 1024, "10.0 MiB"],
      [1125 * 1024 * 1024, "1.1 GiB"], [1024 ** 3 - 1, "1.0 GiB"], [5.25 * 1024 ** 4, "5.3 TiB"],
    ];
    for (const [bytes, text] of cases) expect(formatBytes(bytes), String(bytes)).to.equal(text);
  });

  it("one line per repository in the spec's formats", () => {
    const impact = (images: number, bytes = 0) => ({ images, bytes, decidedBy: "x" });
    expect(repositoryLine("hello_world", impact(30, 1125 * 1024 ** 2), impact(18))).to.equal("hello_world: 18 → 30 images (+12, 1.1 GiB)");
    expect(repositoryLine("hello_world", impact(18, 675 * 1024 ** 2), impact(30))).to.equal("hello_world: 30 → 18 images (-12, 675.0 MiB)");
    expect(repositoryLine("hello_world", impact(30), undefined)).to.equal("hello_world: 30 images (new)");
    expect(repositoryLine("hello_world", impact(30), impact(30))).to.equal("hello_world: 30 images (unchanged)");
    expect(repositoryLine("app", impact(1), impact(1))).to.equal("app: 1 image (unchanged)");
    expect(leavingLine("legacy", impact(5))).to.equal("legacy: 5 → 0 images (no longer governed)");
  });
});
