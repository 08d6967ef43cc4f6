/**
 * The files a user names (a policy file, a plan, a report, a journal): read as UTF-8 text or checked for writing
 * before anything else happens, with a reason in words instead of a stack trace. A byte that is not UTF-8 is an
 * error, never silently replaced: a tag or repository name read wrong would match other images.
 */
import { constants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/** Why a named file cannot be used as asked; the caller names the file and the flag. */
export class FileProblem extends Error {
  constructor(
    message: string,
    /** The system's error code where there is one (ENOENT, EISDIR, EACCES, ...). */
    readonly code?: string,
  ) {
    super(message);
  }

  /** `ENOENT: no such file`, or the message alone. */
  get detail(): string {
    return this.code ? `${this.code}: ${this.message}` : this.message;
  }
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "it is a directory, not a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a part of its path is not a directory",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "the name is too long",
  EROFS: "the file system is read-only",
};

/** An fs error in words: its code's meaning, else its message. */
export function fileReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code && REASONS[code]) ?? (err as Error)?.message ?? String(err);
}

/** An fs error as a FileProblem with its code. */
export function fileProblem(err: unknown, prefix = ""): FileProblem {
  return new FileProblem(prefix + fileReason(err), (err as NodeJS.ErrnoException | undefined)?.code);
}

/** The file's bytes (throws FileProblem: missing, a directory, unreadable). */
export async function readFileBytes(path: string): Promise<Buffer> {
  try {
    if ((await stat(path)).isDirectory()) throw new FileProblem(REASONS.EISDIR, "EISDIR");
    return await readFile(path);
  } catch (err) {
    throw err instanceof FileProblem ? err : fileProblem(err);
  }
}

/** The file's text (throws FileProblem: missing, a directory, unreadable, not UTF-8). */
export async function readTextFile(path: string): Promise<string> {
  return decodeUtf8(await readFileBytes(path));
}

/** Bytes as UTF-8 text, or a FileProblem that says where the first byte that is not UTF-8 is. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new FileProblem(`it is not UTF-8 text${at >= 0 ? ` (byte ${at} is not)` : ""}`);
  }
}

/** The offset of the first byte that starts no well-formed UTF-8 sequence, or -1 (the strict decoder decides). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    const more = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (more < 0) return i;
    for (let k = 1; k <= more; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += more + 1;
  }
  return -1;
}

/**
 * Throws FileProblem unless `path` can be written as a file: not a directory, its folder exists, and the file (or,
 * for a new file or one replaced by a rename, its folder) is writable.
 */
export async function checkWritableFile(path: string, options: { replacedByRename?: boolean } = {}): Promise<void> {
  let exists = false;
  try {
    const found = await stat(path);
    if (found.isDirectory()) throw new FileProblem(REASONS.EISDIR, "EISDIR");
    exists = true;
  } catch (err) {
    if (err instanceof FileProblem) throw err;
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw fileProblem(err);
  }
  if (exists) {
    await access(path, constants.W_OK).catch((err) => {
      throw fileProblem(err, "it cannot be written: ");
    });
    if (!options.replacedByRename) return;
  }
  const folder = dirname(resolve(path));
  let isFolder: boolean;
  try {
    isFolder = (await stat(folder)).isDirectory();
  } catch (err) {
    throw (err as NodeJS.ErrnoException).code === "ENOENT" ? new FileProblem(`its folder ${folder} does not exist`, "ENOENT") : fileProblem(err, `its folder ${folder}: `);
  }
  if (!isFolder) throw new FileProblem(`${folder} is not a folder`, "ENOTDIR");
  await access(folder, constants.W_OK | constants.X_OK).catch((err) => {
    throw fileProblem(err, `its folder ${folder} cannot be written: `);
  });
}
