/**
 * Fan-out mode run in-process, for the fan-out suites: the state machine's definition (as the component deploys it,
 * under Pulumi's mocks) drives the fan-out handler the way Step Functions would (tests/support/asl.ts): Prepare, the
 * Distributed Map over the items in S3 in batches, its ResultWriter, then Aggregate. ECR, ECS and Lambda are the
 * project's emulator, seeded with the same registry every time; S3 is moto, through the real SDK. Call
 * `fanOutHarness()` at the top of a `describe`.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import type { EcrCleanupPolicyArgs, RetentionPolicyArgs } from "../../component";
import type { AwsClients } from "../../runtime/ecr/client";
import type { RunReport } from "../../runtime/engine/report";
import { aggregateRun, readOutcomes } from "../../runtime/fanout/aggregate";
import { createFanOutHandler } from "../../runtime/fanout/handler";
import { RESULTS_PREFIX, runKeys } from "../../runtime/fanout/keys";
import { JsonStore, s3Store } from "../../runtime/fanout/storage";
import type { StoredRun } from "../../runtime/fanout/storedRun";
import { CURSOR_PARAMETER_ENV } from "../../runtime/lambda/config";
import type { ReportOutlets } from "../../runtime/lambda/reportOutlets";
import { createHandler, HandlerResult, LambdaContext } from "../../runtime/lambda/handler";
import { EcrEmulator, startEcrEmulator } from "../emulator/server";
import { AslSimulator, ExecutionFailed } from "./asl";
import { captureLog, destroyAll, emulatorClients, lambdaContext, s3ClientFor } from "./in-process";
import { deployedFunction, Deployment, scheduledEvent, withoutReports } from "./lambda-invoke";
import { motoForSuite } from "./moto-suite";
import { takeLock } from "../../runtime/lock/runLock";

const DAY = 86_400_000;
export const CLOCK = new Date("2030-01-10T12:00:00Z");
export const SCHEDULED = "2030-01-10T03:00:00Z";
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const ago = (days: number) => new Date(Date.parse(SCHEDULED) - days * DAY);

export const POLICIES: RetentionPolicyArgs[] = [
  { name: "flush", repositories: ["app-*"], significantTags: ["*"], protectedPeriod: "3d", protectedCount: 2 },
  { name: "releases", repositories: ["svc/*", "svc/missing"], significantTags: ["prod"], protectedPeriod: "2d", protectedCount: 1 },
  { name: "capped", repositories: ["cap-x"], significantTags: ["*"], protectedPeriod: "0s", protectedCount: 0, maxDeletions: 1 },
];

/** The governed repositories, in the run's order; with a batch size of 2: [app-a, app-b], [app-c, cap-x], [svc/api, svc/web]. */
export const GOVERNED = ["app-a", "app-b", "app-c", "cap-x", "svc/api", "svc/web"];

/** The same registry, image for image (the emulator's digests are deterministic): seven repositories, six governed. */
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
  emulator.ecs.runTask("prod", { taskDefinitionArn: definition, containers: [{ name: "web", image: `${REGISTRY}/app-b@${inUse}`, imageDigest: inUse }], id: "0123456789abcdef0123456789abcdef" });
  return { inUse };
}

export interface Registry {
  emulator: EcrEmulator;
  clients: AwsClients;
  /** The image the RUNNING ECS task uses (in app-b). */
  inUse: string;
}

/** Invokes the function on one batch as the Map's CleanBatch task would; the default is one plain invocation. */
export type BatchInvoker = (payload: any, batch: number, invoke: (payload: any, context?: LambdaContext) => Promise<unknown>) => Promise<unknown>;

export interface FanOutOptions {
  /** Another run that holds the run lock when this execution starts (unexpired). */
  lockHeldBy?: string;
  /** Called with the bucket before each batch (to change the run lock under a running run). */
  beforeBatch?: (store: JsonStore) => Promise<void>;
  invokeBatch?: BatchInvoker;
  /** The clock the workers see (the prepare and aggregate steps see CLOCK). */
  workerClock?: Date;
  /** The environment the workers see, from the deployment's (a deployment changed mid-run). */
  workerEnv?: (env: Record<string, string>) => Record<string, string>;
  /** Invokes the function for a step other than a batch (Prepare, Aggregate, ReportFailedRun, ReleaseRunLock); the default is one plain invocation. */
  invokeStep?: (payload: any, invoke: (payload: any) => Promise<unknown>) => Promise<unknown>;
  /** Every write under the Map's results prefix fails (its ResultWriter cannot write, so the Map fails). */
  resultsUnwritable?: boolean;
  /** The run's report and notification go here (the deployment's bucket and topic kept); without it, nowhere. */
  reports?: ReportOutlets;
}

export interface FanOutRun {
  /** The execution's output (undefined when it failed). */
  result: HandlerResult;
  /** The execution's error, when it ended in a Fail state. */
  failed?: ExecutionFailed;
  lines: any[];
  simulator: AslSimulator;
  store: JsonStore;
  deployment: Deployment;
  /** The execution's name: the run's folder in the bucket. */
  run: string;
  /** The fan-out handler as deployed, for invoking it directly after the run. */
  handler: (event: unknown, context: LambdaContext) => Promise<unknown>;
}

export function fanOutHarness() {
  const aws = motoForSuite();
  let s3: S3Client;
  const emulators: EcrEmulator[] = [];
  const clientSets: AwsClients[] = [];
  let runs = 0;

  before(() => {
    s3 = s3ClientFor(aws.moto.endpoint);
  });
  after(() => s3?.destroy());
  afterEach(async () => {
    for (const clients of clientSets.splice(0)) destroyAll(Object.values(clients));
    for (const emulator of emulators.splice(0)) await emulator.stop();
  });

  async function registry(): Promise<Registry> {
    const emulator = await startEcrEmulator({ clock: () => ago(30) });
    emulators.push(emulator);
    const clients = emulatorClients(emulator.endpoint);
    clientSets.push(clients);
    return { emulator, clients, ...seed(emulator) };
  }

  /** Deploys fan-out mode under mocks, creates its bucket in moto, and runs one execution of its state machine. */
  async function fanOutRun(clients: AwsClients, args: Partial<EcrCleanupPolicyArgs>, options: FanOutOptions = {}): Promise<FanOutRun> {
    const name = `fan${++runs}`;
    const run = `run-${runs}`;
    const deployed = await deployedFunction(name, { policies: POLICIES, fanOut: true, fanOutBatchSize: 2, ...args });
    const deployment = options.reports ? deployed : withoutReports(deployed);
    const { bucket, definition, stateMachineArn } = deployment.fanOut!;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = s3Store(s3, bucket);
    let clock = CLOCK;
    let env = deployment.environment;
    const reportOutlets = options.reports ? async () => options.reports! : undefined;
    const handler = createFanOutHandler({ env: () => env, clients: () => clients, s3: () => s3, clock: () => clock, reportOutlets });
    const refuseResults = (key: string) => {
      if (options.resultsUnwritable && key.startsWith(`${RESULTS_PREFIX}/`)) throw Object.assign(new Error("Access Denied"), { name: "AccessDenied" });
    };
    const invokeBatch: BatchInvoker = options.invokeBatch ?? ((payload, _batch, invoke) => invoke(payload));
    let batch = 0;
    const simulator = new AslSimulator(definition, {
      store: { ...store, put: async (key, value) => (refuseResults(key), store.put(key, value)) },
      running: () => {
        throw new Error("the state machine no longer lists executions: the run lock keeps runs apart");
      },
      invoke: async (functionArn, payload) => {
        expect(functionArn).to.equal(deployment.functionArn);
        if (!payload.Items) return options.invokeStep ? options.invokeStep(payload, (p) => handler(p, lambdaContext())) : handler(payload, lambdaContext());
        await options.beforeBatch?.(store);
        clock = options.workerClock ?? CLOCK;
        env = options.workerEnv?.(deployment.environment) ?? deployment.environment;
        try {
          return await invokeBatch(payload, batch++, (p, context = lambdaContext()) => handler(p, context));
        } finally {
          clock = CLOCK;
          env = deployment.environment;
        }
      },
    }, { Execution: { Name: run, Input: scheduledEvent(deployment.scheduleInput, SCHEDULED) }, StateMachine: { Id: stateMachineArn } });
    if (options.lockHeldBy) {
      const held = await takeLock({ s3, bucket }, options.lockHeldBy, 3_600_000, () => CLOCK);
      expect(held.taken).to.equal(true);
    }
    const { result: ended, lines } = await captureLog(() => simulator.run().then((output) => ({ output, failed: undefined }), (err: unknown) => {
      if (err instanceof ExecutionFailed) return { output: undefined, failed: err };
      throw err;
    }));
    return { result: ended.output, failed: ended.failed, lines, simulator, store, deployment, run, handler };
  }

  /** The single-function handler on the same policies (without the cursor, which only orders the repositories). */
  async function singleRun(clients: AwsClients, args: Partial<EcrCleanupPolicyArgs>): Promise<{ result: HandlerResult; lines: any[] }> {
    const deployment = withoutReports(await deployedFunction(`single${++runs}`, { policies: POLICIES, ...args }));
    const env = { ...deployment.environment };
    delete env[CURSOR_PARAMETER_ENV];
    const handler = createHandler({ env: () => env, clients: () => clients, ssm: () => { throw new Error("no cursor here"); }, clock: () => CLOCK });
    return captureLog(() => handler(scheduledEvent(deployment.scheduleInput, SCHEDULED), lambdaContext()));
  }

  return { s3: () => s3, registry, fanOutRun, singleRun };
}

/** The run's full report, from what the steps left in S3 (the aggregate step itself keeps no deletion lines). */
export async function fullReport(run: FanOutRun): Promise<RunReport> {
  const stored = await run.store.get<StoredRun>(runKeys(run.run).stored);
  const results = run.simulator.record.invocations.at(-1)!.payload.results;
  return aggregateRun(stored, await readOutcomes(run.store, run.run, results));
}

/** Each governed repository's digests, sorted. */
export const survivors = (emulator: EcrEmulator) =>
  Object.fromEntries(GOVERNED.map((name) => [name, emulator.registry.images(name).map((i) => i.digest).sort()]));

export const repositoryLines = (lines: any[]) =>
  lines.filter((l) => l.type === "repository").sort((a, b) => GOVERNED.indexOf(a.repository) - GOVERNED.indexOf(b.repository));
