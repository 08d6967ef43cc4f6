/**
 * `--journal FILE`: one JSON line per delete, archive or restore call, appended and flushed to disk (fsync) as soon as the
 * call's outcome is known. The engine's listener is synchronous, so the line is on disk before the next call starts:
 * even a run killed with SIGKILL leaves the record of every call that completed. `restore --from-report` reads it.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { z } from "zod";
import type { DeleteCallOutcome } from "../engine/apply";
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

export class Journal {
  private constructor(
    private readonly fd: number,
    private readonly clock: () => Date,
  ) {}

  /** Opens FILE for appending (created if missing); throws FileProblem before any AWS call when it cannot be. */
  static open(path: string, clock: () => Date): Journal {
    try {
      const cut = endsCutOff(path);
      const journal = new Journal(openSync(path, "a"), clock);
      // A journal whose last record was cut off while written (a full disk, a crash): the next one starts on its own line.
      if (cut) journal.write(Buffer.from("\n"));
      return journal;
    } catch (err) {
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
