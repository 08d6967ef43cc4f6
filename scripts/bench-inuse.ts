/**
 * Benchmark part 6: the in-use inventory at scale against the emulator with injected latency: 3 regions, each with
 * 20 ECS clusters (5 services and 10 running tasks each), 300 task-definition families (3 ACTIVE revisions each,
 * rollback depth 2), 200 Lambda functions packaged as images (each with one published version), 50 App Runner
 * services, 150 Batch job definitions, and 10 EKS clusters of 2,000 pods (scripts/bench-eks.ts), every Kubernetes
 * request paying the same latency. Reports API calls by operation against the minimum the APIs' page sizes
 * allow, and the wall time of the whole inventory against the same calls made one after another.
 */
import { defaultInUse } from "../runtime/config/inUseSettings";
import { readInUse } from "../runtime/inuse/inventory";
import { startEcrEmulator } from "../tests/emulator/server";
import { KUBERNETES_REQUESTS, minimumEksCalls, seedEksClusters } from "./bench-eks";
import { callRows, seconds as s } from "./bench-rows";

export interface InUseBenchOptions {
  regions: string[];
  clusters: number;
  servicesPerCluster: number;
  tasksPerCluster: number;
  families: number;
  revisionsPerFamily: number;
  depth: number;
  functions: number;
  appRunnerServices: number;
  jobDefinitions: number;
  eksClusters: number;
  podsPerCluster: number;
  latencyMs: number;
}

export interface InUseBenchResult {
  wallMs: number;
  /** The calls' latency added up: what the inventory would take with every read one after another. */
  serialMs: number;
  calls: Record<string, number>;
  minimum: Record<string, number>;
  repositoriesInUse: number;
}

const ACCOUNT = "123456789012";
const HOME = "us-east-1";

function seed(emulator: Awaited<ReturnType<typeof startEcrEmulator>>, o: InUseBenchOptions): void {
  const image = (n: number) => `${ACCOUNT}.dkr.ecr.${HOME}.amazonaws.com/app-${n % 50}:v${n}`;
  for (const region of o.regions) {
    const ecs = emulator.ecsFor(region);
    const newest: string[] = [];
    for (let f = 0; f < o.families; f++) {
      let arn = "";
      for (let r = 0; r < o.revisionsPerFamily; r++) arn = ecs.registerTaskDefinition(`family-${f}`, [{ name: "main", image: image(f * 10 + r) }]);
      newest.push(arn);
    }
    for (let c = 0; c < o.clusters; c++) {
      ecs.createCluster(`cluster-${c}`);
      for (let s = 0; s < o.servicesPerCluster; s++) ecs.createService(`cluster-${c}`, { name: `svc-${s}`, taskDefinition: newest[(c * o.servicesPerCluster + s) % newest.length] });
      for (let t = 0; t < o.tasksPerCluster; t++) ecs.runTask(`cluster-${c}`, { taskDefinitionArn: newest[(c + t) % newest.length] });
    }
    const lambda = emulator.lambdaFor(region);
    for (let i = 0; i < o.functions; i++) lambda.createFunction({ name: `fn-${i}`, packageType: "Image", imageUri: image(i), versions: [{ imageUri: image(i + 1) }] });
    const appRunner = emulator.appRunnerFor(region);
    for (let i = 0; i < o.appRunnerServices; i++) appRunner.createService({ name: `web-${i}`, image: image(i) });
    const batch = emulator.batchFor(region);
    for (let i = 0; i < o.jobDefinitions; i++) batch.registerJobDefinition(`job-${i}`, { containerProperties: { image: image(i) } });
  }
}

/** The fewest calls the APIs allow for this inventory (page sizes: ECS 100, DescribeServices 10, Lambda 50, App Runner 20, Batch 100). */
function minimumCalls(o: InUseBenchOptions): Record<string, number> {
  const n = o.regions.length;
  const servicesDistinctDefinitions = Math.min(o.families, o.clusters * o.servicesPerCluster);
  const revisionsDescribed = o.families * Math.min(o.depth, o.revisionsPerFamily);
  // The services' task definitions are their families' newest revisions: among those rollback depth describes.
  const describedDefinitions = o.depth > 0 ? revisionsDescribed : servicesDistinctDefinitions;
  return {
    ListClusters: n * Math.ceil(o.clusters / 100),
    ListTasks: n * o.clusters * Math.ceil(o.tasksPerCluster / 100),
    DescribeTasks: n * o.clusters * Math.ceil(o.tasksPerCluster / 100),
    ListServices: n * (o.clusters * Math.ceil(o.servicesPerCluster / 100) + Math.ceil(o.appRunnerServices / 20)),
    DescribeServices: n * o.clusters * Math.ceil(o.servicesPerCluster / 10),
    // The seeded services have no pinned service revisions: DescribeServiceRevisions has nothing to describe.
    DescribeTaskDefinition: n * describedDefinitions,
    ListTaskDefinitionFamilies: n * Math.ceil(o.families / 100),
    ListTaskDefinitions: n * o.families,
    ListFunctions: n * Math.ceil((o.functions * 2) / 50),
    GetFunction: n * o.functions * 2,
    DescribeService: n * o.appRunnerServices,
    DescribeJobDefinitions: n * Math.ceil(o.jobDefinitions / 100),
  };
}

export async function benchInUse(o: InUseBenchOptions): Promise<InUseBenchResult> {
  const emulator = await startEcrEmulator({ region: HOME, account: ACCOUNT });
  seed(emulator, o);
  emulator.setLatency(o.latencyMs);
  const eksShape = { regions: o.regions, clustersPerRegion: o.eksClusters, podsPerCluster: o.podsPerCluster, latencyMs: o.latencyMs };
  await seedEksClusters(emulator, eksShape);
  const settings = { ...defaultInUse(), ecsRevisions: o.depth, regions: o.regions.filter((r) => r !== HOME) };
  // The emulated clusters verify the token's signature with the emulator's own test credentials.
  const sdkConfig = { endpoint: emulator.endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } };
  const started = performance.now();
  const inventory = await readInUse(settings, { account: ACCOUNT, region: HOME }, { sdkConfig });
  const wallMs = performance.now() - started;
  const kubernetes = o.regions.flatMap((region) => emulator.eksFor(region).clusters()).reduce((sum, c) => sum + c.api.requests.length, 0);
  await emulator.stop();
  if (inventory.failures.length) throw new Error(`in-use benchmark failed: ${inventory.failures[0].message}`);
  const calls = { ...emulator.calls, [KUBERNETES_REQUESTS]: kubernetes };
  const total = Object.values(calls).reduce((sum, count) => sum + count, 0);
  const eks = minimumEksCalls(eksShape);
  const minimum = { ...minimumCalls(o), "eks:ListClusters": eks.ListClusters, "eks:DescribeCluster": eks.DescribeCluster, [KUBERNETES_REQUESTS]: eks.kubernetes };
  return { wallMs, serialMs: total * o.latencyMs, calls, minimum, repositoriesInUse: inventory.byRepository.size };
}

export function inUseRows(o: InUseBenchOptions, r: InUseBenchResult): string[] {
  return [
    `6. In-use inventory: ${o.regions.length} regions x (${o.clusters} ECS clusters, ${o.families} task-definition families at rollback depth ${o.depth}, ` +
      `${o.functions} Lambda functions, ${o.appRunnerServices} App Runner services, ${o.jobDefinitions} Batch job definitions, ` +
      `${o.eksClusters} EKS clusters of ${o.podsPerCluster.toLocaleString("en")} pods), ${o.latencyMs} ms per call`,
    `  wall ${s(r.wallMs)} with independent reads concurrent, against ${s(r.serialMs)} for the same calls one after another (${(r.serialMs / r.wallMs).toFixed(1)}x)`,
    ...callRows(r.calls, r.minimum, 27),
  ];
}
