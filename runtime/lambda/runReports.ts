/**
 * After a run: its JSON report and HTML page to S3 (`reports/<yyyy>/<mm>/<dd>/<run id>.json` and `.html`, the date
 * of the run's `now` in UTC), then its notification to SNS. Neither can undo what the run did: a report or a
 * notification that cannot be sent is an error of the run (its failures count, so the failures alarm fires, and the
 * log's error line says why), and the deletions are still in the log's per-call lines. A run delivers once: a step
 * retried or re-run after its report was written (fan-out mode's aggregate step) leaves it and publishes nothing. The S3 and SNS clients load
 * only when a run uses them (runtime/lambda/reportClients.ts, by import()).
 */
import type { RunError, RunReport } from "../engine/report";
import { errorCode, errorMessage } from "../shared/errors";
import { NOTIFY_ENV, NOTIFY_TOPIC_ENV, REPORTS_BUCKET_ENV } from "./config";
import { once } from "./once";
import type { ReportOutlets } from "./reportOutlets";
import { notificationSubject, notificationText, notifyModeOf, ReportPlace, shouldNotify } from "./notification";

export const REPORTS_PREFIX = "reports";

/** The S3 and SNS clients, loaded (import()) and made on first use only. */
export const defaultReportOutlets = once(async () => (await import("./reportClients")).reportOutlets());

/** The report's objects as s3:// URLs. */
export function reportUrls(place: { bucket: string; jsonKey: string; htmlKey: string }): { json: string; html: string } {
  return { json: `s3://${place.bucket}/${place.jsonKey}`, html: `s3://${place.bucket}/${place.htmlKey}` };
}

/** The run's keys: its `now` (UTC) as the folder, its id as the name. */
export function reportKeys(now: string, runId: string): { json: string; html: string } {
  const date = new Date(now);
  const day = Number.isNaN(date.getTime()) ? "unknown" : date.toISOString().slice(0, 10).replace(/-/g, "/");
  const name = runId.replace(/[^A-Za-z0-9._-]/g, "-");
  const base = `${REPORTS_PREFIX}/${day}/${name}`;
  return { json: `${base}.json`, html: `${base}.html` };
}

export interface RunIdentity {
  id: string;
  functionName: string;
}

/** What happened to the report: where it went (absent without a bucket), and whether a notification left. */
export interface Delivered {
  place?: ReportPlace;
  notified: boolean;
  /** An earlier attempt of the same run had written its report: left as it is, and nothing published again. */
  alreadyDelivered?: boolean;
}

function countFailure(report: RunReport, error: RunError): void {
  report.errors.push(error);
  report.summary.failures += 1;
}

/**
 * Writes the JSON report, only if no attempt of the run has (a retried or re-run step: Step Functions retries a task
 * whose response was lost), then the page. False when an earlier attempt had written it: that attempt delivered.
 */
async function writeReport(report: RunReport, place: ReportPlace, outlets: () => Promise<ReportOutlets>): Promise<boolean> {
  try {
    // The renderers load with the clients, after the run: a cold start does without them.
    const [{ renderHtml }, { renderJson }] = await Promise.all([import("../report/html"), import("../report/json")]);
    const out = await outlets();
    if (!(await out.create(place.bucket, place.jsonKey, renderJson(report), "application/json"))) return false;
    await out.put(place.bucket, place.htmlKey, renderHtml(report), "text/html; charset=utf-8");
  } catch (err) {
    place.problem = errorMessage(err);
    countFailure(report, {
      kind: "api-error",
      code: errorCode(err),
      message: `cannot write the run's report to s3://${place.bucket}/${place.jsonKey} (${place.problem}): what the run deleted is in this log's delete-call lines`,
    });
  }
  return true;
}

/** Writes the report and publishes the notification as the function's environment says; failures are added to the report. */
export async function deliverReport(report: RunReport, run: RunIdentity, env: NodeJS.ProcessEnv, outlets: () => Promise<ReportOutlets>): Promise<Delivered> {
  const bucket = env[REPORTS_BUCKET_ENV];
  const topic = env[NOTIFY_TOPIC_ENV];
  let place: ReportPlace | undefined;
  if (bucket) {
    const keys = reportKeys(report.now, run.id);
    place = { bucket, jsonKey: keys.json, htmlKey: keys.html, region: env.AWS_REGION ?? "" };
    if (!(await writeReport(report, place, outlets))) {
      // One report and one notification per run: the attempt that wrote the report published it.
      report.warnings.push(`the run's report s3://${bucket}/${keys.json} was written by an earlier attempt of this run (a retried or re-run step): left as it is, and its notification not published again`);
      return { place, notified: false, alreadyDelivered: true };
    }
  }
  if (!topic || !shouldNotify(notifyModeOf(env[NOTIFY_ENV]), report)) return { place, notified: false };
  try {
    await (await outlets()).publish(topic, notificationSubject(report, run.functionName), notificationText(report, run, place));
    return { place, notified: true };
  } catch (err) {
    countFailure(report, { kind: "api-error", code: errorCode(err), message: `cannot publish the run's notification to ${topic} (${errorMessage(err)})` });
    return { place, notified: false };
  }
}
