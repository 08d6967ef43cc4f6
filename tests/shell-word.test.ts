/** shellWord: the file names in the commands the CLI prints to copy (`apply PLAN --expect-sha256 …`) stay one word. */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { shellWord } from "../runtime/shared/shellWord";

describe("shellWord: a file name as one word of a shell command", () => {
  const cases: [string, string][] = [
    ["plan.json", "plan.json"],
    ["/tmp/plans/plan-2026-12-07.json", "/tmp/plans/plan-2026-12-07.json"],
    ["my plan.json", "'my plan.json'"],
    ["it's.json", `'it'\\''s.json'`],
    ["$HOME/plan.json", "'$HOME/plan.json'"],
    ["a;rm -rf b", "'a;rm -rf b'"],
    ["*.json", "'*.json'"],
    ["", "''"],
  ];
  for (const [name, word] of cases) {
    it(`${JSON.stringify(name)} → ${word}`, () => expect(shellWord(name)).to.equal(word));
  }

  it("the shell reads each back as the very same single argument", () => {
    for (const [name] of cases) {
      const echoed = execFileSync("sh", ["-c", `printf '%s\\0' ${shellWord(name)}`]).toString();
      expect(echoed, name).to.equal(`${name}\0`);
    }
  });
});
