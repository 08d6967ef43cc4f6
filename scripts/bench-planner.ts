/**
 * Benchmark part 2: the pure planner over 1,000,000 synthetic images in 1,000 repositories, one
 * repository's listing in memory at a time (as the engine holds one per concurrent slot); and the same with a
 * grouped policy (group_by, 100 groups per repository: every image also carries a build tag `svcNN-<7 hex>`).
 * `node dist/scripts/bench-planner.js` runs this part alone, each run in a fresh process (so RSS is its own), three
 * times a mode: the machines are shared, and one run can be slowed by another's work.
 */
import { spawnSync } from "node:child_process";
import { loadRegexEngine } from "../runtime/planner/groupPattern";
import { planRepository } from "../runtime/planner/plan";
import type { ImageRecord, Policy } from "../runtime/planner/types";

const DAY = 86_400_000;
const NOW = Date.parse("2026-01-01T00:00:00Z");

/** Groups per repository in the grouped run. */
export const GROUPS = 100;
/** The grouped run's pattern: a service name, then a 7-hex-digit commit. One character decides the way (RE2's one-pass matcher). */
export const GROUP_BY = "([a-z0-9]+)-[0-9a-f]{7}";
/** The README's per-branch pattern, on the same tags: `.+` may take the dash, so RE2 runs its backtracker instead. */
export const BRANCH_GROUP_BY = "(.+)-[0-9a-f]{7,40}";

function listing(repository: number, images: number, grouped: boolean): ImageRecord[] {
  const out: ImageRecord[] = new Array(images);
  for (let i = 0; i < images; i++) {
    const tags = i === 400 ? ["prod", `v${i}`] : i === 20 ? ["rc"] : i === 3 ? ["dev"] : i % 10 === 0 ? [`v${i}`] : [];
    if (grouped) tags.push(`svc${i % GROUPS}-${((repository * images + i) & 0xfffffff).toString(16).padStart(7, "0")}`);
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

/**
 * `plain`: the listing and policies above; `tagged`: every image also carries a build tag (the grouped run's
 * listing, planned without group_by: what the tags alone cost); `grouped`: that listing with a grouped policy too;
 * `branch`: the same with the README's per-branch pattern.
 */
export type PlannerBenchMode = "plain" | "tagged" | "grouped" | "branch";

export async function benchPlanner(repositories = 1000, imagesPerRepository = 1000, mode: PlannerBenchMode = "plain"): Promise<PlannerBenchResult> {
  const grouped = mode === "grouped" || mode === "branch";
  const policies: Policy[] = [
    { index: 0, name: "releases", significantTags: ["dev", "rc", "prod"], protectedPeriodMs: 90 * DAY, protectedCount: 13 },
    { index: 1, name: "untagged", significantTags: "*", protectedPeriodMs: 7 * DAY, protectedCount: 7 },
  ];
  if (grouped) {
    await loadRegexEngine();
    policies.push({ index: 2, name: "per service", significantTags: "*", protectedPeriodMs: 7 * DAY, protectedCount: 3, groupBy: mode === "branch" ? BRANCH_GROUP_BY : GROUP_BY });
  }
  let planMs = 0;
  let deletions = 0;
  for (let r = 0; r < repositories; r++) {
    const images = listing(r, imagesPerRepository, mode !== "plain");
    const started = performance.now();
    const plan = planRepository({ repository: `repo-${r}`, images, policies, now: NOW });
    planMs += performance.now() - started;
    for (const d of plan.decisions) if (d.action === "delete") deletions++;
  }
  // maxRSS is the process's true peak (kilobytes), not a sample.
  return { images: repositories * imagesPerRepository, repositories, planMs, deletions, peakRssBytes: process.resourceUsage().maxRSS * 1024 };
}

/** Fresh processes a mode runs in: its figures are those of the run with the median planning time. */
export const PLANNER_RUNS = 3;

/** benchPlanner in fresh Node processes (so that each peak RSS is its own), PLANNER_RUNS times: the median run. */
export function benchPlannerInFreshProcess(mode: PlannerBenchMode = "plain"): PlannerBenchResult {
  const script = `require(${JSON.stringify(__filename)}).benchPlanner(1000, 1000, ${JSON.stringify(mode)}).then((r) => process.stdout.write(JSON.stringify(r)))`;
  const runs: PlannerBenchResult[] = [];
  for (let i = 0; i < PLANNER_RUNS; i++) {
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (run.status !== 0) throw new Error("the planner benchmark failed");
    runs.push(JSON.parse(run.stdout));
  }
  return runs.sort((a, b) => a.planMs - b.planMs)[Math.floor(runs.length / 2)];
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Section 2 of the benchmark's table: the ungrouped run, the same with build tags, and the grouped runs against them. */
export function plannerRows(plain: PlannerBenchResult, tagged: PlannerBenchResult, grouped: PlannerBenchResult, branch: PlannerBenchResult): string[] {
  return [
    `2. Planner (each figure the median of ${PLANNER_RUNS} fresh processes): ${plain.images.toLocaleString("en")} images in ${plain.repositories} repositories: ` +
      `${seconds(plain.planMs)} planning, peak RSS ${mib(plain.peakRssBytes)}, ${plain.deletions.toLocaleString("en")} deletions planned`,
    `   with a grouped policy (group_by '${GROUP_BY}', ${GROUPS} groups per repository): ${seconds(grouped.planMs)} planning ` +
      `(target 2 s), peak RSS ${mib(grouped.peakRssBytes)} (${(grouped.peakRssBytes / plain.peakRssBytes).toFixed(2)}x the ungrouped run; target 1.5x), ` +
      `${grouped.deletions.toLocaleString("en")} deletions planned`,
    `   the grouped run's listing without group_by (every image carrying a build tag): ${seconds(tagged.planMs)} planning, peak RSS ${mib(tagged.peakRssBytes)}: ` +
      `group_by itself costs ${seconds(grouped.planMs - tagged.planMs)}`,
    `   the grouped run with the README's per-branch pattern '${BRANCH_GROUP_BY}' (RE2's backtracker, not its one-pass matcher): ` +
      `${seconds(branch.planMs)} planning, peak RSS ${mib(branch.peakRssBytes)}, ${branch.deletions.toLocaleString("en")} deletions planned`,
  ];
}

if (require.main === module) {
  const [plain, tagged, grouped, branch] = (["plain", "tagged", "grouped", "branch"] as const).map((mode) => benchPlannerInFreshProcess(mode));
  process.stdout.write(plannerRows(plain, tagged, grouped, branch).join("\n") + "\n");
}
