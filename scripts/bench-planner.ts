/**
 * Benchmark part 2: the pure planner over 1,000,000 synthetic images in 1,000 repositories, one
 * repository's listing in memory at a time (as the engine holds one per concurrent slot).
 */
import { planRepository } from "../runtime/planner/plan";
import type { ImageRecord, Policy } from "../runtime/planner/types";

const DAY = 86_400_000;
const NOW = Date.parse("2026-01-01T00:00:00Z");

function listing(repository: number, images: number): ImageRecord[] {
  const out: ImageRecord[] = new Array(images);
  for (let i = 0; i < images; i++) {
    const tags = i === 400 ? ["prod", `v${i}`] : i === 20 ? ["rc"] : i === 3 ? ["dev"] : i % 10 === 0 ? [`v${i}`] : [];
    out[i] = {
      digest: `sha256:${repository.toString(16).padStart(8, "0")}${i.toString(16).padStart(56, "0")}`,
      tags,
      pushedAt: NOW - i * (DAY / 4),
      sizeBytes: 50_000_000,
    };
  }
  return out;
}

export interface PlannerBenchResult {
  images: number;
  repositories: number;
  planMs: number;
  deletions: number;
  peakRssBytes: number;
}

export function benchPlanner(repositories = 1000, imagesPerRepository = 1000): PlannerBenchResult {
  const policies: Policy[] = [
    { index: 0, name: "releases", significantTags: ["dev", "rc", "prod"], protectedPeriodMs: 90 * DAY, protectedCount: 13 },
    { index: 1, name: "untagged", significantTags: "*", protectedPeriodMs: 7 * DAY, protectedCount: 7 },
  ];
  let planMs = 0;
  let deletions = 0;
  for (let r = 0; r < repositories; r++) {
    const images = listing(r, imagesPerRepository);
    const started = performance.now();
    const plan = planRepository({ repository: `repo-${r}`, images, policies, now: NOW });
    planMs += performance.now() - started;
    for (const d of plan.decisions) if (d.action === "delete") deletions++;
  }
  // maxRSS is the process's true peak (kilobytes), not a sample.
  return { images: repositories * imagesPerRepository, repositories, planMs, deletions, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}
