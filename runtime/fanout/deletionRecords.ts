/**
 * What a worker's attempt deleted, recorded durably as it happens (spec section 5: the report lists every image the
 * run deleted). A batch can run more than once (Step Functions' Lambda retry, a redriven Map Run, a response lost
 * after the function ran), and each attempt writes its own report; without these records the aggregate step would
 * see only the last attempt's report, and lose what an earlier one deleted. An attempt records:
 * - after each delete call (or batch of archive calls), its outcome (`call-<n>.json`), digests only: that is all the
 *   engine says then;
 * - after each repository it deleted or archived in, the repository's deleted and archived lines, the bytes freed and
 *   the bytes archived (`repository-<n>.json`).
 * The engine's hooks are synchronous, so the writes are collected and awaited before the worker returns or throws;
 * a write that fails is an error of the repository (so of the run), never silent.
 */
import type { DeleteCallOutcome } from "../engine/apply";
import { errorCode, errorMessage } from "../shared/errors";
import type { ImageLine, RepositoryReport, RunError } from "../engine/report";
import { runKeys } from "./keys";
import type { JsonStore } from "./storage";

export interface DeleteCallRecord extends DeleteCallOutcome {
  attempt: string;
}

export interface RepositoryDeletionsRecord {
  attempt: string;
  repository: string;
  /** The report's lines of the images this attempt deleted or archived, what deleting them freed, and what archiving them moved. */
  lines: ImageLine[];
  bytesFreed: number;
  bytesArchived: number;
}

export class DeletionRecorder {
  private calls = 0;
  private readonly writes: Promise<RunError | undefined>[] = [];

  constructor(
    private readonly store: JsonStore,
    private readonly run: string,
    private readonly attempt: string,
    /** Each repository's position in the run's governed list. */
    private readonly positions: ReadonlyMap<string, number>,
  ) {}

  deleteCall(outcome: DeleteCallOutcome): void {
    const record: DeleteCallRecord = { attempt: this.attempt, ...outcome };
    this.write(runKeys(this.run).deleteCall(this.attempt, ++this.calls), outcome.repository, record);
  }

  repositoryDone(report: RepositoryReport): void {
    if (!report.deleted && !report.archived) return;
    const record: RepositoryDeletionsRecord = {
      attempt: this.attempt,
      repository: report.repository,
      lines: report.images.filter((line) => line.outcome === "deleted" || line.outcome === "archived"),
      bytesFreed: report.bytesFreed,
      bytesArchived: report.bytesArchived ?? 0,
    };
    this.write(runKeys(this.run).repositoryDeletions(this.attempt, this.positions.get(report.repository) ?? -1), report.repository, record);
  }

  /** Waits for every write; the errors of those that failed, each naming its repository. */
  async settled(): Promise<RunError[]> {
    const results = await Promise.all(this.writes);
    return results.filter((error): error is RunError => error !== undefined);
  }

  private write(key: string, repository: string, record: DeleteCallRecord | RepositoryDeletionsRecord): void {
    this.writes.push(this.store.put(key, record).then(
      () => undefined,
      (err): RunError => ({
        kind: "api-error",
        repository,
        code: errorCode(err),
        message: `cannot record what this run deleted in s3://${this.store.bucket}/${key} (${errorMessage(err)}): ` +
          "if this batch runs again, the run's report may not count these deletions (the delete-call lines in the log do)",
      }),
    ));
  }
}
