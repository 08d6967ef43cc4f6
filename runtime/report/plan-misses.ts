/** `ecr-cleanup apply`'s own section of the table: the plan applied, and what it named that was not acted on, and why. */
import type { RunReport } from "../engine/report";
import { escapeControls as shown } from "./escape";
import { columns, shortDigest } from "./format";

export function renderPlanSection(report: RunReport): string {
  const plan = report.plan;
  if (!plan) return "";
  const named = report.repositories.filter((r) => r.notActedOn?.length);
  const out = [`Plan ${shown(plan.file)} (made ${plan.createdAt}, policies ${plan.fingerprint.slice(0, 12)}…)`];
  for (const repository of plan.repositoriesNotFound) out.push(`  ${shown(repository)}: not governed now (gone?): nothing of it was acted on`);
  if (!named.length && !plan.repositoriesNotFound.length) out.push("  every image it named was acted on");
  for (const repo of named) {
    const misses = repo.notActedOn!;
    out.push(`  ${shown(repo.repository)}: ${misses.length} named in the plan, not acted on`);
    const rows = misses.map((m) => [shown(shortDigest(m.digest)), m.tags.map(shown).join(",") || "-", shown(m.action), shown(m.why), shown(m.detail ?? "")]);
    out.push(...columns([["DIGEST", "TAGS", "PLANNED", "WHY NOT", "DETAIL"], ...rows]).map((row) => `    ${row}`));
  }
  return out.join("\n") + "\n";
}
