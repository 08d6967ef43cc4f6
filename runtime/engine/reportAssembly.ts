/**
 * The report's assembly: a repository's report from its plan and what carrying it out did (line by line, counted by
 * reason, totals), never throwing, since it must list every image the run deleted; and the run's report from the
 * repositories' reports and what the run learnt before them.
 */
import type { Config } from "../config/schema";
import { isIndex } from "../ecr/manifests";
import { removes } from "../planner/plan";
import type { ImageDecision, ImageRecord, Policy, ReasonCode, RepositoryPlan } from "../planner/types";
import { errorCode, errorMessage } from "../shared/errors";
import type { ApplyResult, Outcome } from "./apply";
import { ImageLine, ReportGroup, ReportMode, RepositoryReport, RunError, RunReport, summarize } from "./report";

/** Bytes an image's deletion frees, as far as ECR reports: an index's size repeats its platform manifests'. */
function storageBytes(image: ImageRecord): number {
  return isIndex(image) ? 0 : image.sizeBytes;
}

const increment = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

/** ISO-8601, or "unknown" for a time that is missing or out of range: a bad value from the API never fails a report. */
export function isoTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "unknown";
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "unknown" : date.toISOString();
}

/**
 * Deletions and safety keeps line by line, members of kept units with the image they are listed under; everything
 * else kept is only counted (unless every image is asked for).
 */
function toLines(plan: RepositoryPlan, outcomes: ReadonlyMap<string, Outcome> | undefined, listKept: boolean): ImageLine[] {
  const listed = (d: ImageDecision) => removes(d) || d.overridden || d.reason === "member-of-kept" || outcomes?.has(d.image.digest);
  const holders = new Set(plan.decisions.filter((d) => d.unitOf !== undefined && listed(d)).map((d) => d.unitOf));
  return plan.decisions
    .filter((d) => listKept || listed(d) || holders.has(d.image.digest))
    .map((d) => {
      const line: ImageLine = {
        digest: d.image.digest,
        tags: d.image.tags,
        pushedAt: isoTime(d.image.pushedAt),
        sizeBytes: d.image.sizeBytes,
        // As the totals count it: an archived image is in archive storage already, so deleting it frees none.
        countedBytes: d.image.status === undefined ? storageBytes(d.image) : 0,
        action: d.action,
        reason: d.reason,
        policies: d.verdicts,
      };
      if (d.overridden) line.keptBySafety = true;
      if (d.workloads) {
        line.workloads = d.workloads.slice(0, NAMED_WORKLOADS);
        if (d.workloads.length > NAMED_WORKLOADS) line.moreWorkloads = d.workloads.length - NAMED_WORKLOADS;
      }
      if (d.unitOf) line.unitOf = d.unitOf;
      const outcome = outcomes?.get(d.image.digest);
      if (outcome) Object.assign(line, outcome);
      return line;
    });
}

function keptCounts(plan: RepositoryPlan): Record<string, number> {
  const kept: Record<string, number> = {};
  for (const d of plan.decisions) if (d.action === "keep") increment(kept, d.reason);
  return kept;
}

export function reportModes(plan: RepositoryPlan, policies: readonly Policy[], now: Date): ReportMode[] {
  return plan.modes.map(({ anchor, groups, ...mode }) => {
    const counts: Pick<ReportMode, "keep" | "delete"> = { keep: {}, delete: {} };
    for (const d of plan.decisions) {
      const verdict = d.verdicts.find((v) => v.policy === mode.policy);
      if (verdict) increment(counts[verdict.verdict], verdict.reason);
    }
    const shown: ReportMode = { ...mode, ...counts };
    const period = policies.find((p) => p.name === mode.policy)!.protectedPeriodMs;
    if (anchor) {
      shown.anchor = { ...anchor, pushedAt: isoTime(anchor.pushedAt), protectedFrom: isoTime(anchor.pushedAt - period) };
      shown.channels = plan.channels
        .filter((c) => c.policy === mode.policy && c.at)
        .map((c) => ({ entry: c.entry, digest: c.at!.digest, pushedAt: isoTime(c.at!.pushedAt) }));
    } else if (groups) {
      const countFrom = isoTime(now.getTime() - period);
      shown.groups = groups.map(({ anchor: at, ...group }): ReportGroup =>
        at ? { ...group, anchor: { ...at, pushedAt: isoTime(at.pushedAt), protectedFrom: isoTime(at.pushedAt - period) } } : { ...group, protectedFrom: countFrom },
      );
    } else {
      shown.protectedFrom = isoTime(now.getTime() - period);
    }
    return shown;
  });
}

/** What a repository's cleaning has learnt so far: enough to report what was deleted however it ends. */
export interface RepositoryWork {
  report: RepositoryReport;
  plan?: RepositoryPlan;
  applied: ApplyResult;
  /** What the plan deletes once the plan-time rules have withheld theirs: what --apply sets out to delete. */
  setOut?: Set<string>;
}

/**
 * The workloads a report line names, the first in order; the rest are counted. A sidecar image may run in tens of
 * thousands of pods, and a Lambda log line holds at most 256 KB.
 */
export const NAMED_WORKLOADS = 20;
/**
 * Reasons for which a deletion the policies planned is withheld before anything is set out: the plan-time rules (spec
 * section 4, rules 4 and 5), and `ecr-cleanup apply`'s narrowing to the reviewed plan (an image changed since the
 * plan, or one the plan did not name), so that `planned` is the fresh plan's and `withheld` says why it was not done.
 */
const WITHHELD_AT_PLAN: ReadonlySet<ReasonCode> = new Set<ReasonCode>(["cap-exceeded", "in-use-unknown", "window-unknown", "changed-since-plan", "not-in-plan"]);

/** Planned deletions held back, by reason: by the plan-time rules, then by --apply's re-checks (what was set out but kept). */
function withheldCounts(plan: RepositoryPlan, setOut: ReadonlySet<string> | undefined): Record<string, number> {
  const withheld: Record<string, number> = {};
  for (const d of plan.decisions) {
    if (d.action === "keep" && d.overridden && (WITHHELD_AT_PLAN.has(d.reason) || setOut?.has(d.image.digest))) increment(withheld, d.reason);
  }
  return withheld;
}

/** A repository's report before anything is known: what a failure before the plan still reports. */
export function emptyRepositoryWork(repository: string, policies: readonly Policy[]): RepositoryWork {
  return {
    report: {
      repository,
      policies: policies.map((p) => p.name).sort(),
      modes: [],
      images: [],
      kept: {},
      imagesScanned: 0,
      toDelete: 0,
      deleted: 0,
      bytesToFree: 0,
      bytesFreed: 0,
      toArchive: 0,
      archived: 0,
      bytesToArchive: 0,
      bytesArchived: 0,
      errors: [],
    },
    applied: { outcomes: new Map(), errors: [], notes: [] },
  };
}

/** The repository's report from what is known, never throwing: it must list every image this run deleted. */
export function finishReport(work: RepositoryWork, listKept?: boolean): RepositoryReport {
  const { report, plan, applied } = work;
  report.errors.push(...applied.errors);
  if (applied.notes.length) report.notes = [...(report.notes ?? []), ...applied.notes];
  if (applied.outOfTime) report.outOfTime = true;
  if (applied.halfArchived?.length) report.halfArchived = applied.halfArchived;
  try {
    if (plan) {
      report.imagesScanned = plan.decisions.length;
      report.images = toLines(plan, applied.outcomes, listKept ?? false);
      report.kept = keptCounts(plan);
      const withheld = withheldCounts(plan, work.setOut);
      if (Object.keys(withheld).length) report.withheld = withheld;
      const planned = plan.decisions.filter((d) => removes(d) || applied.outcomes.has(d.image.digest));
      // An expired archived image was in archive storage already: deleting it frees no standard storage.
      const standardBytes = (d: (typeof planned)[number]) => (d.image.status === undefined ? storageBytes(d.image) : 0);
      const isArchive = (d: (typeof planned)[number]) => d.action === "archive" || applied.outcomes.get(d.image.digest)?.outcome === "archived";
      const toDelete = planned.filter((d) => !isArchive(d));
      const toArchive = planned.filter(isArchive);
      report.toDelete = toDelete.length;
      report.bytesToFree = toDelete.reduce((sum, d) => sum + standardBytes(d), 0);
      report.bytesFreed = plan.decisions.reduce((sum, d) => sum + (applied.outcomes.get(d.image.digest)?.outcome === "deleted" ? standardBytes(d) : 0), 0);
      report.toArchive = toArchive.length;
      report.bytesToArchive = toArchive.reduce((sum, d) => sum + storageBytes(d.image), 0);
      report.bytesArchived = plan.decisions.reduce((sum, d) => sum + (applied.outcomes.get(d.image.digest)?.outcome === "archived" ? storageBytes(d.image) : 0), 0);
    }
  } catch (err) {
    report.errors.push({ kind: "api-error", repository: report.repository, code: errorCode(err), message: `the report could not be completed: ${errorMessage(err)}` });
    report.images = [...applied.outcomes].map(([digest, outcome]) => ({
      digest, tags: [], pushedAt: "unknown", sizeBytes: 0, countedBytes: 0, action: "delete", reason: "beyond-window", policies: [], ...outcome,
    }));
  }
  report.deleted = [...applied.outcomes.values()].filter((o) => o.outcome === "deleted").length;
  report.archived = [...applied.outcomes.values()].filter((o) => o.outcome === "archived").length;
  return report;
}

/** What the run learnt before any repository that its report carries (the engine's RunContext has these). */
export interface RunFindings {
  notGoverned: string[];
  errors: RunError[];
  warnings: string[];
}

/** The run's report from its context and its repositories' reports. */
export function assembleReport(
  options: { apply: boolean; now: Date; signal?: AbortSignal; config?: Config },
  context: RunFindings,
  repositories: RepositoryReport[],
  notReached: string[],
): RunReport {
  const errors = [...context.errors, ...repositories.flatMap((r) => r.errors)];
  const report: RunReport = {
    apply: options.apply,
    now: options.now.toISOString(),
    ...(options.config ? { policies: options.config.policies.map((p) => p.name) } : {}),
    repositories,
    notGoverned: context.notGoverned,
    notReached,
    errors,
    warnings: context.warnings,
    summary: summarize(repositories, errors, notReached.length),
  };
  if (notReached.length) report.cursor = notReached[0];
  if (options.signal?.aborted) report.interrupted = true;
  return report;
}
