/**
 * The run's summary at the end of the table: images, what the policies planned, what rules withheld and why, what
 * was (or would be) deleted and the bytes, the safety keeps, failures, and every error and warning (warnings go to
 * stderr as well: here they stay with the report).
 */
import type { RunReport } from "../engine/report";
import { storageValueText } from "../engine/storageValue";
import { shellWord } from "../shared/shellWord";
import { errorText } from "./error-text";
import { escapeControls as shown } from "./escape";
import { formatBytes } from "./format";
import { paragraph } from "./layout";
import { counts } from "./repository";

const LABEL = 20;

function field(label: string, value: string, width: number): string[] {
  return paragraph(`${`${label}:`.padEnd(LABEL - 2)}${value}`, width, "  ", LABEL - 2);
}

const byName = (map: Record<string, number>) => Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : 1)));
const total = (map: Record<string, number>) => Object.values(map).reduce((a, b) => a + b, 0);

/** With --apply: what became of the deletions that were not withheld. */
function outcomes(report: RunReport): string {
  const tally: Record<string, number> = {};
  for (const repo of report.repositories) {
    for (const line of repo.images) {
      if (line.action === "keep" || line.outcome === "deleted" || line.outcome === "archived") continue;
      const what = line.outcome === "failed" ? "failed" : line.outcome === "unconfirmed" ? "unconfirmed" : "not reached";
      tally[what] = (tally[what] ?? 0) + 1;
    }
  }
  return Object.keys(tally).length ? ` (${counts(tally)})` : "";
}

export function renderSummary(report: RunReport, width: number): string[] {
  const s = report.summary;
  const withheld = total(s.withheld ?? {});
  const out = [
    `Summary (${report.apply ? "applied" : "dry run"}, now ${report.now})`,
    ...field("repositories", `${s.repositories}${s.repositoriesSkipped ? ` (${s.repositoriesSkipped} skipped by max_deletions)` : ""}`, width),
  ];
  if (report.notGoverned.length) {
    out.push(...field("not governed", `${report.notGoverned.map(shown).join(", ")} (no policy governs ${report.notGoverned.length === 1 ? "it" : "them"}: never touched)`, width));
  }
  if (report.planOut) out.push(...field("plan written", `${shown(report.planOut.file)}, sha256 ${report.planOut.sha256}`, width));
  if (report.interrupted) out.push(...field("interrupted", "stopped by a signal: nothing was deleted or archived after it (what was not acted on is kept as interrupted)", width));
  if (report.notReached.length) {
    // A signal stops a CLI run, which keeps no cursor: running it again is what finishes the job.
    const what = report.interrupted ? "interrupted; run again to finish" : `out of time; the next run starts at ${shown(report.cursor ?? "")}`;
    out.push(...field("not reached", `${report.notReached.length} (${what})`, width));
  }
  out.push(
    ...field("images scanned", `${s.imagesScanned}`, width),
    ...field("planned", `${s.planned ?? s.toDelete + (s.toArchive ?? 0)} by the policies`, width),
    ...field("withheld", withheld ? `${withheld} (${counts(byName(s.withheld ?? {}))}): kept in this run` : "0", width),
    ...(report.apply
      ? field("deleted", `${s.deleted} of ${s.toDelete}, ${formatBytes(s.bytesFreed)} freed${outcomes(report)}`, width)
      : field("to delete", `${s.toDelete}, ${formatBytes(s.bytesToFree)} to free`, width)),
  );
  if (s.storageValue) out.push(...field(report.apply ? "freed, a month" : "to free, a month", storageValueText(s.storageValue), width));
  if (s.toArchive) {
    out.push(
      ...(report.apply
        ? field("archived", `${s.archived} of ${s.toArchive}, ${formatBytes(s.bytesArchived ?? 0)} out of standard storage`, width)
        : field("to archive", `${s.toArchive}, ${formatBytes(s.bytesToArchive ?? 0)} out of standard storage`, width)),
    );
  }
  if (total(s.keptBySafety)) out.push(...field("kept by safety", counts(byName(s.keptBySafety)), width));
  out.push(...field("failures", `${s.failures}`, width));
  for (const error of report.errors) out.push(...paragraph(`ERROR ${errorText(error, true)}`, width, "  ", 6));
  for (const warning of report.warnings) out.push(...paragraph(`WARNING ${shown(warning)}`, width, "  ", 8));
  if (!report.apply) out.push(...nextStep(report, width));
  return out;
}

/**
 * A dry run's last lines: what to run to act. With a plan written, the reviewed plan's command, on a line of its own
 * however wide, to copy whole (CI posts this text for reviewers, and --apply would plan afresh rather than act on
 * what they approved).
 */
function nextStep(report: RunReport, width: number): string[] {
  const s = report.summary;
  const acts = [...(s.toDelete ? [["deleted", "delete", "DELETE"]] : []), ...(s.toArchive ? [["archived", "archive", "ARCHIVE"]] : [])];
  if (!acts.length) return [];
  if (!report.planOut) {
    return acts.flatMap(([done, act, mark]) => ["", ...paragraph(`Dry run: nothing was ${done}. Run again with --apply to ${act} the images marked ${mark}.`, width)]);
  }
  const marked = acts.map(([, , mark]) => mark).join(" and ");
  const text = `Dry run: nothing was ${acts.map(([done]) => done).join(" or ")}. To ${acts.map(([, act]) => act).join(" and ")} the images marked ${marked}, apply the reviewed plan:`;
  return ["", ...paragraph(text, width), `    ecr-cleanup apply ${shellWord(shown(report.planOut.file))} --expect-sha256 ${report.planOut.sha256}`];
}
