/**
 * A fan-out step's result fits its byte budget whatever its texts are: CJK text (3 bytes a character in UTF-8) and
 * control characters (6 bytes once JSON-escaped) are cut by characters, so the lists are trimmed by bytes too, and
 * the counts still say how many there are.
 */
import { expect } from "chai";
import fc from "fast-check";
import { RunError, RunReport, summarize } from "../runtime/engine/report";
import { RESULT_BYTE_LIMIT, RESULT_LIST_LIMIT, RESULT_TEXT_LIMIT, stepResult } from "../runtime/fanout/stepResult";

const CTX = { dryRun: false, now: "2026-12-07T00:00:00.000Z" };
const PLACE = { json: "s3://reports/runs/2026-12-07/run.json", html: "s3://reports/runs/2026-12-07/run.html" };

function report(errors: RunError[], warnings: string[], notReached: string[]): RunReport {
  return { summary: summarize([], errors, notReached.length), errors, warnings, notReached } as unknown as RunReport;
}
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const apiError = (message: string, repository = "r1"): RunError => ({ kind: "api-error", repository, code: "ServerException", message });

describe("a fan-out step's result", () => {
  describe("stays within RESULT_BYTE_LIMIT bytes of JSON", () => {
    const control = "\u0001".repeat(RESULT_TEXT_LIMIT); // 6,000 bytes once escaped
    const cjk = "画".repeat(RESULT_TEXT_LIMIT); // 3,000 bytes
    const table: [string, RunError[], string[], string[]][] = [
      ["20 errors of control characters", Array.from({ length: 30 }, (_, i) => apiError(control, `r${i}`)), [], []],
      ["20 warnings of control characters", [], Array.from({ length: 30 }, () => control), []],
      ["errors and warnings of CJK text", Array.from({ length: 30 }, (_, i) => apiError(cjk, `r${i}`)), Array.from({ length: 30 }, () => cjk), []],
      ["errors with control characters in every field", Array.from({ length: 25 }, () => ({ kind: "api-error", repository: control, policy: control, code: control, message: control }) as RunError), [], []],
      ["everything at its longest", Array.from({ length: 25 }, () => apiError(control, control)), Array.from({ length: 25 }, () => control), Array.from({ length: 25 }, () => "r".repeat(256))],
    ];
    for (const [what, errors, warnings, notReached] of table) {
      it(`${what}: at most ${RESULT_BYTE_LIMIT} bytes, the counts whole`, () => {
        const result = stepResult(report(errors, warnings, notReached), CTX, PLACE);
        expect(bytes(result)).to.be.at.most(RESULT_BYTE_LIMIT);
        expect(result.counts).to.deep.equal({ errors: errors.length, warnings: warnings.length, notReached: notReached.length });
        expect(result.report).to.deep.equal(PLACE);
      });
    }

    it("20 warnings of 1,000 control characters: exactly as many as fit, the first ones, in order", () => {
      const warnings = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(RESULT_TEXT_LIMIT, "\u0001"));
      const result = stepResult(report([], warnings, []), CTX);
      // The result without warnings, then each warning's JSON (a comma before every one but the first).
      const base = bytes({ ...result, warnings: [] });
      const each = bytes(warnings[0]);
      const fit = Math.floor((RESULT_BYTE_LIMIT - base + 1) / (each + 1));
      expect(fit).to.be.within(1, 19);
      expect(result.warnings).to.deep.equal(warnings.slice(0, fit));
      expect(base + fit * each + (fit - 1)).to.be.at.most(RESULT_BYTE_LIMIT);
      expect(base + (fit + 1) * each + fit).to.be.above(RESULT_BYTE_LIMIT);
      expect(result.counts.warnings).to.equal(20);
    });

    it("short texts: nothing is dropped beyond RESULT_LIST_LIMIT", () => {
      const errors = Array.from({ length: 30 }, (_, i) => apiError("denied", `r${i}`));
      const result = stepResult(report(errors, ["w"], ["r9"]), CTX);
      expect(result.errors).to.deep.equal(errors.slice(0, RESULT_LIST_LIMIT));
      expect(result.warnings).to.deep.equal(["w"]);
      expect(result.notReached).to.deep.equal(["r9"]);
    });
  });

  it("any texts (CJK, control characters, emoji): at most RESULT_BYTE_LIMIT bytes, each list a prefix of the run's, the counts whole", () => {
    const char = fc.oneof(
      fc.constantFrom("画", "漢", "字", "\u0000", "\u0001", "\u001f", '"', "\\", "😀", "a"),
      fc.string({ unit: "binary", maxLength: 1 }),
    );
    const text = fc.array(char, { maxLength: 1_200 }).map((chars) => chars.join(""));
    const error = fc.record({ repository: text, message: text, code: text }).map((e): RunError => ({ kind: "api-error", ...e }));
    fc.assert(
      fc.property(fc.array(error, { maxLength: 25 }), fc.array(text, { maxLength: 25 }), fc.array(text, { maxLength: 25 }), (errors, warnings, notReached) => {
        const result = stepResult(report(errors, warnings, notReached), CTX, PLACE);
        expect(bytes(result)).to.be.at.most(RESULT_BYTE_LIMIT);
        expect(result.counts).to.deep.equal({ errors: errors.length, warnings: warnings.length, notReached: notReached.length });
        expect(result.notReached).to.deep.equal(notReached.slice(0, result.notReached.length));
        expect(result.errors.map((e) => e.kind)).to.deep.equal(errors.slice(0, result.errors.length).map((e) => e.kind));
        expect(result.warnings.length).to.be.at.most(RESULT_LIST_LIMIT);
      }),
      { numRuns: 60 },
    );
  });
});
