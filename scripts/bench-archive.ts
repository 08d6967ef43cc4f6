/**
 * Benchmark part 4: an archive run against the emulator. 20,000 archives across 200 repositories (100 each, one
 * UpdateImageStorageClass call per image: the API's minimum), with injected latency and a per-operation token-bucket
 * throttle like the registry run's. Reports wall time against the throttle's bound and calls against the minimum.
 */
import { startEcrEmulator } from "../tests/emulator/server";
import { BENCH_NOW as NOW, timedApply } from "./bench-run";

export interface ArchiveBenchOptions {
  repositories: number;
  archivesPerRepository: number;
  keptPerRepository: number;
  latencyMs: number;
  /** UpdateImageStorageClass's rate and burst; other operations get `otherCallsPerSecond`. */
  archiveCallsPerSecond: number;
  archiveBurst: number;
  otherCallsPerSecond: number;
}

export interface ArchiveBenchResult {
  wallMs: number;
  boundMs: number;
  calls: Record<string, number>;
  minimum: Record<string, number>;
  throttles: number;
  archived: number;
}

const DAY = 86_400_000;

export async function benchArchive(options: ArchiveBenchOptions): Promise<ArchiveBenchResult> {
  const emulator = await startEcrEmulator();
  for (let r = 0; r < options.repositories; r++) {
    const name = `service-${String(r).padStart(4, "0")}`;
    emulator.registry.createRepository(name);
    const total = options.archivesPerRepository + options.keptPerRepository;
    // Untagged images, one a day: the newest `keptPerRepository` are kept by count, the rest archived.
    for (let i = total; i >= 1; i--) emulator.registry.putImage(name, { pushedAt: new Date(NOW - i * DAY - r * 1000) });
  }
  emulator.setLatency(options.latencyMs);
  emulator.throttle("*", options.otherCallsPerSecond, options.otherCallsPerSecond);
  emulator.throttle("UpdateImageStorageClass", options.archiveCallsPerSecond, options.archiveBurst);
  const { report, wallMs } = await timedApply(emulator, [
    { name: "archive-old", significant_tags: "*", protected_period: "1d", protected_count: options.keptPerRepository, action: "archive" },
  ]);

  const archives = options.repositories * options.archivesPerRepository;
  const pages = (n: number) => Math.max(1, Math.ceil(n / 1000));
  const perRepository = options.archivesPerRepository + options.keptPerRepository;
  // Per repository: its listing, and before each batch of 100 calls the cheaper re-read (no tagged images here).
  const batches = Math.ceil(options.archivesPerRepository / 100);
  const recheck = Math.min(pages(perRepository), 1 + pages(0));
  const minimum = {
    DescribeRepositories: pages(options.repositories),
    DescribeImages: options.repositories * (pages(perRepository) + batches * recheck),
    UpdateImageStorageClass: archives,
    ListClusters: 1,
    ListFunctions: 1,
  };
  const boundMs = Math.max(
    (Math.max(0, archives - options.archiveBurst) / options.archiveCallsPerSecond) * 1000,
    (Math.max(0, minimum.DescribeImages - options.otherCallsPerSecond) / options.otherCallsPerSecond) * 1000,
  );
  return { wallMs, boundMs, calls: { ...emulator.calls }, minimum, throttles: emulator.faults.injectedCount("throttle"), archived: report.summary.archived ?? 0 };
}
