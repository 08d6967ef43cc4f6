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
   * Calls `handler` on each SIGINT and SIGTERM until the returned function is called (runtime/cli/interrupt.ts).
   * Absent (tests that run a command in process): signals are not watched.
   */
  onSignals?: (handler: (signal: "SIGINT" | "SIGTERM") => void) => () => void;
  /** Ends the process at once with this code (a second signal). */
  exit?: (code: number) => void;
}
