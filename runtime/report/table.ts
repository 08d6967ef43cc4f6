/** The human report: per repository its mode and anchor, every decision with its reason, then a summary. */
import { ImageLine, RepositoryReport, RunReport, SAFETY_REASONS } from "../engine/report";
import { errorText } from "./error-text";
import { escapeControls as shown } from "./escape";
import { columns, formatBytes, formatDate, shortDigest, shortTag } from "./format";

/** Long runs of kept images with one reason are folded; every deletion is always listed. */
const FOLD_AT = 8;
const FOLD_KEEP_HEAD = 3;

/** The policies whose verdicts the decision follows: none when a safety rule or unit membership decided. */
function deciding(line: ImageLine) {
  const byRule = SAFETY_REASONS.has(line.reason) || ["untouched", "member-of-deleted", "member-of-archived", "archived-expired"].includes(line.reason);
  // A policy votes delete; the decision archives when an archive policy voted.
  return byRule ? [] : line.policies.filter((p) => p.verdict === (line.action === "archive" ? "delete" : line.action));
}

function reasons(line: ImageLine): string {
  const policies = deciding(line);
  return policies.length ? [...new Set(policies.map((p) => p.reason))].join(", ") : line.reason;
}

/** The policies that decided; for a safety keep, the policies whose delete it overrode. */
function decidedBy(line: ImageLine): string {
  const policies = line.keptBySafety ? line.policies.filter((p) => p.verdict === "delete") : deciding(line);
  return policies.map((p) => shown(p.policy)).join("; ");
}

function decisionText(line: ImageLine, apply: boolean): string {
  if (line.action === "keep") return "keep";
  if (!apply) return line.action === "archive" ? "ARCHIVE" : "DELETE";
  switch (line.outcome) {
    case "deleted":
      return "DELETED";
    case "archived":
      return "ARCHIVED";
    case "failed":
      return `FAILED ${shown(line.failure?.code ?? "")}`.trim();
    case "unconfirmed":
      return "UNCONFIRMED";
    default:
      return "NOT REACHED";
  }
}

function imageRow(line: ImageLine, apply: boolean): string[] {
  const digest = (line.unitOf ? "└ " : "") + shown(shortDigest(line.digest));
  return [digest, line.tags.map((tag) => shortTag(shown(tag))).join(",") || "-", formatDate(line.pushedAt), formatBytes(line.sizeBytes), decisionText(line, apply), reasons(line), decidedBy(line)];
}

function foldedRows(lines: ImageLine[], apply: boolean): string[][] {
  const rows: string[][] = [];
  let i = 0;
  while (i < lines.length) {
    let j = i;
    const foldable = (line: ImageLine) => line.action === "keep" && reasons(line) === reasons(lines[i]);
    while (j < lines.length && lines[i].action === "keep" && foldable(lines[j])) j++;
    if (j - i >= FOLD_AT) {
      for (const line of lines.slice(i, i + FOLD_KEEP_HEAD)) rows.push(imageRow(line, apply));
      rows.push(["…", `${j - i - FOLD_KEEP_HEAD - 1} more`, "", "", "keep", reasons(lines[i]), ""]);
      rows.push(imageRow(lines[j - 1], apply));
      i = j;
    } else {
      rows.push(imageRow(lines[i], apply));
      i++;
    }
  }
  return rows;
}

function counts(map: Record<string, number>): string {
  return Object.entries(map)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
}

function modeLines(repo: RepositoryReport): string[] {
  return repo.modes.flatMap((mode) => {
    let head: string;
    if (mode.mode === "anchor" && mode.anchor) {
      const { digest, tags, pushedAt, protectedFrom } = mode.anchor;
      head = `anchor mode: anchor ${shown(shortDigest(digest))} [${tags.map(shown).join(",")}] pushed ${formatDate(pushedAt)}, protects back to ${formatDate(protectedFrom)}`;
      if (mode.unmatchedTags?.length) head += ` (no image carries: ${mode.unmatchedTags.map(shown).join(", ")})`;
    } else {
      const why = mode.noSignificantTag ? " (WARNING: no image carries any of its significant tags — check them for typos)" : "";
      head = `untagged mode${why}`;
    }
    const verdicts = [Object.keys(mode.keep).length ? `keep ${counts(mode.keep)}` : "", Object.keys(mode.delete).length ? `delete ${counts(mode.delete)}` : ""];
    return [`  policy "${shown(mode.policy)}": ${head}`, `    this policy alone would ${verdicts.filter(Boolean).join("; ") || "decide nothing"}`];
  });
}

export function renderRepository(repo: RepositoryReport, apply: boolean): string {
  const out = [shown(repo.repository), ...modeLines(repo)];
  for (const error of repo.errors) out.push(`  ERROR ${errorText(error)}`);
  for (const note of repo.notes ?? []) out.push(`  STOPPED ${shown(note)}`);
  if (repo.images.length) {
    const header = ["DIGEST", "TAGS", "PUSHED (UTC)", "SIZE", "DECISION", "REASON", "POLICY"];
    out.push(...columns([header, ...foldedRows(repo.images, apply)]).map((row) => `  ${row}`));
  }
  const kept = Object.values(repo.kept).reduce((a, b) => a + b, 0);
  let verb = apply ? `${repo.deleted} deleted (${formatBytes(repo.bytesFreed)})` : `${repo.toDelete} to delete (${formatBytes(repo.bytesToFree)})`;
  if (repo.toArchive) verb += apply ? `, ${repo.archived} archived (${formatBytes(repo.bytesArchived ?? 0)})` : `, ${repo.toArchive} to archive (${formatBytes(repo.bytesToArchive ?? 0)})`;
  out.push(`  result: ${repo.imagesScanned} images, ${kept} kept${kept ? ` (${counts(repo.kept)})` : ""}, ${verb}`);
  return out.join("\n");
}

export function renderSummary(report: RunReport): string {
  const s = report.summary;
  const out = [
    `Summary (${report.apply ? "applied" : "dry run"}, now ${report.now})`,
    `  repositories:     ${s.repositories}${s.repositoriesSkipped ? ` (${s.repositoriesSkipped} skipped by max_deletions)` : ""}`,
    ...(report.notGoverned.length ? [`  not governed:     ${report.notGoverned.map(shown).join(", ")} (no policy governs ${report.notGoverned.length === 1 ? "it" : "them"}: never touched)`] : []),
    ...(report.notReached.length ? [`  not reached:      ${report.notReached.length} (out of time; the next run starts at ${shown(report.cursor ?? "")})`] : []),
    `  images scanned:   ${s.imagesScanned}`,
    report.apply
      ? `  deleted:          ${s.deleted} of ${s.toDelete} planned, ${formatBytes(s.bytesFreed)} freed`
      : `  to delete:        ${s.toDelete}, ${formatBytes(s.bytesToFree)} to free`,
    ...(s.toArchive
      ? [report.apply
        ? `  archived:         ${s.archived} of ${s.toArchive} planned, ${formatBytes(s.bytesArchived ?? 0)} out of standard storage`
        : `  to archive:       ${s.toArchive}, ${formatBytes(s.bytesToArchive ?? 0)} out of standard storage`]
      : []),
  ];
  const safety = Object.entries(s.keptBySafety).sort(([a], [b]) => (a < b ? -1 : 1));
  if (safety.length) out.push(`  kept by safety:   ${safety.map(([reason, n]) => `${reason} ${n}`).join(", ")}`);
  out.push(`  failures:         ${s.failures}`);
  for (const error of report.errors) out.push(`  ERROR ${errorText(error, true)}`);
  if (!report.apply && s.toDelete) out.push("", "Dry run: nothing was deleted. Run again with --apply to delete the images marked DELETE.");
  if (!report.apply && s.toArchive) out.push("", "Dry run: nothing was archived. Run again with --apply to archive the images marked ARCHIVE.");
  return out.join("\n");
}

export function renderTable(report: RunReport): string {
  return [...report.repositories.map((repo) => renderRepository(repo, report.apply)), renderSummary(report)].join("\n\n") + "\n";
}
