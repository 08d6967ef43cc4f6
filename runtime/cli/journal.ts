/**
 * `--journal FILE`: one JSON line per delete, archive or restore call, appended and flushed to disk (fsync) as soon as the
 * call's outcome is known. The engine's listener is synchronous, so the line is on disk before the next call starts:
 * even a run killed with SIGKILL leaves the record of every call that completed. `restore --from-report` reads it.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import type { DeleteCallOutcome } from "../engine/apply";
import type { HalfArchivedUnit } from "../engine/report";
import { fileProblem } from "../shared/files";

export const JOURNAL_FORMAT = "ecr-cleanup-journal";

/**
 * A call's line: `done` holds the digests it deleted (call `delete`), archived (call `archive`) or restored (call
 * `restore`: a member the run archived under a holder that then changed, brought back).
 */
export const journalCallLine = z.object({
  format: z.literal(JOURNAL_FORMAT),
  version: z.literal(1),
  time: z.string(),
  call: z.enum(["delete", "archive", "restore"]),
  repository: z.string(),
  done: z.array(z.string()),
  failed: z.array(z.object({ digest: z.string(), code: z.string() })),
});
/** Written when a signal stops the run, so that the journal says why it ends there. */
export const journalSignalLine = z.object({ format: z.literal(JOURNAL_FORMAT), version: z.literal(1), time: z.string(), signal: z.string() });
/**
 * Written as the run ends, for each unit a stop left archived in part (members archived, the image holding them
 * active): `halfArchived` is the unit's top-level image. Its `archived` images are in the call lines as well.
 */
export const journalHalfArchivedLine = z.object({
  format: z.literal(JOURNAL_FORMAT),
  version: z.literal(1),
  time: z.string(),
  repository: z.string(),
  halfArchived: z.string(),
  archived: z.array(z.string()),
  notArchived: z.array(z.string()),
});
export type JournalCallLine = z.infer<typeof journalCallLine>;

/** Whether FILE is a regular file whose last byte is not a line break (a record cut off). Unreadable: it cannot tell, so no. */
function endsCutOff(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, stat.size - 1);
    return last[0] !== 0x0a;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** FILE opened for appending, and whether this call created it (so its directory entry is new). */
function openForAppend(path: string): { fd: number; created: boolean } {
  try {
    return { fd: openSync(path, "ax"), created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return { fd: openSync(path, "a"), created: false };
  }
}

/**
 * What fsync of a directory answers where the platform or file system cannot do it (Windows cannot open a directory,
 * some file systems refuse fsync on one) or the directory cannot be opened to read (write and search permission only):
 * nothing more can be flushed that way. Any other error (EIO) is a journal that may not survive a crash.
 */
const NO_DIRECTORY_SYNC = new Set(["EISDIR", "EPERM", "EACCES", "EINVAL", "ENOTSUP"]);

/** Flushes the directory that holds FILE, so that a file just created there is still there after a crash. */
function syncDirectoryOf(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dirname(resolve(path)), "r");
    fsyncSync(fd);
  } catch (err) {
    if (!NO_DIRECTORY_SYNC.has((err as NodeJS.ErrnoException).code ?? "")) throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class Journal {
  private constructor(
    private readonly fd: number,
    private readonly clock: () => Date,
  ) {}

  /** Opens FILE for appending (created if missing); throws FileProblem before any AWS call when it cannot be. */
  static open(path: string, clock: () => Date): Journal {
    let opened: { fd: number; created: boolean } | undefined;
    try {
      const cut = endsCutOff(path);
      opened = openForAppend(path);
      // Fsyncing the file flushes its bytes, not its name: a file just created is flushed into its directory once,
      // or a crash right after could leave no journal at all.
      if (opened.created) syncDirectoryOf(path);
      const journal = new Journal(opened.fd, clock);
      // A journal whose last record was cut off while written (a full disk, a crash): the next one starts on its own line.
      if (cut) journal.write(Buffer.from("\n"));
      return journal;
    } catch (err) {
      if (opened) closeSync(opened.fd);
      throw fileProblem(err);
    }
  }

  /** Appends the call's line and waits until it is on disk (throws on a write that fails). */
  recordCall(outcome: DeleteCallOutcome): void {
    const line: JournalCallLine = {
      format: JOURNAL_FORMAT,
      version: 1,
      time: this.clock().toISOString(),
      call: outcome.restored ? "restore" : outcome.archived ? "archive" : "delete",
      repository: outcome.repository,
      done: outcome.restored ?? outcome.archived ?? outcome.deleted,
      failed: outcome.failed,
    };
    this.append(line);
  }

  recordHalfArchived(repository: string, { unit, archived, notArchived }: HalfArchivedUnit): void {
    this.append({ format: JOURNAL_FORMAT, version: 1, time: this.clock().toISOString(), repository, halfArchived: unit, archived, notArchived });
  }

  recordSignal(signal: string): void {
    this.append({ format: JOURNAL_FORMAT, version: 1, time: this.clock().toISOString(), signal });
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(line: object): void {
    this.write(Buffer.from(JSON.stringify(line) + "\n"));
  }

  private write(bytes: Buffer): void {
    for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at);
    try {
      fsyncSync(this.fd);
    } catch (err) {
      // A pipe or a terminal (--journal /dev/stderr) has nothing to flush; anything else is a lost record.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EINVAL" && code !== "ENOTSUP") throw err;
    }
  }
}
