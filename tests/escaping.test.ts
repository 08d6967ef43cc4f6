/**
 * Registry text cannot drive the terminal (spec section 5): control characters and bidi controls in tags,
 * repository names, policy names and messages are escaped in the table and on stderr; the JSON keeps them.
 */
import { expect } from "chai";
import type { CliIo } from "../runtime/cli/io";
import { main } from "../runtime/cli/main";
import type { RunError } from "../runtime/engine/report";
import { errorText } from "../runtime/report/error-text";
import { escapeControls, escapeControlsPerLine } from "../runtime/report/escape";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";

const ESC = "\x1b";

describe("escapeControls", () => {
  const cases: [string, string, string][] = [
    ["plain text", "hello_world v1.2-rc.3 sha256:ab", "hello_world v1.2-rc.3 sha256:ab"],
    ["newline, carriage return, tab", "a\nb\rc\td", "a\\nb\\rc\\td"],
    ["NUL and the other C0 controls", "\x00\x01\x07\x08\x0b\x0c\x1f", "\\x00\\x01\\x07\\x08\\x0b\\x0c\\x1f"],
    ["an escape sequence", `${ESC}[2J${ESC}]0;title\x07`, "\\x1b[2J\\x1b]0;title\\x07"],
    ["DEL", "a\x7fb", "a\\x7fb"],
    ["C1 controls (CSI, NEL, the last one)", "\x9b31m\x85\x9f", "\\x9b31m\\x85\\x9f"],
    ["bidi embeddings and overrides U+202A–U+202E", "\u202a\u202b\u202c\u202d\u202e", "\\u202a\\u202b\\u202c\\u202d\\u202e"],
    ["bidi isolates U+2066–U+2069", "\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"],
    ["line and paragraph separators", "a\u2028b\u2029c", "a\\u2028b\\u2029c"],
    ["the printable neighbours of each range stay", " ~\xa0é\u2027\u2030\u2029".slice(0, 6) + "\u2065\u206a", " ~\xa0é\u2027\u2030\u2065\u206a"],
    ["non-Latin text and emoji stay", "リリース🚀", "リリース🚀"],
    ["a backslash stays as it is", "C:\\temp", "C:\\temp"],
  ];
  for (const [what, input, expected] of cases) {
    it(what, () => {
      expect(escapeControls(input)).to.equal(expected);
    });
  }

  it("per line: keeps the line breaks, escapes the rest of each line", () => {
    expect(escapeControlsPerLine(`a${ESC}[1m\n\tb\u202e\n`)).to.equal("a\\x1b[1m\n\\tb\\u202e\n");
  });

  it("errorText: repository, code and message, escaped", () => {
    const error: RunError = { kind: "delete-failed", repository: "app\n", code: "Kms\x1bError", message: "denied\nERROR forged" };
    expect(errorText(error)).to.equal("Kms\\x1bError: denied\\nERROR forged");
    expect(errorText(error, true)).to.equal("app\\n: Kms\\x1bError: denied\\nERROR forged");
  });
});

describe("a tag ECR would refuse, end to end through the CLI", () => {
  const NOW = "2026-01-01T00:00:00.000Z";
  const FORGED = "evil\n  hello_world  DELETED";
  const TAGS = [FORGED, `${ESC}[2Jclear`, "rtl\u202eexe.gpj", "c1\x9b31m"];
  let emulator: EcrEmulator;
  let digest: string;

  beforeEach(async () => {
    emulator = await startEcrEmulator();
    // Seeding bypasses the API's tag and name grammar, as a hostile or broken registry would.
    emulator.registry.createRepository("hello_world");
    emulator.registry.createRepository(`bad${ESC}[31mrepo`);
    emulator.registry.createRepository("empty");
    emulator.registry.putImage("hello_world", { pushedAt: new Date(Date.parse(NOW) - 2 * 86_400_000) });
    digest = emulator.registry.putImage("hello_world", { tags: TAGS, pushedAt: new Date(Date.parse(NOW) - 10 * 86_400_000) }).digest;
    emulator.registry.putImage("hello_world", { tags: ["prod"], pushedAt: new Date(Date.parse(NOW) - 86_400_000) });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  // In hello_world prod is the anchor, and the image with the forged tags is beyond the window: DELETE. `empty` has
  // no image, so the policy warns about it (naming itself) on stderr; the API refuses the badly named repository's
  // name, and the error (naming it) goes to stderr and the table too (exit 1).
  const config = () =>
    writePolicyFile(`
- name: "nightly\\e[1m\\u202e"
  protected_period: 0
  protected_count: 0
  significant_tags: [prod]
`);

  it("the table forges no line and carries no raw control character; stderr neither", async () => {
    // Wide enough for the row's tags to stand whole on one line.
    const result = await runCli(["--config", config(), "--now", NOW], { ...awsEnv(emulator.endpoint), COLUMNS: "200" });
    expect(result.code, result.stderr).to.equal(1);
    const lines = result.stdout.split("\n");
    expect(lines.filter((line) => line.trimStart().startsWith("hello_world  DELETED"))).to.deep.equal([]);
    const row = lines.filter((line) => line.includes(digest.slice(7, 19)));
    expect(row).to.have.length(1);
    expect(row[0]).to.include("evil\\n  hello_world  DELETED");
    expect(row[0]).to.include(" DELETE ");
    expect(result.stdout).to.include('#1  nightly\\x1b[1m\\u202e');
    expect(result.stdout).to.include("bad\\x1b[31mrepo");
    for (const output of [result.stdout, result.stderr]) {
      expect(output).not.to.include(ESC);
      expect(output).not.to.match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
    const stderr = result.stderr.split("\n").filter(Boolean);
    expect(stderr).to.have.length(2);
    expect(stderr[0]).to.equal(
      'ecr-cleanup: warning: empty: no image carries any significant tag of policy "nightly\\x1b[1m\\u202e", so it runs in untagged mode (check the tags for typos)',
    );
    expect(stderr[1]).to.match(/^ecr-cleanup: error: bad\\x1b\[31mrepo: InvalidParameterException: cannot read the repository's images: /);
  });

  it("the JSON report keeps the tags as they are", async () => {
    const result = await runCli(["--config", config(), "--now", NOW, "--output", "json"], awsEnv(emulator.endpoint));
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stdout).not.to.include(ESC);
    const report = JSON.parse(result.stdout);
    expect(report.repositories.map((r: { repository: string }) => r.repository)).to.deep.equal([`bad${ESC}[31mrepo`, "empty", "hello_world"]);
    const line = report.repositories[2].images.find((l: { digest: string }) => l.digest === digest);
    expect(line.action).to.equal("delete");
    expect([...line.tags].sort()).to.deep.equal([...TAGS].sort());
    expect(report.repositories[2].modes[0].policy).to.equal(`nightly${ESC}[1m\u202e`);
  });
});

describe("configuration errors and usage errors on stderr are escaped", () => {
  function capture(): CliIo & { out: string; err: string } {
    const io = {
      out: "",
      err: "",
      stderrIsTty: false,
      clock: () => new Date("2026-01-01T00:00:00Z"),
      stdout: (text: string) => void (io.out += text),
      stderr: (text: string) => void (io.err += text),
    };
    return io;
  }

  it("a policy name with a newline and an escape sequence stays on its line", async () => {
    const config = writePolicyFile(`- name: "a\\nfake: policy #9\\e[2J"\n  protected_period: 7x\n  protected_count: 1\n  significant_tags: '*'\n`);
    const io = capture();
    expect(await main(["--config", config], io)).to.equal(2);
    expect(io.out).to.equal("");
    expect(io.err.split("\n")).to.deep.equal([
      "ecr-cleanup: configuration error, nothing was done:",
      `${config}: policy #1 "a\\nfake: policy #9\\x1b[2J", field protected_period: must be a whole number of days, or a whole number and one unit of s, m, h, d, w (such as 36h or 2w); got "7x"`,
      "",
    ]);
  });

  it("a YAML error keeps its excerpt's lines, with the file's control characters escaped", async () => {
    const config = writePolicyFile(`- name: p\n  protected_period: [7, "\x1b[2J"\n`);
    const io = capture();
    expect(await main(["--config", config], io)).to.equal(2);
    expect(io.err).not.to.include(ESC);
    expect(io.err).to.include('\n  protected_period: [7, "\\x1b[2J"\n');
  });

  it("an argument quoted in a usage error is escaped", async () => {
    const io = capture();
    expect(await main(["--config", "p.yaml", "--output", `yaml\n${ESC}[2J`], io)).to.equal(2);
    expect(io.err.split("\n")[0]).to.equal("ecr-cleanup: --output must be table, json or html, not yaml\\n\\x1b[2J");
  });
});
