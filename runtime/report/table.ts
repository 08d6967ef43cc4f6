/**
 * The human report: per repository its policies (by number, with a legend), modes and anchors, the images with what
 * decided them, and the result; then the run's summary. Every line fits `width` (see width.ts).
 */
import type { RunReport } from "../engine/report";
import { renderRepository, Show } from "./repository";
import { renderSummary } from "./summary";
import { DEFAULT_WIDTH } from "./width";
import { policyNumbers } from "./why";

export type { Show } from "./repository";

export interface TableOptions {
  /** Columns the table may use. Defaults to 100. */
  width?: number;
  /** Which images to list. Defaults to `default`: deletions and safety keeps, shortened in a dry run when there are many. */
  show?: Show;
}

export function renderTable(report: RunReport, options: TableOptions = {}): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const number = policyNumbers(report.policies, report.repositories);
  const sections = report.repositories.map((repo) =>
    renderRepository(repo, { width, apply: report.apply, show: options.show ?? "default", number }).join("\n"),
  );
  return [...sections, renderSummary(report, width).join("\n")].join("\n\n") + "\n";
}
