/**
 * A journal whose record was cut off while it was written (a full disk: `writeSync` wrote part of the line, then
 * failed; a crash): restore --from-report still reads every complete record, says which line it skipped, and a run
 * that appends to the same journal later starts its first record on a line of its own.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal } from "../runtime/cli/journal";
import { readReportSource } from "../runtime/cli/report-source";

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const archiveLine = (n: number) =>
  JSON.stringify({ format: "ecr-cleanup-journal", version: 1, time: "2026-12-07T03:00:00.000Z", call: "archive", repository: "app", done: [digest(n)], failed: [] });

function read(text: string): { digests: (string | undefined)[]; torn: number[] } {
  const torn: number[] = [];
  const digests = readReportSource(text, "run.journal", (line) => torn.push(line)).map((t) => t.digest);
  return { digests, torn };
}

describe("a journal with a record cut off while it was written", () => {
  it("its last line cut off: the complete records are read, and the cut line is named", () => {
    const text = `${archiveLine(1)}\n${archiveLine(2)}\n${archiveLine(3).slice(0, 57)}`;
    expect(read(text)).to.deep.equal({ digests: [digest(1), digest(2)], torn: [3] });
  });

  it("cut off before its format was written, after a complete record: skipped as well", () => {
    expect(read(`${archiveLine(1)}\n{"for`)).to.deep.equal({ digests: [digest(1)], torn: [2] });
  });

  it("a later run's record appended to the cut line (a journal written before the fix): that record is read", () => {
    const text = `${archiveLine(1)}\n${archiveLine(2).slice(0, 80)}${archiveLine(3)}\n`;
    expect(read(text)).to.deep.equal({ digests: [digest(1), digest(3)], torn: [2] });
  });

  it("text that is no journal is still refused: a lone brace, a line that is not a record's start", () => {
    expect(() => read("{")).to.throw(/--from-report run.journal: not a JSON report or journal of ecr-cleanup/);
    expect(() => read(`${archiveLine(1)}\nnot a record`)).to.throw(/line 2 is not a line of an ecr-cleanup journal/);
    expect(() => read(archiveLine(1).slice(0, 40))).to.throw(/only record was cut off/);
  });

  describe("appending to it again", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "journal-torn-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("the next record starts on a line of its own, so both runs' complete records restore", () => {
      const path = join(dir, "run.journal");
      writeFileSync(path, `${archiveLine(1)}\n${archiveLine(2).slice(0, 57)}`);
      const journal = Journal.open(path, () => new Date(Date.UTC(2026, 11, 7, 4)));
      journal.recordCall({ repository: "app", deleted: [], failed: [], archived: [digest(4)] });
      journal.close();
      const text = readFileSync(path, "utf8");
      expect(text.split("\n")).to.have.length(4);
      expect(read(text)).to.deep.equal({ digests: [digest(1), digest(4)], torn: [2] });
    });

    it("a journal that ends with its line break is appended to as it is", () => {
      const path = join(dir, "run.journal");
      writeFileSync(path, `${archiveLine(1)}\n`);
      const journal = Journal.open(path, () => new Date(Date.UTC(2026, 11, 7, 4)));
      journal.recordCall({ repository: "app", deleted: [], failed: [], archived: [digest(4)] });
      journal.close();
      expect(readFileSync(path, "utf8").split("\n")).to.have.length(3);
    });
  });
});
