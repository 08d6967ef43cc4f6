/**
 * The EKS part of the inventory benchmark: emulated clusters (`seedEksClusters`, which the inventory benchmark
 * uses too) and one read of them all (`benchEks`): Kubernetes requests and EKS calls against the minimum the page
 * sizes allow, and wall time with clusters and lists read concurrently, every request paying `latencyMs`.
 */
import { EKSClient } from "@aws-sdk/client-eks";
import { readEksUses, type EksTarget } from "../runtime/inuse/eks/source";
import type { EcrEmulator } from "../tests/emulator/server";

export interface EksBenchShape {
  regions: string[];
  clustersPerRegion: number;
  podsPerCluster: number;
  /** Added to every EKS call and every Kubernetes request. */
  latencyMs: number;
}

/** What one cluster holds besides its pods: Deployments (each with a live and an old, scaled-to-0 ReplicaSet) and the rest. */
export const OBJECTS_PER_CLUSTER = { deployments: 100, replicasets: 200, replicationcontrollers: 2, statefulsets: 10, daemonsets: 5, jobs: 20, cronjobs: 10, controllerrevisions: 30 } as const;
/** How the benchmarks name the Kubernetes API's list requests among the AWS calls. */
export const KUBERNETES_REQUESTS = "Kubernetes list requests";
/** The EKS source's page size for Kubernetes lists. */
export const KUBERNETES_PAGE = 500;
const LIST_CLUSTERS_PAGE = 100;

/** Creates the clusters in the emulator's account, with their pods and workloads, every request slowed by latencyMs. */
export async function seedEksClusters(emulator: EcrEmulator, shape: EksBenchShape): Promise<void> {
  const registry = `${emulator.account}.dkr.ecr.${emulator.region}.amazonaws.com`;
  for (const region of shape.regions) {
    for (let c = 0; c < shape.clustersPerRegion; c++) {
      const cluster = await emulator.eksFor(region).createCluster({ name: `bench-${c}` });
      cluster.api.latencyMs = shape.latencyMs;
      for (let p = 0; p < shape.podsPerCluster; p++) {
        const app = `app-${p % OBJECTS_PER_CLUSTER.deployments}`;
        cluster.api.addPod({
          namespace: `ns-${p % 10}`,
          name: `${app}-${p}`,
          containers: [{ image: `${registry}/${app}:v2`, imageID: `${registry}/${app}@sha256:${(p % 16).toString(16).repeat(64)}` }, { image: `${registry}/sidecar:1` }],
        });
      }
      for (let d = 0; d < OBJECTS_PER_CLUSTER.deployments; d++) {
        const seed = { namespace: `ns-${d % 10}`, images: [`${registry}/app-${d}:v2`] };
        cluster.api.addWorkload("deployments", { ...seed, name: `app-${d}` });
        cluster.api.addWorkload("replicasets", { ...seed, name: `app-${d}-new`, replicas: 3 });
        cluster.api.addWorkload("replicasets", { ...seed, name: `app-${d}-old`, images: [`${registry}/app-${d}:v1`], replicas: 0 });
      }
      for (const kind of ["replicationcontrollers", "statefulsets", "daemonsets", "jobs", "cronjobs"] as const) {
        for (let i = 0; i < OBJECTS_PER_CLUSTER[kind]; i++) cluster.api.addWorkload(kind, { namespace: "ops", name: `${kind}-${i}`, images: [`${registry}/${kind}:${i}`] });
      }
      // Two stored revisions per StatefulSet and DaemonSet: their rollback targets.
      for (let i = 0; i < OBJECTS_PER_CLUSTER.controllerrevisions; i++) {
        const owner = i % 3 === 0 ? { kind: "DaemonSet" as const, name: `daemonsets-${(i / 3) % 5}` } : { kind: "StatefulSet" as const, name: `statefulsets-${i % 10}` };
        cluster.api.addControllerRevision({ ...owner, namespace: "ops" }, i + 1, [`${registry}/${owner.kind.toLowerCase()}:r${i}`]);
      }
    }
  }
  emulator.setLatency("eks:ListClusters", shape.latencyMs);
  emulator.setLatency("eks:DescribeCluster", shape.latencyMs);
}

/** Requests the page sizes allow at least: per region one ListClusters page a 100 clusters; per cluster a DescribeCluster and each list's pages. */
export function minimumEksCalls(shape: EksBenchShape): { ListClusters: number; DescribeCluster: number; kubernetes: number } {
  const clusters = shape.regions.length * shape.clustersPerRegion;
  const pages = (n: number) => Math.max(1, Math.ceil(n / KUBERNETES_PAGE));
  const perCluster = pages(shape.podsPerCluster) + Object.values(OBJECTS_PER_CLUSTER).reduce((sum, n) => sum + pages(n), 0);
  return {
    ListClusters: shape.regions.length * Math.max(1, Math.ceil(shape.clustersPerRegion / LIST_CLUSTERS_PAGE)),
    DescribeCluster: clusters,
    kubernetes: clusters * perCluster,
  };
}

export interface EksBenchResult {
  wallMs: number;
  uses: number;
  calls: { ListClusters: number; DescribeCluster: number; kubernetes: number };
  minimum: { ListClusters: number; DescribeCluster: number; kubernetes: number };
}

/** One read of every seeded cluster, as the inventory makes it. */
export async function benchEks(emulator: EcrEmulator, shape: EksBenchShape): Promise<EksBenchResult> {
  const credentials = { accessKeyId: "test", secretAccessKey: "test" };
  const targets: EksTarget[] = shape.regions.map((region) => ({
    account: emulator.account,
    region,
    label: region === emulator.region ? "" : `${emulator.account}/${region} `,
    eks: new EKSClient({ endpoint: emulator.endpoint, region, credentials }),
  }));
  // The emulator names EKS's operations `eks:…` (ECS has a ListClusters too).
  const before = { ListClusters: emulator.calls["eks:ListClusters"] ?? 0, DescribeCluster: emulator.calls["eks:DescribeCluster"] ?? 0 };
  const start = performance.now();
  try {
    const { uses, requests } = await readEksUses(targets);
    const wallMs = performance.now() - start;
    return {
      wallMs,
      uses: uses.length,
      calls: {
        ListClusters: (emulator.calls["eks:ListClusters"] ?? 0) - before.ListClusters,
        DescribeCluster: (emulator.calls["eks:DescribeCluster"] ?? 0) - before.DescribeCluster,
        kubernetes: [...requests.values()].reduce((a, b) => a + b, 0),
      },
      minimum: minimumEksCalls(shape),
    };
  } finally {
    for (const target of targets) target.eks.destroy();
  }
}

/** `node dist/scripts/bench-eks.js [--quick]`: the EKS read alone, 3 regions × 10 clusters × 2,000 pods, 25 ms a request. */
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const { startEcrEmulator } = await import("../tests/emulator/server");
  const quick = process.argv.includes("--quick");
  const shape: EksBenchShape = { regions: ["us-east-1", "eu-west-1", "ap-southeast-2"], clustersPerRegion: quick ? 2 : 10, podsPerCluster: quick ? 200 : 2000, latencyMs: 25 };
  const emulator = await startEcrEmulator();
  try {
    await seedEksClusters(emulator, shape);
    const r = await benchEks(emulator, shape);
    const rows = Object.entries(r.calls).map(([k, v]) => `  ${k.padEnd(16)} ${String(v).padStart(5)} calls, minimum ${String(r.minimum[k as keyof typeof r.minimum]).padStart(5)}`);
    process.stdout.write(
      [`EKS: ${shape.regions.length} regions × ${shape.clustersPerRegion} clusters × ${shape.podsPerCluster} pods, ${shape.latencyMs} ms a request: ` +
        `${(r.wallMs / 1000).toFixed(1)} s, ${r.uses} uses`, ...rows, ""].join("\n"),
    );
  } finally {
    await emulator.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bench-eks: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
}
