/** `ecr-cleanup apply`'s own section of the table: the plan applied, and what it named that was not acted on, and why. */
import type { RunReport } from "../engine/report";
import { escapeControls as shown } from "./escape";
import { shortDigest } from "./format";
import { Column, paragraph, table } from "./layout";
import { DEFAULT_WIDTH } from "./width";

const COLUMNS: Column[] = [
  { header: "DIGEST", give: { kind: "fixed" } },
  { header: "TAGS", give: { kind: "list", preferred: 16, min: 8 } },
  { header: "PLANNED", give: { kind: "fixed" } },
  { header: "WHY NOT", give: { kind: "wrap", min: 8 } },
  { header: "DETAIL", give: { kind: "wrap", min: 8 } },
];

export function renderPlanSection(report: RunReport, width = DEFAULT_WIDTH): string {
  const plan = report.plan;
  if (!plan) return "";
  const named = report.repositories.filter((r) => r.notActedOn?.length);
  const out = paragraph(`Plan ${shown(plan.file)} (made ${plan.createdAt}, policies ${plan.fingerprint.slice(0, 12)}…)`, width);
  for (const repository of plan.repositoriesNotFound) out.push(...paragraph(`${shown(repository)}: not governed now (gone?): nothing of it was acted on`, width, "  "));
  if (!named.length && !plan.repositoriesNotFound.length) out.push("  every image it named was acted on");
  for (const repo of named) {
    const misses = repo.notActedOn!;
    out.push(...paragraph(`${shown(repo.repository)}: ${misses.length} named in the plan, not acted on`, width, "  "));
    const rows = misses.map((m) => [shown(shortDigest(m.digest)), m.tags.length ? m.tags.map(shown) : ["-"], shown(m.action), shown(m.why), shown(m.detail ?? "")]);
    for (const line of table(COLUMNS, rows, width, "    ")) out.push(line);
  }
  return out.join("\n") + "\n";
}
