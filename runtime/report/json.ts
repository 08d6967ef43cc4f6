/** The machine report: one JSON document (the RunReport), and nothing else on stdout. */
import type { RunReport } from "../engine/report";

export const REPORT_FORMAT_VERSION = 1;

export function renderJson(report: RunReport): string {
  return JSON.stringify({ formatVersion: REPORT_FORMAT_VERSION, ...report }, null, 2) + "\n";
}
