/**
 * After a run: its JSON report and HTML page to S3 (`reports/<yyyy>/<mm>/<dd>/<run id>.json` and `.html`, the date
 * of the run's `now` in UTC), then its notification to SNS. Neither can undo what the run did: a report or a
 * notification that cannot be sent is an error of the run (its failures count, so the failures alarm fires, and the
 * log's error line says why), and the deletions are still in the log's per-call lines. A run's notification goes
 * out at least once, and a second time only when an attempt dies between publishing and recording it: the report is
 * written once (S3's conditional write), and `<run id>.notified` beside it records the publish, so that a retried or
 * re-run step completes what an earlier attempt left unfinished and repeats nothing it finished. The S3 and SNS
 * clients load only when a run uses them (runtime/lambda/reportClients.ts, by import()).
 */
import { randomUUID } from "node:crypto";
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

/** The report's metadata field (`x-amz-meta-attempt`) naming the attempt that wrote it. */
export const ATTEMPT_METADATA = "attempt";

/** The marker a run's notification leaves beside its report once published: `<run id>.notified`. */
export function notifiedKey(jsonKey: string): string {
  return jsonKey.replace(/\.json$/, ".notified");
}

/** Whether the object's metadata, read back, names this attempt; false when it cannot be read. */
async function writtenBy(out: ReportOutlets, place: ReportPlace, key: string, attempt: string): Promise<boolean> {
  return (await out.metadata(place.bucket, key).catch(() => undefined))?.[ATTEMPT_METADATA] === attempt;
}

/** Whether an attempt of the run recorded its notification; false when that cannot be read (publishing twice beats never). */
async function notifiedBefore(out: ReportOutlets, place: ReportPlace): Promise<boolean> {
  return (await out.metadata(place.bucket, notifiedKey(place.jsonKey)).catch(() => undefined)) !== undefined;
}

/**
 * Writes the JSON report, only if no attempt of the run has (Step Functions retries a task whose response was lost;
 * Lambda retries an asynchronous invocation under the same request id), then the page. "delivered" when an earlier
 * attempt wrote the report and recorded its notification: nothing more to do. "unfinished" when an earlier attempt
 * wrote the report but recorded no notification (it stopped before publishing, or its publish failed): this attempt
 * writes the page and publishes. The JSON object names the attempt that wrote it, so that a write whose answer was
 * lost (the SDK's retry of it refused) is known as this attempt's own.
 */
async function writeReport(report: RunReport, place: ReportPlace, attempt: string, outlets: () => Promise<ReportOutlets>): Promise<"written" | "unfinished" | "delivered"> {
  try {
    // The renderers load with the clients, after the run: a cold start does without them.
    const [{ renderHtml }, { renderJson }] = await Promise.all([import("../report/html"), import("../report/json")]);
    const out = await outlets();
    const created =
      (await out.create(place.bucket, place.jsonKey, renderJson(report), "application/json", { [ATTEMPT_METADATA]: attempt })) ||
      (await writtenBy(out, place, place.jsonKey, attempt));
    if (!created && (await notifiedBefore(out, place))) return "delivered";
    await out.put(place.bucket, place.htmlKey, renderHtml(report), "text/html; charset=utf-8");
    return created ? "written" : "unfinished";
  } catch (err) {
    place.problem = errorMessage(err);
    countFailure(report, {
      kind: "api-error",
      code: errorCode(err),
      message: `cannot write the run's report to s3://${place.bucket}/${place.jsonKey} (${place.problem}): what the run deleted is in this log's delete-call lines`,
    });
    return "written";
  }
}

/** Records that the run's notification left; a marker it cannot write is a warning: a retried step would publish again. */
async function recordNotified(report: RunReport, place: ReportPlace, attempt: string, out: ReportOutlets): Promise<void> {
  const key = notifiedKey(place.jsonKey);
  await out.create(place.bucket, key, JSON.stringify({ attempt }), "application/json", { [ATTEMPT_METADATA]: attempt }).catch((err: unknown) => {
    report.warnings.push(`cannot record the run's notification in s3://${place.bucket}/${key} (${errorMessage(err)}): a retried step of this run would publish it again`);
  });
}

/** Writes the report and publishes the notification as the function's environment says; failures are added to the report. */
export async function deliverReport(report: RunReport, run: RunIdentity, env: NodeJS.ProcessEnv, outlets: () => Promise<ReportOutlets>): Promise<Delivered> {
  const bucket = env[REPORTS_BUCKET_ENV];
  const topic = env[NOTIFY_TOPIC_ENV];
  // Made before the first write, so that this attempt knows its own report when S3's answer to it is lost.
  const attempt = randomUUID();
  let place: ReportPlace | undefined;
  if (bucket) {
    const keys = reportKeys(report.now, run.id);
    place = { bucket, jsonKey: keys.json, htmlKey: keys.html, region: env.AWS_REGION ?? "" };
    const written = await writeReport(report, place, attempt, outlets);
    if (written === "delivered") {
      // One report and one notification per run: the attempt that wrote the report published it.
      report.warnings.push(`the run's report s3://${bucket}/${keys.json} was written by an earlier attempt of this run (a retried or re-run step): left as it is, and its notification not published again`);
      return { place, notified: false, alreadyDelivered: true };
    }
    if (written === "unfinished") {
      report.warnings.push(`the run's report s3://${bucket}/${keys.json} was written by an earlier attempt of this run that recorded no notification (it stopped before publishing, or could not publish): the report is left as it is, and this attempt writes the page and publishes the notification`);
    }
  }
  if (!topic || !shouldNotify(notifyModeOf(env[NOTIFY_ENV]), report)) return { place, notified: false };
  try {
    const out = await outlets();
    await out.publish(topic, notificationSubject(report, run.functionName), notificationText(report, run, place));
    if (place && !place.problem) await recordNotified(report, place, attempt, out);
    return { place, notified: true };
  } catch (err) {
    countFailure(report, { kind: "api-error", code: errorCode(err), message: `cannot publish the run's notification to ${topic} (${errorMessage(err)})` });
    return { place, notified: false };
  }
}
