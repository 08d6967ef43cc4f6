/**
 * `restore --from-report`: what to restore, from the JSON report of an --apply run (`--output json`) or from a
 * `--journal` of one: every image it says was archived. Anything else is refused (a usage error naming the source
 * and what is wrong), never read as "nothing to restore". The text comes from a file here; any other source (such as
 * an object in S3) passes its text and its name to `readReportSource`.
 */
import { z } from "zod";
import type { RestoreTarget } from "../engine/restore";
import { jsonReportSchema } from "../report/json-schema";
import { UsageError } from "./args";
import { JOURNAL_FORMAT, journalCallLine, journalHalfArchivedLine, journalSignalLine } from "./journal";
import { PLAN_FORMAT } from "../plan-file/format";
import { DOCTOR_FORMAT } from "./doctor";

/** At most this many problems are listed: the first ones say what the file is not. */
const SHOWN_ISSUES = 3;

/**
 * The images `text` (named `name` in every error) says an --apply run archived. Throws UsageError otherwise.
 * `onTorn`: told the number of each journal line that is the start of a record cut off while it was written.
 */
export function readReportSource(text: string, name: string, onTorn?: (line: number) => void): RestoreTarget[] {
  const refuse = (what: string) => new UsageError(`--from-report ${name}: ${what}`);
  const whole = parseJson(text);
  const other = whole.ok ? otherFileOf(whole.value) : undefined;
  if (other) throw new UsageError(`--from-report ${name} is ${other}, not a report or journal: restore reads the JSON report or the journal of an --apply run`);
  if (whole.ok && !isJournalLine(whole.value)) return fromReport(whole.value, refuse);
  return fromJournal(text, refuse, onTorn ?? (() => undefined));
}

/** How every journal line starts (JSON.stringify keeps the order the journal writes its keys in). */
const RECORD_START = `{"format":"${JOURNAL_FORMAT}"`;

/**
 * A line that is not JSON because a record was cut off while it was written (a full disk, a crash): what is left of
 * the record, then perhaps the next run's first record appended to it. The whole record after the cut is read.
 */
function untorn(line: string, afterRecords: boolean): { torn: boolean; rest?: string } {
  const at = line.lastIndexOf(RECORD_START);
  if (at > 0 && parseJson(line.slice(at)).ok) return { torn: true, rest: line.slice(at) };
  // Cut before the format was written: only after a record is it read as a journal's.
  return { torn: line.startsWith(RECORD_START) || (afterRecords && RECORD_START.startsWith(line)) };
}

function fromReport(value: unknown, refuse: (what: string) => UsageError): RestoreTarget[] {
  const parsed = jsonReportSchema.safeParse(value);
  if (!parsed.success) throw refuse(`not a JSON report or journal of ecr-cleanup (${issues(parsed.error)})`);
  if (!parsed.data.apply) throw refuse("the report of a dry run (apply: false), which archived nothing: restore from the report of the --apply run");
  const targets: RestoreTarget[] = [];
  for (const repo of parsed.data.repositories) {
    for (const image of repo.images) if (image.outcome === "archived") targets.push({ repository: repo.repository, digest: image.digest });
  }
  return targets;
}

function fromJournal(text: string, refuse: (what: string) => UsageError, onTorn: (line: number) => void): RestoreTarget[] {
  const lines = text.split("\n");
  // Still archived as the journal reads, in the order archived: a later restore line (a member the run brought back
  // under a holder that changed) takes the image out, a later archive line puts it back.
  const archived = new Map<string, RestoreTarget>();
  let records = 0;
  let torn = 0;
  for (const [i, whole] of lines.entries()) {
    if (!whole.trim()) continue;
    let line = whole;
    let json = parseJson(line);
    if (!json.ok) {
      // A record cut off while it was written is skipped (the caller says so), not the whole file refused.
      const cut = untorn(line, records > 0);
      if (cut.torn) {
        torn++;
        onTorn(i + 1);
        if (cut.rest === undefined) continue;
        line = cut.rest;
        json = parseJson(line);
      }
    }
    const call = json.ok ? journalCallLine.safeParse(json.value) : undefined;
    if (!call?.success) {
      // A signal, a unit left half-archived: what the call lines did, said again; they name no image to restore.
      if (json.ok && (journalSignalLine.safeParse(json.value).success || journalHalfArchivedLine.safeParse(json.value).success)) continue;
      const why = !json.ok ? `not JSON (${json.error})` : call ? issues(call.error) : "";
      throw refuse(records === 0 ? `not a JSON report or journal of ecr-cleanup (line ${i + 1}: ${why})` : `line ${i + 1} is not a line of an ecr-cleanup journal (${why})`);
    }
    records++;
    const { call: kind, repository, done } = call.data;
    for (const digest of done) {
      const key = `${repository}\n${digest}`;
      if (kind === "archive" && !archived.has(key)) archived.set(key, { repository, digest });
      if (kind === "restore") archived.delete(key);
    }
  }
  if (records === 0) throw refuse(torn ? "a journal whose only record was cut off while it was written: it names no image" : "empty: neither a JSON report nor a journal of ecr-cleanup");
  return [...archived.values()];
}

/** The other JSON documents of this tool a user may pass by mistake (a plan is the likeliest), by what they are. */
function otherFileOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const document = value as { format?: unknown; checks?: unknown; Version?: unknown; Statement?: unknown };
  if (document.format === PLAN_FORMAT) return "a plan";
  if (document.format === DOCTOR_FORMAT && Array.isArray(document.checks)) return "the output of ecr-cleanup doctor";
  if (typeof document.Version === "string" && document.Statement !== undefined) return "an IAM policy";
  return undefined;
}

function isJournalLine(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as { format?: unknown }).format === JOURNAL_FORMAT;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** The first few problems, each with where it is (`repositories.0.images`: expected array, received string). */
function issues(error: z.ZodError): string {
  const shown = error.issues.slice(0, SHOWN_ISSUES).map((issue) => `${issue.path.length ? issue.path.join(".") : "the document"}: ${issue.message}`);
  const more = error.issues.length - shown.length;
  return shown.join("; ") + (more > 0 ? `; and ${more} more` : "");
}
