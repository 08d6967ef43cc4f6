/**
 * SIGINT, SIGTERM and SIGHUP while a command runs. A dry run (nothing to stop safely) exits at once. A run that
 * deletes, archives or restores is told to stop before its next such call: the calls in flight finish and the command
 * prints the report of what was done, then exits 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP). A second SIGINT or
 * SIGTERM exits at once, after one line that says how much was done so far. A repeated SIGHUP does not: a closed
 * terminal sends it more than once (the kernel and the shell each send one, within a millisecond), and a hangup is
 * nobody asking twice; the run stops as after the first one, with its journal complete.
 */
import { SIGNAL_EXIT } from "./io";
import type { CliIo, SignalName } from "./io";

export { SIGNAL_EXIT } from "./io";
export type { SignalName } from "./io";

export interface Interruption {
  /** Aborted by the first signal (or by `stopRun`, when the run must end for another reason). */
  signal: AbortSignal;
  /** The first signal received, if any. */
  received(): SignalName | undefined;
  /** Stops the run as a signal would, without one (a journal that cannot be written). */
  stopRun(): void;
  /** Stops listening: the command is done. */
  dispose(): void;
}

export type Interruptible =
  | { dryRun: true; command: string }
  /** `calls`: what the run stops before ("delete or archive call"); `soFar`: what it did ("12 images deleted so far"). */
  | { dryRun: false; command: string; calls: string; soFar: () => string; onSignal?: (signal: SignalName) => void };

export function watchSignals(io: CliIo, how: Interruptible): Interruption {
  const controller = new AbortController();
  let received: SignalName | undefined;
  const dispose = io.onSignals?.((signal) => {
    if (how.dryRun) {
      io.stderr(`${how.command}: ${signal}: dry run stopped, nothing was deleted\n`);
      return io.exit?.(SIGNAL_EXIT[signal]);
    }
    if (received && signal === "SIGHUP") return;
    if (received) {
      io.stderr(`${how.command}: ${signal} again: exiting at once, ${how.soFar()}\n`);
      return io.exit?.(SIGNAL_EXIT[signal]);
    }
    received = signal;
    controller.abort();
    how.onSignal?.(signal);
    io.stderr(`${how.command}: ${signal}: stopping before the next ${how.calls}; the calls in flight finish, then the report of what was done (${how.soFar()}; a second SIGINT or SIGTERM exits at once)\n`);
  });
  return {
    signal: controller.signal,
    received: () => received,
    stopRun: () => controller.abort(),
    dispose: () => dispose?.(),
  };
}
