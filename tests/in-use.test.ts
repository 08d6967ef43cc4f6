/**
 * Never delete what is in use, end to end: the CLI, through the real ECR, ECS and Lambda SDK clients,
 * against the emulator (moto's ECS tasks carry no imageDigest; see e2e-moto.test.ts for what moto can check).
 */
import { expect } from "chai";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { applyJson, keepTwoPolicy, lineOf, NOW, REGISTRY, seedHelloWorld, survivorsOf } from "./support/hello-world-in-use";

const DAY = 86_400_000;

describe("in-use images, end to end against the emulator", () => {
  let emulator: EcrEmulator;
  /** hello_world, newest first: 10 untagged images, one a day. The policy deletes all but the 2 newest. */
  let digests: string[];

  beforeEach(async () => {
    emulator = await startEcrEmulator();
    digests = seedHelloWorld(emulator);
    emulator.ecs.createCluster("prod");
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const policy = keepTwoPolicy;
  const run = (config = policy()) => applyJson(emulator, config);
  const survivors = () => survivorsOf(emulator);

  it("keeps the digest a RUNNING task runs (pending included), even untagged; a STOPPED task protects nothing", async () => {
    const definition = emulator.ecs.registerTaskDefinition("web", [{ name: "web", image: `${REGISTRY}/hello_world:latest` }]);
    emulator.ecs.runTask("prod", { taskDefinitionArn: definition, lastStatus: "PENDING", containers: [{ name: "web", image: `${REGISTRY}/hello_world:latest`, imageDigest: digests[5] }] });
    emulator.ecs.runTask("prod", { taskDefinitionArn: definition, desiredStatus: "STOPPED", containers: [{ name: "web", image: `${REGISTRY}/hello_world@${digests[6]}`, imageDigest: digests[6] }] });
    const { code, report, stderr } = await run();
    expect(code, stderr).to.equal(0);
    expect(lineOf(report, digests[5])).to.include({ action: "keep", reason: "in-use:ecs-task" });
    expect(report.summary.keptBySafety).to.deep.equal({ "in-use:ecs-task": 1 });
    expect(survivors()).to.deep.equal([digests[0], digests[1], digests[5]].sort());
  });

  it("keeps the images of active services: task definitions by tag (resolved), deployments, task sets, and pinned revisions", async () => {
    emulator.registry.tag("hello_world", "stable", digests[4]);
    const byTag = emulator.ecs.registerTaskDefinition("api", [{ name: "api", image: `${REGISTRY}/hello_world:stable` }]);
    const byDigest = emulator.ecs.registerTaskDefinition("api", [{ name: "api", image: `${REGISTRY}/hello_world@${digests[6]}` }]);
    const taskSet = emulator.ecs.registerTaskDefinition("canary", [{ name: "c", image: `${REGISTRY}/hello_world@${digests[7]}` }]);
    emulator.ecs.createService("prod", {
      name: "api",
      taskDefinition: byDigest,
      deployments: [
        { status: "PRIMARY", taskDefinition: byDigest },
        { status: "ACTIVE", taskDefinition: byTag },
      ],
      revisions: [{ containerImages: [{ containerName: "api", image: `${REGISTRY}/hello_world:moved`, imageDigest: digests[8] }] }],
    });
    emulator.ecs.createService("prod", { name: "canary", taskSets: [{ taskDefinition: taskSet }] });
    const gone = emulator.ecs.registerTaskDefinition("old", [{ name: "o", image: `${REGISTRY}/hello_world@${digests[9]}` }]);
    // Deregistered too: an ACTIVE revision would still be kept as a rollback target (in-use-sources.test.ts).
    emulator.ecs.deregisterTaskDefinition(gone);
    emulator.ecs.createService("prod", { name: "old", status: "INACTIVE", taskDefinition: gone });

    const { code, report, stderr } = await run();
    expect(code, stderr).to.equal(0);
    for (const digest of [digests[6], digests[7], digests[8]]) expect(lineOf(report, digest)).to.include({ action: "keep", reason: "in-use:ecs-service" });
    expect(survivors()).to.deep.equal([digests[0], digests[1], digests[4], digests[6], digests[7], digests[8]].sort());
  });

  it("keeps the images of Lambda functions, every published version included, by resolved digest", async () => {
    emulator.lambda.createFunction({
      name: "worker",
      packageType: "Image",
      imageUri: `${REGISTRY}/hello_world@${digests[3]}`,
      versions: [{ imageUri: `${REGISTRY}/hello_world@${digests[7]}` }, { imageUri: `${REGISTRY}/hello_world@${digests[8]}` }],
    });
    emulator.lambda.createFunction({ name: "zipped", packageType: "Zip" });
    const { code, report, stderr } = await run();
    expect(code, stderr).to.equal(0);
    for (const digest of [digests[3], digests[7], digests[8]]) expect(lineOf(report, digest)).to.include({ action: "keep", reason: "in-use:lambda" });
    expect(survivors()).to.deep.equal([digests[0], digests[1], digests[3], digests[7], digests[8]].sort());
  });

  it("matches references as the container runtime reads them: no tag means latest, the host's :443, upper-case digests", async () => {
    // Anchor mode keeping only the anchor: every older image, tagged or not, is beyond the window unless in use.
    const config = writePolicyFile(`
- name: anchor only
  protected_period: 0
  protected_count: 0
  significant_tags: [prod]
  repositories: [hello_world]
`);
    emulator.registry.tag("hello_world", "prod", digests[0]);
    emulator.registry.tag("hello_world", "latest", digests[6]);
    emulator.registry.tag("hello_world", "v3", digests[7]);
    emulator.registry.tag("hello_world", "v2", digests[9]);
    const implicitLatest = emulator.ecs.registerTaskDefinition("web", [{ name: "web", image: `${REGISTRY}/hello_world` }]);
    emulator.ecs.createService("prod", { name: "web", taskDefinition: implicitLatest });
    const withPort = emulator.ecs.registerTaskDefinition("api", [{ name: "api", image: `${REGISTRY}:443/hello_world:v3` }]);
    emulator.ecs.createService("prod", { name: "api", taskDefinition: withPort });
    const upperCase = `sha256:${digests[8].slice("sha256:".length).toUpperCase()}`;
    emulator.ecs.runTask("prod", { taskDefinitionArn: implicitLatest, containers: [{ name: "web", image: `${REGISTRY}/hello_world@${upperCase}` }] });
    // Another port is another registry: v2's image is not protected by it.
    emulator.ecs.runTask("prod", { taskDefinitionArn: withPort, containers: [{ name: "api", image: `${REGISTRY}:8443/hello_world:v2` }] });

    const table = await runCli(["--config", config, "--now", NOW], awsEnv(emulator.endpoint));
    expect(table.code, table.stderr).to.equal(0);
    const rowOf = (digest: string) => table.stdout.split("\n").filter((line) => line.includes(digest.slice(7, 19)));
    expect(rowOf(digests[6])).to.have.length(1);
    expect(rowOf(digests[6])[0]).to.match(/ latest +\S.* keep +in-use:ecs-service$/);
    expect(rowOf(digests[7])[0]).to.match(/ v3 +\S.* keep +in-use:ecs-service$/);
    expect(rowOf(digests[8])[0]).to.match(/ keep +in-use:ecs-task$/);
    expect(rowOf(digests[9])[0]).to.match(/ v2 +\S.* DELETE +beyond-window /);

    const { code, report, stderr } = await run(config);
    expect(code, stderr).to.equal(0);
    expect(lineOf(report, digests[6])).to.include({ action: "keep", reason: "in-use:ecs-service" });
    expect(lineOf(report, digests[7])).to.include({ action: "keep", reason: "in-use:ecs-service" });
    expect(lineOf(report, digests[8])).to.include({ action: "keep", reason: "in-use:ecs-task" });
    expect(report.summary.keptBySafety).to.deep.equal({ "in-use:ecs-service": 2, "in-use:ecs-task": 1 });
    expect(survivors()).to.deep.equal([digests[0], digests[6], digests[7], digests[8]].sort());
  });

  it("ignores references into other accounts and regions", async () => {
    const definition = emulator.ecs.registerTaskDefinition("x", [{ name: "x", image: "x" }]);
    emulator.ecs.runTask("prod", {
      taskDefinitionArn: definition,
      containers: [
        { name: "a", image: `999999999999.dkr.ecr.us-east-1.amazonaws.com/hello_world@${digests[5]}` },
        { name: "b", image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello_world@${digests[6]}` },
        { name: "c", image: `docker.io/library/hello_world@${digests[7]}` },
      ],
    });
    const { code, stderr } = await run();
    expect(code, stderr).to.equal(0);
    expect(survivors()).to.deep.equal([digests[0], digests[1]].sort());
  });

  it("fails closed: when a source cannot be read, nothing is deleted, and the run exits 1 saying why", async () => {
    emulator.failNext("ListFunctions", 1000, "server-error");
    const { code, report } = await run();
    expect(code).to.equal(1);
    expect(report.errors.map((e: { kind: string; code: string }) => [e.kind, e.code])).to.deep.equal([["in-use-unreadable", "ServiceException"]]);
    // It names the source, where, what went wrong, how to turn the source off, and the command that checks the permissions (and the two it cannot).
    expect(report.errors[0].message).to.match(/^cannot read the images in use: Lambda in account 123456789012 in us-east-1: .*settings\.in_use\.lambda: false \(component arg inUseLambda: false\); nothing is deleted in this run \(ecr-cleanup doctor --config FILE checks the permissions and access a run needs at once, all but ecs:DescribeServiceRevisions and apprunner:DescribeService\)$/);
    expect(report.summary.keptBySafety).to.deep.equal({ "in-use-unknown": 8 });
    expect(survivors()).to.have.length(10);
  });

  it("a source turned off in settings is not read, and the report says so (exit 0)", async () => {
    const definition = emulator.ecs.registerTaskDefinition("web", [{ name: "web", image: "x" }]);
    emulator.ecs.runTask("prod", { taskDefinitionArn: definition, containers: [{ name: "web", image: `${REGISTRY}/hello_world@${digests[5]}` }] });
    const { code, report, stderr } = await run(policy("settings:\n  in_use:\n    ecs: false"));
    expect(code, stderr).to.equal(0);
    expect(report.warnings).to.include("settings.in_use.ecs is false: images that ECS uses are not protected in this run");
    expect(stderr).to.include("settings.in_use.ecs is false");
    expect(emulator.calls.ListClusters ?? 0).to.equal(0);
    expect(survivors()).to.deep.equal([digests[0], digests[1]].sort());
  });

  it("names every workload that keeps an image: service, task, function:version; sorted, unique, in the JSON report", async () => {
    const definition = emulator.ecs.registerTaskDefinition("web", [{ name: "web", image: `${REGISTRY}/hello_world@${digests[5]}` }]);
    emulator.ecs.createService("prod", { name: "web", taskDefinition: definition });
    emulator.ecs.createCluster("staging");
    emulator.ecs.createService("staging", { name: "web", taskDefinition: definition });
    emulator.ecs.runTask("prod", { taskDefinitionArn: definition, containers: [{ name: "web", image: `${REGISTRY}/hello_world@${digests[5]}`, imageDigest: digests[5] }], id: "00000000000000000000000000000001" });
    emulator.lambda.createFunction({ name: "resize", packageType: "Image", imageUri: `${REGISTRY}/hello_world@${digests[6]}`, versions: [{ imageUri: `${REGISTRY}/hello_world@${digests[6]}` }] });
    const { code, report, stderr } = await run();
    expect(code, stderr).to.equal(0);
    expect(lineOf(report, digests[5])).to.deep.include({
      action: "keep",
      reason: "in-use:ecs-task",
      // The service's revision is also its family's newest, a rollback target: named too.
      workloads: ["ecs service prod/web", "ecs service staging/web", "ecs task arn:aws:ecs:us-east-1:123456789012:task/prod/00000000000000000000000000000001", "ecs task-definition web:1"],
    });
    expect(lineOf(report, digests[6])).to.deep.include({ action: "keep", reason: "in-use:lambda", workloads: ["lambda resize:$LATEST", "lambda resize:1"] });
    // Images the policy keeps anyway carry no workload list; neither do deletions.
    expect(lineOf(report, digests[7])).to.not.have.property("workloads");
    expect(survivors()).to.deep.equal([digests[0], digests[1], digests[5], digests[6]].sort());
  });

  it("reads every region of settings.in_use.regions: a workload there keeps its image, named with its account and region", async () => {
    emulator.lambdaFor("eu-west-1").createFunction({ name: "edge", packageType: "Image", imageUri: `${REGISTRY}/hello_world@${digests[4]}` });
    emulator.ecsFor("eu-west-1").createCluster("eu");
    const { code, report, stderr } = await run(policy("settings:\n  in_use:\n    regions: [eu-west-1]"));
    expect(code, stderr).to.equal(0);
    expect(lineOf(report, digests[4])).to.deep.include({ action: "keep", reason: "in-use:lambda", workloads: ["123456789012/eu-west-1 lambda edge:$LATEST"] });
    // Each source once per region; everything else the policy deletes (the image is in no other workload).
    expect(emulator.calls.ListFunctions).to.equal(2);
    expect(emulator.calls.ListClusters).to.equal(2);
    expect(survivors()).to.deep.equal([digests[0], digests[1], digests[4]].sort());
  });

  it("reads each source once per run, however many repositories and policies", async () => {
    for (const name of ["team-a", "team-b", "team-c"]) {
      emulator.registry.createRepository(name);
      emulator.registry.putImage(name, { pushedAt: new Date(Date.parse(NOW) - DAY) });
    }
    const config = writePolicyFile(`
- name: one
  protected_period: 0
  protected_count: 5
  significant_tags: '*'
- name: two
  protected_period: 0
  protected_count: 3
  significant_tags: '*'
`);
    const { code, stderr } = await run(config);
    expect(code, stderr).to.equal(0);
    expect(emulator.calls.ListClusters).to.equal(1);
    expect(emulator.calls.ListFunctions).to.equal(1);
    expect(emulator.calls.DescribeRepositories).to.equal(1);
  });
});
