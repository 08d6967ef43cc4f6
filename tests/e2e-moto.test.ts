/**
 * End to end against moto, an independent implementation of the ECR API: the CLI's real SDK calls must
 * agree with someone else's reading of the API, not only with our own emulator. moto stamps push dates
 * with the wall clock, so these tests use counts and a --now derived from the push dates moto reports.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import { CreateRepositoryCommand, DescribeImagesCommand, ECRClient, BatchDeleteImageCommand, PutImageCommand } from "@aws-sdk/client-ecr";
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, DeleteFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { recheck } from "../runtime/ecr/recheck";
import { listImages } from "../runtime/ecr/listing";
import { awsEnv } from "./support/aws-env";
import { Moto, requireMoto, startMoto } from "./support/moto";
import { runCli, writePolicyFile } from "./support/cli";
import { ecrClientFor, manifestFor, pushImage } from "./support/push";

/** moto has no App Runner (it answers its calls with an HTML 404): these runs turn that source off, and say so. */
function onMoto(policies: string): string {
  return `policies:\n${policies.trim().replace(/^/gm, "  ")}\nsettings:\n  in_use:\n    app_runner: false\n`;
}

describe("end to end against moto", function () {
  let moto: Moto;
  let ecr: ECRClient;

  before(async function () {
    requireMoto(this);
    moto = await startMoto();
    ecr = ecrClientFor(moto.endpoint);
  });
  after(async () => {
    ecr?.destroy();
    await moto?.stop();
  });

  async function createRepository(name: string): Promise<void> {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
  }

  async function survivingTags(repositoryName: string): Promise<{ digests: string[]; tags: string[] }> {
    const images = await listImages(ecr, repositoryName);
    return { digests: images.map((i) => i.digest).sort(), tags: images.flatMap((i) => i.tags).sort() };
  }

  /**
   * A --now just after the last push: --apply refuses a --now later than the clock, and moto's push dates
   * are the clock's (truncated to the second), so the last push + 1 ms is always in the past by the time the CLI runs.
   */
  async function justAfterLastPush(repositoryName: string): Promise<string> {
    const images = await listImages(ecr, repositoryName);
    return new Date(Math.max(...images.map((i) => i.pushedAt!)) + 1).toISOString();
  }

  it("a dry run deletes nothing, and --apply deletes exactly the untagged images the plan named", async () => {
    await createRepository("app");
    const tagged = [await pushImage(ecr, "app", "app-1", "v1"), await pushImage(ecr, "app", "app-2", "v2")];
    for (let i = 0; i < 6; i++) await pushImage(ecr, "app", `app-untagged-${i}`);
    const now = await justAfterLastPush("app");
    const config = writePolicyFile(onMoto(`
- name: flush untagged
  protected_period: 0
  protected_count: 0
  significant_tags: '*'
  repositories: [app]
`));
    const env = awsEnv(moto.endpoint);

    const dry = await runCli(["--config", config, "--now", now, "--output", "json"], env);
    expect(dry.code, dry.stderr).to.equal(0);
    const plan = JSON.parse(dry.stdout);
    const planned = plan.repositories[0].images.filter((i: { action: string }) => i.action === "delete");
    expect(planned).to.have.length(6);
    expect((await survivingTags("app")).digests).to.have.length(8);

    const applied = await runCli(["--config", config, "--now", now, "--output", "json", "--apply"], env);
    expect(applied.code, applied.stderr).to.equal(0);
    const survivors = await survivingTags("app");
    expect(survivors.digests).to.deep.equal([...tagged].sort());
    expect(survivors.tags).to.deep.equal(["v1", "v2"]);
    // AWS documents BatchDeleteImage as listing every deleted image in imageIds (digest only when untagged);
    // moto leaves deleted untagged images out, so here the report may call them "unconfirmed" instead of
    // "deleted". What matters, and is checked above against the registry, is what survives.
    const outcomes = JSON.parse(applied.stdout).repositories[0].images
      .filter((i: { outcome?: string }) => i.outcome)
      .map((i: { outcome: string }) => i.outcome);
    expect(outcomes).to.have.length(6);
    for (const outcome of outcomes) expect(["deleted", "unconfirmed"]).to.include(outcome);
  });

  it("anchor mode keeps the anchor, everything newer and the protected window (all pushed within one period here)", async () => {
    await createRepository("hello_world");
    for (let i = 0; i < 4; i++) await pushImage(ecr, "hello_world", `hw-${i}`);
    await pushImage(ecr, "hello_world", "hw-prod", "prod");
    await pushImage(ecr, "hello_world", "hw-dev", "dev");
    const config = writePolicyFile(onMoto(`
- name: releases
  protected_period: 0
  protected_count: 13
  significant_tags: [dev, prod]
  repositories: [hello_world]
`));
    const now = await justAfterLastPush("hello_world");
    const result = await runCli(["--config", config, "--now", now, "--apply", "--output", "json"], awsEnv(moto.endpoint));
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout);
    expect(report.repositories[0].modes[0].mode).to.equal("anchor");
    expect(["dev", "prod"]).to.include.members(report.repositories[0].modes[0].anchor.tags);
    expect(report.summary.toDelete).to.equal(0);
    expect((await survivingTags("hello_world")).digests).to.have.length(6);
  });

  it("a manifest list whose digest is not its manifest's sha256 fails its repository closed: nothing in it is deleted (a manifest list through PutImage)", async () => {
    // moto differs from ECR here: it gives a manifest list a random digest, where ECR's is the sha256 of the manifest's
    // bytes ("imageDigest: the sha256 digest of the image manifest"; the user guide retags by putting back the
    // manifest that BatchGetImage returned, which keeps the digest). The cleaner reads an index's children only from a
    // manifest that hashes to the digest it asked for, so against moto the list's children are unknown and the
    // repository fails closed. The emulator, which computes digests as ECR does, tests the list's deletion
    // (multi-arch.test.ts).
    await createRepository("multiarch");
    const amd = await pushImage(ecr, "multiarch", "ma-amd");
    const arm = await pushImage(ecr, "multiarch", "ma-arm", "prod");
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
      manifests: [amd, arm].map((digest, i) => ({
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        size: manifestFor(i ? "ma-arm" : "ma-amd").length,
        digest,
        platform: { architecture: i ? "arm64" : "amd64", os: "linux" },
      })),
    });
    const pushed = await ecr.send(
      new PutImageCommand({ repositoryName: "multiarch", imageManifest: list, imageManifestMediaType: "application/vnd.docker.distribution.manifest.list.v2+json" }),
    );
    const index = pushed.image!.imageId!.imageDigest!;
    expect(index, "moto now computes a manifest list's digest as ECR does: test the list's deletion here again").to.not.equal(`sha256:${createHash("sha256").update(list).digest("hex")}`);
    const config = writePolicyFile(onMoto(`
- name: untagged
  protected_period: 0
  protected_count: 0
  significant_tags: '*'
  repositories: [multiarch]
`));
    const now = await justAfterLastPush("multiarch");
    const result = await runCli(["--config", config, "--now", now, "--apply", "--output", "json"], awsEnv(moto.endpoint));
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.include(`multiarch: ManifestDigestMismatch: cannot read the repository's images: BatchGetImage answered ${index} with a manifest whose digest is`);
    expect((await survivingTags("multiarch")).digests.sort()).to.deep.equal([amd, arm, index].sort());
    expect(JSON.parse(result.stdout).repositories[0].images).to.deep.equal([]);
  });

  it("a repository named in a policy that does not exist is reported with exit 1, and the others are still cleaned", async () => {
    await createRepository("tools");
    await pushImage(ecr, "tools", "tools-1");
    const config = writePolicyFile(onMoto(`
- name: tools
  protected_period: 0
  protected_count: 0
  significant_tags: '*'
  repositories: [tools, no_such_repository]
`));
    const now = await justAfterLastPush("tools");
    const result = await runCli(["--config", config, "--now", now, "--apply"], awsEnv(moto.endpoint));
    expect(result.code).to.equal(1);
    expect(result.stderr).to.include('policy "tools" names repository no_such_repository, which does not exist');
    expect((await survivingTags("tools")).digests).to.deep.equal([]);
  });

  it("the re-check before a delete finds a vanished image without losing the rest of the batch", async () => {
    await createRepository("recheck");
    for (let i = 0; i < 5; i++) await pushImage(ecr, "recheck", `rc-${i}`);
    const images = await listImages(ecr, "recheck");
    const gone = images[2];
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: "recheck", imageIds: [{ imageDigest: gone.digest }] }));
    // The API fails a whole describe-by-ids call when one id is missing; the re-check must still describe the rest.
    const described = ecr.send(new DescribeImagesCommand({ repositoryName: "recheck", imageIds: images.map((i) => ({ imageDigest: i.digest })) }));
    await described.then(
      () => expect.fail("DescribeImages with a missing digest should fail"),
      (err) => expect(err.name).to.equal("ImageNotFoundException"),
    );
    // A size whose whole listing would take more pages than describing the candidates: the path that halves.
    const result = await recheck(ecr, "recheck", images, { images: 5_000, tagged: 0 }, () => false);
    expect(result.changed.map((c) => [c.image.digest, c.why])).to.deep.equal([[gone.digest, "vanished"]]);
    expect(result.unchanged.map((i) => i.digest)).to.deep.equal(images.filter((i) => i !== gone).map((i) => i.digest));
  });

  it("deletes nothing while moto answers a Lambda function's ResolvedImageUri malformed, then keeps the image an ECS service's task definition names by digest", async () => {
    const config = { endpoint: moto.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
    await createRepository("in_use");
    const registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    // Untagged, so that only being in use keeps them (moto's push dates leave no window to test tags against).
    const servedByEcs = await pushImage(ecr, "in_use", "in-use-ecs");
    const servedByLambda = await pushImage(ecr, "in_use", "in-use-lambda");
    for (let i = 0; i < 3; i++) await pushImage(ecr, "in_use", `in-use-old-${i}`);

    const ecs = new ECSClient(config);
    await ecs.send(new CreateClusterCommand({ clusterName: "prod" }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({ family: "web", containerDefinitions: [{ name: "web", image: `${registry}/in_use@${servedByEcs}`, memory: 128 }] }),
    );
    await ecs.send(new CreateServiceCommand({ cluster: "prod", serviceName: "web", taskDefinition: "web", desiredCount: 1 }));
    const iam = new IAMClient(config);
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: "worker",
        AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
      }),
    );
    const lambda = new LambdaClient(config);
    await lambda.send(
      new CreateFunctionCommand({ FunctionName: "worker", PackageType: "Image", Code: { ImageUri: `${registry}/in_use@${servedByLambda}` }, Role: role.Role!.Arn!, Publish: true }),
    );
    for (const client of [ecs, iam, lambda]) client.destroy();

    const policy = writePolicyFile(onMoto(`
- name: everything
  protected_period: 0
  protected_count: 0
  significant_tags: '*'
  repositories: [in_use]
`));
    const now = await justAfterLastPush("in_use");
    const before = (await survivingTags("in_use")).digests;
    // This test once expected the Lambda image kept through its ImageUri. moto answers a function deployed by digest
    // with ResolvedImageUri `…/in_use@sha256@sha256:…` (it cuts ImageUri at its first colon): not an image by digest,
    // so the digest the function runs is unknown, and the Lambda source now fails closed (tests/inuse-odd-fields).
    const refused = await runCli(["--config", policy, "--now", now, "--apply", "--output", "json"], awsEnv(moto.endpoint));
    expect(refused.code).to.not.equal(0);
    // Either version's answer may be read first ($LATEST or 1: GetFunction calls run side by side).
    expect(refused.stderr, refused.stderr).to.match(/Lambda GetFunction of worker:(\$LATEST|1): the answer's Code\.ResolvedImageUri is /);
    expect((await survivingTags("in_use")).digests).to.deep.equal(before);

    const lambdaAgain = new LambdaClient(config);
    await lambdaAgain.send(new DeleteFunctionCommand({ FunctionName: "worker" }));
    lambdaAgain.destroy();
    const result = await runCli(["--config", policy, "--now", now, "--apply", "--output", "json"], awsEnv(moto.endpoint));
    expect(result.code, result.stderr).to.equal(0);
    const reasons = Object.fromEntries(
      JSON.parse(result.stdout).repositories[0].images.map((l: { digest: string; reason: string }) => [l.digest, l.reason]),
    );
    expect(reasons[servedByEcs]).to.equal("in-use:ecs-service");
    expect(reasons[servedByLambda]).to.equal("untagged-expired");
    expect((await survivingTags("in_use")).digests).to.deep.equal([servedByEcs]);
  });

  it("keeps the image tagged latest that an ECS service's task definition names without tag or digest", async () => {
    const config = { endpoint: moto.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } };
    await createRepository("implicit_latest");
    const registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
    const latest = await pushImage(ecr, "implicit_latest", "implicit-latest", "latest");
    const unused = await pushImage(ecr, "implicit_latest", "implicit-v1", "v1");
    // moto stamps push times in whole seconds: wait for the next second, so that the anchor is strictly newer
    // and protected_period 0 leaves both older images beyond the window.
    const older = Math.max(...(await listImages(ecr, "implicit_latest")).map((i) => i.pushedAt!));
    await new Promise((resolve) => setTimeout(resolve, older + 1000 - Date.now() + 50));
    const anchor = await pushImage(ecr, "implicit_latest", "implicit-prod", "prod");

    const ecs = new ECSClient(config);
    await ecs.send(new CreateClusterCommand({ clusterName: "implicit" }));
    await ecs.send(
      new RegisterTaskDefinitionCommand({ family: "site", containerDefinitions: [{ name: "site", image: `${registry}/implicit_latest`, memory: 128 }] }),
    );
    await ecs.send(new CreateServiceCommand({ cluster: "implicit", serviceName: "site", taskDefinition: "site", desiredCount: 1 }));
    ecs.destroy();

    const policy = writePolicyFile(onMoto(`
- name: anchor only
  protected_period: 0
  protected_count: 0
  significant_tags: [prod]
  repositories: [implicit_latest]
`));
    const result = await runCli(["--config", policy, "--now", await justAfterLastPush("implicit_latest"), "--apply", "--output", "json"], awsEnv(moto.endpoint));
    expect(result.code, result.stderr).to.equal(0);
    const lines = Object.fromEntries(
      JSON.parse(result.stdout).repositories[0].images.map((l: { digest: string; action: string; reason: string }) => [l.digest, `${l.action}:${l.reason}`]),
    );
    expect(lines).to.deep.equal({ [latest]: "keep:in-use:ecs-service", [unused]: "delete:beyond-window" });
    expect((await survivingTags("implicit_latest")).digests).to.deep.equal([anchor, latest].sort());
  });

  it("a configuration error exits 2 and prints nothing on stdout in json mode", async () => {
    const config = writePolicyFile(onMoto(`
- name: bad
  protected_period: 7x
  protected_count: 1
  significant_tags: '*'
`));
    const result = await runCli(["--config", config, "--output", "json", "--apply"], awsEnv(moto.endpoint));
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal("");
    expect(result.stderr).to.include(`${config}: policy #1 "bad", field protected_period: must be`);
  });
});
