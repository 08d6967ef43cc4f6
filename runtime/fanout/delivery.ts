/**
 * The end of a fan-out run, from the aggregate step or the failure path: the report's storage value, the report to
 * S3 and the notification to SNS (once per run: runtime/lambda/runReports.ts), the run's log lines and EMF metrics,
 * and the execution's output (bounded: runtime/fanout/stepResult.ts).
 */
import type { RunReport } from "../engine/report";
import { withStorageValue } from "../engine/storageValue";
import type { LambdaContext } from "../lambda/handler";
import { functionNameOf, publishRun } from "../lambda/publish";
import { defaultReportOutlets, deliverReport, reportUrls } from "../lambda/runReports";
import type { FanOutDeps } from "./deps";
import { StepResult, stepResult } from "./stepResult";

export interface RunEnd {
  run: string;
  /** The run's dry-run switch and `now`: the ones its prepare step read, even if a deployment changed them since. */
  apply: boolean;
  now: string;
  /** settings.report.price_per_gb_month, if the policies set it. */
  pricePerGbMonth?: number;
}

export async function deliverRun(deps: FanOutDeps, report: RunReport, end: RunEnd, context: LambdaContext): Promise<StepResult> {
  const ctx = { dryRun: !end.apply, now: end.now };
  const env = deps.env();
  withStorageValue(report, env.AWS_REGION, end.pricePerGbMonth);
  const functionName = functionNameOf(context);
  const delivered = await deliverReport(report, { id: end.run, functionName }, env, deps.reportOutlets ?? defaultReportOutlets);
  publishRun(report, ctx, functionName);
  return stepResult(report, ctx, delivered.place && !delivered.place.problem ? reportUrls(delivered.place) : undefined);
}
