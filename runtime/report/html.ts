/**
 * `--output html`: one self-contained page (inline CSS and script, no network access, a Content-Security-Policy
 * that allows only its own script) with a timeline per repository. Pure: the report in, the page out.
 *
 * So that it stays light at registry scale, images are aggregated on the server side: per repository, one bucket per
 * pixel column of a fixed-width axis and per state (stays, kept by a safety rule, goes), each with its count, its
 * reasons, and the details of its first few images. The page's script only draws the buckets and shows their details.
 * The data travels gzipped and base64-encoded (the browser's DecompressionStream reads it): digests are most of it,
 * and 200 repositories of 500 images are 100,000 marks of their own.
 */
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { ImageLine, RepositoryReport, RunReport } from "../engine/report";
import { storageValueText } from "../engine/storageValue";
import { errorText } from "./error-text";
import { escapeControls } from "./escape";
import { formatBytes, formatDate, shortDigest } from "./format";
import { PAGE_SCRIPT, PAGE_STYLE } from "./html-assets";
import { groupLabel, GROUPS_SHOWN, numberedPolicies } from "./why";

/** Columns of the time axis: an image's bucket is its column and its state. */
export const AXIS_COLUMNS = 1000;
/** Images whose details a bucket carries (the hover shows them); the rest of the bucket is counted. */
export const DETAILS_PER_BUCKET = 5;

/** The three ways an image is drawn, in lane order (top to bottom). */
export const STATES = ["stays", "safety", "goes"] as const;
export type DrawState = (typeof STATES)[number];

/** Deleted and archived images both go (out of standard storage; the hover says which): the goes lane. */
export function drawState(line: ImageLine): DrawState {
  if (line.action !== "keep") return "goes";
  return line.keptBySafety ? "safety" : "stays";
}

/** Escaped for HTML text and attribute values, after control characters are made visible (as in the table). */
export function escapeHtml(text: string): string {
  return escapeControls(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The page's data as it is embedded: JSON, gzipped, in base64 (whose letters cannot end a script element). */
export function encodePageData(data: PageData): string {
  return gzipSync(JSON.stringify(data), { level: 6 }).toString("base64");
}

export function decodePageData(encoded: string): PageData {
  return JSON.parse(gunzipSync(Buffer.from(encoded, "base64")).toString("utf8"));
}

const MINUTE = 60_000;
const toMinutes = (ms: number) => Math.floor(ms / MINUTE);

/** A repository's timeline, as the page's script reads it. Times are in epoch minutes. */
export interface TimelineData {
  /** The axis runs from `from` to `to` (minutes); a bucket's column is its time's place on it. */
  from: number;
  to: number;
  /** [column, lane (index into STATES), count, first minute, last minute, [reason index, count]..., [image index]...] */
  buckets: [number, number, number, number, number, number[], number[]][];
}

/** Everything the page's script reads: string tables, the images whose details a hover can show, the timelines. */
export interface PageData {
  reasons: string[];
  policies: string[];
  /** [digest, tags, pushed minute or -1, size, reason index, [policy index, 0 = keep / 1 = delete / 2 = archive, reason index]..., unit of, outcome] */
  images: [string, string[], number, number, number, number[], string, string][];
  timelines: TimelineData[];
}

function interner() {
  const index = new Map<string, number>();
  const list: string[] = [];
  const of = (text: string) => {
    let i = index.get(text);
    if (i === undefined) {
      i = list.length;
      index.set(text, i);
      list.push(text);
    }
    return i;
  };
  return { of, list };
}

/** Policies by number, as the table numbers them (runtime/report/why.ts): `#1` means the same policy on both. */
export function policyNumbers(report: RunReport): Map<string, number> {
  return new Map(numberedPolicies(report.policies, report.repositories).map((name, i) => [name, i + 1]));
}

const parseTime = (iso: string): number | undefined => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
};

interface Mark {
  at: number;
  kind: "anchor" | "channel" | "now";
  label: string;
}

interface Window {
  from: number;
  to: number;
  label: string;
}

/** The anchor, each channel position and now; the protected windows: all that the page draws besides the images. */
function marksAndWindows(repo: RepositoryReport, now: number, numbers: Map<string, number>): { marks: Mark[]; windows: Window[] } {
  const marks: Mark[] = [{ at: now, kind: "now", label: "now" }];
  const windows: Window[] = [];
  const several = repo.modes.length > 1;
  for (const mode of repo.modes) {
    const prefix = several ? `#${numbers.get(mode.policy)} ` : "";
    if (mode.anchor) {
      const anchorAt = parseTime(mode.anchor.pushedAt);
      const from = parseTime(mode.anchor.protectedFrom);
      if (anchorAt === undefined) continue;
      const here = (mode.channels ?? []).filter((c) => c.digest === mode.anchor!.digest).map((c) => c.entry);
      const names = here.length ? here : mode.anchor.tags;
      marks.push({ at: anchorAt, kind: "anchor", label: `${prefix}anchor (${names.join(", ")})` });
      for (const channel of mode.channels ?? []) {
        const at = parseTime(channel.pushedAt);
        if (at !== undefined && channel.digest !== mode.anchor.digest) marks.push({ at, kind: "channel", label: `${prefix}${channel.entry}` });
      }
      if (from !== undefined) windows.push({ from, to: anchorAt, label: `${prefix}protected window: ${formatDate(mode.anchor.protectedFrom)} to the anchor` });
    } else if (mode.protectedFrom) {
      const from = parseTime(mode.protectedFrom);
      if (from !== undefined) windows.push({ from, to: now, label: `${prefix}untagged images kept since ${formatDate(mode.protectedFrom)}` });
    }
  }
  return { marks, windows };
}

/** Each image's push time, and the time it is drawn at: a unit's members at their top-level image, so that a unit is drawn together. */
function drawnTimes(repo: RepositoryReport): Map<ImageLine, { pushed?: number; at?: number }> {
  const own = new Map(repo.images.map((line) => [line.digest, parseTime(line.pushedAt)]));
  return new Map(
    repo.images.map((line) => {
      const pushed = own.get(line.digest);
      return [line, { pushed, at: (line.unitOf !== undefined ? own.get(line.unitOf) : undefined) ?? pushed }];
    }),
  );
}

function percent(at: number, from: number, to: number): string {
  return `${(((at - from) / (to - from)) * 100).toFixed(3)}%`;
}

function timeline(repo: RepositoryReport, marks: Mark[], windows: Window[], addImage: (line: ImageLine, pushed: number | undefined) => number, reasonOf: (r: string) => number) {
  const times = drawnTimes(repo);
  const known = [...times.values()].map((t) => t.at).filter((t): t is number => t !== undefined);
  // A loop, not Math.min(...): a spread of 100,000 arguments can overflow the stack.
  let min = Math.min(...marks.map((m) => m.at), ...windows.map((w) => w.from));
  let max = Math.max(...marks.map((m) => m.at));
  for (const t of known) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  // A little room at both ends, and never an empty axis.
  const pad = Math.max((max - min) * 0.02, 3_600_000);
  min -= pad;
  max += pad;
  const column = (at: number) => Math.min(AXIS_COLUMNS - 1, Math.max(0, Math.floor(((at - min) / (max - min)) * AXIS_COLUMNS)));

  interface Bucket {
    column: number;
    lane: number;
    count: number;
    first: number;
    last: number;
    reasons: Map<number, number>;
    images: number[];
  }
  const buckets = new Map<number, Bucket>();
  const unplaced: ImageLine[] = [];
  for (const [line, { pushed, at }] of times) {
    if (at === undefined) {
      unplaced.push(line);
      continue;
    }
    const col = column(at);
    const lane = STATES.indexOf(drawState(line));
    const key = col * STATES.length + lane;
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = { column: col, lane, count: 0, first: at, last: at, reasons: new Map(), images: [] }));
    bucket.count++;
    bucket.first = Math.min(bucket.first, at);
    bucket.last = Math.max(bucket.last, at);
    const reason = reasonOf(line.reason);
    bucket.reasons.set(reason, (bucket.reasons.get(reason) ?? 0) + 1);
    if (bucket.images.length < DETAILS_PER_BUCKET) bucket.images.push(addImage(line, pushed));
  }
  const data: TimelineData = {
    from: toMinutes(min),
    to: toMinutes(max),
    buckets: [...buckets.values()]
      .sort((a, b) => a.column - b.column || a.lane - b.lane)
      .map((b) => [b.column, b.lane, b.count, toMinutes(b.first), toMinutes(b.last), [...b.reasons].flat(), b.images]),
  };
  return { data, min, max, unplaced };
}

function countsText(repo: RepositoryReport): { stays: number; safety: number; goes: number } {
  const safety = repo.images.filter((line) => line.keptBySafety).length;
  const goes = repo.toDelete + (repo.toArchive ?? 0);
  return { goes, safety, stays: Math.max(0, repo.imagesScanned - goes - safety) };
}

/** What the images that go free or move: deleted bytes, and archived ones apart (archive is not a saving). */
function goesBytes(repo: RepositoryReport): string {
  if (!repo.toArchive) return formatBytes(repo.bytesToFree);
  return `${repo.toDelete} to delete, ${formatBytes(repo.bytesToFree)}; ${repo.toArchive} to archive, ${formatBytes(repo.bytesToArchive ?? 0)} out of standard storage`;
}

/** Each policy's mode, by number (`#1` first: the report lists them by name). */
function modeText(repo: RepositoryReport, numbers: Map<string, number>): string[] {
  const modes = [...repo.modes].sort((a, b) => (numbers.get(a.policy) ?? 0) - (numbers.get(b.policy) ?? 0));
  return modes.map((mode) => {
    const name = `#${numbers.get(mode.policy)}`;
    if (mode.mode === "anchor" && mode.anchor) {
      const channels = (mode.channels ?? []).map((c) => `${escapeHtml(c.entry)} at ${escapeHtml(shortDigest(c.digest))}`).join(", ");
      const unmatched = mode.unmatchedTags?.length ? `; no image carries ${mode.unmatchedTags.map(escapeHtml).join(", ")}` : "";
      return `${name} anchor mode: anchor ${escapeHtml(shortDigest(mode.anchor.digest))} (${mode.anchor.tags.map(escapeHtml).join(", ")}) pushed ${formatDate(mode.anchor.pushedAt)}, window from ${formatDate(mode.anchor.protectedFrom)}; channels: ${channels || "none"}${unmatched}`;
    }
    if (mode.mode === "grouped") {
      const groups = mode.groups ?? [];
      const shownGroups = groups.slice(0, GROUPS_SHOWN).map((g) => {
        const how = g.anchor ? `anchor ${escapeHtml(shortDigest(g.anchor.digest))} (${g.anchor.tags.map(escapeHtml).join(", ")})` : "count mode";
        return `${escapeHtml(groupLabel(g.group))}: ${how}, kept ${g.kept}, deleted ${g.deleted}`;
      });
      const more = groups.length > GROUPS_SHOWN ? `; ${groups.length - GROUPS_SHOWN} more in the JSON report` : "";
      return `${name} grouped (group_by): ${groups.length} ${groups.length === 1 ? "group" : "groups"}${shownGroups.length ? `: ${shownGroups.join("; ")}` : ""}${more}`;
    }
    const why = mode.noSignificantTag ? " (no image carries a significant tag: check the policy's significant_tags for a typo)" : "";
    return `${name} untagged mode${why}`;
  });
}

function summaryHtml(report: RunReport, numbers: Map<string, number>): string {
  const s = report.summary;
  const rows: [string, string][] = [
    ["run", `${report.apply ? "--apply" : "dry run: nothing was deleted"}, now ${escapeHtml(report.now)}`],
    ["repositories", `${s.repositories}${report.notGoverned.length ? ` (not governed: ${report.notGoverned.map(escapeHtml).join(", ")})` : ""}`],
    ["images scanned", String(s.imagesScanned)],
    [report.apply ? "planned" : "to delete", `<span id="summary-to-delete">${s.toDelete}</span>, ${formatBytes(s.bytesToFree)} to free`],
  ];
  if (report.apply) rows.push(["deleted", `<span id="summary-deleted">${s.deleted}</span>, ${formatBytes(s.bytesFreed)} freed`]);
  if (s.storageValue) rows.push([report.apply ? "freed, a month" : "to free, a month", escapeHtml(storageValueText(s.storageValue))]);
  if (s.toArchive) rows.push([report.apply ? "planned to archive" : "to archive", `<span id="summary-to-archive">${s.toArchive}</span>, ${formatBytes(s.bytesToArchive ?? 0)} out of standard storage`]);
  if (report.apply && s.toArchive) rows.push(["archived", `<span id="summary-archived">${s.archived ?? 0}</span>, ${formatBytes(s.bytesArchived ?? 0)} out of standard storage`]);
  const safety = Object.entries(s.keptBySafety).sort(([a], [b]) => (a < b ? -1 : 1));
  rows.push(["kept by safety rules", safety.length ? safety.map(([reason, n]) => `${escapeHtml(reason)} ${n}`).join(", ") : "none"]);
  rows.push(["failures", String(s.failures)]);
  if (s.repositoriesSkipped) rows.push(["skipped by max_deletions", String(s.repositoriesSkipped)]);
  if (s.repositoriesNotReached) rows.push(["not reached", `${s.repositoriesNotReached}: ${report.notReached.map(escapeHtml).join(", ")}`]);
  const legend = [...numbers].map(([name, n]) => `<li>#${n} ${escapeHtml(name)}</li>`).join("");
  const warnings = report.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("");
  const errors = report.errors.map((e) => `<li>${escapeHtml(errorText(e, false))}</li>`).join("");
  return [
    `<table class="summary">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</table>`,
    legend ? `<h3>Policies</h3><ul class="legend">${legend}</ul>` : "",
    errors ? `<h3>Errors</h3><ul class="errors">${errors}</ul>` : "",
    warnings ? `<h3>Warnings</h3><ul class="warnings">${warnings}</ul>` : "",
  ].join("");
}

/** Year or month ticks along the axis, whichever gives a readable number. */
function ticks(min: number, max: number): string {
  const out: string[] = [];
  const start = new Date(min);
  const spanDays = (max - min) / 86_400_000;
  const step = spanDays > 1500 ? 12 : spanDays > 400 ? 3 : spanDays > 60 ? 1 : 0;
  if (step === 0) {
    const day = 86_400_000;
    const every = Math.max(1, Math.ceil(spanDays / 8));
    for (let t = Math.ceil(min / day) * day; t <= max; t += every * day) out.push(`<span style="left:${percent(t, min, max)}">${new Date(t).toISOString().slice(5, 10)}</span>`);
    return out.join("");
  }
  const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  while (d.getUTCMonth() % step) d.setUTCMonth(d.getUTCMonth() + 1);
  for (; d.getTime() <= max; d.setUTCMonth(d.getUTCMonth() + step)) {
    out.push(`<span style="left:${percent(d.getTime(), min, max)}">${d.toISOString().slice(0, 7)}</span>`);
  }
  return out.join("");
}

function repositoryHtml(repo: RepositoryReport, index: number, tl: ReturnType<typeof timeline>, marks: Mark[], windows: Window[], numbers: Map<string, number>): string {
  const { min, max } = tl;
  const c = countsText(repo);
  const bytes = goesBytes(repo);
  const errors = repo.errors.map((e) => `<li>${escapeHtml(errorText(e, false))}</li>`).join("");
  const notes = (repo.notes ?? []).map((n) => `<li>${escapeHtml(n)}</li>`).join("");
  const cap = repo.capExceeded ? `<p class="error">skipped whole: the plan deletes ${repo.capExceeded.planned} images, more than max_deletions ${repo.capExceeded.cap}</p>` : "";
  const unplaced = tl.unplaced.length ? `<p class="note">${tl.unplaced.length} image(s) without a push time are not on the axis (kept: ${tl.unplaced.map((l) => escapeHtml(shortDigest(l.digest))).join(", ")})</p>` : "";
  // Labels that would overlap go on the next row.
  const sorted = [...marks].sort((a, b) => a.at - b.at);
  let lastAt = -Infinity;
  let row = 0;
  const markHtml = sorted
    .map((m) => {
      const gap = (m.at - lastAt) / (max - min);
      row = gap < 0.12 ? (row + 1) % 3 : 0;
      lastAt = m.at;
      const end = (m.at - min) / (max - min) > 0.8 ? " end" : "";
      return `<div class="mark ${m.kind} row${row}${end}" style="left:${percent(m.at, min, max)}"><span class="label">${escapeHtml(m.label)}</span></div>`;
    })
    .join("");
  const windowHtml = windows
    .map((w) => `<div class="window" style="left:${percent(w.from, min, max)};width:${percent(min + (w.to - w.from), min, max)}" title="${escapeHtml(w.label)}"></div>`)
    .join("");
  return `<section class="repo" id="repo-${index}">
<h2>${escapeHtml(repo.repository)}</h2>
<p class="counts"><span class="goes">${c.goes} go</span> (${bytes}) · <span class="stays">${c.stays} stay</span> · <span class="safety">${c.safety} kept by a safety rule</span> · ${repo.imagesScanned} ${repo.imagesScanned === 1 ? "image" : "images"}</p>
<ul class="modes">${modeText(repo, numbers).map((t) => `<li>${t}</li>`).join("")}</ul>
${cap}${errors ? `<ul class="errors">${errors}</ul>` : ""}${notes ? `<ul class="notes">${notes}</ul>` : ""}
<div class="track"><div class="lanes"><span>stays</span><span>safety</span><span>goes</span></div>
<div class="timeline" data-timeline="${index}">${windowHtml}<canvas height="84"></canvas>${markHtml}</div></div>
<div class="axis">${ticks(min, max)}</div>
${unplaced}<div class="detail" hidden></div>
</section>`;
}

export function renderHtml(report: RunReport): string {
  const numbers = policyNumbers(report);
  const reasons = interner();
  const policies = interner();
  for (const name of numbers.keys()) policies.of(name);
  const images: PageData["images"] = [];
  const addImage = (line: ImageLine, pushed: number | undefined): number => {
    const verdicts: number[] = [];
    // 0 keep, 1 delete, 2 archive (a policy's vote out, as the image goes); a grouped policy's verdict names its
    // group beside the reason: `#2 keep (count, group api)`.
    const out = line.action === "archive" ? 2 : 1;
    for (const p of line.policies) verdicts.push(policies.of(p.policy), p.verdict === "delete" ? out : 0, reasons.of(p.group === undefined ? p.reason : `${p.reason}, group ${escapeControls(groupLabel(p.group))}`));
    const outcome = line.outcome ? (line.failure ? `${line.outcome}: ${line.failure.code} ${line.failure.reason}` : line.outcome) : "";
    images.push([
      escapeControls(line.digest),
      line.tags.map(escapeControls),
      pushed === undefined ? -1 : toMinutes(pushed),
      line.sizeBytes,
      reasons.of(line.reason),
      verdicts,
      line.unitOf ? escapeControls(line.unitOf) : "",
      escapeControls(outcome),
    ]);
    return images.length - 1;
  };
  const now = parseTime(report.now) ?? 0;
  const timelines: TimelineData[] = [];
  const sections = report.repositories.map((repo, i) => {
    const { marks, windows } = marksAndWindows(repo, now, numbers);
    const tl = timeline(repo, marks, windows, addImage, reasons.of);
    timelines.push(tl.data);
    return repositoryHtml(repo, i, tl, marks, windows, numbers);
  });
  const data: PageData = { reasons: reasons.list, policies: policies.list, images, timelines };
  const script = PAGE_SCRIPT;
  const scriptHash = createHash("sha256").update(script).digest("base64");
  const title = `ecr-cleanup ${report.apply ? "run" : "dry run"} at ${escapeHtml(report.now)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:">
<meta name="color-scheme" content="light dark">
<title>${title}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>${title}</h1>
${summaryHtml(report, numbers)}
<p class="key"><span class="swatch stays"></span>stays <span class="swatch safety"></span>kept by a safety rule <span class="swatch goes"></span>goes <span class="swatch protected"></span>protected window · a mark's height grows with the number of images in it · hover or click a mark for its images</p>
</header>
<main>
${sections.join("\n")}
</main>
<div id="tooltip" hidden></div>
<script type="application/octet-stream" id="report-data">${encodePageData(data)}</script>
<script>${script}</script>
</body>
</html>
`;
}
