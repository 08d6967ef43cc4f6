/**
 * The aggregate step of fan-out mode: the run's report from what the prepare step stored (the run's context) and
 * what the Map's ResultWriter wrote (which batches succeeded, each pointing at its report, and which failed), put
 * together with the engine's assembleReport, so that it reads like a single-function run's report.
 */
import type { RepositoryReport, RunError, RunReport } from "../engine/report";
import { assembleReport } from "../engine/run";
import type { FanOutItem } from "./items";
import type { JsonStore } from "./storage";

/** What the prepare step stores for the aggregate step: the run's context, less the inventory (the items carry it). */
export interface StoredContext {
  now: string;
  apply: boolean;
  /** Governed repositories, sorted: the order of the run's report. */
  governed: string[];
  notGoverned: string[];
  errors: RunError[];
  warnings: string[];
}

/** What a worker stores for its batch. */
export interface BatchReport {
  repositories: RepositoryReport[];
  notReached: string[];
  warnings: string[];
}

/** A worker's result, which the Map's ResultWriter records as the child execution's output. */
export interface BatchResult {
  report: string;
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

export type BatchOutcome = { report: BatchReport } | { failed: { repositories: string[]; error: string; cause: string } };

/** The batch's repositories, from a child execution's input (`{"Items": [...], "BatchInput": {...}}`). */
function repositoriesOf(execution: ChildExecution): string[] {
  try {
    const input = JSON.parse(execution.Input) as { Items?: FanOutItem[] };
    return (input.Items ?? []).map((item) => item.repository);
  } catch {
    return [];
  }
}

/** Reads the ResultWriter's manifest and result files, and each succeeded batch's report. */
export async function readOutcomes(
  store: JsonStore,
  details: ResultWriterDetails,
  lean: (report: BatchReport) => BatchReport = (r) => r,
): Promise<BatchOutcome[]> {
  if (details?.Bucket !== store.bucket) throw new Error(`the Map's results are in bucket ${details?.Bucket}, not in this run's bucket ${store.bucket}`);
  const manifest = await store.get<ResultManifest>(details.Key);
  const outcomes: BatchOutcome[] = [];
  for (const [status, files] of Object.entries(manifest.ResultFiles ?? {})) {
    for (const file of files ?? []) {
      for (const execution of await store.get<ChildExecution[]>(file.Key)) {
        if (status === "SUCCEEDED") {
          const result = JSON.parse(execution.Output ?? "{}") as BatchResult;
          outcomes.push({ report: lean(await store.get<BatchReport>(result.report)) });
        } else {
          outcomes.push({ failed: { repositories: repositoriesOf(execution), error: execution.Error ?? status, cause: execution.Cause ?? "" } });
        }
      }
    }
  }
  return outcomes;
}

/**
 * A batch report without its deletion lines (the workers logged them): the aggregate step needs only the counts and
 * the safety keeps to assemble the summary, and a registry's deletions may not fit in its memory.
 */
export function withoutDeletionLines(report: BatchReport): BatchReport {
  return { ...report, repositories: report.repositories.map((r) => ({ ...r, images: r.images.filter((line) => line.keptBySafety) })) };
}

/** The run's report: repositories and repositories not reached in the governed order, failed batches as errors. */
export function aggregateRun(stored: StoredContext, outcomes: readonly BatchOutcome[]): RunReport {
  const order = new Map(stored.governed.map((name, i) => [name, i]));
  const position = (name: string) => order.get(name) ?? Number.MAX_SAFE_INTEGER;
  const repositories: RepositoryReport[] = [];
  const notReached: string[] = [];
  const errors = [...stored.errors];
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
  const context = { governed: stored.governed, notGoverned: stored.notGoverned, errors, warnings, inventory: { byRepository: new Map(), failures: [], disabled: [] } };
  return assembleReport({ apply: stored.apply, now: new Date(stored.now) }, context, repositories, notReached);
}
