/**
 * The plan's SHA-256: `--plan-out` prints it (and the report carries it), and `apply --expect-sha256 HEX` refuses any
 * other file. The checksum inside a plan proves only that the file is whole: an edited plan with its checksum
 * computed again, `now` moved and digests added, passes `apply --config` (same policies) and deletes what no
 * reviewer saw; the approved hash stops it.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo } from "../runtime/cli/io";
import { main } from "../runtime/cli/main";
import { sealPlan } from "../runtime/plan-file/checksum";
import type { PlanBody, PlanFile } from "../runtime/plan-file/format";
import type { EcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { emulatorPerTest } from "./support/emulator-per-test";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = "2026-01-01T00:00:00.000Z";
const MADE = new Date("2026-01-01T06:00:00.000Z");
const POLICY = `
policies:
  - name: untagged
    protected_period: 7d
    protected_count: 1
    significant_tags: "*"
settings:
  in_use:
    ecs: false
    lambda: false
`;

interface Captured extends CliIo {
  out: string;
  err: string;
}
function capture(clock: Date): Captured {
  const io: Captured = { out: "", err: "", stderrIsTty: false, clock: () => clock, stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) };
  return io;
}
const sha256Of = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("plans: --plan-out's SHA-256 and apply --expect-sha256", () => {
  let emulator: EcrEmulator;
  const saved = { ...process.env };
  emulatorPerTest((em) => {
    emulator = em;
    Object.assign(process.env, awsEnv(em.endpoint));
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  /** Images pushed 1..20 days before NOW (the one 7 days old is inside the protected period by a hair). */
  function seed(): Map<number, string> {
    emulator.registry.createRepository("app");
    const byAge = new Map<number, string>();
    for (let age = 20; age >= 1; age--) byAge.set(age, emulator.registry.putImage("app", { pushedAt: new Date(Date.parse(NOW) - age * DAY + (age === 7 ? HOUR : 0)) }).digest);
    return byAge;
  }
  const survivors = () => emulator.registry.images("app").map((i) => i.digest);

  async function makePlan(config: string): Promise<{ path: string; io: Captured }> {
    const path = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-sha-")), "plan.json");
    const io = capture(MADE);
    const code = await main(["--config", config, "--now", NOW, "--plan-out", path, "--output", "json"], io);
    expect(code, io.err).to.equal(0);
    return { path, io };
  }
  async function apply(path: string, ...args: string[]) {
    const io = capture(new Date(MADE.getTime() + HOUR));
    const code = await main(["apply", path, "--output", "json", ...args], io);
    return { io, code };
  }

  it("--plan-out prints the SHA-256 of the file's bytes on stderr, and the JSON report carries it", async () => {
    seed();
    const { path, io } = await makePlan(writePolicyFile(POLICY));
    const hash = sha256Of(path);
    expect(io.err).to.include(`sha256 ${hash}`);
    expect(io.err).to.include(`ecr-cleanup apply ${path} --expect-sha256 ${hash}`);
    expect(JSON.parse(io.out).planOut).to.deep.equal({ file: path, sha256: hash });
  });

  it("the table's summary carries it too (the real bin)", async () => {
    seed();
    const path = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-sha-")), "plan.json");
    const result = await runCli(["--config", writePolicyFile(POLICY), "--now", NOW, "--plan-out", path], awsEnv(emulator.endpoint));
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(new RegExp(`plan written:\\s+${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}, sha256\\s+${sha256Of(path)}`));
    // The last line is the reviewed plan's command (what a CI comment shows reviewers), not "run again with --apply".
    expect(result.stdout.trimEnd().split("\n").at(-1)).to.equal(`    ecr-cleanup apply ${path} --expect-sha256 ${sha256Of(path)}`);
  });

  it("a plan path with a space is printed as one shell word in both commands", async () => {
    seed();
    const path = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-sha-")), "my plan.json");
    const result = await runCli(["--config", writePolicyFile(POLICY), "--now", NOW, "--plan-out", path], awsEnv(emulator.endpoint));
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout.trimEnd().split("\n").at(-1)).to.equal(`    ecr-cleanup apply '${path}' --expect-sha256 ${sha256Of(path)}`);
    expect(result.stderr).to.include(`then: ecr-cleanup apply '${path}' --expect-sha256 ${sha256Of(path)}`);
  });

  it("applies the approved file (the hash in either case)", async () => {
    const byAge = seed();
    const { path } = await makePlan(writePolicyFile(POLICY));
    const { io, code } = await apply(path, "--expect-sha256", sha256Of(path).toUpperCase());
    expect(code, io.err).to.equal(0);
    expect(survivors().sort()).to.deep.equal([1, 2, 3, 4, 5, 6, 7].map((age) => byAge.get(age)!).sort());
  });

  it("a plan edited and resealed (now moved, a digest added) passes --config and deletes an image no reviewer saw; --expect-sha256 refuses it", async () => {
    const byAge = seed();
    const config = writePolicyFile(POLICY);
    const { path } = await makePlan(config);
    const approved = sha256Of(path);
    const plan: PlanFile = JSON.parse(readFileSync(path, "utf8"));
    const { checksum: _checksum, ...body } = plan;
    // Two hours later: the image 7 days old (less an hour) leaves the protected period; the plan is made to name it.
    body.now = new Date(Date.parse(NOW) + 2 * HOUR).toISOString();
    const seven = byAge.get(7)!;
    const repo = body.repositories.find((r) => r.repository === "app")!;
    expect(repo.images.map((i) => i.digest)).to.not.include(seven);
    const pushedAt = emulator.registry.image("app", seven)!.pushedAt.toISOString();
    repo.images.push({ ...repo.images[0], digest: seven, pushedAt });
    writeFileSync(path, JSON.stringify(sealPlan(body as PlanBody), null, 2));
    const before = survivors();

    const refused = await apply(path, "--config", config, "--expect-sha256", approved);
    expect(refused.code).to.equal(2);
    expect(refused.io.out).to.equal("");
    expect(refused.io.err).to.include(`${path}: refused, nothing was done: its SHA-256 is ${sha256Of(path)}, not ${approved} (--expect-sha256)`);
    expect(survivors()).to.deep.equal(before);
    expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);

    // What --config alone does not catch: same policies, so the edited plan is applied.
    const accepted = await apply(path, "--config", config);
    expect(accepted.code, accepted.io.err).to.equal(0);
    expect(survivors()).to.not.include(seven);
  });

  it("refuses before reading anything in the file: a file that is not even a plan is refused for its hash", async () => {
    const path = writePolicyFile("not a plan", "plan.json");
    const { io, code } = await apply(path, "--expect-sha256", "0".repeat(64));
    expect(code).to.equal(2);
    expect(io.err).to.include(`its SHA-256 is ${sha256Of(path)}, not ${"0".repeat(64)}`);
  });

  for (const bad of ["abc", "g".repeat(64), "0".repeat(63), `sha256:${"0".repeat(64)}`]) {
    it(`--expect-sha256 ${bad.slice(0, 12)}… is a usage error (exit 2)`, async () => {
      const { io, code } = await apply(writePolicyFile("{}", "plan.json"), "--expect-sha256", bad);
      expect(code).to.equal(2);
      expect(io.err).to.include("--expect-sha256 must be a SHA-256 in hex");
    });
  }
});
