/**
 * One cleanup run, shared by the CLI and the Lambda: list the repositories once, plan each governed
 * repository, and (with apply) carry the plan out. Failures are recorded, never swallowed; one
 * repository's failure does not stop the others. The report is assembled in reportAssembly.ts, the
 * warnings are worded in runWarnings.ts.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { Config } from "../config/schema";
import { isActiveTagged, listImages, listRepositories, RepositoryInfo } from "../ecr/listing";
import { forgetImpossiblePushTimes } from "../ecr/imageDetail";
import { isIndex, readIndexChildren } from "../ecr/manifests";
import type { RepositorySize } from "../ecr/recheck";
import { emptyInventory, InUseInventory, inUseDigests, readInUse } from "../inuse/inventory";
import { registryOfArn, RegistryId } from "../inuse/reference";
import type { SdkConfig } from "../inuse/targets";
import { deletions, overrideToKeep, planRepository, removes } from "../planner/plan";
import { governs, missingRepositories } from "../planner/scope";
import type { ImageRecord, Policy, RepositoryPlan } from "../planner/types";
import { DEADLINE_ERROR, isDeadlineExpiry } from "../shared/deadline";
import { errorCode, errorMessage, isNetworkFailure, isServerFault, serverFaultMark } from "../shared/errors";
import { mapConcurrent } from "../shared/pool";
import { applyPlan, DeleteCallListener } from "./apply";
import type { RepositoryReport, RunError, RunReport } from "./report";
import { assembleReport, emptyRepositoryWork, finishReport, RepositoryWork, reportModes } from "./reportAssembly";
import { disabledSourceWarnings, groupedReleaseWarnings, indexReadWarning, modeWarnings, nearestRepository, scopeWarnings, unpullableWarnings } from "./runWarnings";

export const DEFAULT_CONCURRENCY = 8;

export const DEFAULT_SAFETY_MARGIN_MS = 60_000;

/**
 * How many repositories in a row (in the order they end) may fail by a network failure or a server fault (HTTP 5xx)
 * before no other repository starts: the concurrency, and at least 2. Against an endpoint that fails every call,
 * however fast or slow, the first repositories (as many as run at once) have all failed within one call's worst case,
 * and those started meanwhile end within one more: two calls in all, whatever the number of repositories. A flaky
 * link or a service's passing fault fails one repository now and then, not every one in a row.
 */
export function networkFailureLimit(concurrency: number): number {
  return Math.max(2, concurrency);
}

/**
 * Whether a repository's error counts toward networkFailureLimit: a network failure or a server fault (5xx). Throttling
 * and AccessDenied (client faults) do not: the service is up and answering.
 */
export function failsTheEndpoint(error: RunError): boolean {
  return isNetworkFailure(error) || isServerFault(error);
}

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
  /**
   * Told to stop (SIGINT, SIGTERM or SIGHUP in the CLI): no repository starts and no delete or archive call starts after it;
   * the calls in flight finish, what was not acted on is kept as `interrupted`, and the report says the run was interrupted.
   */
  signal?: AbortSignal;
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

/** Whatever goes wrong in one repository (an API error, a value out of range, a bug) fails that repository only. */
async function cleanRepository(options: RunOptions, repository: string, inventory: InUseInventory, warnings: string[]): Promise<RepositoryReport> {
  const policies = options.config.policies.filter((p) => governs(p, repository));
  const work = emptyRepositoryWork(repository, policies);
  try {
    await planAndApply(options, policies, inventory, warnings, work);
  } catch (err) {
    work.report.errors.push({ kind: "api-error", repository, code: errorCode(err), message: `this repository failed: ${errorMessage(err)}`, ...serverFaultMark(err) });
  }
  return finishReport(work, options.listKept);
}

/** A repository's images (every status), with the children of the index manifests it could read. */
interface RepositoryImages {
  images: ImageRecord[];
  /** The indexes whose manifests this run read (a read counts as a pull). */
  indexesRead: Set<string>;
}

/**
 * The repository's images and index manifests, push times past both the clock and `now` made unknown; undefined, with
 * the error in the report, when they cannot be read.
 */
async function readImages(ecr: ECRClient, report: RepositoryReport, now: Date): Promise<RepositoryImages | undefined> {
  const repository = report.repository;
  try {
    const images = await listImages(ecr, repository);
    forgetImpossiblePushTimes(images, now.getTime());
    const indexesRead = new Set((await readIndexChildren(ecr, repository, images.filter((image) => image.status === undefined))).map((image) => image.digest));
    // An archived or activating index cannot be pulled, so its manifest cannot be read: its children are unknown.
    for (const image of images) if (image.status !== undefined && isIndex(image)) image.childrenUnknown = true;
    return { images, indexesRead };
  } catch (err) {
    report.errors.push({ kind: "api-error", repository, code: errorCode(err), message: `cannot read the repository's images: ${errorMessage(err)}`, ...serverFaultMark(err) });
    return undefined;
  }
}

/** The plan's own failures in the report: a push time it cannot know, a cap the plan exceeds. */
function reportPlanErrors(report: RepositoryReport, plan: RepositoryPlan): void {
  const repository = report.repository;
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
}

/** Reads, plans and (with apply) carries out one repository, recording in `work` what it learns as it goes. */
async function planAndApply(options: RunOptions, policies: Policy[], inventory: InUseInventory, warnings: string[], work: RepositoryWork): Promise<void> {
  const { report } = work;
  const repository = report.repository;
  const watchesPulls = policies.some((p) => p.keepPulledWithinMs !== undefined);
  const read = await readImages(options.ecr, report, options.now);
  if (!read) return;
  const { images, indexesRead } = read;
  if (indexesRead.size && watchesPulls) warnings.push(indexReadWarning(repository, indexesRead.size));
  const inUse = inUseDigests(inventory, repository, images);
  const plan = planRepository({ repository, images, policies, now: options.now.getTime(), inUse, archive: options.config.settings.archive });
  work.plan = plan;
  if (inventory.failures.length) {
    // An in-use source could not be read: anything might be in use, so nothing is deleted (or archived) in this run.
    for (const decision of plan.decisions) if (removes(decision)) overrideToKeep(decision, "in-use-unknown");
  }
  warnings.push(...unpullableWarnings(repository, images, inUse));
  report.modes = reportModes(plan, policies, options.now);
  warnings.push(...modeWarnings(repository, plan), ...groupedReleaseWarnings(repository, plan, policies));
  reportPlanErrors(report, plan);
  options.onPlanned?.(plan, policies);
  if (!options.apply || deletions(plan).length === 0) return;
  work.setOut = new Set(deletions(plan).map((d) => d.image.digest));
  const size: RepositorySize = { images: images.length, tagged: images.filter(isActiveTagged).length };
  await applyPlan(
    {
      client: options.ecr,
      plan,
      policies,
      now: options.now.getTime(),
      size,
      // The cleaner's own manifest reads refresh the indexes' pull times; only someone else's pull is a change.
      watchPulls: (digest) => watchesPulls && !indexesRead.has(digest),
      onDeleteCall: options.onDeleteCall,
      signal: options.signal,
      // Half the margin: the batch in flight still has the other half to finish.
      outOfTime: options.remainingTimeMs && (() => options.remainingTimeMs!() < (options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS) / 2),
    },
    work.applied,
  );
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

/**
 * Where a run stopped by an unreadable source sends its user: doctor checks the permissions and access at once, where
 * each failing run finds only the first one missing. The two calls doctor cannot probe without a real resource's ARN
 * are named, so that a doctor that passes is not taken for one that checked them.
 */
const DOCTOR_POINTER =
  "(ecr-cleanup doctor --config FILE checks the permissions and access a run needs at once, all but ecs:DescribeServiceRevisions and apprunner:DescribeService)";

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
  context.warnings.push(...disabledSourceWarnings(context.inventory));
  for (const failure of context.inventory.failures) {
    context.errors.push({
      kind: "in-use-unreadable",
      code: failure.code,
      message: failure.source === "registry"
        ? `cannot match any workload's images (${failure.message}): nothing is deleted in this run`
        : `cannot read the images in use: ${failure.message}; nothing is deleted in this run ${DOCTOR_POINTER}`,
    });
  }
  const existing = new Set(names);
  for (const missing of missingRepositories(options.config.policies, existing)) {
    context.errors.push({
      kind: "missing-repository",
      repository: missing.repository,
      policy: missing.policy,
      code: "RepositoryNotFoundException",
      message: `policy "${missing.policy}" names repository ${missing.repository}, which does not exist${nearestRepository(missing.repository, existing)}`,
    });
  }
  context.warnings.push(...scopeWarnings(options.config.policies, existing));
  for (const name of names) {
    (options.config.policies.some((p) => governs(p, name)) ? context.governed : context.notGoverned).push(name);
  }
  return context;
}

/**
 * Cleans `names` (in that order) with at most `concurrency` at once. Out of time (a Lambda), no new repository
 * starts; the ones in flight finish their batches, and the rest are returned as not reached. Likewise once ECR let
 * a call expire after all its attempts: each repository started after it would wait out the same deadlines (up to
 * 141 s a call), and a silent endpoint would hold the run for hours; the error says why the rest were not reached.
 * A connection reset or broken pipe, or a server fault (5xx), is not that (it fails fast): the other repositories go
 * on, unless networkFailureLimit repositories in a row fail so (an endpoint that resets every call, or a proxy that
 * answers every call 504 after its own timeout). Throttling and AccessDenied are no such failure: they never count.
 */
export async function cleanRepositories(
  options: RunOptions,
  context: RunContext,
  names: readonly string[],
): Promise<{ repositories: RepositoryReport[]; notReached: string[] }> {
  const notReached: string[] = [];
  const margin = options.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
  let done = 0;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  /** The first repository in which ECR did not answer in time. */
  let unanswered: string | undefined;
  /** How many repositories in a row ended by a network failure or a server fault, and the latest of them. */
  let failingInARow = { count: 0, name: "", code: "", serverFault: false };
  /** Set once networkFailureLimit repositories in a row failed so. */
  let networkDown: typeof failingInARow | undefined;
  const reports = await mapConcurrent(names, concurrency, async (name) => {
    if (notReached.length || unanswered || networkDown || options.signal?.aborted || (options.remainingTimeMs && options.remainingTimeMs() < margin)) {
      notReached.push(name);
      return undefined;
    }
    const report = await cleanRepository(options, name, context.inventory, context.warnings);
    // A report error's code is the failure's errorCode, so this is the classification the settling of a delete uses:
    // a connection reset fails fast and is this repository's failure only.
    if (!unanswered && report.errors.some(isDeadlineExpiry)) unanswered = name;
    // Resets or 5xx answers that fail every repository, fast or after a while, are the endpoint's failure too
    // (networkFailureLimit).
    const failure = report.errors.find(failsTheEndpoint);
    failingInARow = failure
      ? { count: failingInARow.count + 1, name, code: failure.code, serverFault: !isNetworkFailure(failure) }
      : { count: 0, name: "", code: "", serverFault: false };
    if (!networkDown && failingInARow.count >= networkFailureLimit(concurrency)) networkDown = failingInARow;
    // Stopped mid-repository by the time limit (an archive run has many calls): the next run starts with it.
    if (report.outOfTime) notReached.push(name);
    options.onRepositoryDone?.(report, ++done, names.length);
    return report;
  });
  const order = new Map(names.map((name, i) => [name, i]));
  notReached.sort((a, b) => order.get(a)! - order.get(b)!);
  if (unanswered && notReached.length) {
    context.errors.push({
      kind: "api-error",
      code: DEADLINE_ERROR,
      message: `ECR did not answer in time in repository ${unanswered} (see its error), so no other repository was started: ${notReached.length} not reached`,
    });
  } else if (networkDown && notReached.length) {
    context.errors.push({
      kind: "api-error",
      code: networkDown.code,
      message: `${networkDown.serverFault ? "ECR answered with a server error" : "the network failed"} in ${networkDown.count} repositories in a row (the last: ${networkDown.name}; see their errors), so no other repository was started: ${notReached.length} not reached`,
    });
  }
  return { repositories: reports.filter((r): r is RepositoryReport => r !== undefined), notReached };
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
