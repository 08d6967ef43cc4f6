/**
 * The signals a command watches: Ctrl-C, a cancelled CI job, and a closed terminal or ssh session (SIGHUP), which
 * would otherwise end the process mid-run with no report and no record in the journal.
 */
export type SignalName = "SIGINT" | "SIGTERM" | "SIGHUP";
export const WATCHED_SIGNALS: readonly SignalName[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** Where a CLI command writes and what it reads of its surroundings: the process in use, a recorder in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Progress is shown only on a terminal. */
  stderrIsTty: boolean;
  clock: () => Date;
  /** How wide the table may be (runtime/report/width.ts). Defaults to 100. */
  tableWidth?: number;
  /**
   * Calls `handler` on each of the WATCHED_SIGNALS until the returned function is called (runtime/cli/interrupt.ts).
   * Absent (tests that run a command in process): signals are not watched.
   */
  onSignals?: (handler: (signal: SignalName) => void) => () => void;
  /** Ends the process at once with this code (a second signal). */
  exit?: (code: number) => void;
}

/**
 * A writer to the process's stdout or stderr that a reader closing its end (`ecr-cleanup … | head`: EPIPE) or a
 * terminal that is gone (a closed ssh session after SIGHUP: EIO) does not crash: the rest of the output is dropped
 * and the command ends as it would have, with its own exit code (its work, an --apply's deletes and journal
 * included, does not depend on anyone reading the output).
 */
const GONE_READER_CODES = new Set(["EPIPE", "EIO"]);

export function processWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let watching = false;
  return (text) => {
    if (!watching) {
      stream.on("error", (err: NodeJS.ErrnoException) => {
        if (!GONE_READER_CODES.has(err.code ?? "")) throw err;
      });
      watching = true;
    }
    if (!stream.destroyed) stream.write(text);
  };
}
