/**
 * One cleanup run, shared by the CLI and the Lambda: list the repositories once, plan each governed
 * repository, and (with apply) carry the plan out. Failures are recorded, never swallowed; one
 * repository's failure does not stop the others.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { Config } from "../config/schema";
import { listImages, listRepositories } from "../ecr/listing";
import { planRepository } from "../planner/plan";
import { governs, missingRepositories } from "../planner/scope";
import type { RepositoryPlan } from "../planner/types";
import { applyPlan } from "./apply";
import { mapConcurrent } from "./pool";
import { ImageLine, RepositoryReport, RunError, RunReport, summarize } from "./report";

export const DEFAULT_CONCURRENCY = 8;

export interface RunOptions {
  config: Config;
  now: Date;
  apply: boolean;
  ecr: ECRClient;
  /** Repositories processed at once. Defaults to 8. */
  concurrency?: number;
  /** Called after each repository, for progress display. */
  onRepositoryDone?: (report: RepositoryReport, done: number, total: number) => void;
}

function errorCode(err: unknown): string {
  return (err as { name?: string })?.name ?? "Error";
}

function errorMessage(err: unknown): string {
  return (err as { message?: string })?.message ?? String(err);
}

function toLines(plan: RepositoryPlan, outcomes?: Map<string, Pick<ImageLine, "outcome" | "failure">>): ImageLine[] {
  return plan.decisions.map((d) => {
    const line: ImageLine = {
      digest: d.image.digest,
      tags: d.image.tags,
      pushedAt: new Date(d.image.pushedAt).toISOString(),
      sizeBytes: d.image.sizeBytes,
      action: d.action,
      reason: d.reason,
      policies: d.verdicts,
    };
    if (d.unitOf) line.unitOf = d.unitOf;
    const outcome = outcomes?.get(d.image.digest);
    if (outcome) Object.assign(line, outcome);
    return line;
  });
}

async function cleanRepository(options: RunOptions, repository: string): Promise<RepositoryReport> {
  const policies = options.config.policies.filter((p) => governs(p, repository));
  const report: RepositoryReport = {
    repository,
    policies: policies.map((p) => p.name).sort(),
    modes: [],
    images: [],
    imagesScanned: 0,
    toDelete: 0,
    deleted: 0,
    bytesToFree: 0,
    bytesFreed: 0,
    errors: [],
  };
  let plan: RepositoryPlan;
  try {
    const images = await listImages(options.ecr, repository);
    plan = planRepository({ repository, images, policies, now: options.now.getTime() });
  } catch (err) {
    report.errors.push({ kind: "api-error", repository, code: errorCode(err), message: `cannot list images: ${errorMessage(err)}` });
    return report;
  }
  report.modes = plan.modes;
  report.imagesScanned = plan.decisions.length;
  const planned = plan.decisions.filter((d) => d.action === "delete");
  report.toDelete = planned.length;
  report.bytesToFree = planned.reduce((sum, d) => sum + d.image.sizeBytes, 0);
  if (plan.capExceeded) {
    report.capExceeded = plan.capExceeded;
    report.errors.push({
      kind: "cap-exceeded",
      repository,
      code: "cap-exceeded",
      message: `the plan deletes ${plan.capExceeded.planned} images, more than max_deletions ${plan.capExceeded.cap}: repository skipped, nothing deleted`,
    });
  }

  if (!options.apply || planned.length === 0) {
    report.images = toLines(plan);
    return report;
  }
  const watchPulls = policies.some((p) => p.keepPulledWithinMs !== undefined);
  const applied = await applyPlan(options.ecr, plan, watchPulls);
  report.errors.push(...applied.errors);
  report.images = toLines(plan, applied.outcomes);
  const deleted = report.images.filter((line) => line.outcome === "deleted");
  report.deleted = deleted.length;
  report.bytesFreed = deleted.reduce((sum, line) => sum + line.sizeBytes, 0);
  return report;
}

export async function runCleanup(options: RunOptions): Promise<RunReport> {
  const errors: RunError[] = [];
  const warnings: string[] = [];
  const notGoverned: string[] = [];
  const finish = (repositories: RepositoryReport[]): RunReport => {
    const all = [...errors, ...repositories.flatMap((r) => r.errors)];
    return { apply: options.apply, now: options.now.toISOString(), repositories, notGoverned, errors: all, warnings, summary: summarize(repositories, all) };
  };

  let names: string[];
  try {
    names = (await listRepositories(options.ecr)).map((r) => r.name);
  } catch (err) {
    errors.push({ kind: "api-error", code: errorCode(err), message: `cannot list repositories: ${errorMessage(err)}` });
    return finish([]);
  }
  for (const missing of missingRepositories(options.config.policies, new Set(names))) {
    errors.push({
      kind: "missing-repository",
      repository: missing.repository,
      policy: missing.policy,
      code: "RepositoryNotFoundException",
      message: `policy "${missing.policy}" names repository ${missing.repository}, which does not exist`,
    });
  }

  const governed = names.filter((name) => options.config.policies.some((p) => governs(p, name)));
  notGoverned.push(...names.filter((name) => !governed.includes(name)));
  let done = 0;
  const repositories = await mapConcurrent(governed, options.concurrency ?? DEFAULT_CONCURRENCY, async (name) => {
    const report = await cleanRepository(options, name);
    options.onRepositoryDone?.(report, ++done, governed.length);
    return report;
  });
  return finish(repositories);
}
