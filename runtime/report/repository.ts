/**
 * One repository's section of the table: its policies by number with their full names (the legend), each one's mode
 * and anchor and what it alone would do; the images, shortened in a dry run when there are many; the result.
 */
import type { ImageLine, ReportMode, RepositoryReport } from "../engine/report";
import { errorText } from "./error-text";
import { escapeControls as shown } from "./escape";
import { formatBytes, formatDate, shortDigest } from "./format";
import { Cell, Column, Note, paragraph, shorten, table } from "./layout";
import { byNumber, groupLabel, GROUPS_SHOWN, PolicyNumber, why } from "./why";
import { workloadLabel } from "./workload";

/** Which images the table lists: by default deletions and safety keeps; `kept` every kept image too; `all` everything, never shortened. */
export type Show = "default" | "kept" | "all";

export interface SectionOptions {
  width: number;
  apply: boolean;
  show: Show;
  number: PolicyNumber;
}

/** A decision with more lines than this is shortened to its first HEAD lines (dry run; in --apply, keeps only). */
export const SHORTEN_ABOVE = 40;
export const HEAD = 20;
/** Tags longer than this are shortened in the table whatever the width. */
const LONGEST_TAG = 32;

export function counts(map: Record<string, number>): string {
  return Object.entries(map)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
}

const sum = (map: Record<string, number> | undefined) => Object.values(map ?? {}).reduce((a, b) => a + b, 0);

/** The repository's policies by number (`#1` first: the report lists them by name), each with its mode and verdicts. */
function legend(repo: RepositoryReport, options: SectionOptions): string[] {
  const modes = [...repo.modes].sort((a, b) => byNumber(options.number)(a.policy, b.policy));
  const labels = modes.map((mode) => options.number(mode.policy));
  const labelWidth = Math.max(0, ...labels.map((l) => l.length)) + 2;
  const under = " ".repeat(2 + labelWidth);
  return modes.flatMap((mode, i) => {
    const name = paragraph(`${labels[i].padEnd(labelWidth)}${shown(mode.policy)}`, options.width, "  ", labelWidth);
    let how: string;
    if (mode.mode === "anchor" && mode.anchor) {
      const { digest, tags, pushedAt, protectedFrom } = mode.anchor;
      how = `anchor mode: anchor ${shown(shortDigest(digest))} [${tags.map((t) => shorten(shown(t), LONGEST_TAG)).join(",")}] pushed ${formatDate(pushedAt)}, protects back to ${formatDate(protectedFrom)}`;
      if (mode.unmatchedTags?.length) how += `; no image carries: ${mode.unmatchedTags.map(shown).join(", ")}`;
    } else if (mode.mode === "grouped") {
      return [...name, ...groupLines(mode.groups ?? [], options, under), ...paragraph(`alone it would ${verdictsOf(mode).join("; ") || "decide nothing"}`, options.width, under)];
    } else {
      how = `untagged mode${mode.noSignificantTag ? " (WARNING: no image carries any of its significant tags: check them for typos)" : ""}`;
    }
    return [...name, ...paragraph(how, options.width, under), ...paragraph(`alone it would ${verdictsOf(mode).join("; ") || "decide nothing"}`, options.width, under)];
  });
}

const verdictsOf = (mode: ReportMode) => [sum(mode.keep) ? `keep ${counts(mode.keep)}` : "", sum(mode.delete) ? `delete ${counts(mode.delete)}` : ""].filter(Boolean);

/** A grouped policy's groups: how many, in which mode, and what each kept and deleted. */
function groupLines(groups: NonNullable<ReportMode["groups"]>, options: SectionOptions, under: string): string[] {
  const anchored = groups.filter((g) => g.mode === "anchor").length;
  const out = paragraph(
    `grouped (group_by): ${groups.length} group${groups.length === 1 ? "" : "s"}, ${anchored} in anchor mode, ${groups.length - anchored} in count mode`,
    options.width,
    under,
  );
  for (const group of groups.slice(0, GROUPS_SHOWN)) {
    const how = group.anchor
      ? `anchor ${shown(shortDigest(group.anchor.digest))} [${group.anchor.tags.map((t) => shorten(shown(t), LONGEST_TAG)).join(",")}] pushed ${formatDate(group.anchor.pushedAt)}`
      : "count mode";
    out.push(...paragraph(`${groupLabel(group.group)}: ${how}; kept ${group.kept}, deleted ${group.deleted}`, options.width, `${under}  `));
  }
  if (groups.length > GROUPS_SHOWN) out.push(...paragraph(`… ${groups.length - GROUPS_SHOWN} more groups (--output json lists every group)`, options.width, `${under}  `));
  return out;
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
      return "FAILED";
    case "unconfirmed":
      return "UNCONFIRMED";
    default:
      return "NOT REACHED";
  }
}

/** What the image counts for in the totals: an index shows `-`, its platform manifests (listed under it) carry its bytes. */
function sizeText(line: ImageLine): string {
  const counted = line.countedBytes ?? line.sizeBytes;
  return counted === 0 && line.sizeBytes > 0 ? "-" : formatBytes(counted);
}

const COLUMNS: Column[] = [
  { header: "DIGEST", give: { kind: "fixed" } },
  { header: "TAGS", give: { kind: "list", preferred: 16, min: 8 } },
  { header: "PUSHED (UTC)", give: { kind: "narrow", header: "PUSHED", cell: (wide) => wide.slice(0, 10) } },
  { header: "SIZE", give: { kind: "fixed" } },
  // `NOT REACHED` may wrap at its space; a reason code only after its hyphens and colons, never inside a word. At 12,
  // every in-use code takes 2 lines at most (`in-use:ecs-` / `revision`), so with its note an in-use row takes 3.
  { header: "ACTION", give: { kind: "wrap", min: 6, words: true } },
  { header: "REASON", give: { kind: "wrap", min: 12, words: true } },
  { header: "POLICY", give: { kind: "wrap", min: 6 }, below: "POLICY" },
];

/** The workloads that keep an in-use image, under its row by their identifying part (the JSON has them whole). */
function workloadNote(line: ImageLine): Note | undefined {
  if (!line.reason.startsWith("in-use:") || !line.workloads?.length) return undefined;
  return { items: line.workloads.map((w) => workloadLabel(shown(w))), more: line.moreWorkloads ?? 0 };
}

function row(line: ImageLine, repo: RepositoryReport, options: SectionOptions): Cell[] {
  const tags = line.tags.map((tag) => shorten(shown(tag), LONGEST_TAG));
  const [reason, policy] = why(line, repo, options.number);
  return [(line.unitOf ? "└ " : "") + shown(shortDigest(line.digest)), tags.length ? tags : ["-"], formatDate(line.pushedAt), sizeText(line), decisionText(line, options.apply), reason, policy];
}

/** Lines in blocks: a top-level image with the members listed under it, which are shown or left out together. */
function blocks(lines: readonly ImageLine[]): ImageLine[][] {
  const out: ImageLine[][] = [];
  for (const line of lines) {
    const last = out[out.length - 1];
    if (line.unitOf && last && (last[0].digest === line.unitOf || last[0].unitOf === line.unitOf)) last.push(line);
    else out.push([line]);
  }
  return out;
}

type Decision = ImageLine["action"];
const tally = (): Record<Decision, number> => ({ delete: 0, archive: 0, keep: 0 });

/** The lines the table shows, and how many of each decision it leaves out. */
function shownLines(repo: RepositoryReport, options: SectionOptions): { lines: ImageLine[]; left: Record<Decision, number> } {
  const total = tally();
  for (const line of repo.images) total[line.action]++;
  const shortened = (action: Decision) =>
    options.show !== "all" && total[action] > SHORTEN_ABOVE && !(action !== "keep" && options.apply) && !(action === "keep" && options.show === "kept");
  const taken = tally();
  const left = tally();
  const lines: ImageLine[] = [];
  for (const block of blocks(repo.images)) {
    const action = block.find((line) => line.action !== "keep")?.action ?? "keep";
    if (shortened(action) && taken[action] >= HEAD) {
      for (const line of block) left[line.action]++;
      continue;
    }
    for (const line of block) {
      taken[line.action]++;
      lines.push(line);
    }
  }
  return { lines, left };
}

function resultLines(repo: RepositoryReport, options: SectionOptions): string[] {
  const kept = sum(repo.kept);
  const withheld = sum(repo.withheld);
  let verb = options.apply ? `${repo.deleted} deleted (${formatBytes(repo.bytesFreed)})` : `${repo.toDelete} to delete (${formatBytes(repo.bytesToFree)})`;
  if (repo.toArchive) {
    verb += options.apply ? `, ${repo.archived} archived (${formatBytes(repo.bytesArchived ?? 0)})` : `, ${repo.toArchive} to archive (${formatBytes(repo.bytesToArchive ?? 0)})`;
  }
  const out = paragraph(
    `result: ${repo.imagesScanned} images, ${kept} kept${kept ? ` (${counts(repo.kept)})` : ""}, ${verb}` +
      (withheld ? `, ${withheld} withheld (${counts(repo.withheld!)})` : ""),
    options.width,
    "  ",
    8,
  );
  if (repo.modes.length > 1) {
    // Each policy's line counts what it alone would do; the result counts each image once, by its final decision.
    const keptByPolicies = repo.modes.reduce((n, mode) => n + sum(mode.keep), 0);
    const keptByPolicyRules = Object.entries(repo.kept).reduce((n, [reason, count]) => n + (repo.modes.some((m) => m.keep[reason]) ? count : 0), 0);
    if (keptByPolicies !== keptByPolicyRules) {
      out.push(
        ...paragraph(
          `(the policies' lines count ${keptByPolicies} keeps for these ${keptByPolicyRules} images: an image that several policies keep counts under each of them, and once here)`,
          options.width,
          "  ",
          1,
        ),
      );
    }
  }
  return out;
}

export function renderRepository(repo: RepositoryReport, options: SectionOptions): string[] {
  const out = [shown(repo.repository), ...legend(repo, options)];
  for (const error of repo.errors) out.push(...paragraph(`ERROR ${errorText(error)}`, options.width, "  ", 6));
  for (const note of repo.notes ?? []) out.push(...paragraph(`STOPPED ${shown(note)}`, options.width, "  ", 8));
  const { lines, left } = shownLines(repo, options);
  if (lines.length) {
    const rows = lines.map((line) => row(line, repo, options));
    for (const text of table(COLUMNS, rows, options.width, "  ", lines.map(workloadNote))) out.push(text);
  }
  if (left.delete || left.archive || left.keep) {
    const what = [left.delete ? `${left.delete} more to delete` : "", left.archive ? `${left.archive} more to archive` : "", left.keep ? `${left.keep} more kept` : ""]
      .filter(Boolean)
      .join(" and ");
    out.push(...paragraph(`… ${what} not shown (the first ${HEAD} of each are): --show all lists every image, and so does --output json`, options.width, "  ", 2));
  }
  out.push(...resultLines(repo, options));
  return out;
}
