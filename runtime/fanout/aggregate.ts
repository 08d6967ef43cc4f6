/**
 * The aggregate step of fan-out mode: the run's report from what the prepare step stored (the stored run) and what
 * the Map's ResultWriter wrote (which batches succeeded, each pointing at its attempt's report, and which failed),
 * with what earlier attempts of a batch deleted added (runtime/fanout/earlierAttempts.ts), put together with the
 * engine's assembleReport, so that it reads like a single-function run's report.
 */
import type { RepositoryReport, RunError, RunReport } from "../engine/report";
import { emptyInventory } from "../inuse/inventory";
import { assembleReport } from "../engine/reportAssembly";
import { emptyReport, readEarlierDeletions, withEarlierDeletions } from "./earlierAttempts";
import type { FanOutItem } from "./items";
import { isAttemptId, RESULTS_PREFIX, runKeys } from "./keys";
import type { JsonStore } from "./storage";
import type { StoredRun } from "./storedRun";

/** What a worker's attempt stores for its batch. */
export interface BatchReport {
  attempt: string;
  repositories: RepositoryReport[];
  notReached: string[];
  warnings: string[];
}

/** A worker's result, which the Map's ResultWriter records as the child execution's output. */
export interface BatchResult {
  report: string;
  attempt: string;
  repositories: number;
  notReached: number;
}

/** The Distributed Map's output when it has a ResultWriter. */
export interface ResultWriterDetails {
  Bucket: string;
  Key: string;
}

interface ResultFile {
  Key: string;
  Size?: number;
}

/** `manifest.json`, written by the ResultWriter when the Map Run ends. */
export interface ResultManifest {
  DestinationBucket: string;
  MapRunArn: string;
  ResultFiles: { SUCCEEDED?: ResultFile[]; FAILED?: ResultFile[]; PENDING?: ResultFile[] };
}

/** One child workflow execution in a result file (Input and Output are JSON text). */
export interface ChildExecution {
  ExecutionArn?: string;
  Input: string;
  Output?: string;
  Status: string;
  Error?: string;
  Cause?: string;
}

export type BatchOutcome =
  | { report: Omit<BatchReport, "attempt"> }
  | { failed: { repositories: string[]; error: string; cause: string } };

/** The batch's repositories, from a child execution's input (`{"Items": [...], "BatchInput": {...}}`). */
function repositoriesOf(execution: ChildExecution): string[] {
  try {
    const input = JSON.parse(execution.Input) as { Items?: FanOutItem[] };
    return (input.Items ?? []).map((item) => item.repository);
  } catch {
    return [];
  }
}

/** Only the state machine's role may write under the results prefix (the bucket's policy): read nothing else as results. */
function checkResultKey(key: unknown): string {
  if (typeof key !== "string" || !key.startsWith(`${RESULTS_PREFIX}/`)) throw new Error(`the Map's results must be under ${RESULTS_PREFIX}/, not at ${JSON.stringify(key)}`);
  return key;
}

function checkBatchResult(run: string, result: BatchResult): BatchResult {
  if (!isAttemptId(result?.attempt) || result.report !== runKeys(run).report(result.attempt)) {
    throw new Error(`a batch's result does not point at a report of run ${run}: ${JSON.stringify(result).slice(0, 200)}`);
  }
  return result;
}

/** Each child execution of the Map Run, from the ResultWriter's manifest and result files. */
async function readExecutions(store: JsonStore, details: ResultWriterDetails): Promise<{ status: string; execution: ChildExecution }[]> {
  if (details?.Bucket !== store.bucket) throw new Error(`the Map's results are in bucket ${details?.Bucket}, not in this run's bucket ${store.bucket}`);
  const manifest = await store.get<ResultManifest>(checkResultKey(details.Key));
  const executions: { status: string; execution: ChildExecution }[] = [];
  for (const [status, files] of Object.entries(manifest.ResultFiles ?? {})) {
    for (const file of files ?? []) {
      for (const execution of await store.get<ChildExecution[]>(checkResultKey(file.Key))) executions.push({ status, execution });
    }
  }
  return executions;
}

/**
 * Reads the Map's results, each succeeded batch's report with what earlier attempts deleted in its repositories, and
 * for repositories only earlier attempts reached (their batch failed, or its last attempt stopped before them) a
 * report of what those deleted (they stay listed as not reached).
 */
export async function readOutcomes(
  store: JsonStore,
  run: string,
  details: ResultWriterDetails,
  lean: (report: RepositoryReport) => RepositoryReport = (r) => r,
): Promise<BatchOutcome[]> {
  const executions = await readExecutions(store, details);
  const results = executions.filter((e) => e.status === "SUCCEEDED").map((e) => checkBatchResult(run, JSON.parse(e.execution.Output ?? "{}") as BatchResult));
  const reportKeys = new Map(results.map((result) => [result.attempt, result.report]));
  const outcomes = await attemptOutcomes(store, run, [...reportKeys.keys()], (attempt) => store.get<BatchReport>(reportKeys.get(attempt)!), lean);
  for (const { status, execution } of executions) {
    if (status !== "SUCCEEDED") outcomes.push({ failed: { repositories: repositoriesOf(execution), error: execution.Error ?? status, cause: execution.Cause ?? "" } });
  }
  return outcomes;
}

/**
 * The final attempts' reports, read one at a time (`reportOf`), each repository with what the run's other attempts
 * deleted in it added, then a report for each repository that only other attempts reached. `unreadable`, when given,
 * takes each deletion record that cannot be read instead of failing on it.
 */
export async function attemptOutcomes(
  store: JsonStore,
  run: string,
  finalAttempts: readonly string[],
  reportOf: (attempt: string) => Promise<Omit<BatchReport, "attempt">>,
  lean: (report: RepositoryReport) => RepositoryReport,
  unreadable?: (key: string, problem: string) => void,
): Promise<BatchOutcome[]> {
  const earlier = await readEarlierDeletions(store, run, new Set(finalAttempts), unreadable);
  const outcomes: BatchOutcome[] = [];
  const merge = (report: RepositoryReport, warnings: string[]) => {
    const deletions = earlier.get(report.repository);
    earlier.delete(report.repository);
    return lean(deletions ? withEarlierDeletions(report, deletions, warnings) : report);
  };
  for (const attempt of finalAttempts) {
    const report = await reportOf(attempt);
    const warnings = [...report.warnings];
    outcomes.push({ report: { repositories: report.repositories.map((r) => merge(r, warnings)), notReached: report.notReached, warnings } });
  }
  const warnings: string[] = [];
  const unfinished = [...earlier.keys()].sort().map((repository) => {
    const { digests, archived } = earlier.get(repository)!;
    const did = digests.size && archived?.size ? "deleted and archived" : archived?.size && !digests.size ? "archived" : "deleted";
    warnings.push(`${repository}: an attempt of its batch ${did} images before it stopped; the repository was not cleaned to the end (it is listed as not reached)`);
    return merge(emptyReport(repository), warnings);
  });
  if (unfinished.length) outcomes.push({ report: { repositories: unfinished, notReached: [], warnings } });
  return outcomes;
}

/**
 * A repository report without its deletion lines (the workers logged them): the aggregate step needs only the counts
 * and the safety keeps to assemble the summary, and a registry's deletions may not fit in its memory.
 */
export function withoutDeletionLines(report: RepositoryReport): RepositoryReport {
  return { ...report, images: report.images.filter((line) => line.keptBySafety) };
}

/** The run's report: repositories and repositories not reached in the governed order, failed batches as errors. */
export function aggregateRun(stored: Pick<StoredRun, "now" | "apply" | "governed" | "notGoverned" | "errors" | "warnings">, outcomes: readonly BatchOutcome[]): RunReport {
  const order = new Map(stored.governed.map((name, i) => [name, i]));
  const position = (name: string) => order.get(name) ?? Number.MAX_SAFE_INTEGER;
  const repositories: RepositoryReport[] = [];
  const notReached: string[] = [];
  const errors: RunError[] = [...stored.errors];
  const warnings = [...stored.warnings];
  for (const outcome of outcomes) {
    if ("report" in outcome) {
      repositories.push(...outcome.report.repositories);
      notReached.push(...outcome.report.notReached);
      warnings.push(...outcome.report.warnings);
    } else {
      const { repositories: names, error, cause } = outcome.failed;
      notReached.push(...names);
      errors.push({
        kind: "api-error",
        code: error,
        message: `a batch of ${names.length} repositories failed and was not cleaned (${names.join(", ")}): ${cause}`,
      });
    }
  }
  repositories.sort((a, b) => position(a.repository) - position(b.repository));
  notReached.sort((a, b) => position(a) - position(b));
  const context = { governed: stored.governed, notGoverned: stored.notGoverned, errors, warnings, inventory: emptyInventory() };
  return assembleReport({ apply: stored.apply, now: new Date(stored.now) }, context, repositories, notReached);
}
