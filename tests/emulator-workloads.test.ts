/** The emulator's ECS and Lambda reads, exercised through the real AWS SDK v3 clients on the ECR emulator's endpoint. */
import {
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTasksCommand,
  paginateListClusters,
  paginateListServices,
  paginateListTasks,
} from "@aws-sdk/client-ecs";
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand, ListVersionsByFunctionCommand, paginateListFunctions } from "@aws-sdk/client-lambda";
import { expect } from "chai";
import { startEcrEmulator, type EcrEmulator } from "./emulator/server";

const NOW = new Date("2024-06-01T12:00:00.000Z");
const ACCOUNT = "123456789012";
const ECS_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}`;
const LAMBDA_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function`;
const DIGEST_A = `sha256:${"a".repeat(64)}`;
const DIGEST_B = `sha256:${"b".repeat(64)}`;

type AwsFailure = Error & { $metadata?: { httpStatusCode?: number }; $fault?: string; Type?: string };

/** The rejection of `p` (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<AwsFailure> {
  try {
    await p;
  } catch (err) {
    return err as AwsFailure;
  }
  throw new Error("expected the call to fail");
}

async function collect<P>(pages: AsyncIterable<P>, pick: (page: P) => string[] | undefined): Promise<{ items: string[]; pages: number }> {
  const items: string[] = [];
  let count = 0;
  for await (const page of pages) {
    count++;
    items.push(...(pick(page) ?? []));
  }
  return { items, pages: count };
}

describe("ECS and Lambda in the emulator", function () {
  let em: EcrEmulator;
  const clients: { destroy(): void }[] = [];
  const config = (maxAttempts: number, region = "us-east-1") => ({
    endpoint: em.endpoint,
    region,
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    maxAttempts,
  });
  const ecsClient = (maxAttempts = 1, region?: string) => {
    const c = new ECSClient(config(maxAttempts, region));
    clients.push(c);
    return c;
  };
  const lambdaClient = (maxAttempts = 1) => {
    const c = new LambdaClient(config(maxAttempts));
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    em = await startEcrEmulator({ clock: () => NOW });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await em.stop();
  });

  describe("ECS", () => {
    let ecs: ECSClient;
    let web: string;

    beforeEach(() => {
      ecs = ecsClient();
      em.ecs.createCluster("prod");
      web = em.ecs.registerTaskDefinition("web", [{ name: "app", image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/web:v1` }]);
    });

    it("pages clusters, tasks and services with the SDK paginators, in ECS's ARN formats", async () => {
      for (let i = 0; i < 4; i++) em.ecs.createCluster(`c${i}`);
      const clusters = await collect(paginateListClusters({ client: ecs, pageSize: 2 }, {}), (p) => p.clusterArns);
      expect(clusters.pages).to.equal(3);
      expect(clusters.items).to.deep.equal(["prod", "c0", "c1", "c2", "c3"].map((n) => `${ECS_ARN}:cluster/${n}`));

      for (let i = 0; i < 150; i++) em.ecs.runTask("prod", { taskDefinitionArn: web });
      for (let i = 0; i < 3; i++) em.ecs.runTask("prod", { taskDefinitionArn: web, desiredStatus: "STOPPED" });
      em.ecs.runTask("prod", { taskDefinitionArn: web, lastStatus: "PENDING" });
      // RUNNING is the default filter, and it takes in the task still PENDING.
      const running = await collect(paginateListTasks({ client: ecs, pageSize: 100 }, { cluster: "prod" }), (p) => p.taskArns);
      expect(running.pages).to.equal(2);
      expect(running.items).to.have.length(151);
      expect(new Set(running.items).size).to.equal(151);
      for (const arn of running.items) expect(arn).to.match(new RegExp(`^${ECS_ARN}:task/prod/[0-9a-f]{32}$`));
      const stopped = await ecs.send(new ListTasksCommand({ cluster: `${ECS_ARN}:cluster/prod`, desiredStatus: "STOPPED" }));
      expect(stopped.taskArns).to.have.length(3);
      // ECS never sets a desired status of PENDING: the filter is accepted and matches nothing.
      expect((await ecs.send(new ListTasksCommand({ cluster: "prod", desiredStatus: "PENDING" }))).taskArns).to.deep.equal([]);

      for (let i = 0; i < 12; i++) em.ecs.createService("prod", { name: `svc${String(i).padStart(2, "0")}`, taskDefinition: web });
      em.ecs.createService("prod", { name: "draining", status: "DRAINING", taskDefinition: web });
      em.ecs.createService("prod", { name: "gone", status: "INACTIVE", taskDefinition: web });
      const before = em.calls.ListServices ?? 0;
      // Without maxResults ListServices returns up to 10 a page; DRAINING and INACTIVE services are not listed.
      const services = await collect(paginateListServices({ client: ecs }, { cluster: "prod" }), (p) => p.serviceArns);
      expect(services.pages).to.equal(2);
      expect(em.calls.ListServices - before).to.equal(2);
      expect(services.items).to.have.length(12);
      expect(services.items[0]).to.equal(`${ECS_ARN}:service/prod/svc00`);
    });

    it("rejects the documented limits with InvalidParameterException, and unknown clusters and task definitions", async () => {
      const invalid = async (p: Promise<unknown>, message?: string) => {
        const err = await rejection(p);
        expect(err.name).to.equal("InvalidParameterException");
        expect(err.$metadata?.httpStatusCode).to.equal(400);
        if (message) expect(err.message).to.equal(message);
      };
      await invalid(ecs.send(new ListTasksCommand({ cluster: "prod", maxResults: 101 })));
      await invalid(ecs.send(new ListTasksCommand({ cluster: "prod", maxResults: 0 })));
      await invalid(ecs.send(new ListServicesCommand({ cluster: "prod", maxResults: 101 })));
      await invalid(ecs.send(new ListClustersCommand({ maxResults: 101 })));
      await invalid(ecs.send(new ListClustersCommand({ nextToken: "bogus" })), "Invalid token bogus");
      await invalid(ecs.send(new DescribeTasksCommand({ cluster: "prod", tasks: [] })), "Tasks cannot be empty.");
      const ids = Array.from({ length: 101 }, (_, i) => `t${i}`);
      await invalid(ecs.send(new DescribeTasksCommand({ cluster: "prod", tasks: ids })), "taskIds can have at most 100 items.");
      await invalid(ecs.send(new DescribeServicesCommand({ cluster: "prod", services: ids.slice(0, 11) })), "service names can have at most 10 items.");
      await invalid(ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: ids.slice(0, 21) })));
      // The largest allowed values are accepted.
      await ecs.send(new ListTasksCommand({ cluster: "prod", maxResults: 100 }));
      await ecs.send(new DescribeTasksCommand({ cluster: "prod", tasks: ids.slice(0, 100) }));

      const noCluster = await rejection(ecs.send(new ListTasksCommand({ cluster: "nope" })));
      expect(noCluster.name).to.equal("ClusterNotFoundException");
      // Without `cluster` the default cluster is assumed, and there is none.
      expect((await rejection(ecs.send(new ListServicesCommand({})))).name).to.equal("ClusterNotFoundException");
      const noDefinition = await rejection(ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web:7" })));
      expect(noDefinition.name).to.equal("ClientException");
      expect(noDefinition.message).to.equal("Unable to describe task definition.");
    });

    it("describes tasks and services, with unknown identifiers in failures[]", async () => {
      const task = em.ecs.runTask("prod", {
        taskDefinitionArn: "web:1",
        containers: [{ name: "app", image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/web:v1`, imageDigest: DIGEST_A }],
      });
      const tasks = await ecs.send(new DescribeTasksCommand({ cluster: "prod", tasks: [task.id, task.arn, "0".repeat(32)] }));
      expect(tasks.tasks).to.have.length(1);
      expect(tasks.tasks![0]).to.include({ taskArn: task.arn, clusterArn: `${ECS_ARN}:cluster/prod`, taskDefinitionArn: web, desiredStatus: "RUNNING" });
      expect(tasks.tasks![0].containers![0]).to.include({ name: "app", imageDigest: DIGEST_A });
      expect(tasks.failures).to.deep.equal([{ arn: `${ECS_ARN}:task/prod/${"0".repeat(32)}`, reason: "MISSING" }]);

      em.ecs.createService("prod", { name: "api", taskDefinition: web });
      em.ecs.createService("prod", { name: "old", status: "INACTIVE", taskDefinition: web });
      const out = await ecs.send(new DescribeServicesCommand({ cluster: "prod", services: ["api", `${ECS_ARN}:service/prod/old`, "missing"] }));
      expect(out.services!.map((s) => [s.serviceArn, s.status])).to.deep.equal([
        [`${ECS_ARN}:service/prod/api`, "ACTIVE"],
        [`${ECS_ARN}:service/prod/old`, "INACTIVE"],
      ]);
      expect(out.services![0].deployments!.map((d) => [d.status, d.taskDefinition])).to.deep.equal([["PRIMARY", web]]);
      expect(out.failures).to.deep.equal([{ arn: `${ECS_ARN}:service/prod/missing`, reason: "MISSING" }]);
    });

    it("describes task definitions by ARN, family:revision and family", async () => {
      const v2 = em.ecs.registerTaskDefinition("web", [{ name: "app", image: "web:v2" }]);
      expect(v2).to.equal(`${ECS_ARN}:task-definition/web:2`);
      const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web" }));
      expect(latest.taskDefinition).to.include({ taskDefinitionArn: v2, family: "web", revision: 2, status: "ACTIVE" });
      expect(latest.taskDefinition!.containerDefinitions!.map((c) => c.image)).to.deep.equal(["web:v2"]);
      expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: "web:1" }))).taskDefinition!.taskDefinitionArn).to.equal(web);
      expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: web }))).taskDefinition!.revision).to.equal(1);
    });

    it("serves a service's deployments, task sets and current revisions, and the revisions' pinned digests", async () => {
      const v2 = em.ecs.registerTaskDefinition("web", [{ name: "app", image: "web:v2" }]);
      const image = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/web`;
      em.ecs.createService("prod", {
        name: "web",
        taskDefinition: v2,
        deployments: [
          { status: "PRIMARY", taskDefinition: v2 },
          { status: "ACTIVE", taskDefinition: "web:1" },
        ],
        revisions: [
          { containerImages: [{ containerName: "app", image: `${image}:v2`, imageDigest: DIGEST_B }] },
          { taskDefinition: web, containerImages: [{ containerName: "app", image: `${image}:v1`, imageDigest: DIGEST_A }] },
        ],
      });
      em.ecs.createService("prod", { name: "blue-green", taskDefinition: web, taskSets: [{ taskDefinition: "web:2" }] });
      const out = await ecs.send(new DescribeServicesCommand({ cluster: "prod", services: ["web", "blue-green"] }));
      const [svc, withSets] = out.services!;
      expect(svc.deployments!.map((d) => d.taskDefinition)).to.deep.equal([v2, web]);
      const revisionArns = svc.currentServiceRevisions!.map((r) => r.arn!);
      expect(revisionArns).to.have.length(2);
      for (const arn of revisionArns) expect(arn).to.match(new RegExp(`^${ECS_ARN}:service-revision/prod/web/[0-9]{19}$`));
      expect(withSets.deploymentController).to.deep.equal({ type: "EXTERNAL" });
      expect(withSets.taskSets!.map((t) => t.taskDefinition)).to.deep.equal([v2]);

      const unknown = `${ECS_ARN}:service-revision/prod/web/1234567890123456789`;
      const revisions = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [...revisionArns, unknown] }));
      expect(revisions.serviceRevisions!.map((r) => [r.serviceRevisionArn, r.taskDefinition, r.containerImages])).to.deep.equal([
        [revisionArns[0], v2, [{ containerName: "app", image: `${image}:v2`, imageDigest: DIGEST_B }]],
        [revisionArns[1], web, [{ containerName: "app", image: `${image}:v1`, imageDigest: DIGEST_A }]],
      ]);
      expect(revisions.serviceRevisions![0]).to.include({ serviceArn: `${ECS_ARN}:service/prod/web`, clusterArn: `${ECS_ARN}:cluster/prod` });
      expect(revisions.failures).to.deep.equal([{ arn: unknown, reason: "MISSING" }]);
    });

    it("keeps each region's ECS state apart", async () => {
      const other = ecsClient(1, "eu-west-1");
      expect((await other.send(new ListClustersCommand({}))).clusterArns).to.deep.equal([]);
      em.ecsFor("eu-west-1").createCluster("prod");
      expect((await other.send(new ListClustersCommand({}))).clusterArns).to.deep.equal([`arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/prod`]);
    });
  });

  describe("Lambda", () => {
    let lambda: LambdaClient;
    const repoUri = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/api`;

    beforeEach(() => {
      lambda = lambdaClient();
    });

    it("pages ListFunctions at 50 a page, every version its own entry with FunctionVersion=ALL", async () => {
      for (let i = 0; i < 55; i++) em.lambda.createFunction({ name: `zip-${String(i).padStart(2, "0")}`, packageType: "Zip" });
      for (let i = 0; i < 10; i++) {
        em.lambda.createFunction({
          name: `img-${i}`,
          packageType: "Image",
          imageUri: `${repoUri}:latest`,
          resolvedImageUri: `${repoUri}@${DIGEST_A}`,
          versions: [{ imageUri: `${repoUri}:v1`, resolvedImageUri: `${repoUri}@${DIGEST_B}` }, {}],
        });
      }
      // MaxItems above 50 still returns at most 50 a page.
      const latest = await collect(paginateListFunctions({ client: lambda, pageSize: 100 }, {}), (p) => p.Functions?.map((f) => f.FunctionArn!));
      expect(latest.pages).to.equal(2);
      expect(latest.items).to.have.length(65);
      expect(latest.items[0]).to.equal(`${LAMBDA_ARN}:img-0`);

      const all = await collect(paginateListFunctions({ client: lambda }, { FunctionVersion: "ALL" }), (p) => p.Functions?.map((f) => f.FunctionArn!));
      expect(all.pages).to.equal(2);
      expect(all.items).to.have.length(55 + 10 * 3);
      expect(all.items.slice(0, 3)).to.deep.equal([`${LAMBDA_ARN}:img-0:$LATEST`, `${LAMBDA_ARN}:img-0:1`, `${LAMBDA_ARN}:img-0:2`]);
      expect(all.items).to.include(`${LAMBDA_ARN}:zip-54:$LATEST`);

      const page = await lambda.send(new ListFunctionsCommand({ FunctionVersion: "ALL", MaxItems: 3 }));
      expect(page.Functions!.map((f) => [f.Version, f.PackageType])).to.deep.equal([
        ["$LATEST", "Image"],
        ["1", "Image"],
        ["2", "Image"],
      ]);
      expect(page.NextMarker).to.be.a("string");
    });

    it("GetFunction by name, by qualified ARN and with Qualifier returns the version's image and resolved digest", async () => {
      em.registry.createRepository("api");
      const v1 = em.registry.putImage("api", { tags: ["v1"] }).digest;
      const v2 = em.registry.putImage("api", { tags: ["v2"] }).digest;
      em.lambda.createFunction({ name: "api", packageType: "Image", imageUri: `${repoUri}:v2`, versions: [{ imageUri: `${repoUri}:v1` }, {}] });
      // Lambda resolved the tags when each version was published: moving a tag later changes nothing.
      em.registry.tag("api", "v1", v2);

      const one = await lambda.send(new GetFunctionCommand({ FunctionName: `${LAMBDA_ARN}:api:1` }));
      expect(one.Code).to.deep.equal({ RepositoryType: "ECR", ImageUri: `${repoUri}:v1`, ResolvedImageUri: `${repoUri}@${v1}` });
      expect(one.Configuration).to.include({ FunctionArn: `${LAMBDA_ARN}:api:1`, Version: "1", PackageType: "Image", State: "Active" });

      const byName = await lambda.send(new GetFunctionCommand({ FunctionName: "api" }));
      expect(byName.Configuration).to.include({ FunctionArn: `${LAMBDA_ARN}:api`, Version: "$LATEST" });
      expect(byName.Code!.ResolvedImageUri).to.equal(`${repoUri}@${v2}`);
      const two = await lambda.send(new GetFunctionCommand({ FunctionName: `${ACCOUNT}:function:api`, Qualifier: "2" }));
      expect(two.Code!.ResolvedImageUri).to.equal(`${repoUri}@${v2}`);

      const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: "api" }));
      expect(versions.Versions!.map((v) => v.FunctionArn)).to.deep.equal([`${LAMBDA_ARN}:api:$LATEST`, `${LAMBDA_ARN}:api:1`, `${LAMBDA_ARN}:api:2`]);

      const clash = await rejection(lambda.send(new GetFunctionCommand({ FunctionName: "api:1", Qualifier: "2" })));
      expect(clash.name).to.equal("InvalidParameterValueException");
      expect(clash.message).to.equal("The derived qualifier from the function name does not match the specified qualifier.");
    });

    it("answers unknown functions and out-of-range MaxItems with Lambda's REST-JSON errors", async () => {
      em.lambda.createFunction({ name: "api", packageType: "Image", imageUri: `${repoUri}:v1` });
      const missing = await rejection(lambda.send(new GetFunctionCommand({ FunctionName: `${LAMBDA_ARN}:api:9` })));
      expect(missing.name).to.equal("ResourceNotFoundException");
      expect(missing.$metadata?.httpStatusCode).to.equal(404);
      expect(missing.Type).to.equal("User");
      expect(missing.message).to.equal(`Function not found: ${LAMBDA_ARN}:api:9`);
      expect((await rejection(lambda.send(new ListVersionsByFunctionCommand({ FunctionName: "nope" })))).name).to.equal("ResourceNotFoundException");

      // The wire format: the code in x-amzn-ErrorType, the shape's own members in the body.
      const raw = await fetch(`${em.endpoint}/2015-03-31/functions/nope`);
      expect(raw.status).to.equal(404);
      expect(raw.headers.get("x-amzn-errortype")).to.equal("ResourceNotFoundException");
      expect(await raw.json()).to.deep.equal({ Type: "User", Message: `Function not found: ${LAMBDA_ARN}:nope` });

      for (const MaxItems of [0, 10_001]) {
        const err = await rejection(lambda.send(new ListFunctionsCommand({ MaxItems })));
        expect(err.name).to.equal("ValidationException");
        expect(err.$metadata?.httpStatusCode).to.equal(400);
        expect(err.message).to.match(/^1 validation error detected: Value '\d+' at 'maxItems' failed to satisfy constraint/);
      }
      expect((await lambda.send(new ListFunctionsCommand({ MaxItems: 10_000 }))).Functions).to.have.length(1);
      const badMarker = await rejection(lambda.send(new ListFunctionsCommand({ Marker: "bogus" })));
      expect(badMarker.name).to.equal("InvalidParameterValueException");
      const badName = await rejection(lambda.send(new GetFunctionCommand({ FunctionName: "no spaces" })));
      expect(badName.name).to.equal("ValidationException");
    });
  });

  describe("faults and counters", () => {
    it("apply to ECS and Lambda operations by name", async () => {
      const ecs = ecsClient();
      const lambda = lambdaClient();
      em.ecs.createCluster("prod");
      em.lambda.createFunction({ name: "api", packageType: "Zip" });

      em.failNext("ListTasks", 1, "throttle");
      const throttled = await rejection(ecs.send(new ListTasksCommand({ cluster: "prod" })));
      expect(throttled.name).to.equal("ThrottlingException");
      expect(await ecs.send(new ListTasksCommand({ cluster: "prod" }))).to.have.property("taskArns");

      em.failNext("GetFunction", 1, "server-error");
      const failed = await rejection(lambda.send(new GetFunctionCommand({ FunctionName: "api" })));
      expect(failed.name).to.equal("ServiceException");
      expect(failed.$metadata?.httpStatusCode).to.equal(500);
      expect(failed.$fault).to.equal("server");

      em.throttle("ListFunctions", 0);
      const limited = await rejection(lambda.send(new ListFunctionsCommand({})));
      expect(limited.name).to.equal("TooManyRequestsException");
      expect(limited.$metadata?.httpStatusCode).to.equal(429);
      em.throttle("ListFunctions", null);

      em.failNext("DescribeServices", 1, "server-error");
      const ecsFailed = await rejection(ecs.send(new DescribeServicesCommand({ cluster: "prod", services: ["x"] })));
      expect(ecsFailed.name).to.equal("ServerException");

      // A hook runs before the operation, sees the path and query parameters of a REST call, and may change state.
      const seen: string[] = [];
      em.beforeOperation("GetFunction", (ctx) => {
        seen.push(String(ctx.input.FunctionName));
        em.lambda.publishVersion("api");
      });
      const published = await lambda.send(new GetFunctionCommand({ FunctionName: "api", Qualifier: "1" }));
      expect(published.Configuration!.Version).to.equal("1");
      expect(seen).to.deep.equal(["api"]);

      await lambda.send(new ListFunctionsCommand({}));
      await ecs.send(new ListClustersCommand({}));
      expect(em.calls).to.deep.include({ ListTasks: 1, GetFunction: 1, ListFunctions: 1, ListClusters: 1 });
      expect(em.faults.injectedCount("throttle")).to.equal(2);
      expect(em.faults.injectedCount("server-error", "GetFunction")).to.equal(1);
      const getFunctions = em.faults.log.filter((r) => r.operation === "GetFunction");
      expect(getFunctions.map((r) => r.outcome)).to.deep.equal(["server-error", "ok"]);
      expect(getFunctions[1].input).to.deep.include({ FunctionName: "api", Qualifier: "1" });
    });
  });
});
