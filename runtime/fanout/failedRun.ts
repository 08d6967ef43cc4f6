/**
 * Fan-out mode's failure path: when the Map fails (its ResultWriter cannot write, its ItemReader cannot read, the Map
 * Run is aborted) or the aggregate step throws, the state machine's ReportFailedRun still reports the run, so that a
 * failed run that deleted images is never silent. Without the Map's results (a failed Map may have written none), it
 * reads what the batches recorded in the bucket: every attempt's report under `runs/<run>/reports/` (one per batch,
 * the others' deletions added as a retried batch's are) and every attempt's deletion records. Whatever it cannot
 * read is an error of the run, never a reason to report nothing.
 */
import type { RepositoryReport, RunError } from "../engine/report";
import { errorCode, errorMessage } from "../shared/errors";
import { mapConcurrent } from "../shared/pool";
import { attemptOutcomes, BatchOutcome, BatchReport } from "./aggregate";
import { isAttemptId, runKeys } from "./keys";
import type { JsonStore } from "./storage";

/** Reports read at once. */
const READ_CONCURRENCY = 16;

/** The attempt a batch report's key names, or undefined for a key of another shape. */
function attemptOfReportKey(run: string, key: string): string | undefined {
  const prefix = runKeys(run).reports;
  const attempt = key.startsWith(prefix) && key.endsWith(".json") ? key.slice(prefix.length, -".json".length) : "";
  return isAttemptId(attempt) ? attempt : undefined;
}

/** A batch's attempts are named by the batch's first position, then a UUID (runtime/fanout/worker.ts). */
const batchOf = (attempt: string) => attempt.slice(0, attempt.indexOf("-"));

function isBatchReport(value: unknown): value is BatchReport {
  const report = value as BatchReport | null;
  return Array.isArray(report?.repositories) && Array.isArray(report?.notReached) && Array.isArray(report?.warnings);
}

/**
 * The run's outcomes from the batch records alone: per batch one attempt's report, with what its other attempts
 * deleted added; each repository that only an attempt that stopped reached, with what it deleted; and every governed
 * repository that no report covers as not reached. What cannot be read goes to `problems`.
 */
export async function recordedOutcomes(
  store: JsonStore,
  run: string,
  governed: readonly string[],
  lean: (report: RepositoryReport) => RepositoryReport,
  problems: RunError[],
): Promise<BatchOutcome[]> {
  const problem = (message: string, code = "UnreadableRecord") => problems.push({ kind: "api-error", code, message });
  const prefix = runKeys(run).reports;
  const keys = await store.list(prefix).catch((err: unknown) => {
    problem(`cannot list the batches' reports under s3://${store.bucket}/${prefix} (${errorMessage(err)})`, errorCode(err));
    return [] as string[];
  });
  const attempts = keys.map((key) => attemptOfReportKey(run, key)).filter((attempt) => attempt !== undefined);
  const read = await mapConcurrent(attempts, READ_CONCURRENCY, async (attempt) => {
    const key = runKeys(run).report(attempt);
    const report = await store.get<unknown>(key).catch((err: unknown) => {
      problem(`cannot read the batch report s3://${store.bucket}/${key} (${errorMessage(err)}): what its attempt deleted is in the function's delete-call lines`, errorCode(err));
      return undefined;
    });
    if (report !== undefined && !isBatchReport(report)) problem(`s3://${store.bucket}/${key} is not a batch report a worker writes`);
    return { attempt, report: isBatchReport(report) ? report : undefined };
  });
  // One report per batch (a retried batch may have several: each names the same repositories); the first readable.
  const finals = new Map<string, BatchReport>();
  for (const { attempt, report } of read) if (report && !finals.has(batchOf(attempt))) finals.set(batchOf(attempt), { ...report, attempt });
  const reports = new Map([...finals.values()].map((report) => [report.attempt, report]));
  const outcomes = await attemptOutcomes(store, run, [...reports.keys()], async (attempt) => reports.get(attempt)!, lean, (key, reason) =>
    problem(`s3://${store.bucket}/${key} ${reason}: what it records is in the function's delete-call lines`));
  const covered = new Set([...reports.values()].flatMap((report) => [...report.repositories.map((r) => r.repository), ...report.notReached]));
  const notReached = governed.filter((repository) => !covered.has(repository));
  if (notReached.length) outcomes.push({ report: { repositories: [], notReached, warnings: [] } });
  return outcomes;
}
