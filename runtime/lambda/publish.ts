/**
 * What a run writes to the function's log: its repository lines as each repository finishes, then its run lines and
 * EMF metrics. Shared by the single-function handler and fan-out mode (workers log repositories, the aggregate step
 * the rest), so both modes leave the same lines in the log group.
 */
import type { RunReport } from "../engine/report";
import { LineContext, runLines } from "./log";
import { emfLines } from "./metrics";

export function writeLine(line: string): void {
  // process.stdout, not console.log: Lambda prefixes console lines, and an EMF document must be the whole log event.
  process.stdout.write(`${line}\n`);
}

export function functionNameOf(context: { functionName?: string }): string {
  return context.functionName ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? "unknown";
}

/** The run's errors, warnings and summary lines, then its metrics. */
export function publishRun(report: RunReport, ctx: LineContext, functionName: string): void {
  runLines(report, ctx).forEach(writeLine);
  emfLines(report.summary, { functionName, timestamp: Date.now(), dryRun: ctx.dryRun }).forEach(writeLine);
}
