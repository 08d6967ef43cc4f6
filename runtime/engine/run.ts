/**
 * One cleanup run, shared by the CLI and the Lambda: list the repositories once, plan each governed
 * repository, and (with apply) carry the plan out. Failures are recorded, never swallowed; one
 * repository's failure does not stop the others.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { Config } from "../config/schema";
import { isActiveTagged, listImages, listRepositories, RepositoryInfo } from "../ecr/listing";
import { isIndex, readIndexChildren } from "../ecr/manifests";
import type { RepositorySize } from "../ecr/recheck";
import { inUseKey } from "../config/inUseSettings";
import { emptyInventory, InUseInventory, inUseDigests, readInUse } from "../inuse/inventory";
import { registryOfArn, RegistryId } from "../inuse/reference";
import { SOURCES } from "../inuse/sources";
import type { SdkConfig } from "../inuse/targets";
import { deletions, overrideToKeep, planRepository, removes } from "../planner/plan";
import { governs, missingProtectedRepositories, missingRepositories } from "../planner/scope";
import type { ImageDecision, ImageRecord, Policy, ReasonCode, RepositoryPlan } from "../planner/types";
import { applyPlan, ApplyResult, DeleteCallListener, Outcome } from "./apply";
import { errorCode, errorMessage } from "../shared/errors";
import { mapConcurrent } from "../shared/pool";
import { ImageLine, ReportMode, RepositoryReport, RunError, RunReport, summarize } from "./report";

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_SAFETY_MARGIN_MS = 60_000;

export interface RunOptions {
  config: Config;
  now: Date;
  apply: boolean;
  ecr: ECRClient;
  /** What the in-use sources' clients are made from (per account and region). Defaults to the SDK's standard settings. */
  sdkConfig?: SdkConfig;
  /** Repositories processed at once. Defaults to 8. */
  concurrency?: number;
  /** In a Lambda: milliseconds left in the invocation. No repository starts when fewer than `safetyMarginMs` remain. */
  remainingTimeMs?: () => number;
  /** Time kept free for in-flight repositories to finish their batches. Defaults to 60 s. */
  safetyMarginMs?: number;
  /** Start at this repository (the first one a previous run did not reach) and wrap around, so none is starved. */
  startAt?: string;
  /** Called after each delete call with what ECR deleted and refused (the Lambda logs it as it happens). */
  onDeleteCall?: DeleteCallListener;
  /**
   * Called with each repository's plan once the safety rules have decided, before anything is deleted: `--plan-out`
   * records it, `ecr-cleanup apply` narrows it to an approved plan (turning deletes into keeps, never the reverse).
   */
  onPlanned?: (plan: RepositoryPlan, policies: readonly Policy[]) => void;
  /** Called after each repository, for progress display. */
  onRepositoryDone?: (report: RepositoryReport, done: number, total: number) => void;
  /** List every image in the report, the ones the policies keep too (`--show`, and the HTML timeline draws them all). Defaults to false: those are only counted. */
  listKept?: boolean;
}

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

function reportModes(plan: RepositoryPlan, policies: readonly Policy[], now: Date): ReportMode[] {
  return plan.modes.map(({ anchor, ...mode }) => {
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
    } else {
      shown.protectedFrom = isoTime(now.getTime() - period);
    }
    return shown;
  });
}

/** What a repository's cleaning has learnt so far: enough to report what was deleted however it ends. */
interface RepositoryWork {
  report: RepositoryReport;
  plan?: RepositoryPlan;
  applied: ApplyResult;
  /** What the plan deletes once the plan-time rules have withheld theirs: what --apply sets out to delete. */
  setOut?: Set<string>;
}

/** Reasons for which the plan-time rules withhold a deletion the policies planned (spec section 4, rules 4 and 5). */
/**
 * The workloads a report line names, the first in order; the rest are counted. A sidecar image may run in tens of
 * thousands of pods, and a Lambda log line holds at most 256 KB.
 */
export const NAMED_WORKLOADS = 20;
const WITHHELD_AT_PLAN: ReadonlySet<ReasonCode> = new Set<ReasonCode>(["cap-exceeded", "in-use-unknown", "window-unknown"]);

/** Planned deletions held back, by reason: by the plan-time rules, then by --apply's re-checks (what was set out but kept). */
function withheldCounts(plan: RepositoryPlan, setOut: ReadonlySet<string> | undefined): Record<string, number> {
  const withheld: Record<string, number> = {};
  for (const d of plan.decisions) {
    if (d.action === "keep" && d.overridden && (WITHHELD_AT_PLAN.has(d.reason) || setOut?.has(d.image.digest))) increment(withheld, d.reason);
  }
  return withheld;
}

/** Whatever goes wrong in one repository (an API error, a value out of range, a bug) fails that repository only. */
async function cleanRepository(options: RunOptions, repository: string, inventory: InUseInventory, warnings: string[]): Promise<RepositoryReport> {
  const policies = options.config.policies.filter((p) => governs(p, repository));
  const work: RepositoryWork = {
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
  try {
    await planAndApply(options, policies, inventory, warnings, work);
  } catch (err) {
    work.report.errors.push({ kind: "api-error", repository, code: errorCode(err), message: `this repository failed: ${errorMessage(err)}` });
  }
  return finishReport(work, options.listKept);
}

async function planAndApply(options: RunOptions, policies: Policy[], inventory: InUseInventory, warnings: string[], work: RepositoryWork): Promise<void> {
  const { report } = work;
  const repository = report.repository;
  const watchesPulls = policies.some((p) => p.keepPulledWithinMs !== undefined);
  let images: ImageRecord[];
  let indexesRead: Set<string>;
  try {
    images = await listImages(options.ecr, repository);
    indexesRead = new Set((await readIndexChildren(options.ecr, repository, images.filter((image) => image.status === undefined))).map((image) => image.digest));
    // An archived or activating index cannot be pulled, so its manifest cannot be read: its children are unknown.
    for (const image of images) if (image.status !== undefined && isIndex(image)) image.childrenUnknown = true;
  } catch (err) {
    report.errors.push({ kind: "api-error", repository, code: errorCode(err), message: `cannot read the repository's images: ${errorMessage(err)}` });
    return;
  }
  if (indexesRead.size && watchesPulls) {
    warnings.push(
      `${repository}: reading ${indexesRead.size} image index manifest(s) with BatchGetImage counts as a pull, dry runs included: ` +
        "it refreshes their lastRecordedPullTime, which keep_pulled_within reads, so the next run may keep them as recently pulled. " +
        "Register the credentials you run the cleaner with as a pull-time update exclusion (see docs/retention-rule.md)",
    );
  }
  const inUse = inUseDigests(inventory, repository, images);
  const plan = planRepository({ repository, images, policies, now: options.now.getTime(), inUse, archive: options.config.settings.archive });
  work.plan = plan;
  if (inventory.failures.length) {
    // An in-use source could not be read: anything might be in use, so nothing is deleted (or archived) in this run.
    for (const decision of plan.decisions) if (removes(decision)) overrideToKeep(decision, "in-use-unknown");
  }
  for (const image of images) {
    const mark = image.status === "ARCHIVED" ? inUse.get(image.digest) : undefined;
    if (mark) {
      const workloads = mark.workloads.length ? mark.workloads.join(", ") : mark.reason;
      warnings.push(`${repository}: archived image ${image.digest} is named by a workload (${workloads}), which cannot pull it: restore it with ecr-cleanup restore --repository ${repository} --digest ${image.digest}`);
    }
  }
  // A unit archived or restored in part (a restore by digest, a run that stopped between a unit's calls): the index pulls fail.
  const archivedDigests = new Set(images.filter((image) => image.status === "ARCHIVED").map((image) => image.digest));
  for (const image of images) {
    const archivedChildren = image.status === undefined ? (image.childDigests ?? []).filter((child) => archivedDigests.has(child)) : [];
    if (archivedChildren.length) {
      warnings.push(`${repository}: active index ${image.digest} lists ${archivedChildren.length} archived image(s) (${archivedChildren.join(", ")}), so pulls of it fail on those platforms: restore the unit with ecr-cleanup restore --repository ${repository} --digest ${image.digest}`);
    }
  }
  report.modes = reportModes(plan, policies, options.now);
  for (const mode of plan.modes) {
    if (mode.noSignificantTag) {
      warnings.push(`${repository}: no image carries any significant tag of policy "${mode.policy}", so it runs in untagged mode (check the tags for typos)`);
    } else if (mode.unmatchedTags?.length) {
      warnings.push(
        `${repository}: no image carries significant tag ${mode.unmatchedTags.join(", ")} of policy "${mode.policy}", so ${mode.unmatchedTags.length === 1 ? "that channel has" : "those channels have"} no position here and the anchor is the oldest of the others (check for typos)`,
      );
    }
  }
  if (plan.failure) report.errors.push({ kind: "unknown-push-time", repository, code: plan.failure.code, message: plan.failure.message });
  if (plan.capExceeded) {
    report.capExceeded = plan.capExceeded;
    report.errors.push({
      kind: "cap-exceeded",
      repository,
      code: "cap-exceeded",
      message: `the plan deletes ${plan.capExceeded.planned} images, more than max_deletions ${plan.capExceeded.cap}: repository skipped, nothing deleted`,
    });
  }
  options.onPlanned?.(plan, policies);
  if (!options.apply || deletions(plan).length === 0) return;
  work.setOut = new Set(deletions(plan).map((d) => d.image.digest));
  const size: RepositorySize = { images: images.length, tagged: images.filter(isActiveTagged).length };
  await applyPlan(
    {
      client: options.ecr,
      plan,
      policies,
      size,
      // The cleaner's own manifest reads refresh the indexes' pull times; only someone else's pull is a change.
      watchPulls: (digest) => watchesPulls && !indexesRead.has(digest),
      onDeleteCall: options.onDeleteCall,
      // Half the margin: the batch in flight still has the other half to finish.
      outOfTime: options.remainingTimeMs && (() => options.remainingTimeMs!() < (options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS) / 2),
    },
    work.applied,
  );
}

/** The repository's report from what is known, never throwing: it must list every image this run deleted. */
function finishReport(work: RepositoryWork, listKept?: boolean): RepositoryReport {
  const { report, plan, applied } = work;
  report.errors.push(...applied.errors);
  if (applied.notes.length) report.notes = [...(report.notes ?? []), ...applied.notes];
  if (applied.outOfTime) report.outOfTime = true;
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

/** What a run learns before it touches any repository: taken once per run, whatever the number of repositories. */
export interface RunContext {
  /** Governed repositories, sorted by name. */
  governed: string[];
  notGoverned: string[];
  inventory: InUseInventory;
  /** The registry's own account and region, from the repository ARNs; undefined when they do not tell. */
  registry?: RegistryId;
  errors: RunError[];
  warnings: string[];
}

/** The one account and region all the repositories are in, or undefined when an ARN does not say or they differ. */
function registryOf(repositories: readonly RepositoryInfo[]): RegistryId | undefined {
  const registries = repositories.map((r) => registryOfArn(r.arn));
  const first = registries[0];
  const same = first && registries.every((r) => r && r.account === first.account && r.region === first.region);
  return same ? first : undefined;
}

/** Lists the repositories and takes the in-use inventory, once; reports missing and mistyped names. */
export async function prepareRun(options: RunOptions): Promise<RunContext> {
  const context: RunContext = {
    governed: [],
    notGoverned: [],
    inventory: emptyInventory(),
    errors: [],
    warnings: [],
  };
  let names: string[];
  try {
    const repositories = await listRepositories(options.ecr);
    names = repositories.map((r) => r.name);
    const registry = registryOf(repositories);
    if (registry) context.registry = registry;
    const { inUse } = options.config.settings;
    const anyOn = [inUse.ecs, inUse.lambda, inUse.eks, inUse.appRunner, inUse.batch].some(Boolean);
    if (registry || !anyOn) {
      // With every source off there is no reference to match, so the registry's identity does not matter.
      context.inventory = await readInUse(inUse, registry ?? { account: "", region: "" }, { sdkConfig: options.sdkConfig ?? {} });
    } else if (repositories.length) {
      // Without the registry's own account and region no workload's reference can be matched: fail closed.
      context.inventory.failures.push({
        source: "registry",
        code: "RegistryUnknown",
        message: `the registry's account and region cannot be determined from the repository ARNs (${repositories.slice(0, 3).map((r) => JSON.stringify(r.arn)).join(", ")})`,
      });
    }
  } catch (err) {
    context.errors.push({ kind: "api-error", code: errorCode(err), message: `cannot list repositories: ${errorMessage(err)}` });
    return context;
  }
  for (const source of context.inventory.disabled) {
    context.warnings.push(`settings.in_use.${inUseKey(source, "snake")} is false: images that ${SOURCES[source].label} uses are not protected in this run`);
  }
  for (const failure of context.inventory.failures) {
    context.errors.push({
      kind: "in-use-unreadable",
      code: failure.code,
      message: failure.source === "registry"
        ? `cannot match any workload's images (${failure.message}): nothing is deleted in this run`
        : `cannot read the images in use: ${failure.message}; nothing is deleted in this run`,
    });
  }
  const existing = new Set(names);
  for (const missing of missingRepositories(options.config.policies, existing)) {
    context.errors.push({
      kind: "missing-repository",
      repository: missing.repository,
      policy: missing.policy,
      code: "RepositoryNotFoundException",
      message: `policy "${missing.policy}" names repository ${missing.repository}, which does not exist`,
    });
  }
  for (const missing of missingProtectedRepositories(options.config.policies, existing)) {
    context.warnings.push(`policy "${missing.policy}" protects repository ${missing.repository}, which does not exist (a typo would leave the real one governed)`);
  }
  for (const name of names) {
    (options.config.policies.some((p) => governs(p, name)) ? context.governed : context.notGoverned).push(name);
  }
  return context;
}

/**
 * Cleans `names` (in that order) with at most `concurrency` at once. Out of time (a Lambda), no new repository
 * starts; the ones in flight finish their batches, and the rest are returned as not reached.
 */
export async function cleanRepositories(
  options: RunOptions,
  context: RunContext,
  names: readonly string[],
): Promise<{ repositories: RepositoryReport[]; notReached: string[] }> {
  const notReached: string[] = [];
  const margin = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
  let done = 0;
  const reports = await mapConcurrent(names, options.concurrency ?? DEFAULT_CONCURRENCY, async (name) => {
    if (notReached.length || (options.remainingTimeMs && options.remainingTimeMs() < margin)) {
      notReached.push(name);
      return undefined;
    }
    const report = await cleanRepository(options, name, context.inventory, context.warnings);
    // Stopped mid-repository by the time limit (an archive run has many calls): the next run starts with it.
    if (report.outOfTime) notReached.push(name);
    options.onRepositoryDone?.(report, ++done, names.length);
    return report;
  });
  const order = new Map(names.map((name, i) => [name, i]));
  notReached.sort((a, b) => order.get(a)! - order.get(b)!);
  return { repositories: reports.filter((r): r is RepositoryReport => r !== undefined), notReached };
}

/** The run's report from its context and its repositories' reports. */
export function assembleReport(
  options: Pick<RunOptions, "apply" | "now"> & { config?: Config },
  context: RunContext,
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
  return report;
}

export async function runCleanup(options: RunOptions): Promise<RunReport> {
  const context = await prepareRun(options);
  const { repositories, notReached } = await cleanRepositories(options, context, rotate(context.governed, options.startAt));
  return assembleReport(options, context, repositories, notReached);
}

/** The repositories from `startAt` on (names are sorted), then the ones before it. */
function rotate(sorted: string[], startAt: string | undefined): string[] {
  if (!startAt) return sorted;
  const index = sorted.findIndex((name) => name >= startAt);
  return index <= 0 ? sorted : [...sorted.slice(index), ...sorted.slice(0, index)];
}
