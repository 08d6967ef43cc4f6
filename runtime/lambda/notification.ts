/**
 * The run's notification: whether a run publishes one (by the component's `notify`), and its plain text, one
 * paragraph of counts, bytes and their monthly value, then where the report is. Pure: the report in, the text out.
 */
import type { RunReport } from "../engine/report";
import { storageValueText } from "../engine/storageValue";
import { escapeControls } from "../report/escape";
import { formatBytes } from "../report/format";

/** `always`; `changes`: the run deleted or archived something, or failed; `failures`: it failed; `never`. */
export const NOTIFY_MODES = ["always", "changes", "failures", "never"] as const;
export type NotifyMode = (typeof NOTIFY_MODES)[number];
export const DEFAULT_NOTIFY: NotifyMode = "changes";

/** The mode an environment value names; anything else is the default (the component validates the arg). */
export function notifyModeOf(text: string | undefined): NotifyMode {
  return (NOTIFY_MODES as readonly string[]).includes(text ?? "") ? (text as NotifyMode) : DEFAULT_NOTIFY;
}

export function shouldNotify(mode: NotifyMode, report: Pick<RunReport, "summary">): boolean {
  const s = report.summary;
  const failed = s.failures > 0;
  if (mode === "always") return true;
  if (mode === "failures") return failed;
  if (mode === "changes") return failed || s.deleted > 0 || (s.archived ?? 0) > 0;
  return false;
}

/** Where the run's report went, or why it did not. */
export interface ReportPlace {
  bucket: string;
  jsonKey: string;
  htmlKey: string;
  region: string;
  /** Set when the objects could not be written. */
  problem?: string;
}

/** The S3 console's page for a bucket (at a prefix) or an object, in the region's partition. */
export function s3ConsoleUrl(bucket: string, region: string, place: { prefix: string } | { key: string }): string {
  const host = region.startsWith("cn-") ? "console.amazonaws.cn" : region.startsWith("us-gov-") ? "console.amazonaws-us-gov.com" : "console.aws.amazon.com";
  const path = "key" in place ? `object/${bucket}` : `buckets/${bucket}`;
  const prefix = "key" in place ? place.key : place.prefix;
  return `https://s3.${host}/s3/${path}?region=${encodeURIComponent(region)}&prefix=${encodeURIComponent(prefix)}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** SNS's Publish takes a Subject "less than 100 characters long", without line breaks or control characters. */
export const SUBJECT_MAX = 99;

export function notificationSubject(report: RunReport, functionName: string): string {
  const s = report.summary;
  const what = report.apply ? `${s.deleted} deleted, ${s.archived ?? 0} archived` : `dry run, ${s.toDelete} to delete`;
  const text = `ecr-cleanup ${functionName}: ${what}, ${plural(s.failures, "failure")}`;
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, SUBJECT_MAX);
}

/**
 * An error line's most: a failed fan-out batch's error names all its repositories and Step Functions' cause (up to
 * 32 KB), and SNS refuses a message over 256 KB, which would lose the notification of exactly the runs that failed.
 */
export const ERROR_LINE_MAX = 1000;

function shortened(text: string): string {
  return text.length <= ERROR_LINE_MAX ? text : `${text.slice(0, ERROR_LINE_MAX - 1)}…`;
}

export function notificationText(report: RunReport, run: { id: string; functionName: string }, place?: ReportPlace): string {
  const s = report.summary;
  const kept = Object.values(s.keptBySafety).reduce((a, b) => a + b, 0);
  const value = s.storageValue ? `, worth ${storageValueText(s.storageValue)}` : "";
  const deleted = report.apply
    ? `${s.deleted} ${s.deleted === 1 ? "image" : "images"} deleted (${formatBytes(s.bytesFreed)} freed${value})`
    : `${s.toDelete} ${s.toDelete === 1 ? "image" : "images"} to delete (${formatBytes(s.bytesToFree)}${value})`;
  const archived = report.apply ? `${s.archived ?? 0} archived` : `${s.toArchive ?? 0} to archive`;
  const lines = [
    `ecr-cleanup run ${run.id} of ${run.functionName} (${report.apply ? "applied" : "dry run: nothing deleted"}, now ${report.now}): ` +
      `${plural(s.repositories, "repository", "repositories")}; ${deleted}; ${archived} (still billed: not counted as savings); ` +
      `${kept} kept by safety rules; ${plural(s.failures, "failure")}.` +
      (report.notReached.length ? ` ${report.notReached.length} not reached (the next run starts there).` : ""),
  ];
  // Failure reasons are registry and service text: a line break in one must not forge a line of the notification.
  for (const error of report.errors.slice(0, 5)) lines.push(`Error: ${shortened(escapeControls(`${error.repository ? `${error.repository}: ` : ""}${error.message}`))}`);
  if (report.errors.length > 5) lines.push(`… and ${report.errors.length - 5} more errors (see the report)`);
  if (place && !place.problem) {
    lines.push(
      `Report: s3://${place.bucket}/${place.jsonKey}`,
      `Page: s3://${place.bucket}/${place.htmlKey}`,
      `Console: ${s3ConsoleUrl(place.bucket, place.region, { key: place.htmlKey })}`,
    );
  }
  lines.push(`Log group: /aws/lambda/${run.functionName}`);
  return `${lines.join("\n")}\n`;
}
