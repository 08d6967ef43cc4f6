/**
 * The run's report as JSON log lines (spec section 6): one line per repository, then the run's errors, warnings
 * and summary. Every line carries `type`, `dryRun` and `now`, so CloudWatch Logs Insights can filter on them.
 */
import type { DeleteCallOutcome } from "../engine/apply";
import type { RepositoryReport, RunReport } from "../engine/report";

/**
 * CloudWatch Logs truncates an event above 256 KB; a repository whose line would exceed this is logged as several
 * lines (`part`/`parts`), its images split between them.
 */
export const MAX_LINE_BYTES = 200_000;

export interface LineContext {
  dryRun: boolean;
  now: string;
}

function bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

export function repositoryLines(report: RepositoryReport, ctx: LineContext): string[] {
  const head = { type: "repository", dryRun: ctx.dryRun, now: ctx.now };
  const whole = JSON.stringify({ ...head, ...report });
  if (bytes(whole) <= MAX_LINE_BYTES || report.images.length <= 1) return [whole];

  const chunks: RepositoryReport["images"][] = [[]];
  let size = bytes(JSON.stringify({ ...head, ...report, images: [], part: 0, parts: 0 }));
  for (const image of report.images) {
    const imageBytes = bytes(JSON.stringify(image)) + 1;
    if (chunks[chunks.length - 1].length && size + imageBytes > MAX_LINE_BYTES) {
      chunks.push([]);
      size = bytes(JSON.stringify({ ...head, ...report, images: [], part: 0, parts: 0 }));
    }
    chunks[chunks.length - 1].push(image);
    size += imageBytes;
  }
  return chunks.map((images, i) => JSON.stringify({ ...head, ...report, images, part: i + 1, parts: chunks.length }));
}

/** One delete, archive or restore call's outcome, logged as ECR answers it, so that a run cut off by its time limit still tells. */
export function deleteCallLine(outcome: DeleteCallOutcome, ctx: LineContext): string {
  const type = outcome.restored ? "restore-call" : outcome.archived ? "archive-call" : "delete-call";
  return JSON.stringify({ type, dryRun: ctx.dryRun, now: ctx.now, ...outcome });
}

/**
 * Errors not already logged with a repository (a repository that does not exist, listing failures), warnings, and
 * the summary with the repositories the run did not reach before the function's timeout.
 */
export function runLines(report: RunReport, ctx: LineContext): string[] {
  const head = { dryRun: ctx.dryRun, now: ctx.now };
  const logged = new Set(report.repositories.flatMap((r) => r.errors));
  return [
    ...report.errors.filter((e) => !logged.has(e)).map((error) => JSON.stringify({ type: "error", ...head, ...error })),
    ...report.warnings.map((message) => JSON.stringify({ type: "warning", ...head, message })),
    JSON.stringify({ type: "summary", ...head, ...report.summary, notReached: report.notReached }),
  ];
}
