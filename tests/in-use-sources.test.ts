/**
 * The further in-use sources of spec section 4, rule 1, end to end through the CLI against the emulator: EKS
 * (`in-use:eks`, through each cluster's Kubernetes API over TLS with a token the cluster verifies), rollback
 * depth (`in-use:ecs-revision`), App Runner (`in-use:app-runner`), AWS Batch (`in-use:batch`), and other accounts
 * through STS AssumeRole. Each protecting rule has a test that fails if one image too many is deleted (the survivors
 * are asserted exactly); each fault fails the run closed; each source is read once per run.
 */
import { expect } from "chai";
import { AwsError } from "./emulator/protocol";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { applyJson, JsonLine, keepTwoPolicy, lineOf, NOW, REGISTRY, seedHelloWorld, survivorsOf } from "./support/hello-world-in-use";

const DAY = 86_400_000;
const OTHER_ACCOUNT = "210987654321";
const ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/ecr-cleanup-read`;

describe("in-use sources: EKS, rollback depth, App Runner, AWS Batch, other accounts (CLI against the emulator)", () => {
  let emulator: EcrEmulator;
  /** hello_world, newest first: 10 untagged images, one a day. The policy deletes all but the 2 newest. */
  let digests: string[];

  beforeEach(async () => {
    emulator = await startEcrEmulator();
    digests = seedHelloWorld(emulator);
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const policy = (inUse = "") => keepTwoPolicy(inUse ? `settings:\n  in_use:\n${inUse.replace(/^/gm, "    ")}` : "");
  const run = (config = policy()) => applyJson(emulator, config);
  const survivors = () => survivorsOf(emulator);
  const kept = (...indexes: number[]) => [0, 1, ...indexes].map((i) => digests[i]).sort();
  const image = (i: number) => `${REGISTRY}/hello_world@${digests[i]}`;

  describe("EKS (in-use:eks)", () => {
    it("keeps what pods run (by digest, by tag, by implicit latest) and what every controller's template names; finished pods protect nothing", async () => {
      emulator.registry.tag("hello_world", "v3", digests[3]);
      emulator.registry.tag("hello_world", "latest", digests[4]);
      const prod = await emulator.eks.createCluster({ name: "prod" });
      // The node pulled digests[5] for a tag that has moved since: the status's imageID is what runs.
      prod.api.addPod({ namespace: "shop", name: "web-1", containers: [{ image: `${REGISTRY}/hello_world:moved`, imageID: `docker-pullable://${image(5)}` }] });
      prod.api.addPod({ namespace: "shop", name: "api-1", containers: [{ image: `${REGISTRY}/hello_world:v3` }], initContainers: [{ image: `${REGISTRY}/hello_world` }] });
      prod.api.addPod({ namespace: "ops", name: "done", phase: "Succeeded", containers: [{ image: image(8) }] });
      prod.api.addPod({ namespace: "ops", name: "crashed", phase: "Failed", containers: [{ image: image(8) }] });
      // An old ReplicaSet scaled to 0 is what `kubectl rollout undo` goes back to; a CronJob runs tonight.
      prod.api.addWorkload("replicasets", { namespace: "shop", name: "web-6d4f", images: [image(6)], replicas: 0 });
      prod.api.addWorkload("cronjobs", { namespace: "ops", name: "nightly", images: [image(7)] });
      // A StatefulSet's earlier template, its rollback target, is a ControllerRevision.
      prod.api.addControllerRevision({ kind: "StatefulSet", name: "db", namespace: "data" }, 2, [image(2)]);
      // A legacy ReplicationController scaled to 0 starts pods with its template when scaled up.
      prod.api.addWorkload("replicationcontrollers", { namespace: "legacy", name: "old-web", images: [image(9)], replicas: 0 });
      // Anchor mode deletes tagged images too (untagged mode would leave v3 and latest alone whatever runs them).
      emulator.registry.tag("hello_world", "prod", digests[0]);
      const anchored = writePolicyFile(`
- name: keep two
  protected_period: 0
  protected_count: 1
  significant_tags: [prod]
  repositories: [hello_world]
`);
      const { code, report, stderr } = await run(anchored);
      expect(code, stderr).to.equal(0);
      expect(lineOf(report, digests[3])).to.deep.include({ action: "keep", reason: "in-use:eks", workloads: ["eks pod shop/api-1 (cluster prod)"] });
      expect(lineOf(report, digests[4])).to.deep.include({ action: "keep", reason: "in-use:eks", workloads: ["eks pod shop/api-1 (cluster prod)"] });
      expect(lineOf(report, digests[5])).to.deep.include({ action: "keep", reason: "in-use:eks", workloads: ["eks pod shop/web-1 (cluster prod)"] });
      expect(lineOf(report, digests[6])).to.deep.include({ reason: "in-use:eks", workloads: ["eks replicaset shop/web-6d4f (cluster prod)"] });
      expect(lineOf(report, digests[7])).to.deep.include({ reason: "in-use:eks", workloads: ["eks cronjob ops/nightly (cluster prod)"] });
      expect(lineOf(report, digests[2])).to.deep.include({ reason: "in-use:eks", workloads: ["eks statefulset data/db revision 2 (cluster prod)"] });
      expect(lineOf(report, digests[9])).to.deep.include({ reason: "in-use:eks", workloads: ["eks replicationcontroller legacy/old-web (cluster prod)"] });
      expect(survivors()).to.deep.equal(kept(2, 3, 4, 5, 6, 7, 9));
    });

    it("keeps the digest a pod runs when the node's imageID names it in another repository (the same image pulled under two names)", async () => {
      emulator.registry.tag("hello_world", "v1", digests[0]);
      const prod = await emulator.eks.createCluster({ name: "prod" });
      // The node pulled digests[5] as hello_world:v1 (v1 has moved since) and also as staging/hello_world: containerd
      // reports the image's first repo digest, the staging one.
      prod.api.addPod({
        namespace: "shop",
        name: "web-1",
        containers: [{ name: "web", image: `${REGISTRY}/hello_world:v1`, imageID: `${REGISTRY}/staging/hello_world@${digests[5]}` }],
      });
      const { code, report, stderr } = await run();
      expect(code, stderr).to.equal(0);
      expect(lineOf(report, digests[5])).to.deep.include({ action: "keep", reason: "in-use:eks", workloads: ["eks pod shop/web-1 (cluster prod)"] });
      expect(survivors()).to.deep.equal(kept(5));
    });

    it("an image that 25 pods run: the report names the first 20 workloads and counts the rest", async () => {
      const prod = await emulator.eks.createCluster({ name: "prod" });
      for (let i = 0; i < 25; i++) prod.api.addPod({ namespace: "shop", name: `web-${String(i).padStart(2, "0")}`, containers: [{ image: image(5) }] });
      const { code, report, stderr } = await run();
      expect(code, stderr).to.equal(0);
      const line = lineOf(report, digests[5]) as JsonLine & { moreWorkloads?: number };
      expect(line.workloads).to.deep.equal(Array.from({ length: 20 }, (_, i) => `eks pod shop/web-${String(i).padStart(2, "0")} (cluster prod)`));
      expect(line.moreWorkloads).to.equal(5);
      const table = await runCli(["--config", policy(), "--now", NOW, "--show", "all"], { ...awsEnv(emulator.endpoint), COLUMNS: "400" });
      // The table names each workload by its identifying part under the row (the JSON above names them whole).
      expect(table.stdout).to.include("eks pod shop/web-00, eks pod shop/web-01,");
      expect(table.stdout).to.include("pod shop/web-19 and 5 more");
      expect(survivors()).to.deep.equal(kept(5));
    });

    it("a cluster that refuses the cleaner fails the run closed, naming the cluster and how to grant access or leave it out", async () => {
      const locked = await emulator.eks.createCluster({ name: "locked", authenticationMode: "API" });
      locked.api.addPod({ name: "p", containers: [{ image: image(5) }] });
      locked.api.authorizedAccessKeys = new Set();
      const { code, report } = await run();
      expect(code).to.equal(1);
      expect(report.errors.map((e: { kind: string; code: string }) => [e.kind, e.code])).to.deep.equal([["in-use-unreadable", "Unauthorized"]]);
      expect(report.errors[0].message).to.include("EKS cluster locked").and.include("aws eks create-access-entry --cluster-name locked")
        .and.include("settings.in_use.eks_clusters").and.include("settings.in_use.eks: false");
      expect(survivors()).to.have.length(10);
    });

    it("a cluster whose RBAC forbids a list fails closed with the cluster's remedy, not an IAM grant the role already has", async () => {
      const partial = await emulator.eks.createCluster({ name: "partial", authenticationMode: "API" });
      partial.api.addPod({ name: "p", containers: [{ image: image(5) }] });
      partial.api.forbidden.add("replicasets");
      const { code, report } = await run();
      expect(code).to.equal(1);
      expect(report.errors.map((e: { kind: string; code: string }) => [e.kind, e.code])).to.deep.equal([["in-use-unreadable", "Forbidden"]]);
      expect(report.errors[0].message).to.include("EKS cluster partial").and.include("AmazonEKSViewPolicy").and.not.include("grant eks:");
      expect(survivors()).to.have.length(10);
    });

    it("eks_clusters reads only the clusters named; a name that no account or region lists fails closed", async () => {
      (await emulator.eks.createCluster({ name: "prod" })).api.addPod({ name: "p", containers: [{ image: image(5) }] });
      const other = await emulator.eks.createCluster({ name: "sandbox" });
      other.api.addPod({ name: "q", containers: [{ image: image(6) }] });
      const { code, stderr } = await run(policy("eks_clusters: [prod]"));
      expect(code, stderr).to.equal(0);
      expect(other.api.requests).to.deep.equal([]);
      expect(survivors()).to.deep.equal(kept(5));
      const typo = await run(policy("eks_clusters: [prd]"));
      expect(typo.code).to.equal(1);
      expect(typo.report.errors[0]).to.include({ kind: "in-use-unreadable", code: "ClusterNotFound" });
      expect(typo.report.errors[0].message).to.include("settings.in_use.eks_clusters names prd, which eks:ListClusters lists in none of 123456789012/us-east-1");
      expect(survivors()).to.deep.equal(kept(5));
    });
  });

  describe("rollback depth (in-use:ecs-revision)", () => {
    function families() {
      const ecs = emulator.ecs;
      ecs.registerTaskDefinition("web", [{ name: "web", image: image(9) }]);
      ecs.registerTaskDefinition("web", [{ name: "web", image: image(8) }]);
      const third = ecs.registerTaskDefinition("web", [{ name: "web", image: image(7) }]);
      ecs.registerTaskDefinition("web", [{ name: "web", image: image(6) }]);
      ecs.deregisterTaskDefinition(third);
      // A family whose only revision is INACTIVE has no ACTIVE revision: it protects nothing.
      ecs.deregisterTaskDefinition(ecs.registerTaskDefinition("gone", [{ name: "g", image: image(5) }]));
      // "web-api" sorts after "web": its revisions are never taken for web's.
      ecs.registerTaskDefinition("web-api", [{ name: "a", image: image(4) }]);
    }

    it("keeps the images of each family's newest 2 ACTIVE revisions by revision number; older and INACTIVE ones go", async () => {
      families();
      const { code, report, stderr } = await run();
      expect(code, stderr).to.equal(0);
      expect(lineOf(report, digests[6])).to.deep.include({ action: "keep", reason: "in-use:ecs-revision", workloads: ["ecs task-definition web:4"] });
      expect(lineOf(report, digests[8])).to.deep.include({ action: "keep", reason: "in-use:ecs-revision", workloads: ["ecs task-definition web:2"] });
      expect(lineOf(report, digests[4])).to.deep.include({ action: "keep", reason: "in-use:ecs-revision", workloads: ["ecs task-definition web-api:1"] });
      expect(survivors()).to.deep.equal(kept(4, 6, 8));
    });

    it("ecs_revisions: 1 keeps the newest only; 0 turns it off and lists no family", async () => {
      families();
      const one = await run(policy("ecs_revisions: 1"));
      expect(one.code, one.stderr).to.equal(0);
      expect(survivors()).to.deep.equal(kept(4, 6));
      emulator.reset();
      const off = await run(policy("ecs_revisions: 0"));
      expect(off.code, off.stderr).to.equal(0);
      expect(emulator.calls.ListTaskDefinitionFamilies ?? 0).to.equal(0);
      expect(survivors()).to.deep.equal(kept());
    });

    it("a revision naming a tag keeps the image with that tag; one naming no tag keeps latest", async () => {
      emulator.registry.tag("hello_world", "prod", digests[0]);
      emulator.registry.tag("hello_world", "stable", digests[5]);
      emulator.registry.tag("hello_world", "latest", digests[7]);
      emulator.ecs.registerTaskDefinition("api", [{ name: "api", image: `${REGISTRY}/hello_world:stable` }]);
      emulator.ecs.registerTaskDefinition("worker", [{ name: "w", image: `${REGISTRY}/hello_world` }]);
      const { code, stderr } = await run(writePolicyFile(`
- name: anchor only
  protected_period: 0
  protected_count: 0
  significant_tags: [prod]
  repositories: [hello_world]
`));
      expect(code, stderr).to.equal(0);
      // Anchor mode keeping only the anchor: every older image, tagged or not, goes unless in use.
      expect(survivors()).to.deep.equal([digests[0], digests[5], digests[7]].sort());
    });

    it("fails closed when the families cannot be listed, naming the permission and how to turn it off", async () => {
      emulator.ecs.registerTaskDefinition("web", [{ name: "web", image: image(9) }]);
      emulator.beforeOperation("ListTaskDefinitionFamilies", () => {
        throw new AwsError("AccessDeniedException", "User is not authorized to perform: ecs:ListTaskDefinitionFamilies");
      });
      const { code, report } = await run();
      expect(code).to.equal(1);
      expect(report.errors).to.have.length(1);
      expect(report.errors[0]).to.include({ kind: "in-use-unreadable", code: "AccessDeniedException" });
      expect(report.errors[0].message).to.include("ECS in account 123456789012 in us-east-1").and.include("ecs:ListTaskDefinitionFamilies")
        .and.include("settings.in_use.ecs: false");
      expect(survivors()).to.have.length(10);
    });
  });

  describe("App Runner (in-use:app-runner)", () => {
    it("keeps the image a service deploys by tag, and by implicit latest; deleted and code-based services protect nothing", async () => {
      emulator.registry.tag("hello_world", "v3", digests[5]);
      emulator.registry.tag("hello_world", "latest", digests[6]);
      emulator.registry.tag("hello_world", "old", digests[7]);
      emulator.appRunner.createService({ name: "web", image: `${REGISTRY}/hello_world:v3` });
      emulator.appRunner.createService({ name: "paused", image: `${REGISTRY}/hello_world`, status: "PAUSED" });
      emulator.appRunner.createService({ name: "gone", image: `${REGISTRY}/hello_world:old`, status: "DELETED" });
      emulator.appRunner.createService({ name: "from-code" });
      const config = writePolicyFile(`
- name: beyond
  protected_period: 0
  protected_count: 0
  significant_tags: [prod]
  repositories: [hello_world]
`);
      emulator.registry.tag("hello_world", "prod", digests[0]);
      const { code, report, stderr } = await run(config);
      expect(code, stderr).to.equal(0);
      expect(lineOf(report, digests[5])).to.deep.include({ action: "keep", reason: "in-use:app-runner", workloads: ["app-runner web"] });
      expect(lineOf(report, digests[6])).to.deep.include({ action: "keep", reason: "in-use:app-runner", workloads: ["app-runner paused"] });
      // Anchor mode keeping only the anchor: everything older goes unless in use.
      expect(survivors()).to.deep.equal([digests[0], digests[5], digests[6]].sort());
    });

    it("reads every page (20 services a page) and describes each service once", async () => {
      for (let i = 0; i < 25; i++) emulator.appRunner.createService({ name: `svc-${i}`, image: image(i % 2 ? 3 : 4) });
      const { code, stderr } = await run();
      expect(code, stderr).to.equal(0);
      // No ECS cluster here, so every ListServices call is App Runner's: ceil(25 / 20).
      expect(emulator.calls.ListServices).to.equal(2);
      expect(emulator.calls.DescribeService).to.equal(25);
      expect(survivors()).to.deep.equal(kept(3, 4));
    });

    it("fails closed when App Runner cannot be read", async () => {
      emulator.appRunner.createService({ name: "web", image: image(5) });
      emulator.failNext("DescribeService", 1000, "server-error");
      const { code, report } = await run();
      expect(code).to.equal(1);
      expect(report.errors.map((e: { kind: string; code: string }) => [e.kind, e.code])).to.deep.equal([["in-use-unreadable", "InternalServiceErrorException"]]);
      expect(report.errors[0].message).to.include("App Runner in account 123456789012 in us-east-1").and.include("settings.in_use.app_runner: false (component arg inUseAppRunner: false)");
      expect(survivors()).to.have.length(10);
    });
  });

  describe("AWS Batch (in-use:batch)", () => {
    it("keeps the images of ACTIVE job definitions: container, multi-node, EKS and ECS properties; INACTIVE ones protect nothing", async () => {
      const batch = emulator.batch;
      batch.registerJobDefinition("plain", { containerProperties: { image: image(3) } });
      batch.registerJobDefinition("mpi", { nodeProperties: { numNodes: 2, mainNode: 0, nodeRangeProperties: [{ targetNodes: "0:", container: { image: image(4) } }] } });
      batch.registerJobDefinition("pods", { eksProperties: { podProperties: { containers: [{ image: image(5) }], initContainers: [{ image: image(6) }] } } });
      batch.registerJobDefinition("tasks", { ecsProperties: { taskProperties: [{ containers: [{ image: image(7) }] }] } });
      batch.deregisterJobDefinition(batch.registerJobDefinition("retired", { containerProperties: { image: image(8) } }).arn);
      const { code, report, stderr } = await run();
      expect(code, stderr).to.equal(0);
      expect(lineOf(report, digests[3])).to.deep.include({ action: "keep", reason: "in-use:batch", workloads: ["batch plain:1"] });
      expect(lineOf(report, digests[4])).to.deep.include({ workloads: ["batch mpi:1"] });
      expect(lineOf(report, digests[6])).to.deep.include({ reason: "in-use:batch", workloads: ["batch pods:1"] });
      expect(survivors()).to.deep.equal(kept(3, 4, 5, 6, 7));
    });

    it("reads every page of 100 definitions, once per run", async () => {
      for (let i = 0; i < 150; i++) emulator.batch.registerJobDefinition(`job-${i}`, { containerProperties: { image: image(i === 149 ? 9 : 2) } });
      const { code, stderr } = await run();
      expect(code, stderr).to.equal(0);
      expect(emulator.calls.DescribeJobDefinitions).to.equal(2);
      expect(survivors()).to.deep.equal(kept(2, 9));
    });

    it("fails closed when Batch cannot be read", async () => {
      emulator.failNext("DescribeJobDefinitions", 1000, "throttle");
      const { code, report } = await run();
      expect(code).to.equal(1);
      expect(report.errors[0].message).to.include("AWS Batch in account 123456789012 in us-east-1").and.include("settings.in_use.batch: false");
      expect(survivors()).to.have.length(10);
    });
  });

  describe("other accounts (settings.in_use.accounts)", () => {
    const withAccount = (extra = "") => policy(`accounts:\n  - role_arn: ${ROLE}${extra}`);

    it("reads every source in the other account through its role, assumed once; its workloads are named with account and region", async () => {
      emulator.sts.createRole(ROLE);
      emulator.lambdaFor("us-east-1", OTHER_ACCOUNT).createFunction({ name: "edge", packageType: "Image", imageUri: image(4) });
      emulator.batchFor("us-east-1", OTHER_ACCOUNT).registerJobDefinition("nightly", { containerProperties: { image: image(5) } });
      emulator.ecsFor("eu-west-1", OTHER_ACCOUNT).registerTaskDefinition("web", [{ name: "web", image: image(6) }]);
      // Their cluster verifies a token signed with the assumed role's credentials.
      (await emulator.eksFor("eu-west-1", OTHER_ACCOUNT).createCluster({ name: "theirs" })).api.addPod({ namespace: "ml", name: "train", containers: [{ image: image(3) }] });
      // The same function name in the registry's own account uses another image: the accounts are not mixed up.
      emulator.lambda.createFunction({ name: "edge", packageType: "Image", imageUri: image(7) });
      const { code, report, stderr } = await run(policy(`regions: [eu-west-1]\naccounts:\n  - role_arn: ${ROLE}`));
      expect(code, stderr).to.equal(0);
      expect(lineOf(report, digests[4])).to.deep.include({ reason: "in-use:lambda", workloads: [`${OTHER_ACCOUNT}/us-east-1 lambda edge:$LATEST`] });
      expect(lineOf(report, digests[5])).to.deep.include({ reason: "in-use:batch", workloads: [`${OTHER_ACCOUNT}/us-east-1 batch nightly:1`] });
      expect(lineOf(report, digests[6])).to.deep.include({ reason: "in-use:ecs-revision", workloads: [`${OTHER_ACCOUNT}/eu-west-1 ecs task-definition web:1`] });
      expect(lineOf(report, digests[7])).to.deep.include({ reason: "in-use:lambda", workloads: ["lambda edge:$LATEST"] });
      expect(lineOf(report, digests[3])).to.deep.include({ reason: "in-use:eks", workloads: [`${OTHER_ACCOUNT}/eu-west-1 eks pod ml/train (cluster theirs)`] });
      expect(survivors()).to.deep.equal(kept(3, 4, 5, 6, 7));
      expect(emulator.sts.assumed.get(ROLE)).to.equal(1);
      // Two accounts by two regions: each source once in each.
      expect(emulator.calls.ListFunctions).to.equal(4);
      expect(emulator.calls.DescribeJobDefinitions).to.equal(4);
      expect(emulator.calls["eks:ListClusters"]).to.equal(4);
    });

    it("a role that cannot be assumed (wrong external id) fails the run closed, naming the role and what to do", async () => {
      emulator.sts.createRole(ROLE, { externalId: "expected-id" });
      emulator.lambdaFor("us-east-1", OTHER_ACCOUNT).createFunction({ name: "edge", packageType: "Image", imageUri: image(4) });
      const { code, report } = await run(withAccount("\n    external_id: wrong-id"));
      expect(code).to.equal(1);
      expect(report.errors).to.have.length(1);
      expect(report.errors[0]).to.include({ kind: "in-use-unreadable", code: "AccessDenied" });
      expect(report.errors[0].message).to.include(`cannot assume role ${ROLE} to read account ${OTHER_ACCOUNT}`).and.include("sts:AssumeRole")
        .and.include("with this external id").and.include("settings.in_use.accounts");
      expect(survivors()).to.have.length(10);
    });

    it("with the right external id the role is assumed and its workloads count", async () => {
      emulator.sts.createRole(ROLE, { externalId: "expected-id" });
      emulator.lambdaFor("us-east-1", OTHER_ACCOUNT).createFunction({ name: "edge", packageType: "Image", imageUri: image(4) });
      const { code, stderr } = await run(withAccount("\n    external_id: expected-id"));
      expect(code, stderr).to.equal(0);
      expect(survivors()).to.deep.equal(kept(4));
    });
  });

  it("reads each source once per run, however many repositories", async () => {
    for (const name of ["team-a", "team-b", "team-c"]) {
      emulator.registry.createRepository(name);
      emulator.registry.putImage(name, { pushedAt: new Date(Date.parse(NOW) - DAY) });
    }
    emulator.ecs.registerTaskDefinition("web", [{ name: "web", image: image(9) }]);
    const cluster = await emulator.eks.createCluster({ name: "prod" });
    cluster.api.addPod({ name: "p", containers: [{ image: image(8) }] });
    const config = writePolicyFile(`
- name: all
  protected_period: 0
  protected_count: 1
  significant_tags: '*'
`);
    const { code, stderr } = await run(config);
    expect(code, stderr).to.equal(0);
    for (const operation of ["ListTaskDefinitionFamilies", "ListTaskDefinitions", "DescribeTaskDefinition", "DescribeJobDefinitions", "ListFunctions", "ListClusters", "eks:ListClusters", "eks:DescribeCluster"]) {
      expect(emulator.calls[operation], operation).to.equal(1);
    }
    // Each of the cluster's nine lists once (one page each).
    expect(cluster.api.requests.map((r) => r.path).sort()).to.deep.equal([...new Set(cluster.api.requests.map((r) => r.path))].sort()).and.have.length(9);
  });
});
