/**
 * Per-run metrics as CloudWatch embedded-metric-format (EMF) log lines: Lambda sends stdout to CloudWatch Logs,
 * which extracts the metrics. The component's failures alarm reads METRIC_NAMESPACE / FAILURES_METRIC with the
 * FunctionName dimension, so both sides import these names from here.
 */
import type { Summary } from "../engine/report";

export const METRIC_NAMESPACE = "EcrCleanup";
export const FUNCTION_NAME_DIMENSION = "FunctionName";
export const SAFETY_RULE_DIMENSION = "SafetyRule";
export const FAILURES_METRIC = "Failures";

type Unit = "Count" | "Bytes";

/** The run-level metrics, in the order they are published. */
const RUN_METRICS: { name: string; unit: Unit; value: (s: Summary) => number }[] = [
  { name: "RepositoriesScanned", unit: "Count", value: (s) => s.repositories },
  { name: "ImagesScanned", unit: "Count", value: (s) => s.imagesScanned },
  { name: "ImagesToDelete", unit: "Count", value: (s) => s.toDelete },
  { name: "ImagesDeleted", unit: "Count", value: (s) => s.deleted },
  { name: "BytesFreed", unit: "Bytes", value: (s) => s.bytesFreed },
  { name: "ImagesToArchive", unit: "Count", value: (s) => s.toArchive ?? 0 },
  { name: "ImagesArchived", unit: "Count", value: (s) => s.archived ?? 0 },
  { name: "BytesArchived", unit: "Bytes", value: (s) => s.bytesArchived ?? 0 },
  // Archived images deleted by settings.archive.delete_after (planned, in a dry run).
  { name: "ImagesArchiveExpired", unit: "Count", value: (s) => s.archiveExpired ?? 0 },
  { name: "KeptBySafetyRule", unit: "Count", value: (s) => Object.values(s.keptBySafety).reduce((a, b) => a + b, 0) },
  { name: FAILURES_METRIC, unit: "Count", value: (s) => s.failures },
  { name: "RepositoriesSkipped", unit: "Count", value: (s) => s.repositoriesSkipped },
  { name: "RepositoriesNotReached", unit: "Count", value: (s) => s.repositoriesNotReached },
];

export interface MetricContext {
  functionName: string;
  /** Epoch milliseconds of emission (EMF rejects timestamps far from the clock, so never the scheduled time). */
  timestamp: number;
  dryRun: boolean;
}

function document(ctx: MetricContext, dimensions: string[], metrics: { name: string; unit: Unit }[], values: Record<string, string | number | boolean>): string {
  return JSON.stringify({
    _aws: {
      Timestamp: ctx.timestamp,
      CloudWatchMetrics: [{ Namespace: METRIC_NAMESPACE, Dimensions: [dimensions], Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })) }],
    },
    [FUNCTION_NAME_DIMENSION]: ctx.functionName,
    ...values,
  });
}

/**
 * One EMF document for the run (by FunctionName), then one per safety rule that kept something (by FunctionName
 * and SafetyRule), so "kept by each safety rule" can be graphed. DryRun is a property, not a dimension.
 */
export function emfLines(summary: Summary, ctx: MetricContext): string[] {
  const values = Object.fromEntries(RUN_METRICS.map((m) => [m.name, m.value(summary)]));
  const lines = [document(ctx, [FUNCTION_NAME_DIMENSION], RUN_METRICS, { ...values, DryRun: ctx.dryRun })];
  for (const [rule, count] of Object.entries(summary.keptBySafety).sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(document(ctx, [FUNCTION_NAME_DIMENSION, SAFETY_RULE_DIMENSION], [{ name: "KeptBySafetyRule", unit: "Count" }], { [SAFETY_RULE_DIMENSION]: rule, KeptBySafetyRule: count }));
  }
  return lines;
}
