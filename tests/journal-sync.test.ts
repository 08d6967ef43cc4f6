/**
 * A journal just created is flushed into its directory once (the directory opened read-only and fsynced), so that a
 * crash right after leaves the file and not only its bytes. What a test can see is the calls: Journal.open calls
 * node:fs through its module object, so the calls are recorded (and a directory's fsync made to fail) by wrapping it.
 */
import { expect } from "chai";
import fs, { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Journal } from "../runtime/cli/journal";
import { FileProblem } from "../runtime/shared/files";

const clock = () => new Date(Date.UTC(2026, 11, 7, 6));
const digest = `sha256:${"1".repeat(64)}`;

/** Records the successful open, fsync and close calls by path; `failDirectorySync`: the code a directory's fsync fails with. */
function recordFs(failDirectorySync?: string): { events: string[]; restore: () => void } {
  const original = { openSync: fs.openSync, fsyncSync: fs.fsyncSync, closeSync: fs.closeSync };
  const paths = new Map<number, string>();
  const events: string[] = [];
  fs.openSync = ((path: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
    const fd = original.openSync(path, flags, mode);
    paths.set(fd, resolve(String(path)));
    events.push(`open ${resolve(String(path))} ${flags}`);
    return fd;
  }) as typeof fs.openSync;
  fs.fsyncSync = (fd: number) => {
    events.push(`fsync ${paths.get(fd)}`);
    if (failDirectorySync && fs.fstatSync(fd).isDirectory()) throw Object.assign(new Error(`${failDirectorySync}: fsync`), { code: failDirectorySync });
    original.fsyncSync(fd);
  };
  fs.closeSync = (fd: number) => {
    events.push(`close ${paths.get(fd)}`);
    original.closeSync(fd);
  };
  return { events, restore: () => Object.assign(fs, original) };
}

describe("a journal's directory is flushed once the journal is created", () => {
  let dir: string;
  let file: string;
  let restoreFs: (() => void) | undefined;
  beforeEach(() => {
    dir = resolve(mkdtempSync(join(tmpdir(), "journal-sync-")));
    file = join(dir, "run.journal");
  });
  afterEach(() => {
    restoreFs?.();
    restoreFs = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  const watch = (failDirectorySync?: string) => {
    const recorded = recordFs(failDirectorySync);
    restoreFs = recorded.restore;
    return recorded.events;
  };

  it("created: the file exists, then its directory is opened read-only, fsynced and closed; opened again to append: not again", () => {
    const events = watch();
    Journal.open(file, clock).close();
    expect(existsSync(file)).to.equal(true);
    expect(events).to.deep.equal([`open ${file} ax`, `open ${dir} r`, `fsync ${dir}`, `close ${dir}`, `close ${file}`]);
    events.length = 0;
    const again = Journal.open(file, clock);
    again.recordCall({ repository: "app", deleted: [digest], failed: [] });
    again.close();
    expect(events.filter((e) => e.includes(`${dir} `) || e.endsWith(dir))).to.deep.equal([]);
    expect(events.filter((e) => e === `fsync ${file}`)).to.have.length(1);
  });

  for (const code of ["EISDIR", "EPERM", "EACCES", "EINVAL", "ENOTSUP"]) {
    it(`a directory fsync answered ${code} (a platform or file system that cannot): attempted, then the journal records as usual`, () => {
      const events = watch(code);
      const journal = Journal.open(file, clock);
      journal.recordCall({ repository: "app", deleted: [digest], failed: [] });
      journal.close();
      expect(events).to.include(`fsync ${dir}`);
      expect(events).to.include(`close ${dir}`);
      expect(JSON.parse(readFileSync(file, "utf8"))).to.include({ call: "delete", repository: "app" });
    });
  }

  it("a directory fsync that fails otherwise (EIO): the journal is refused before any call, naming the error, its file closed", () => {
    const events = watch("EIO");
    let thrown: unknown;
    try {
      Journal.open(file, clock);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(FileProblem);
    expect((thrown as FileProblem).detail).to.equal("EIO: EIO: fsync");
    expect(events.slice(-3)).to.deep.equal([`fsync ${dir}`, `close ${dir}`, `close ${file}`]);
  });
});
