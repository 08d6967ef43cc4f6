/**
 * The Batch source and other accounts against moto, an independent implementation of Batch and STS: the cleaner's
 * reading of DescribeJobDefinitions and AssumeRole must agree with someone else's. moto has no App Runner, so these
 * runs turn it off (moto answers its calls with an HTML 404); EKS is left to its own tests.
 */
import { expect } from "chai";
import { BatchClient, DeregisterJobDefinitionCommand, RegisterJobDefinitionCommand } from "@aws-sdk/client-batch";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { listImages } from "../runtime/ecr/listing";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { motoForSuite } from "./support/moto-suite";
import { pushImage } from "./support/push";

const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const ROLE = "arn:aws:iam::210987654321:role/ecr-cleanup-read";

describe("in-use sources against moto: AWS Batch job definitions, and another account through STS", function () {
  const aws = motoForSuite();
  const config = { region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 2 };

  async function repositoryWithImages(name: string, count: number): Promise<{ digests: string[]; now: string }> {
    await aws.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    const digests: string[] = [];
    for (let i = 0; i < count; i++) digests.push(await pushImage(aws.ecr, name, `${name}-${i}`));
    const images = await listImages(aws.ecr, name);
    return { digests, now: new Date(Math.max(...images.map((i) => i.pushedAt!)) + 1).toISOString() };
  }

  const policyFor = (repository: string, inUse = "") => writePolicyFile(`
policies:
  - name: flush
    protected_period: 0
    protected_count: 0
    significant_tags: '*'
    repositories: [${repository}]
settings:
  in_use:
    app_runner: false
${inUse.replace(/^/gm, "    ")}
`);
  const survivors = async (repository: string) => (await listImages(aws.ecr, repository)).map((i) => i.digest).sort();

  it("an ACTIVE job definition keeps its image by digest; a deregistered one protects nothing", async () => {
    const { digests, now } = await repositoryWithImages("batch-app", 4);
    const batch = new BatchClient({ ...config, endpoint: aws.moto.endpoint });
    const register = (name: string, digest: string) =>
      batch.send(new RegisterJobDefinitionCommand({
        jobDefinitionName: name, type: "container", containerProperties: { image: `${REGISTRY}/batch-app@${digest}`, vcpus: 1, memory: 128 },
      }));
    await register("nightly", digests[1]);
    const retired = await register("retired", digests[2]);
    await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: retired.jobDefinitionArn! }));
    batch.destroy();
    const result = await runCli(["--config", policyFor("batch-app"), "--now", now, "--apply", "--output", "json"], awsEnv(aws.moto.endpoint));
    expect(result.code, result.stderr).to.equal(0);
    const line = JSON.parse(result.stdout).repositories[0].images.find((l: { digest: string }) => l.digest === digests[1]);
    expect(line).to.deep.include({ action: "keep", reason: "in-use:batch", workloads: ["batch nightly:1"] });
    expect(await survivors("batch-app")).to.deep.equal([digests[1]]);
  });

  it("a job definition in another account, read through its role, keeps its image", async () => {
    const { digests, now } = await repositoryWithImages("shared-app", 3);
    // The other account's definition, registered with that account's (moto's assumed-role) credentials.
    const sts = new STSClient({ ...config, endpoint: aws.moto.endpoint });
    const assumed = (await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "seed" }))).Credentials!;
    sts.destroy();
    const other = new BatchClient({
      ...config, endpoint: aws.moto.endpoint,
      credentials: { accessKeyId: assumed.AccessKeyId!, secretAccessKey: assumed.SecretAccessKey!, sessionToken: assumed.SessionToken },
    });
    await other.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: "elsewhere", type: "container", containerProperties: { image: `${REGISTRY}/shared-app@${digests[0]}`, vcpus: 1, memory: 128 },
    }));
    other.destroy();
    const result = await runCli(
      ["--config", policyFor("shared-app", `accounts:\n  - role_arn: ${ROLE}`), "--now", now, "--apply", "--output", "json"],
      awsEnv(aws.moto.endpoint),
    );
    expect(result.code, result.stderr).to.equal(0);
    const line = JSON.parse(result.stdout).repositories[0].images.find((l: { digest: string }) => l.digest === digests[0]);
    // moto keeps each account's Batch state apart, as AWS does: only the role's session sees the definition.
    expect(line).to.deep.include({ action: "keep", reason: "in-use:batch", workloads: ["210987654321/us-east-1 batch elsewhere:1"] });
    expect(await survivors("shared-app")).to.deep.equal([digests[0]]);
  });
});
