/**
 * The deletions of a run's earlier attempts, read back by the aggregate step (records in
 * runtime/fanout/deletionRecords.ts). The attempts whose reports the Map's results point at are left out: their
 * reports already list what they deleted. What the others deleted is added to the report of its repository, each
 * image once however many attempts deleted it, so that a retried batch never under-counts: per repository the
 * union of every attempt's deleted digests, with their lines and bytes where an attempt finished the repository.
 */
import * as z from "zod/mini";
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
  /** Repositories an earlier attempt finished: their deleted lines and bytes. */
  finished: { lines: ImageLine[]; bytesFreed: number }[];
}

const DELETE_CALL = z.looseObject({ repository: z.string(), deleted: z.array(z.string()) });
const REPOSITORY_DELETIONS = z.looseObject({
  repository: z.string(),
  lines: z.array(z.looseObject({ digest: z.string() })),
  bytesFreed: z.number(),
});

/** By repository, what attempts other than `finalAttempts` deleted. A record that is not one a worker writes throws. */
export async function readEarlierDeletions(store: JsonStore, run: string, finalAttempts: ReadonlySet<string>): Promise<Map<string, EarlierDeletions>> {
  const keys = (await store.list(runKeys(run).deletions)).filter((key) => {
    const attempt = attemptOfDeletionKey(run, key);
    return attempt !== undefined && !finalAttempts.has(attempt);
  });
  const records = await mapConcurrent(keys, READ_CONCURRENCY, async (key) => ({ key, value: await store.get<unknown>(key) }));
  const byRepository = new Map<string, EarlierDeletions>();
  const entry = (repository: string) => {
    let found = byRepository.get(repository);
    if (!found) byRepository.set(repository, (found = { digests: new Set(), finished: [] }));
    return found;
  };
  for (const { key, value } of records) {
    if (key.includes("/call-")) {
      const call = DELETE_CALL.safeParse(value);
      if (!call.success) throw new Error(`s3://${store.bucket}/${key} is not a delete-call record a worker writes`);
      for (const digest of call.data.deleted) entry(call.data.repository).digests.add(digest);
    } else {
      const finished = REPOSITORY_DELETIONS.safeParse(value);
      if (!finished.success) throw new Error(`s3://${store.bucket}/${key} is not a repository's deletions record a worker writes`);
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

/**
 * `report` with what earlier attempts deleted and it does not list: counted as scanned, planned and deleted (as one
 * run that had not been interrupted would count them), listed with their lines where an attempt finished the
 * repository, and their bytes where those lines are all new. Warns about what is known by digest only.
 */
export function withEarlierDeletions(report: RepositoryReport, earlier: EarlierDeletions, warnings: string[]): RepositoryReport {
  const listed = new Set(report.images.filter((line) => line.outcome === "deleted").map((line) => line.digest));
  const added = new Set([...earlier.digests].filter((digest) => !listed.has(digest)));
  for (const record of earlier.finished) for (const line of record.lines) if (!listed.has(line.digest)) added.add(line.digest);
  if (!added.size) return report;

  const lines: ImageLine[] = [];
  const withLine = new Set<string>();
  let bytes = 0;
  let bytesComplete = true;
  for (const record of earlier.finished) {
    const fresh = record.lines.filter((line) => added.has(line.digest) && !withLine.has(line.digest));
    if (fresh.length === record.lines.length) bytes += record.bytesFreed;
    else if (fresh.length) bytesComplete = false; // another attempt also deleted some of these: their bytes cannot be split
    for (const line of fresh) withLine.add(line.digest);
    lines.push(...fresh);
  }
  const byDigestOnly = [...added].filter((digest) => !withLine.has(digest));
  if (byDigestOnly.length || !bytesComplete) {
    const named = byDigestOnly.slice(0, NAMED_DIGESTS).join(", ");
    warnings.push(
      `${report.repository}: ${added.size} image(s) deleted by an earlier attempt of its batch are counted in deleted` +
        (byDigestOnly.length ? `; ${byDigestOnly.length} of them are known by digest only (${named}${byDigestOnly.length > NAMED_DIGESTS ? ", …" : ""}), ` +
          "not listed here and not in bytesFreed: the delete-call lines in the function's log name them all" : "") +
        (bytesComplete ? "" : "; bytesFreed is a lower bound"),
    );
  }
  return {
    ...report,
    images: [...report.images, ...lines],
    imagesScanned: report.imagesScanned + added.size,
    toDelete: report.toDelete + added.size,
    deleted: report.deleted + added.size,
    bytesToFree: report.bytesToFree + bytes,
    bytesFreed: report.bytesFreed + bytes,
  };
}
