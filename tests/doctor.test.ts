/**
 * `ecr-cleanup doctor` as a user runs it, against the emulator: every check passing (and nothing changed), then each
 * check failing with its remedy, the IAM refusals made by the emulator's access-denied hook as IAM would answer them.
 * And the emulator's ListPullTimeUpdateExclusions, which the pull-time check reads, against the ECR API reference.
 */
import { expect } from "chai";
import { CreateRepositoryCommand, ECRClient, ListPullTimeUpdateExclusionsCommand } from "@aws-sdk/client-ecr";
import { AwsError } from "./emulator/protocol";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { motoForSuite } from "./support/moto-suite";

const ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "210987654321";
const ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/ecr-cleanup-read`;
const ME = `arn:aws:iam::${ACCOUNT}:user/test`;
const repo = (name: string) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`;

interface Check {
  check: string;
  target: string;
  status: "ok" | "fail" | "warn";
  detail: string;
  remedy?: string;
}

const POLICY = (inUse?: string) => writePolicyFile(POLICY_TEXT(inUse));

describe("ecr-cleanup doctor (CLI against the emulator)", function () {
  this.timeout(60_000);
  let emulator: EcrEmulator;

  beforeEach(async () => {
    emulator = await startEcrEmulator();
    emulator.registry.createRepository("shop");
    emulator.registry.createRepository("media/web");
    emulator.registry.putImage("shop", { tags: ["v1"] });
    emulator.sts.createRole(ROLE);
    emulator.pullTimeUpdateExclusions.add("test");
    const prod = await emulator.eks.createCluster({ name: "prod" });
    prod.api.addPod({ namespace: "shop", name: "web-1", containers: [{ image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/shop:v1` }] });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  async function doctor(config: string, env: NodeJS.ProcessEnv = awsEnv(emulator.endpoint)) {
    const result = await runCli(["doctor", "--config", config, "--output", "json"], env);
    expect(result.stderr).to.equal("");
    const document = JSON.parse(result.stdout) as { format: number; ok: boolean; checks: Check[] };
    return { code: result.code, ...document };
  }
  const failed = (checks: Check[]) => checks.filter((c) => c.status === "fail").map((c) => [c.check, c.target, c.remedy]);
  const deny = (operation: string, when: (input: Record<string, unknown>, region: string) => boolean = () => true) =>
    emulator.beforeOperation(operation, ({ input, region }) => {
      if (when(input as Record<string, unknown>, region)) throw new AwsError("AccessDeniedException", `User: ${ME} is not authorized to perform: ${operation}`);
    });

  it("every check passes: exit 0, one line per check, in every account and region, and nothing is changed", async () => {
    const before = emulator.registry.images("shop").map((i) => i.digest);
    const { code, format, ok, checks } = await doctor(POLICY());
    expect([code, format, ok]).to.deep.equal([0, 1, true]);
    expect(checks.map((c) => `${c.status} ${c.check} ${c.target}`)).to.deep.equal([
      "ok region us-east-1",
      `ok credentials ${ME}`,
      `ok list-repositories ${ACCOUNT}/us-east-1`,
      "ok repository shop",
      "ok repository media/*",
      "ok read media/web",
      "ok archive media/web",
      "ok read shop",
      "ok delete shop",
      `ok assume-role ${ROLE}`,
      ...[`${ACCOUNT}/us-east-1`, `${ACCOUNT}/eu-west-1`, `${OTHER_ACCOUNT}/us-east-1`, `${OTHER_ACCOUNT}/eu-west-1`]
        .flatMap((where) => ["ecs", "lambda", "eks", "app-runner", "batch"].map((source) => `ok in-use:${source} ${where}`)),
      "ok eks-cluster prod",
      `ok pull-time-exclusion ${ACCOUNT}/us-east-1`,
    ]);
    // The probes change nothing: the image is still there, nothing was removed, nothing archived.
    expect(emulator.registry.images("shop").map((i) => i.digest)).to.deep.equal(before);
    expect(emulator.registry.images("shop").every((i) => i.status === undefined || i.status === "ACTIVE")).to.equal(true);
    expect(emulator.faults.removals.flatMap((r) => r.removed)).to.deep.equal([]);
  });

  it("the table: one line per check, the remedy under a failed one, and a summary", async () => {
    deny("BatchDeleteImage");
    const result = await runCli(["doctor", "--config", POLICY("ecs: false")], awsEnv(emulator.endpoint));
    expect(result.code).to.equal(1);
    const lines = result.stdout.split("\n");
    const i = lines.findIndex((l) => l.startsWith("FAIL  delete  shop: ecr:BatchDeleteImage: AccessDeniedException"));
    expect(i).to.be.greaterThan(0);
    expect(lines[i + 1]).to.equal(`      -> allow ecr:BatchDeleteImage on ${repo("shop")} to ${ME} (ecr-cleanup iam-policy --config FILE prints every statement a run needs); needed with --apply`);
    expect(lines.at(-2)).to.match(/^1 of \d+ checks failed$/);
  });

  const cases: [string, () => void | Promise<void>, string, [string, string, string][], NodeJS.ProcessEnv?][] = [
    ["delete denied", () => void deny("BatchDeleteImage"), POLICY_TEXT(), [["delete", "shop", `allow ecr:BatchDeleteImage on ${repo("shop")} to ${ME}`]]],
    ["archive denied", () => void deny("UpdateImageStorageClass"), POLICY_TEXT(), [["archive", "media/web", `allow ecr:UpdateImageStorageClass on ${repo("media/web")} to ${ME}`]]],
    ["image reads denied", () => void deny("DescribeImages", (input) => input.repositoryName === "shop"), POLICY_TEXT(), [["read", "shop", `allow ecr:DescribeImages on ${repo("shop")} to ${ME}`]]],
    ["the listing denied", () => void deny("DescribeRepositories"), POLICY_TEXT(), [["list-repositories", `${ACCOUNT}/us-east-1`, `allow ecr:DescribeRepositories on * to ${ME}`]]],
    ["a named repository missing", () => emulator.registry.deleteRepository("shop"), POLICY_TEXT(), [["repository", "shop", `create it, or remove it from policy 1 (shop)'s repositories`]]],
    ["a source denied in another region", () => void deny("ListFunctions", (_i, region) => region === "eu-west-1"), POLICY_TEXT(), [
      ["in-use:lambda", `${ACCOUNT}/eu-west-1`, `allow lambda:ListFunctions on * to ${ME}`],
      ["in-use:lambda", `${OTHER_ACCOUNT}/eu-west-1`, `allow lambda:ListFunctions on * to ${ROLE}`],
    ]],
    ["a role that cannot be assumed", () => emulator.sts.clear(), POLICY_TEXT(), [["assume-role", ROLE, `allow sts:AssumeRole on ${ROLE} to ${ME}, and let the role's trust policy trust it`]]],
    ["a cluster without an access entry for the caller", async () => {
      const locked = await emulator.eks.createCluster({ name: "locked", authenticationMode: "API" });
      locked.api.authorizedAccessKeys = new Set();
    }, POLICY_TEXT(), [["eks-cluster", "locked", `aws eks create-access-entry --cluster-name locked --principal-arn ${ME}`]]],
    ["a cluster eks_clusters names that no region lists", () => undefined, POLICY_TEXT("eks_clusters: [prod, prdo]"), [["eks-cluster", "prdo", "correct the name or ARN in settings.in_use.eks_clusters"]]],
    ["the caller not excluded from pull-time updates", () => emulator.pullTimeUpdateExclusions.clear(), POLICY_TEXT(), [
      ["pull-time-exclusion", `${ACCOUNT}/us-east-1`, `aws ecr register-pull-time-update-exclusion --principal-arn ${ME} --region us-east-1`],
    ]],
    ["App Runner not offered in the region (its endpoint does not resolve)", () => undefined, POLICY_TEXT("app_runner: true"), [
      ["in-use:app-runner", `${ACCOUNT}/us-east-1`, "App Runner is not offered in us-east-1: set settings.in_use.app_runner: false"],
    ], { AWS_ENDPOINT_URL_APPRUNNER: "http://apprunner.invalid" }],
  ];
  for (const [title, arrange, policy, expected, env] of cases) {
    it(`${title}: exit 1, the check failed with its remedy`, async () => {
      await arrange();
      const { code, ok, checks } = await doctor(writePolicyFile(policy), { ...awsEnv(emulator.endpoint), ...env });
      expect([code, ok]).to.deep.equal([1, false]);
      const got = failed(checks);
      expect(got.map(([check, target]) => [check, target])).to.deep.equal(expected.map(([check, target]) => [check, target]));
      got.forEach(([, , remedy], i) => expect(remedy).to.include(expected[i][2]));
    });
  }

  it("no credentials: the credentials check fails with a hint, and nothing after it is tried", async () => {
    const { AWS_ACCESS_KEY_ID: _k, AWS_SECRET_ACCESS_KEY: _s, ...env } = awsEnv(emulator.endpoint);
    const { code, checks } = await doctor(writePolicyFile(POLICY_TEXT()), { ...env, AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" });
    expect(code).to.equal(1);
    expect(checks.map((c) => `${c.status} ${c.check}`)).to.deep.equal(["ok region", "fail credentials"]);
    expect(checks[1].remedy).to.include("AWS_PROFILE");
  });

  it("no region: the region check fails with how to set one, and nothing after it is tried", async () => {
    const { AWS_REGION: _r, ...env } = awsEnv(emulator.endpoint);
    const { code, checks } = await doctor(writePolicyFile(POLICY_TEXT()), { ...env, AWS_CONFIG_FILE: "/nonexistent" });
    expect(code).to.equal(1);
    expect(checks.map((c) => [c.status, c.check, c.remedy])).to.deep.equal([["fail", "region", "no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)"]]);
  });

  it("a glob that matches no repository is a warning, as in a run: exit 0", async () => {
    const { code, ok, checks } = await doctor(writePolicyFile(POLICY_TEXT("ecs: false").replace("['media/*']", "['meida/*']")));
    expect([code, ok]).to.deep.equal([0, true]);
    expect(checks.filter((c) => c.status !== "ok").map((c) => [c.status, c.check, c.target, c.remedy])).to.deep.equal([["warn", "repository", "meida/*", "check the glob for a typo"]]);
  });

  it("significant tags no image carries and a group_by that matches no tag are warnings, one per repository and policy; an entry carried nowhere fails: exit 1", async () => {
    const text = POLICY_TEXT("ecs: false")
      .replace("significant_tags: ['*']", "significant_tags: [release-*]")
      .replace("repositories: ['media/*']", "repositories: ['media/*']\n    group_by: '(web)-[0-9]+'");
    const { code, ok, checks } = await doctor(writePolicyFile(text));
    expect([code, ok]).to.deep.equal([1, false]);
    expect(checks.filter((c) => c.status !== "ok").map((c) => [c.status, c.check, c.target, c.detail, c.remedy])).to.deep.equal([
      ["warn", "group-by", "media/web", "policy 2 (media): group_by matches no tag in media/web, so the policy decides nothing there", "check the pattern"],
      ["warn", "significant-tags", "shop", "policy 1 (shop): no image carries any significant tag (release-*), so the policy runs in untagged mode here", "check significant_tags for typos"],
      ["fail", "significant-tag", "release-*", "policy 1 (shop): no image in shop carries significant tag release-*",
        "fix the typo, or remove the entry: as written, no entry is carried, so the policy runs in untagged mode"],
    ]);
    // The tags that are there pass.
    emulator.registry.putImage("shop", { tags: ["release-2"] });
    emulator.registry.putImage("media/web", { tags: ["web-2"] });
    const again = await doctor(writePolicyFile(text));
    expect(again.checks.filter((c) => c.check === "significant-tags" || c.check === "group-by").map((c) => `${c.status} ${c.check} ${c.target}`)).to.deep.equal([
      "ok group-by media/web",
      "ok significant-tags shop",
    ]);
  });

  it("usage and configuration errors exit 2 with nothing on stdout", async () => {
    for (const args of [["doctor"], ["doctor", "--config", "x.yaml", "--output", "html"], ["doctor", "--config", writePolicyFile("policies:\n  - name: x\n")]]) {
      const result = await runCli(args, awsEnv(emulator.endpoint));
      expect([result.code, result.stdout]).to.deep.equal([2, ""]);
    }
  });

  describe("the emulator's ListPullTimeUpdateExclusions", () => {
    it("lists the excluded principals (an assumed role's session as its role), paged by maxResults 1 to 1000", async () => {
      emulator.pullTimeUpdateExclusions.add("CLEANER");
      const ecr = new ECRClient({ endpoint: emulator.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
      try {
        const first = await ecr.send(new ListPullTimeUpdateExclusionsCommand({ maxResults: 1 }));
        expect(first.pullTimeUpdateExclusions).to.deep.equal([ME]);
        const second = await ecr.send(new ListPullTimeUpdateExclusionsCommand({ maxResults: 1, nextToken: first.nextToken }));
        expect([second.pullTimeUpdateExclusions, second.nextToken]).to.deep.equal([[`arn:aws:iam::${ACCOUNT}:user/CLEANER`], undefined]);
        let code = "";
        await ecr.send(new ListPullTimeUpdateExclusionsCommand({ maxResults: 1001 })).catch((err: Error) => (code = err.name));
        expect(code).to.equal("InvalidParameterException");
      } finally {
        ecr.destroy();
      }
    });
  });
});

function POLICY_TEXT(inUse = `regions: [eu-west-1]\n    accounts:\n      - role_arn: ${ROLE}`): string {
  return `
policies:
  - name: shop
    repositories: [shop]
    significant_tags: ['*']
    protected_period: 7d
    protected_count: 1
    keep_pulled_within: 30d
  - name: media
    action: archive
    repositories: ['media/*']
    significant_tags: ['*']
    protected_period: 7d
    protected_count: 1
settings:
  in_use:
    ${inUse}
`;
}

describe("ecr-cleanup doctor against moto (an independent reading of the ECR, ECS, Lambda, EKS and Batch APIs)", function () {
  this.timeout(60_000);
  const suite = motoForSuite();

  it("the delete probe is answered ImageNotFound and the reads are allowed: every check passes", async () => {
    await suite.ecr.send(new CreateRepositoryCommand({ repositoryName: "shop" }));
    // moto has no App Runner (it answers with an HTML 404); its ListPullTimeUpdateExclusions is not checked here.
    const config = writePolicyFile(`
policies:
  - name: shop
    repositories: [shop]
    significant_tags: ['*']
    protected_period: 7d
    protected_count: 1
settings:
  in_use:
    app_runner: false
`);
    const result = await runCli(["doctor", "--config", config, "--output", "json"], awsEnv(suite.moto.endpoint));
    const { checks } = JSON.parse(result.stdout) as { checks: Check[] };
    expect(checks.filter((c) => c.status !== "ok"), result.stdout).to.deep.equal([]);
    expect(checks.map((c) => `${c.check} ${c.target}`)).to.include.members(["read shop", "delete shop", `in-use:ecs ${ACCOUNT}/us-east-1`, `in-use:batch ${ACCOUNT}/us-east-1`]);
    expect(result.code).to.equal(0);
  });
});
