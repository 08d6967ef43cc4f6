/**
 * What the CLI adds around a run that deletes or archives (`--apply`, `apply PLAN`): the journal of its calls and
 * the signals that stop it. Both are set up before any AWS call; `finish` says how the run ended.
 */
import type { DeleteCallListener } from "../engine/apply";
import { halfArchivedNote } from "../engine/apply/halfArchived";
import type { RunReport } from "../engine/report";
import { escapeControls } from "../report/escape";
import { errorMessage } from "../shared/errors";
import { SIGNAL_EXIT, watchSignals } from "./interrupt";
import type { CliIo } from "./io";
import { Journal } from "./journal";

export interface Acting {
  /** For RunOptions: the engine stops before its next call once this is aborted. */
  signal: AbortSignal;
  onDeleteCall: DeleteCallListener;
  /**
   * Journals and warns of each unit the run left half-archived, stops watching signals and closes the journal; a
   * journal that could not be written is an error of the report. Returns the exit code a signal asks for (130, 143),
   * if one came.
   */
  finish(report: RunReport): number | undefined;
  /** Stops watching signals and closes the journal (once; `finish` does it too). */
  close(): void;
}

/** Throws FileProblem when the journal cannot be opened (the caller names the file). */
export function startActing(io: CliIo, command: string, journalPath: string | undefined): Acting {
  const journal = journalPath === undefined ? undefined : Journal.open(journalPath, io.clock);
  if (journalPath !== undefined) io.journalOpened?.(journalPath);
  let deleted = 0;
  let archived = 0;
  let journalError: string | undefined;
  const soFar = () => `${deleted} ${deleted === 1 ? "image" : "images"} deleted${archived ? ` and ${archived} archived` : ""} so far`;
  /** A record that cannot be written: no call starts after it, and the run says so (exit 1). */
  const write = (record: (journal: Journal) => void) => {
    if (!journal || journalError) return;
    try {
      record(journal);
    } catch (err) {
      journalError = `the journal ${journalPath} cannot be written (${errorMessage(err)}): the run stopped before its next call`;
      interruption.stopRun();
    }
  };
  const interruption = watchSignals(io, {
    dryRun: false,
    command,
    calls: "delete or archive call",
    soFar,
    onSignal: (signal) => write((j) => j.recordSignal(signal)),
  });
  let closed = false;
  function close(): void {
    if (closed) return;
    closed = true;
    interruption.dispose();
    try {
      journal?.close();
    } catch {
      // Every line was flushed as it was written.
    }
  }
  return {
    signal: interruption.signal,
    onDeleteCall: (outcome) => {
      deleted += outcome.deleted.length;
      archived += outcome.archived?.length ?? 0;
      write((j) => j.recordCall(outcome));
    },
    close,
    finish(report) {
      for (const repository of report.repositories) {
        for (const unit of repository.halfArchived ?? []) {
          write((j) => j.recordHalfArchived(repository.repository, unit));
          io.stderr(`${command}: warning: ${escapeControls(repository.repository)}: ${escapeControls(halfArchivedNote(repository.repository, unit))}\n`);
        }
      }
      close();
      if (journalError) report.errors.push({ kind: "journal-failed", code: "JournalWriteFailed", message: journalError });
      const signal = interruption.received();
      return signal && SIGNAL_EXIT[signal];
    },
  };
}
