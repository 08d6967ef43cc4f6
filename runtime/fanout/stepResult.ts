/**
 * What a fan-out step that reports the run (Aggregate, ReportFailedRun) returns to the state machine. Step Functions
 * caps a state's output at 256 KiB and fails the execution with States.DataLimitExceeded above it, an error no
 * Catch takes (not even States.ALL): the run lock would then stay held until it expires. So the result carries the
 * summary, the report's place and the first few errors, warnings and repositories not reached (each cut), with how
 * many there are, in at most RESULT_BYTE_LIMIT bytes of JSON; the report in S3 and the log's lines carry them all.
 */
import type { RunError, RunReport } from "../engine/report";
import type { HandlerResult } from "../lambda/handler";

/** At most this many of each list in a step's result. */
export const RESULT_LIST_LIMIT = 20;
/**
 * A step's result, as JSON, in bytes at most: a quarter of Step Functions' 256 KiB, so that ReportFailedRun's merge
 * with the state's `$.error` (its Cause can be tens of KB) stays far below it. Characters are not bytes: a CJK
 * character is 3 bytes in UTF-8, a control character 6 once JSON-escaped.
 */
export const RESULT_BYTE_LIMIT = 64 * 1024;
/** An error's message or a warning, cut to this many characters in a step's result. */
export const RESULT_TEXT_LIMIT = 1000;

/** A step's result: the run's summary and place, and a bounded part of its lists with their full lengths. */
export interface StepResult extends HandlerResult {
  /** How many errors, warnings and repositories not reached the run has: its result lists at most RESULT_LIST_LIMIT of each. */
  counts: { errors: number; warnings: number; notReached: number };
}

const cut = (text: string) => (text.length > RESULT_TEXT_LIMIT ? `${text.slice(0, RESULT_TEXT_LIMIT - 1)}…` : text);

/** Every text of an error cut (a failed batch's message names all its repositories). */
function boundedError(error: RunError): RunError {
  return Object.fromEntries(Object.entries(error).map(([field, value]) => [field, typeof value === "string" ? cut(value) : value])) as unknown as RunError;
}

export function stepResult(report: RunReport, ctx: { dryRun: boolean; now: string }, place?: { json: string; html: string }): StepResult {
  const result: StepResult = {
    ...ctx,
    summary: report.summary,
    errors: report.errors.slice(0, RESULT_LIST_LIMIT).map(boundedError),
    warnings: report.warnings.slice(0, RESULT_LIST_LIMIT).map(cut),
    // An ECR repository name is at most 256 characters.
    notReached: report.notReached.slice(0, RESULT_LIST_LIMIT),
    counts: { errors: report.errors.length, warnings: report.warnings.length, notReached: report.notReached.length },
  };
  if (place) result.report = place;
  return withinByteLimit(result);
}

/** The result with the last entries of its longest lists dropped (counts kept) until its JSON fits RESULT_BYTE_LIMIT. */
function withinByteLimit(result: StepResult): StepResult {
  const lists = [result.errors, result.warnings, result.notReached] as unknown[][];
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
  while (bytes(result) > RESULT_BYTE_LIMIT) {
    const longest = lists.reduce((a, b) => (bytes(b) > bytes(a) ? b : a));
    // Without its lists the result is a summary, counts and two S3 URLs: far below the limit.
    if (!longest.length) break;
    longest.pop();
  }
  return result;
}
