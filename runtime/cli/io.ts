import { closeSync } from "node:fs";
import { isatty } from "node:tty";
import { escapeControls } from "../report/escape";
import { errorMessage, firstLine } from "../shared/errors";

/**
 * The signals a command watches: Ctrl-C, a cancelled CI job, and a closed terminal or ssh session (SIGHUP), which
 * would otherwise end the process mid-run with no report and no record in the journal.
 */
export type SignalName = "SIGINT" | "SIGTERM" | "SIGHUP";
export const WATCHED_SIGNALS: readonly SignalName[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** 128 + the signal's number, as a shell reports a process the signal ended. */
export const SIGNAL_EXIT: Record<SignalName, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

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
  /** Told the journal a run that deletes keeps (--journal), so that a report that cannot be written can point to it. */
  journalOpened?: (path: string) => void;
}

/** Whether some output the process wrote was lost (not a reader that closed its end): the command then exits 1. */
let outputLost = false;

/** A reader that closed its end (`ecr-cleanup … | head`: EPIPE) or a terminal that is gone (a closed ssh session after SIGHUP: EIO). */
const GONE_READER_CODES = new Set(["EPIPE", "EIO"]);

/**
 * The process's stdout and stderr for a CLI command. A reader that is gone does not crash it: the rest of the output
 * is dropped and the command ends as it would have, with its own exit code (its work, an --apply's deletes and journal
 * included, does not depend on anyone reading the output). Output that cannot be written for any other reason (a
 * full disk: `> /dev/full`, ENOSPC) is lost too, but not silently: one line on stderr says so and why, names the
 * journal when one keeps the record of the calls, and the command exits 1 (`endProcess`).
 */
export function processStreams(): Pick<CliIo, "stdout" | "stderr" | "journalOpened"> {
  let journal: string | undefined;
  const stderr = processWriter(process.stderr, () => undefined);
  const stdout = processWriter(process.stdout, (err) => {
    const kept = journal === undefined ? "" : `; the journal ${escapeControls(journal)} has the record of every delete and archive call`;
    stderr(`ecr-cleanup: error: the output could not be written to stdout (${escapeControls(firstLine(errorMessage(err)))}): it is lost${kept}\n`);
  });
  return { stdout, stderr, journalOpened: (path) => (journal = path) };
}

/** A writer to one of the process's streams; `onLost` is told the first failure that is not a reader that is gone. */
function processWriter(stream: NodeJS.WriteStream, onLost: (err: NodeJS.ErrnoException) => void): (text: string) => void {
  let watching = false;
  return (text) => {
    if (!watching) {
      stream.on("error", (err: NodeJS.ErrnoException) => {
        if (GONE_READER_CODES.has(err.code ?? "") || outputLost) return;
        outputLost = true;
        onLost(err);
      });
      watching = true;
    }
    if (!stream.destroyed) stream.write(text);
  };
}

/** The exit code of a command that returned `code`: 1 instead of 0 when some of its output was lost. */
export function processExitCode(code: number): number {
  return outputLost && code === 0 ? 1 : code;
}

/**
 * Ends the process with the command's exit code once its output has been written. Ending it explicitly matters when
 * something the command gave up on still holds the process open: a credential_process that never answered
 * (runtime/cli/region.ts) is a child process the SDK started and nothing can stop.
 */
export function endProcess(code: number): void {
  const streams = [process.stdout, process.stderr];
  let pending = streams.length;
  // After the writes' callbacks, the streams' error events (emitted on the next tick) have been handled.
  const written = () => {
    if (--pending === 0) setImmediate(() => exitProcess(processExitCode(code)));
  };
  for (const stream of streams) {
    if (stream.destroyed || stream.writableEnded) written();
    else {
      stream.once("error", () => undefined);
      stream.write("", () => written());
    }
  }
}

/** The standard streams (0, 1, 2) that were terminals when the process started. */
const STARTED_ON_TERMINAL = [0, 1, 2].filter((fd) => isatty(fd));

/**
 * process.exit, also on a terminal that has hung up (a closed terminal window or ssh session). On exit Node restores
 * the settings of the terminals it started on, and before Node 22.17 and 24.1 it crashes when that fails on a hung-up
 * terminal (SIGABRT or SIGSEGV instead of the exit code; nodejs/node#51519). It leaves a stream that is closed alone:
 * the streams whose terminal is gone, which nothing can be written to any more, are closed first.
 */
export function exitProcess(code: number): never {
  for (const fd of STARTED_ON_TERMINAL) {
    if (isatty(fd)) continue;
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing to restore either.
    }
  }
  return process.exit(code);
}
