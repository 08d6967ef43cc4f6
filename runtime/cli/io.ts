/** Where a CLI command writes and what it reads of its surroundings: the process in use, a recorder in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Progress is shown only on a terminal. */
  stderrIsTty: boolean;
  clock: () => Date;
  /** How wide the table may be (runtime/report/width.ts). Defaults to 100. */
  tableWidth?: number;
}
