/** The CLI's arguments and its stderr discipline, run in-process (main() with captured output). */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseCliArgs, UsageError } from "../runtime/cli/args";
import type { CliIo } from "../runtime/cli/io";
import { main } from "../runtime/cli/main";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";

const NOW = "2026-01-01T00:00:00Z";
const POLICY = `
- name: untagged
  protected_period: 1
  protected_count: 1
  significant_tags: '*'
`;

function capture(stderrIsTty: boolean): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stderrIsTty,
    clock: () => new Date(NOW),
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
  };
  return io;
}

describe("the CLI's arguments and output streams", () => {
  let emulator: EcrEmulator;
  const saved = { ...process.env };
  before(async () => {
    emulator = await startEcrEmulator();
    emulator.registry.createRepository("app");
    for (let day = 5; day >= 1; day--) emulator.registry.putImage("app", { pushedAt: new Date(Date.parse(NOW) - day * 86_400_000) });
    Object.assign(process.env, { AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "t", AWS_SECRET_ACCESS_KEY: "t" });
  });
  after(async () => {
    process.env = { ...saved };
    await emulator.stop();
  });

  const usageErrors: [string, string[], string][] = [
    ["no --config", [], "--config FILE is required"],
    ["an unknown flag", ["--config", "p.yaml", "--force"], "Unknown option --force"],
    ["a bad --output", ["--config", "p.yaml", "--output", "yaml"], "--output must be table, json or html, not yaml"],
    ["a --now without a zone", ["--config", "p.yaml", "--now", "2026-01-01T00:00:00"], "--now must be an ISO-8601 date or date-time with a zone"],
    ["a --now that is no date", ["--config", "p.yaml", "--now", "yesterday"], "--now must be an ISO-8601"],
    ["--concurrency 0", ["--config", "p.yaml", "--concurrency", "0"], "--concurrency must be a whole number from 1 to 256, not 0"],
    ["an empty --region", ["--config", "p.yaml", "--region", " "], "--region must not be empty"],
    ["--config given twice", ["--config", "a.yaml", "--config", "b.yaml"], "--config given twice"],
    ["--config given twice, once with =", ["--config=a.yaml", "--apply", "--config", "a.yaml"], "--config given twice"],
    ["--output given twice", ["--config", "p.yaml", "--output", "json", "--output", "table"], "--output given twice"],
    ["a bad --show", ["--config", "p.yaml", "--show", "deleted"], "--show must be kept or all, not deleted"],
  ];
  for (const [what, args, message] of usageErrors) {
    it(`exits 2 on ${what}, with the usage on stderr and nothing on stdout`, async () => {
      const io = capture(false);
      expect(await main(args, io)).to.equal(2);
      expect(io.err).to.include(message);
      expect(io.err).to.include("Usage: ecr-cleanup --config FILE");
      expect(io.out).to.equal("");
    });
  }

  it("--version prints the package's version on stdout and exits 0", async () => {
    const io = capture(false);
    expect(await main(["--version"], io)).to.equal(0);
    const { version } = JSON.parse(readFileSync(resolve(__dirname, "../../package.json"), "utf8"));
    expect(io.out).to.equal(`ecr-cleanup ${version}\n`);
    expect(io.err).to.equal("");
  });

  it("--show kept and --show all are read", () => {
    expect(parseCliArgs(["--config", "p.yaml", "--show", "kept"])).to.include({ show: "kept" });
    expect(parseCliArgs(["--config", "p.yaml", "--show", "all"])).to.include({ show: "all" });
    expect(parseCliArgs(["--config", "p.yaml"])).not.to.have.property("show");
  });

  it("--help prints the usage on stdout and exits 0", async () => {
    const io = capture(false);
    expect(await main(["--help"], io)).to.equal(0);
    expect(io.out).to.include("Exit codes: 0 finished, 1 finished with failures, 2 usage or configuration error");
  });

  it("shows progress on stderr when it is a terminal, and only then", async () => {
    const config = writePolicyFile(POLICY);
    const tty = capture(true);
    expect(await main(["--config", config, "--now", NOW], tty)).to.equal(0);
    expect(tty.err).to.equal(`\r1/1 repositories, 5 images scanned, 4 to delete\x1b[K\n`);
    const pipe = capture(false);
    expect(await main(["--config", config, "--now", NOW], pipe)).to.equal(0);
    expect(pipe.err).to.equal("");
    expect(pipe.out).to.equal(tty.out);
  });

  it("in json mode, stdout holds one JSON document and nothing else", async () => {
    const io = capture(false);
    expect(await main(["--config", writePolicyFile(POLICY), "--now", NOW, "--output", "json"], io)).to.equal(0);
    const report = JSON.parse(io.out);
    expect(report.summary).to.include({ repositories: 1, imagesScanned: 5, toDelete: 4 });
  });
});

describe("--now: only dates and times that exist", () => {
  const valid: [string, number][] = [
    ["2026-01-01", Date.UTC(2026, 0, 1)],
    ["2028-02-29", Date.UTC(2028, 1, 29)],
    ["2000-02-29", Date.UTC(2000, 1, 29)],
    ["2026-02-28T23:59:59Z", Date.UTC(2026, 1, 28, 23, 59, 59)],
    ["2026-04-30T00:00Z", Date.UTC(2026, 3, 30)],
    ["2026-12-31T23:59:59.999Z", Date.UTC(2026, 11, 31, 23, 59, 59, 999)],
    ["2026-03-01T00:30:00+01:00", Date.UTC(2026, 1, 28, 23, 30)],
    ["2026-06-15T12:00:00-05:30", Date.UTC(2026, 5, 15, 17, 30)],
    ["2026-01-01T00:00:00+23:59", Date.UTC(2025, 11, 31, 0, 1)],
  ];
  for (const [text, epoch] of valid) {
    it(`${text} is ${new Date(epoch).toISOString()}`, () => {
      const args = parseCliArgs(["--config", "p.yaml", "--now", text]);
      expect(typeof args === "object" && args.now?.getTime()).to.equal(epoch);
    });
  }

  const impossible = [
    "2026-02-29",
    "2026-02-30",
    "2026-02-30T00:00:00Z",
    "1900-02-29",
    "2100-02-29T12:00:00Z",
    "2026-04-31",
    "2026-06-31",
    "2026-09-31",
    "2026-11-31T00:00:00Z",
    "2026-01-32",
    "2026-01-00",
    "2026-13-01",
    "2026-00-10",
    "2026-01-01T24:00:00Z",
    "2026-01-01T24:00Z",
    "2026-01-01T23:60:00Z",
    "2026-01-01T23:59:60Z",
    "2026-01-01T12:00:00+24:00",
    "2026-01-01T12:00:00+01:60",
  ];
  for (const text of impossible) {
    it(`${text} is a usage error, never rolled over`, () => {
      expect(() => parseCliArgs(["--config", "p.yaml", "--now", text])).to.throw(UsageError, `--now must be a date and time that exist, not ${text}`);
    });
  }

  it("the real bin: --now 2026-02-30 exits 2 with nothing on stdout", async () => {
    const result = await runCli(["--config", writePolicyFile(POLICY), "--now", "2026-02-30", "--output", "json"], awsEnv("http://127.0.0.1:9"));
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal("");
    expect(result.stderr.split("\n")[0]).to.equal("ecr-cleanup: --now must be a date and time that exist, not 2026-02-30");
  });
});
