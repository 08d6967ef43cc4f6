/**
 * `ecr-cleanup iam-policy` against what the CLI really calls: the CLI runs against the emulator (a dry run, then
 * --apply) with every in-use source on and reading something (ECS services, tasks and revisions, Lambda, EKS, App
 * Runner, Batch), delete and archive policies, another region and another account; every AWS operation is recorded
 * with its account, region and resource, and each one made with the caller's credentials must be allowed by the
 * printed policy (action and resource, as IAM matches them), the dry run's by the statements that --apply-only leaves
 * out. Every action the policy grants is called by some run, or is listed below with the reason.
 */
import { expect } from "chai";
import type { Json } from "./emulator/protocol";
import type { HookContext } from "./emulator/faults";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { inUseStatements } from "../runtime/iam/inUse";
import type { Statement } from "../runtime/iam/statement";
import { defaultInUse } from "../runtime/config/inUseSettings";
import { globMatches } from "../runtime/planner/glob";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";

const ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "210987654321";
const ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/ecr-cleanup-read`;
const NOW = "2026-01-01T00:00:00.000Z";
const DAY = 86_400_000;
const REGISTRY = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;

/** Operations that need no IAM permission (anyone may ask who they are). */
const NEEDS_NO_PERMISSION = new Set(["sts:GetCallerIdentity"]);

/**
 * Granted, yet no run below calls it, and why. Empty today: every grant is called. An entry needs its reason, and
 * the test fails when a listed action is called after all (the entry is then stale).
 */
const GRANTED_BUT_NOT_CALLED: Record<string, string> = {};

interface Call {
  action: string;
  resource: string;
  account: string;
}

/** The resource IAM authorizes an operation on (Service Authorization Reference), `*` where it takes none. */
function resourceOf(ctx: HookContext, action: string): string {
  const input = ctx.input as Record<string, Json>;
  const arn = (service: string, resource: string) => `arn:aws:${service}:${ctx.region}:${ctx.account}:${resource}`;
  switch (action) {
    case "ecr:DescribeImages":
    case "ecr:BatchGetImage":
    case "ecr:BatchDeleteImage":
    case "ecr:UpdateImageStorageClass":
      return arn("ecr", `repository/${String(input.repositoryName)}`);
    case "lambda:GetFunction": {
      const name = String(input.FunctionName ?? input.name ?? input.functionName);
      return name.startsWith("arn:") ? name.split(":").slice(0, 7).join(":") : arn("lambda", `function:${name.split(":")[0]}`);
    }
    case "eks:DescribeCluster":
      return arn("eks", `cluster/${String(input.name)}`);
    case "apprunner:DescribeService":
      return String(input.ServiceArn);
    case "sts:AssumeRole":
      return String(input.RoleArn);
    default:
      return "*";
  }
}

function allowedBy(statements: readonly Statement[], call: Call): boolean {
  const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  return statements.some((s) => s.Effect === "Allow" && list(s.Action).includes(call.action) && list(s.Resource).some((r) => globMatches(r, call.resource)));
}

describe("ecr-cleanup iam-policy: the printed policy allows every call the CLI makes, and grants nothing it does not call", function () {
  this.timeout(120_000);
  let emulator: EcrEmulator;
  let calls: Call[];

  beforeEach(async () => {
    emulator = await startEcrEmulator();
    calls = [];
    emulator.beforeOperation("*", (ctx) => {
      const operation = ctx.operation.includes(":") ? ctx.operation.split(":")[1] : ctx.operation;
      const action = `${ctx.service}:${operation}`;
      if (!NEEDS_NO_PERMISSION.has(action)) calls.push({ action, resource: resourceOf(ctx, action), account: ctx.account });
    });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const env = () => awsEnv(emulator.endpoint);

  /** shop (deletes), media/web (archives), both governed; other (governed by no policy). */
  function seedRegistry(): string[] {
    const old = (repository: string) => {
      const digests = [1, 2, 3].map((i) => emulator.registry.putImage(repository, { pushedAt: new Date(Date.parse(NOW) - (30 + i) * DAY) }).digest);
      const children = [0, 1].map((i) => emulator.registry.putImage(repository, { pushedAt: new Date(Date.parse(NOW) - (41 + i) * DAY) }).digest);
      emulator.registry.putImage(repository, { pushedAt: new Date(Date.parse(NOW) - 40 * DAY), children });
      emulator.registry.putImage(repository, { pushedAt: new Date(Date.parse(NOW) - DAY), tags: ["latest"] });
      return digests;
    };
    for (const repository of ["shop", "media/web", "other"]) emulator.registry.createRepository(repository);
    const shop = old("shop");
    old("media/web");
    old("other");
    return shop;
  }

  /** Something for every source to read: here, in eu-west-1, and in the other account. */
  async function seedWorkloads(inUse: string[]): Promise<void> {
    const [a, b, c] = inUse.map((d) => `${REGISTRY}/shop@${d}`);
    const ecs = emulator.ecs;
    ecs.createCluster("prod");
    const definition = ecs.registerTaskDefinition("web", [{ name: "web", image: a }]);
    ecs.createService("prod", { name: "web", taskDefinition: definition, revisions: [{ containerImages: [{ containerName: "web", image: `${REGISTRY}/shop:latest`, imageDigest: inUse[0] }] }] });
    ecs.runTask("prod", { taskDefinitionArn: definition });
    emulator.lambda.createFunction({ name: "api", packageType: "Image", imageUri: b });
    (await emulator.eks.createCluster({ name: "k8s" })).api.addPod({ namespace: "shop", name: "web-1", containers: [{ image: c }] });
    emulator.appRunner.createService({ name: "front", image: `${REGISTRY}/shop:latest` });
    emulator.batch.registerJobDefinition("nightly", { containerProperties: { image: a } });
    emulator.lambdaFor("eu-west-1").createFunction({ name: "edge", packageType: "Image", imageUri: b });
    emulator.appRunnerFor("eu-west-1").createService({ name: "edge", image: `${REGISTRY}/shop:latest` });
    (await emulator.eksFor("eu-west-1").createCluster({ name: "eu" })).api.addPod({ namespace: "x", name: "y", containers: [{ image: c }] });
    emulator.sts.createRole(ROLE);
    emulator.lambdaFor("us-east-1", OTHER_ACCOUNT).createFunction({ name: "theirs", packageType: "Image", imageUri: a });
  }

  const POLICY = `
policies:
  - name: shop
    repositories: [shop]
    significant_tags: ['*']
    protected_period: 7d
    protected_count: 1
  - name: media
    action: archive
    repositories: ['media/*']
    significant_tags: ['*']
    protected_period: 7d
    protected_count: 1
settings:
  in_use:
    regions: [eu-west-1]
    accounts:
      - role_arn: ${ROLE}
`;

  async function printed(config: string, ...flags: string[]): Promise<Statement[]> {
    const result = await runCli(["iam-policy", "--config", config, ...flags], env());
    expect(result.stderr).to.equal("");
    expect(result.code).to.equal(0);
    const document = JSON.parse(result.stdout);
    expect(document.Version).to.equal("2012-10-17");
    return document.Statement;
  }

  it("every in-use source, delete and archive policies, another region and account: dry run and --apply", async () => {
    const digests = seedRegistry();
    await seedWorkloads(digests);
    const config = writePolicyFile(POLICY);
    const policy = await printed(config);
    const applyOnly = await printed(config, "--apply-only");
    const dryRunPolicy = policy.filter((s) => !applyOnly.some((a) => a.Sid === s.Sid));
    expect(applyOnly.map((s) => [s.Sid, s.Action, s.Resource])).to.deep.equal([
      ["DeleteInDeletingRepositories", ["ecr:BatchDeleteImage"], [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/shop`]],
      ["ArchiveInArchivingRepositories", ["ecr:UpdateImageStorageClass"], [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/media/*`]],
    ]);

    calls = [];
    const dry = await runCli(["--config", config, "--now", NOW, "--output", "json"], env());
    expect(dry.code, dry.stderr).to.equal(0);
    const dryCalls = calls;
    calls = [];
    const applied = await runCli(["--config", config, "--now", NOW, "--output", "json", "--apply"], env());
    expect(applied.code, applied.stderr).to.equal(0);
    const report = JSON.parse(applied.stdout);
    const done = Object.fromEntries(report.repositories.map((r: { repository: string; deleted: number; archived?: number }) => [r.repository, [r.deleted, r.archived ?? 0]]));
    // Every source kept its image; the rest of shop is deleted, media/web archived, other untouched.
    expect(done).to.deep.equal({ shop: [3, 0], "media/web": [0, 6] });
    const applyCalls = calls;

    // The other account's calls are made with the role's session: its own policy needs the in-use reads, nothing more.
    const theirs = inUseStatements({ scope: { partition: "aws", region: "us-east-1", accountId: OTHER_ACCOUNT }, settings: { inUse: { ...defaultInUse(), regions: ["eu-west-1"] } } });
    const deniedIn = (list: Call[], own: Statement[]) =>
      [...new Set(list.filter((c) => !allowedBy(c.account === ACCOUNT ? own : theirs, c)).map((c) => `${c.account} ${c.action} ${c.resource}`))];
    expect(deniedIn(dryCalls, dryRunPolicy), "dry-run calls the dry-run statements do not allow").to.deep.equal([]);
    expect(deniedIn(applyCalls, policy), "--apply calls the policy does not allow").to.deep.equal([]);
    expect(dryCalls.filter((c) => c.account === OTHER_ACCOUNT).length, "reads in the other account").to.be.greaterThan(0);

    const called = new Set([...dryCalls, ...applyCalls].filter((c) => c.account === ACCOUNT).map((c) => c.action));
    const granted = [...new Set(policy.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();
    expect(granted.filter((a) => !called.has(a) && !(a in GRANTED_BUT_NOT_CALLED)), "granted, never called, no reason given").to.deep.equal([]);
    expect(Object.keys(GRANTED_BUT_NOT_CALLED).filter((a) => called.has(a)), "listed as never called, yet called").to.deep.equal([]);
    // The dry run changes nothing.
    expect(dryCalls.filter((c) => c.action === "ecr:BatchDeleteImage" || c.action === "ecr:UpdateImageStorageClass")).to.deep.equal([]);
  });

  it("a policy with protected_repositories governs every repository: reads, deletes and archives on repository/*", async () => {
    const config = writePolicyFile(`
policies:
  - name: all but prod
    protected_repositories: [prod]
    significant_tags: ['*']
    protected_period: 7d
    protected_count: 1
settings:
  archive:
    delete_after: 180d
  in_use: { ecs: false, lambda: false, eks: false, app_runner: false, batch: false }
`);
    const policy = await printed(config);
    expect(policy.map((s) => [s.Sid, s.Action, s.Resource])).to.deep.equal([
      ["ListRepositories", "ecr:DescribeRepositories", "*"],
      ["ReadGovernedRepositories", ["ecr:BatchGetImage", "ecr:DescribeImages"], [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*`]],
      ["DeleteInDeletingRepositories", ["ecr:BatchDeleteImage"], [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*`]],
    ]);
  });

  it("an archive-only policy without delete_after gets no BatchDeleteImage anywhere", async () => {
    const config = writePolicyFile(`
policies:
  - name: media
    action: archive
    repositories: ['media/*', media/web]
    significant_tags: ['*']
    protected_period: 7d
    protected_count: 1
settings:
  in_use: { ecs: false, lambda: false, eks: false, app_runner: false, batch: false }
`);
    const policy = await printed(config, "--apply-only", "--region", "eu-west-1");
    expect(policy).to.deep.equal([
      { Sid: "ArchiveInArchivingRepositories", Effect: "Allow", Action: ["ecr:UpdateImageStorageClass"], Resource: [`arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/media/*`] },
    ]);
  });

  it("without credentials STS cannot answer: exit 2, a hint, nothing on stdout", async () => {
    const config = writePolicyFile(POLICY);
    const { AWS_ACCESS_KEY_ID: _k, AWS_SECRET_ACCESS_KEY: _s, ...rest } = env();
    const result = await runCli(["iam-policy", "--config", config], { ...rest, AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" });
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal("");
    expect(result.stderr).to.include("STS GetCallerIdentity failed").and.include("AWS_PROFILE");
  });

  it("usage and configuration errors exit 2, naming the problem", async () => {
    const missing = await runCli(["iam-policy"], env());
    expect([missing.code, missing.stdout]).to.deep.equal([2, ""]);
    expect(missing.stderr).to.include("--config FILE is required");
    const bad = await runCli(["iam-policy", "--config", writePolicyFile("policies:\n  - name: x\n    protected_peroid: 7d\n")], env());
    expect([bad.code, bad.stdout]).to.deep.equal([2, ""]);
    expect(bad.stderr).to.include("configuration error").and.include("protected_peroid");
  });
});
