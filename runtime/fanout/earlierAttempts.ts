/**
 * The deletions of a run's earlier attempts, read back by the aggregate step (records in
 * runtime/fanout/deletionRecords.ts). The attempts whose reports the Map's results point at are left out: their
 * reports already list what they deleted. What the others deleted is added to the report of its repository, each
 * image once however many attempts deleted it, so that a retried batch never under-counts: per repository the
 * union of every attempt's deleted digests, with their lines and bytes where an attempt finished the repository.
 */
import * as z from "zod/mini";
import { errorMessage } from "../shared/errors";
import { mapConcurrent } from "../shared/pool";
import type { ImageLine, RepositoryReport } from "../engine/report";
import { attemptOfDeletionKey, runKeys } from "./keys";
import type { JsonStore } from "./storage";

/** Objects read at once. */
const READ_CONCURRENCY = 16;
/** Digests named in a warning; the rest are in the records and in the delete-call lines of the log. */
const NAMED_DIGESTS = 5;

export interface EarlierDeletions {
  /** Every digest an earlier attempt deleted in the repository. */
  digests: Set<string>;
  /** Every digest an earlier attempt archived in the repository (absent: none). */
  archived?: Set<string>;
  /** Repositories an earlier attempt finished: their deleted and archived lines, and the bytes of each. */
  finished: { lines: ImageLine[]; bytesFreed: number; bytesArchived?: number }[];
}

const DELETE_CALL = z.looseObject({ repository: z.string(), deleted: z.array(z.string()), archived: z.optional(z.array(z.string())) });
const REPOSITORY_DELETIONS = z.looseObject({
  repository: z.string(),
  lines: z.array(z.looseObject({ digest: z.string() })),
  bytesFreed: z.number(),
  bytesArchived: z.optional(z.number()),
});

/**
 * By repository, what attempts other than `finalAttempts` deleted. A record that cannot be read, or is not one a
 * worker writes, throws; or, when `unreadable` is given (the failure path, which must report what it can), goes there.
 */
export async function readEarlierDeletions(
  store: JsonStore,
  run: string,
  finalAttempts: ReadonlySet<string>,
  unreadable?: (key: string, problem: string) => void,
): Promise<Map<string, EarlierDeletions>> {
  const keys = (await store.list(runKeys(run).deletions)).filter((key) => {
    const attempt = attemptOfDeletionKey(run, key);
    return attempt !== undefined && !finalAttempts.has(attempt);
  });
  const cannot = (key: string, problem: string) => {
    if (!unreadable) throw new Error(`s3://${store.bucket}/${key} ${problem}`);
    unreadable(key, problem);
  };
  const records = await mapConcurrent(keys, READ_CONCURRENCY, async (key) => {
    if (!unreadable) return { key, value: await store.get<unknown>(key) };
    return store.get<unknown>(key).then((value) => ({ key, value }), (err: unknown) => {
      cannot(key, `cannot be read (${errorMessage(err)})`);
      return undefined;
    });
  });
  const byRepository = new Map<string, EarlierDeletions>();
  const entry = (repository: string) => {
    let found = byRepository.get(repository);
    if (!found) byRepository.set(repository, (found = { digests: new Set(), finished: [] }));
    return found;
  };
  for (const { key, value } of records.filter((record) => record !== undefined)) {
    if (key.includes("/call-")) {
      const call = DELETE_CALL.safeParse(value);
      if (!call.success) {
        cannot(key, "is not a delete-call record a worker writes");
        continue;
      }
      const found = entry(call.data.repository);
      for (const digest of call.data.deleted) found.digests.add(digest);
      for (const digest of call.data.archived ?? []) (found.archived ??= new Set()).add(digest);
    } else {
      const finished = REPOSITORY_DELETIONS.safeParse(value);
      if (!finished.success) {
        cannot(key, "is not a repository's deletions record a worker writes");
        continue;
      }
      entry(finished.data.repository).finished.push(finished.data as unknown as EarlierDeletions["finished"][number]);
    }
  }
  return byRepository;
}

/** A repository report for a repository that only earlier attempts reached (its batch failed, or stopped before it). */
export function emptyReport(repository: string): RepositoryReport {
  return {
    repository, policies: [], modes: [], images: [], kept: {}, imagesScanned: 0, toDelete: 0, deleted: 0, bytesToFree: 0, bytesFreed: 0, errors: [],
  };
}

/** What earlier attempts did of one kind (deleted, or archived) that `report` does not list, with their lines and bytes where known. */
interface Added {
  digests: Set<string>;
  lines: ImageLine[];
  bytes: number;
  /** Digests with no line (known from a call record only). */
  byDigestOnly: string[];
  /** false when another attempt also did some of a record's images: their bytes cannot be split. */
  bytesComplete: boolean;
}

function addedOf(report: RepositoryReport, outcome: "deleted" | "archived", digests: ReadonlySet<string>, records: readonly { lines: ImageLine[]; bytes: number }[]): Added {
  const listed = new Set(report.images.filter((line) => line.outcome === outcome).map((line) => line.digest));
  const added = new Set([...digests].filter((digest) => !listed.has(digest)));
  for (const record of records) for (const line of record.lines) if (!listed.has(line.digest)) added.add(line.digest);
  const lines: ImageLine[] = [];
  const withLine = new Set<string>();
  let bytes = 0;
  let bytesComplete = true;
  for (const record of records) {
    const fresh = record.lines.filter((line) => added.has(line.digest) && !withLine.has(line.digest));
    if (fresh.length === record.lines.length) bytes += record.bytes;
    else if (fresh.length) bytesComplete = false;
    for (const line of fresh) withLine.add(line.digest);
    lines.push(...fresh);
  }
  return { digests: added, lines, bytes, byDigestOnly: [...added].filter((digest) => !withLine.has(digest)), bytesComplete };
}

/** The warning for what is known by digest only, or whose bytes are a lower bound; none when everything is listed. */
function warningOf(repository: string, added: Added, verb: "deleted" | "archived", counted: string, bytesField: string): string | undefined {
  if (!added.byDigestOnly.length && added.bytesComplete) return undefined;
  const { byDigestOnly } = added;
  const named = byDigestOnly.slice(0, NAMED_DIGESTS).join(", ");
  return (
    `${repository}: ${added.digests.size} image(s) ${verb} by an earlier attempt of its batch are counted in ${counted}` +
    (byDigestOnly.length ? `; ${byDigestOnly.length} of them are known by digest only (${named}${byDigestOnly.length > NAMED_DIGESTS ? ", …" : ""}), ` +
      `not listed here and not in ${bytesField}: the ${verb === "deleted" ? "delete" : "archive"}-call lines in the function's log name them all` : "") +
    (added.bytesComplete ? "" : `; ${bytesField} is a lower bound`)
  );
}

/**
 * `report` with what earlier attempts deleted or archived and it does not list: counted as scanned, planned and done
 * (as one run that had not been interrupted would count them), listed with their lines where an attempt finished the
 * repository, and their bytes where those lines are all new. Warns about what is known by digest only.
 */
export function withEarlierDeletions(report: RepositoryReport, earlier: EarlierDeletions, warnings: string[]): RepositoryReport {
  const deleted = addedOf(report, "deleted", earlier.digests, earlier.finished.map((r) => ({ lines: r.lines.filter((l) => l.outcome !== "archived"), bytes: r.bytesFreed })));
  const archived = addedOf(report, "archived", earlier.archived ?? new Set(), earlier.finished.map((r) => ({ lines: r.lines.filter((l) => l.outcome === "archived"), bytes: r.bytesArchived ?? 0 })));
  if (!deleted.digests.size && !archived.digests.size) return report;
  for (const warning of [warningOf(report.repository, deleted, "deleted", "deleted", "bytesFreed"), warningOf(report.repository, archived, "archived", "archived", "bytesArchived")]) {
    if (warning) warnings.push(warning);
  }
  const merged: RepositoryReport = {
    ...report,
    images: [...report.images, ...deleted.lines, ...archived.lines],
    imagesScanned: report.imagesScanned + deleted.digests.size + archived.digests.size,
    toDelete: report.toDelete + deleted.digests.size,
    deleted: report.deleted + deleted.digests.size,
    bytesToFree: report.bytesToFree + deleted.bytes,
    bytesFreed: report.bytesFreed + deleted.bytes,
  };
  if (archived.digests.size) {
    merged.toArchive = (report.toArchive ?? 0) + archived.digests.size;
    merged.archived = (report.archived ?? 0) + archived.digests.size;
    merged.bytesToArchive = (report.bytesToArchive ?? 0) + archived.bytes;
    merged.bytesArchived = (report.bytesArchived ?? 0) + archived.bytes;
  }
  return merged;
}
