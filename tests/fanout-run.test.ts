/**
 * Fan-out mode end to end, in-process: the state machine's definition (as the component deploys it, under Pulumi's
 * mocks) drives the fan-out handler the way Step Functions would (tests/support/asl.ts): Prepare, the Distributed Map
 * over the items in S3 in batches, its ResultWriter, then Aggregate. ECR, ECS and Lambda are the project's emulator;
 * S3 is moto, through the real SDK. The aggregated report must equal a single-function run's on the same registry.
 */
import { expect } from "chai";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { EcrCleanupPolicyArgs, RetentionPolicyArgs } from "../component";
import type { AwsClients } from "../runtime/ecr/client";
import type { RunReport } from "../runtime/engine/report";
import { aggregateRun, readOutcomes, StoredContext } from "../runtime/fanout/aggregate";
import { createFanOutHandler } from "../runtime/fanout/handler";
import type { FanOutItem } from "../runtime/fanout/items";
import { runKeys } from "../runtime/fanout/keys";
import { JsonStore, s3Store } from "../runtime/fanout/storage";
import { CURSOR_PARAMETER_ENV } from "../runtime/lambda/config";
import { createHandler, HandlerResult } from "../runtime/lambda/handler";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { AslSimulator } from "./support/asl";
import { captureLog, destroyAll, emulatorClients, lambdaContext, s3ClientFor } from "./support/in-process";
import { deployedFunction, Deployment, scheduledEvent } from "./support/lambda-invoke";
import { motoForSuite } from "./support/moto-suite";

const DAY = 86_400_000;
const CLOCK = new Date("2030-01-10T12:00:00Z");
const SCHEDULED = "2030-01-10T03:00:00Z";
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const ago = (days: number) => new Date(Date.parse(SCHEDULED) - days * DAY);

const POLICIES: RetentionPolicyArgs[] = [
  { name: "flush", repositories: ["app-*"], significantTags: ["*"], protectedPeriod: "3d", protectedCount: 2 },
  { name: "releases", repositories: ["svc/*", "svc/missing"], significantTags: ["prod"], protectedPeriod: "2d", protectedCount: 1 },
  { name: "capped", repositories: ["cap-x"], significantTags: ["*"], protectedPeriod: "0s", protectedCount: 0, maxDeletions: 1 },
];

/** The same registry, image for image (the emulator's digests are deterministic): seven governed repositories, one not. */
function seed(emulator: EcrEmulator): { inUse: string } {
  const registry = emulator.registry;
  for (const name of ["app-a", "app-b", "app-c", "svc/api", "svc/web", "cap-x", "other"]) registry.createRepository(name);
  for (const name of ["app-a", "app-c", "other"]) for (let d = 10; d >= 1; d--) registry.putImage(name, { pushedAt: ago(d) });
  let inUse = "";
  for (let d = 8; d >= 1; d--) {
    const digest = registry.putImage("app-b", { pushedAt: ago(d) }).digest;
    if (d === 7) inUse = digest;
  }
  for (const name of ["svc/api", "svc/web"]) {
    for (let d = 12; d >= 1; d--) registry.putImage(name, { pushedAt: ago(d), tags: d === 5 ? ["prod"] : [] });
  }
  // An image index with two platform images, old enough to go as a unit.
  const amd = registry.putImage("svc/web", { pushedAt: ago(20) }).digest;
  const arm = registry.putImage("svc/web", { pushedAt: ago(20) }).digest;
  registry.putImage("svc/web", { pushedAt: ago(20), children: [amd, arm] });
  for (let d = 3; d >= 1; d--) registry.putImage("cap-x", { pushedAt: ago(d) });
  // A RUNNING task runs an old untagged image of app-b, by digest.
  emulator.ecs.createCluster("prod");
  const definition = emulator.ecs.registerTaskDefinition("web", [{ name: "web", image: `${REGISTRY}/app-b@${inUse}` }]);
  emulator.ecs.runTask("prod", { taskDefinitionArn: definition, containers: [{ name: "web", image: `${REGISTRY}/app-b@${inUse}`, imageDigest: inUse }] });
  return { inUse };
}

const GOVERNED = ["app-a", "app-b", "app-c", "cap-x", "svc/api", "svc/web"];

describe("fan-out mode, run as the state machine runs it (emulator; moto for S3)", function () {
  const aws = motoForSuite();
  let s3: S3Client;
  const emulators: EcrEmulator[] = [];
  const clientSets: AwsClients[] = [];

  before(() => {
    s3 = s3ClientFor(aws.moto.endpoint);
  });
  after(() => s3?.destroy());
  afterEach(async () => {
    for (const clients of clientSets.splice(0)) destroyAll(Object.values(clients));
    for (const emulator of emulators.splice(0)) await emulator.stop();
  });

  async function registry(): Promise<{ emulator: EcrEmulator; clients: AwsClients; inUse: string }> {
    const emulator = await startEcrEmulator({ clock: () => ago(30) });
    emulators.push(emulator);
    const clients = emulatorClients(emulator.endpoint);
    clientSets.push(clients);
    return { emulator, clients, ...seed(emulator) };
  }

  const survivors = (emulator: EcrEmulator) =>
    Object.fromEntries(GOVERNED.map((name) => [name, emulator.registry.images(name).map((i) => i.digest).sort()]));

  interface FanOutRun {
    result: HandlerResult;
    lines: any[];
    simulator: AslSimulator;
    store: JsonStore;
    deployment: Deployment;
    /** The execution's name: the run's folder in the bucket. */
    run: string;
  }

  let runs = 0;
  /**
   * Deploys fan-out mode under mocks, creates its bucket in moto, and runs one execution of its state machine.
   * `failBatch` makes the function fail on that batch (0-based), as a crashed or timed-out invocation would.
   */
  async function fanOutRun(clients: AwsClients, args: Partial<EcrCleanupPolicyArgs>, options: { running?: number; failBatch?: number } = {}): Promise<FanOutRun> {
    const name = `fan${++runs}`;
    const deployment = await deployedFunction(name, { policies: POLICIES, fanOut: true, fanOutBatchSize: 2, ...args });
    const { bucket, definition, stateMachineArn } = deployment.fanOut!;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = s3Store(s3, bucket);
    const handler = createFanOutHandler({ env: () => deployment.environment, clients: () => clients, s3: () => s3, clock: () => CLOCK });
    let batch = 0;
    const simulator = new AslSimulator(definition, {
      store,
      running: () => Array.from({ length: options.running ?? 1 }, (_, i) => ({ ExecutionArn: `execution-${i}` })),
      invoke: async (functionArn, payload) => {
        expect(functionArn).to.equal(deployment.functionArn);
        if (payload.Items && batch++ === options.failBatch) throw Object.assign(new Error("Task timed out after 900.00 seconds"), { name: "Lambda.Unknown" });
        return handler(payload, lambdaContext());
      },
    }, { Execution: { Name: `run-${runs}`, Input: scheduledEvent(deployment.scheduleInput, SCHEDULED) }, StateMachine: { Id: stateMachineArn } });
    const { result, lines } = await captureLog(() => simulator.run());
    return { result, lines, simulator, store, deployment, run: `run-${runs}` };
  }

  /** The single-function handler on the same policies (without the cursor, which only orders the repositories). */
  async function singleRun(clients: AwsClients, args: Partial<EcrCleanupPolicyArgs>): Promise<{ result: HandlerResult; lines: any[] }> {
    const deployment = await deployedFunction(`single${++runs}`, { policies: POLICIES, ...args });
    const env = { ...deployment.environment };
    delete env[CURSOR_PARAMETER_ENV];
    const handler = createHandler({ env: () => env, clients: () => clients, ssm: () => { throw new Error("no cursor here"); }, clock: () => CLOCK });
    return captureLog(() => handler(scheduledEvent(deployment.scheduleInput, SCHEDULED), lambdaContext()));
  }

  /** The run's full report, from what the steps left in S3 (the aggregate step itself keeps no deletion lines). */
  async function fullReport(run: FanOutRun): Promise<RunReport> {
    const stored = await run.store.get<StoredContext>(runKeys(run.run).context);
    const results = run.simulator.record.invocations.at(-1)!.payload.results;
    return aggregateRun(stored, await readOutcomes(run.store, results));
  }

  const repositoryLines = (lines: any[]) =>
    lines.filter((l) => l.type === "repository").sort((a, b) => GOVERNED.indexOf(a.repository) - GOVERNED.indexOf(b.repository));
  const runLines = (lines: any[]) => lines.filter((l) => l.type !== "repository" && !l._aws);
  const metrics = (lines: any[]) => lines.filter((l) => l._aws).map(({ _aws, ...values }) => ({ ...values, metrics: _aws.CloudWatchMetrics }));
  const withoutLineFields = ({ type, dryRun, now, ...report }: any) => report;

  it("a dry run: the aggregated report equals a single-function run's (same deletions, same summary, same log lines)", async () => {
    const { clients, emulator } = await registry();
    const single = await singleRun(clients, {});
    const fanOut = await fanOutRun(clients, {});

    expect(fanOut.simulator.record.states).to.deep.equal(["FindRunningExecutions", "AnotherRunIsGoing", "Prepare", "Clean", "Aggregate"]);
    expect(fanOut.simulator.record.batches.map((b) => b.Items.map((i: FanOutItem) => i.repository))).to.deep.equal([
      ["app-a", "app-b"], ["app-c", "cap-x"], ["svc/api", "svc/web"],
    ]);
    expect(fanOut.result).to.deep.equal(single.result);
    expect(single.result.summary).to.include({ repositories: 6, repositoriesSkipped: 1, failures: 2, deleted: 0 });
    expect(single.result.summary.toDelete).to.be.greaterThan(20);
    expect(single.result.summary.keptBySafety).to.deep.include({ "in-use:ecs-task": 1, "cap-exceeded": 3 });
    expect(single.result.errors.map((e) => e.kind).sort()).to.deep.equal(["cap-exceeded", "missing-repository"]);

    // The same lines in the log group: the batches' repository lines, then the aggregate's run lines and metrics.
    expect(repositoryLines(fanOut.lines)).to.deep.equal(repositoryLines(single.lines));
    expect(runLines(fanOut.lines)).to.deep.equal(runLines(single.lines));
    expect(metrics(fanOut.lines)).to.deep.equal(metrics(single.lines));

    // The full report, deletions included, is the single run's.
    const report = await fullReport(fanOut);
    expect(report.repositories).to.deep.equal(repositoryLines(single.lines).map(withoutLineFields));
    expect(report.notGoverned).to.deep.equal(["other"]);
    expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
  });

  it("the inventory is taken once, by the prepare step; each item carries its repository's slice to the workers", async () => {
    const { clients, emulator, inUse } = await registry();
    const fanOut = await fanOutRun(clients, {});
    expect(emulator.calls.ListClusters).to.equal(1);
    expect(emulator.calls.ListFunctions).to.equal(1);
    expect(emulator.calls.DescribeRepositories).to.equal(1);
    const items = await fanOut.store.get<FanOutItem[]>(runKeys(fanOut.run).items);
    expect(items.map((i) => i.repository)).to.deep.equal(GOVERNED);
    for (const item of items) expect(item).to.include({ run: fanOut.run, now: "2030-01-10T03:00:00.000Z", inUseUnreadable: false });
    expect(items.find((i) => i.repository === "app-b")!.inUse.digests).to.deep.equal([[inUse, "in-use:ecs-task"]]);
    expect(items.filter((i) => i.repository !== "app-b").every((i) => !i.inUse.digests.length && !i.inUse.tags.length)).to.equal(true);
    // The states' payloads stay small: keys, not lists.
    for (const { payload } of fanOut.simulator.record.invocations) expect(Buffer.byteLength(JSON.stringify(payload))).to.be.below(256 * 1024);
  });

  it("dryRun: false deletes exactly what a single-function run deletes on an identical registry", async () => {
    const a = await registry();
    const b = await registry();
    expect(survivors(a.emulator)).to.deep.equal(survivors(b.emulator));
    const fanOut = await fanOutRun(a.clients, { dryRun: false });
    const single = await singleRun(b.clients, { dryRun: false });
    expect(fanOut.result).to.deep.equal(single.result);
    expect(single.result.summary.deleted).to.equal(single.result.summary.toDelete);
    expect(single.result.summary.deleted).to.be.greaterThan(20);
    expect(survivors(a.emulator)).to.deep.equal(survivors(b.emulator));
    expect(a.emulator.registry.images("app-b").map((i) => i.digest)).to.include(a.inUse);
    expect(repositoryLines(fanOut.lines)).to.deep.equal(repositoryLines(single.lines));
  });

  it("an in-use source that cannot be read: every worker knows, and nothing is deleted", async () => {
    const { clients, emulator } = await registry();
    emulator.failNext("ListClusters", 10, "server-error");
    const fanOut = await fanOutRun(clients, { dryRun: false });
    expect(fanOut.result.summary.deleted).to.equal(0);
    expect(fanOut.result.errors.map((e: { kind: string }) => e.kind)).to.include("in-use-unreadable");
    expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
    const items = await fanOut.store.get<FanOutItem[]>(runKeys(fanOut.run).items);
    expect(items.every((i) => i.inUseUnreadable)).to.equal(true);
  });

  it("a batch that fails is reported as an error naming its repositories, which count as not reached; the others are cleaned", async () => {
    const { clients } = await registry();
    const fanOut = await fanOutRun(clients, {}, { failBatch: 1 });
    expect(fanOut.simulator.record.states).to.deep.equal(["FindRunningExecutions", "AnotherRunIsGoing", "Prepare", "Clean", "Aggregate"]);
    expect(fanOut.result.notReached).to.deep.equal(["app-c", "cap-x"]);
    expect(fanOut.result.summary).to.include({ repositories: 4, repositoriesNotReached: 2 });
    const batchError = fanOut.result.errors.find((e: { code: string }) => e.code === "Lambda.Unknown");
    expect(batchError?.message).to.equal("a batch of 2 repositories failed and was not cleaned (app-c, cap-x): Task timed out after 900.00 seconds");
    expect(repositoryLines(fanOut.lines).map((l) => l.repository)).to.deep.equal(["app-a", "app-b", "svc/api", "svc/web"]);
  });

  it("an execution that finds another one running ends at once, without invoking the function", async () => {
    const { clients, emulator } = await registry();
    const fanOut = await fanOutRun(clients, {}, { running: 2 });
    expect(fanOut.simulator.record.states).to.deep.equal(["FindRunningExecutions", "AnotherRunIsGoing", "SkipOverlappingRun"]);
    expect(fanOut.simulator.record.invocations).to.deep.equal([]);
    expect(emulator.calls.DescribeRepositories ?? 0).to.equal(0);
  });
});
