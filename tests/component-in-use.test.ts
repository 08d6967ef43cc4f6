/**
 * The component's in-use args (spec section 4, rule 1): carried into the function's settings with only what differs
 * from the defaults, validated with the CLI's validator, and the IAM each needs: reads in every region they are read
 * in, sts:AssumeRole on exactly the roles named, and a fixed role name other accounts can trust.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { EcrCleanupPolicy, EcrCleanupPolicyArgs } from "../component";
import { validateConfig } from "../runtime/config/schema";
import { defaultInUse } from "../runtime/config/inUseSettings";
import { deploy, RELEASES, statement, statements, T } from "./support/component-under-mocks";
import { ACCOUNT_ID, Recorder, REGION } from "./support/pulumi-mocks";

const ROLE_A = "arn:aws:iam::210987654321:role/ecr-cleanup-read";
const ROLE_B = "arn:aws:iam::111122223333:role/reader";

describe("EcrCleanupPolicy in-use args (Pulumi mocks)", () => {
  it("every in-use arg reaches the function's settings, and only what differs from the defaults is written", async () => {
    const { rec } = await deploy("wide", {
      inUseEks: false,
      ecsRevisions: 5,
      inUseRegions: ["eu-west-1"],
      inUseAccounts: [{ roleArn: ROLE_A, externalId: "shared-secret" }, { roleArn: ROLE_B }],
    });
    const config = JSON.parse(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG);
    expect(config.settings).to.deep.equal({
      in_use: { eks: false, ecs_revisions: 5, regions: ["eu-west-1"], accounts: [{ role_arn: ROLE_A, external_id: "shared-secret" }, { role_arn: ROLE_B }] },
    });
    expect(validateConfig(config, "env", "snake").settings.inUse).to.deep.equal({
      ...defaultInUse(), eks: false, ecsRevisions: 5, regions: ["eu-west-1"], accounts: [{ roleArn: ROLE_A, externalId: "shared-secret" }, { roleArn: ROLE_B }],
    });
  });

  it("the defaults write no settings at all", async () => {
    const { rec } = await deploy("plain");
    expect(JSON.parse(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG).settings).to.equal(undefined);
  });

  it("assumes exactly the roles named, and reads Lambda functions in every region read", async () => {
    const { rec } = await deploy("acct", { inUseRegions: ["us-west-2", "us-east-1", REGION], inUseAccounts: [{ roleArn: ROLE_A }, { roleArn: ROLE_B }] });
    const policy = rec.named("acct-policy");
    expect(statement(policy, "AssumeInUseReadRoles")).to.deep.equal({ Sid: "AssumeInUseReadRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: [ROLE_B, ROLE_A] });
    expect(statement(policy, "ReadLambdaFunctions")).to.deep.equal({
      Sid: "ReadLambdaFunctions",
      Effect: "Allow",
      Action: "lambda:GetFunction",
      Resource: [`arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:*`, `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:*`, `arn:aws:lambda:us-west-2:${ACCOUNT_ID}:function:*`],
    });
    const { rec: one } = await deploy("one", { inUseAccounts: [{ roleArn: ROLE_A }] });
    expect(statement(one.named("one-policy"), "AssumeInUseReadRoles").Resource).to.equal(ROLE_A);
    const { rec: none } = await deploy("none");
    expect(statements(none.named("none-policy")).map((s) => s.Sid)).to.not.include("AssumeInUseReadRoles");
    expect(statements(none.named("none-policy")).flatMap((s) => [s.Action].flat())).to.not.include("sts:AssumeRole");
  });

  it("roleName names the function's role; without it Pulumi names it", async () => {
    const { rec } = await deploy("named", { roleName: "ecr-cleanup-prod" });
    expect(rec.named("named-role").inputs.name).to.equal("ecr-cleanup-prod");
    const { rec: unnamed } = await deploy("unnamed");
    expect(unnamed.named("unnamed-role").inputs).to.not.have.property("name");
  });

  it("bad in-use args fail construction with the validator's message, naming the arg", async () => {
    const rec = new Recorder();
    await rec.install();
    const construct = (args: Partial<EcrCleanupPolicyArgs>) => () => new EcrCleanupPolicy("bad", { policies: [RELEASES], ...args });
    expect(construct({ ecsRevisions: -1 })).to.throw(pulumi.ResourceError,
      'EcrCleanupPolicy "bad": field ecsRevisions: must be a whole number from 0 (off) to 100; got -1');
    expect(construct({ inUseAccounts: [{ roleArn: "arn:aws:iam::1:role/x" }] })).to.throw(pulumi.ResourceError,
      'EcrCleanupPolicy "bad": field inUseAccounts[0].roleArn: must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME); got "arn:aws:iam::1:role/x"');
    const role = "arn:aws:iam::210987654321:role/reader";
    expect(construct({ inUseAccounts: [{ roleArn: role }, { roleArn: role }] })).to.throw(pulumi.ResourceError,
      'EcrCleanupPolicy "bad": field inUseAccounts[1].roleArn: names the same role as inUseAccounts[0]');
    expect(construct({ inUseRegions: ["mars-1"] })).to.throw(pulumi.ResourceError, /field inUseRegions: each entry must be an AWS region name/);
    expect(construct({ eksClusters: [] })).to.throw(pulumi.ResourceError,
      'EcrCleanupPolicy "bad": field eksClusters: must name at least one cluster (to read no EKS cluster, set inUseEks: false)');
    expect(construct({ roleName: "has space" })).to.throw(pulumi.ResourceError, /roleName must be 1 to 64 letters/);
  });
});
