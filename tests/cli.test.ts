/** The CLI's arguments and its stderr discipline, run in-process (main() with captured output). */
import { expect } from "chai";
import { CliIo, main } from "../runtime/cli/main";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { writePolicyFile } from "./support/cli";

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
    ["an unknown flag", ["--config", "p.yaml", "--force"], "Unknown option '--force'"],
    ["a bad --output", ["--config", "p.yaml", "--output", "yaml"], "--output must be table or json, not yaml"],
    ["a --now without a zone", ["--config", "p.yaml", "--now", "2026-01-01T00:00:00"], "--now must be an ISO-8601 date or date-time with a zone"],
    ["a --now that is no date", ["--config", "p.yaml", "--now", "yesterday"], "--now must be an ISO-8601"],
    ["--concurrency 0", ["--config", "p.yaml", "--concurrency", "0"], "--concurrency must be a whole number from 1 to 256, not 0"],
    ["an empty --region", ["--config", "p.yaml", "--region", " "], "--region must not be empty"],
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

  it("--help prints the usage on stdout and exits 0", async () => {
    const io = capture(false);
    expect(await main(["--help"], io)).to.equal(0);
    expect(io.out).to.include("Exit codes: 0 finished, 1 finished with failures, 2 usage or configuration error");
  });

  it("shows progress on stderr when it is a terminal, and only then", async () => {
    const config = writePolicyFile(POLICY);
    const tty = capture(true);
    expect(await main(["--config", config, "--now", NOW], tty)).to.equal(0);
    expect(tty.err).to.equal("\r1/1 repositories, 5 images scanned, 4 to delete\x1b[K\n");
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
