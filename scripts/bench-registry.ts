/**
 * Benchmark part 1: a whole registry run against the emulator with injected latency and a per-operation
 * throttle, at concurrency 1 and at the default. Reports wall time against the bound the throttle sets,
 * and API calls by operation against the minimum computed from the registry.
 */
import { DEFAULT_CONCURRENCY } from "../runtime/engine/run";
import { startEcrEmulator } from "../tests/emulator/server";
import { BENCH_NOW as NOW, timedApply } from "./bench-run";

export interface RegistryBenchOptions {
  repositories: number;
  imagesPerRepository: number;
  latencyMs: number;
  callsPerSecond: number;
  /** The throttle's bucket size: calls allowed at once before the rate applies (AWS's quotas have a burst too). */
  burst: number;
}

export interface RegistryBenchResult {
  concurrency: number;
  wallMs: number;
  boundMs: number;
  calls: Record<string, number>;
  minimum: Record<string, number>;
  throttles: number;
  deleted: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Each repository: an image every 8 hours, prod on the 40th newest; 87 days protected before it: 60% kept, 40% deleted. */
function seed(emulator: Awaited<ReturnType<typeof startEcrEmulator>>, options: RegistryBenchOptions): void {
  for (let r = 0; r < options.repositories; r++) {
    const name = `service-${String(r).padStart(4, "0")}`;
    emulator.registry.createRepository(name);
    for (let i = options.imagesPerRepository; i >= 1; i--) {
      const tags = i === 40 ? ["prod"] : i === 5 ? ["dev"] : [];
      emulator.registry.putImage(name, { tags, pushedAt: new Date(NOW - i * (DAY / 3) - r * MINUTE) });
    }
  }
}

/** The 2 tagged images (prod, dev) of each repository, which the policy keeps. */
const TAGGED_PER_REPOSITORY = 2;

/**
 * Before each delete call the cheaper re-read of what is left (spec section 4, rule 3): the whole listing, or
 * describing the candidates plus listing the tagged images.
 */
function recheckMinimum(images: number, deletions: number): number {
  let left = images;
  let calls = 0;
  for (let done = 0; done < deletions; done += 100) {
    calls += Math.min(Math.ceil(left / 1000), 1 + Math.ceil(TAGGED_PER_REPOSITORY / 1000));
    left -= Math.min(100, deletions - done);
  }
  return calls;
}

function minimumCalls(options: RegistryBenchOptions, deletionsPerRepository: number[]): Record<string, number> {
  const batches = deletionsPerRepository.reduce((sum, n) => sum + Math.ceil(n / 100), 0);
  const rechecks = deletionsPerRepository.reduce((sum, n) => sum + recheckMinimum(options.imagesPerRepository, n), 0);
  return {
    DescribeRepositories: Math.ceil(options.repositories / 1000),
    DescribeImages: options.repositories * Math.ceil(options.imagesPerRepository / 1000) + rechecks,
    BatchDeleteImage: batches,
    ListClusters: 1,
    ListFunctions: 1,
  };
}

export async function benchRegistry(options: RegistryBenchOptions, concurrency: number): Promise<RegistryBenchResult> {
  const emulator = await startEcrEmulator();
  seed(emulator, options);
  emulator.setLatency(options.latencyMs);
  emulator.throttle("*", options.callsPerSecond, options.burst);
  const { report, wallMs } = await timedApply(emulator, [{ name: "releases", significant_tags: ["prod", "dev"], protected_period: "87d", protected_count: 10 }], concurrency);

  const minimum = minimumCalls(options, report.repositories.map((r) => r.toDelete));
  // Each operation has its own token bucket: n calls take at least (n - burst) / rate seconds.
  const boundMs = Math.max(...Object.values(minimum).map((n) => (Math.max(0, n - options.burst) / options.callsPerSecond) * 1000));
  return {
    concurrency,
    wallMs,
    boundMs,
    calls: { ...emulator.calls },
    minimum,
    throttles: emulator.faults.injectedCount("throttle"),
    deleted: report.summary.deleted,
  };
}

export { DEFAULT_CONCURRENCY };
