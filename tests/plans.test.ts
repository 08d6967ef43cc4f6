/**
 * Plans end to end against the emulator: `--plan-out` writes a plan, `ecr-cleanup apply` acts only on what both the
 * plan and a fresh plan act on, and refuses (exit 2, nothing deleted, stdout empty) every plan it must not apply.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
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
/** When the plan is made (the io clock): `now` may be earlier than the clock. */
const MADE = new Date("2026-01-01T06:00:00.000Z");
const ACCOUNT = "123456789012";
const daysBefore = (days: number) => new Date(Date.parse(NOW) - days * DAY);
const later = (ms: number) => new Date(MADE.getTime() + ms);

const RELEASES = `
- name: releases
  protected_period: 10
  protected_count: 3
  significant_tags: [prod, dev]
`;

interface Captured extends CliIo {
  out: string;
  err: string;
}

function capture(clock: Date): Captured {
  const io: Captured = {
    out: "",
    err: "",
    stderrIsTty: false,
    clock: () => clock,
    stdout: (text) => void (io.out += text),
    stderr: (text) => void (io.err += text),
  };
  return io;
}

const tempPath = (name: string) => join(mkdtempSync(join(tmpdir(), "ecr-cleanup-plan-")), name);

describe("plans: --plan-out and ecr-cleanup apply", () => {
  let emulator: EcrEmulator;
  const saved = { ...process.env };
  emulatorPerTest((em) => {
    emulator = em;
    Object.assign(process.env, awsEnv(em.endpoint));
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  /** `count` images, one a day going back from day 1 (newest first); `tagged` maps an age in days to its tags. */
  function seedDaily(repo: string, count: number, tagged: Record<number, string[]> = {}): string[] {
    emulator.registry.createRepository(repo);
    const digests: string[] = [];
    for (let age = count; age >= 1; age--) digests.push(emulator.registry.putImage(repo, { tags: tagged[age] ?? [], pushedAt: daysBefore(age) }).digest);
    return digests.reverse();
  }
  /** Digest of the image pushed `age` days before NOW. */
  const day = (digests: string[], age: number) => digests[age - 1];
  const survivors = (repo: string) => emulator.registry.images(repo).map((i) => i.digest).sort();
  const deleteCalls = () => emulator.calls.BatchDeleteImage ?? 0;

  async function makePlan(config: string, options: { clock?: Date; now?: string } = {}): Promise<{ path: string; io: Captured; code: number }> {
    const path = tempPath("plan.json");
    const io = capture(options.clock ?? MADE);
    const code = await main(["--config", config, "--now", options.now ?? NOW, "--plan-out", path, "--output", "json"], io);
    return { path, io, code };
  }

  async function apply(path: string, options: { clock?: Date; args?: string[] } = {}): Promise<{ io: Captured; code: number; report: any }> {
    const io = capture(options.clock ?? later(HOUR));
    const code = await main(["apply", path, "--output", "json", ...(options.args ?? [])], io);
    return { io, code, report: io.out ? JSON.parse(io.out) : undefined };
  }

  const readPlanJson = (path: string): PlanFile => JSON.parse(readFileSync(path, "utf8"));
  function rewrite(path: string, edit: (plan: PlanFile) => unknown, reseal: boolean): void {
    const edited = edit(readPlanJson(path)) as PlanFile;
    const { checksum: _checksum, ...body } = edited;
    writeFileSync(path, JSON.stringify(reseal ? sealPlan(body as PlanBody) : edited, null, 2));
  }
  const repoOf = (report: any, name: string) => report.repositories.find((r: any) => r.repository === name);
  const whyNot = (report: any, name: string) =>
    Object.fromEntries((repoOf(report, name).notActedOn ?? []).map((m: any) => [m.digest, m.why]));

  /** Runs a task in cluster prod that uses `digest` of hello_world. */
  function useImage(digest: string, family = "web"): void {
    if (!emulator.ecs.clusters().some((c) => c.name === "prod")) emulator.ecs.createCluster("prod");
    const definition = emulator.ecs.registerTaskDefinition(family, [{ name: "app", image: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/hello_world@${digest}` }]);
    emulator.ecs.runTask("prod", { taskDefinitionArn: definition });
  }

  describe("the plan file", () => {
    it("holds the format version, times, registry, the policies with their fingerprint, the images to act on and the channel positions, and a checksum", async () => {
      // Days 1..40, dev on day 2, prod on day 20: kept days 1..30, deleted days 31..40.
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const config = writePolicyFile(RELEASES);
      const { path, io, code } = await makePlan(config);
      expect(code, io.err).to.equal(0);
      expect(deleteCalls()).to.equal(0);
      // The hint names --config too: apply then refuses the plan if the policies changed since.
      expect(io.err).to.match(new RegExp(`plan written to ${path} \\(10 images in 1 repository\\), sha256 [0-9a-f]{64}; review it, then: ecr-cleanup apply ${path} --expect-sha256 [0-9a-f]{64} --config ${config}\n`));
      const plan = readPlanJson(path);
      expect(Object.keys(plan)).to.deep.equal(["format", "version", "createdAt", "registry", "now", "config", "repositories", "checksum"]);
      expect(plan).to.include({ format: "ecr-cleanup-plan", version: 1, createdAt: MADE.toISOString(), now: NOW });
      expect(plan.registry).to.deep.equal({ account: ACCOUNT, region: "us-east-1" });
      expect(plan.config.source).to.equal(config);
      expect(plan.config.fingerprint).to.match(/^[0-9a-f]{64}$/);
      expect(plan.config.document).to.deep.equal([
        { name: "releases", protected_period: 10, protected_count: 3, significant_tags: ["prod", "dev"] },
      ]);
      expect(plan.checksum).to.match(/^sha256:[0-9a-f]{64}$/);
      expect(plan.repositories).to.have.length(1);
      const [repo] = plan.repositories;
      expect(repo.repository).to.equal("hello_world");
      expect(repo.channels).to.deep.equal([
        { policy: "releases", entry: "prod", at: { digest: day(digests, 20), pushedAt: daysBefore(20).toISOString() } },
        { policy: "releases", entry: "dev", at: { digest: day(digests, 2), pushedAt: daysBefore(2).toISOString() } },
      ]);
      expect(repo.taggedMembers).to.deep.equal([]);
      expect(repo.images).to.deep.equal(
        [31, 32, 33, 34, 35, 36, 37, 38, 39, 40].map((age) => ({ digest: day(digests, age), tags: [], pushedAt: daysBefore(age).toISOString(), action: "delete" })),
      );
      // The report on stdout is the dry run's, as without --plan-out.
      expect(JSON.parse(io.out).summary.toDelete).to.equal(10);
    });

    it("is not written with --apply, and a plan left from an earlier run is removed when no plan can be written", async () => {
      const config = writePolicyFile(RELEASES);
      const io = capture(MADE);
      expect(await main(["--config", config, "--apply", "--plan-out", tempPath("p.json")], io)).to.equal(2);
      expect(io.err).to.include("--plan-out writes a dry run's plan: leave out --apply");
      expect(io.out).to.equal("");

      // An empty registry: its account cannot be told from repository ARNs, so no plan binds to it.
      const path = tempPath("plan.json");
      writeFileSync(path, "an old plan");
      const empty = capture(MADE);
      expect(await main(["--config", config, "--now", NOW, "--plan-out", path], empty)).to.equal(1);
      expect(empty.err).to.include(`no plan was written to ${path}: the registry's account and region cannot be determined`);
      expect(() => readFileSync(path)).to.throw(/ENOENT/);
    });
  });

  it("refuses a --plan-out that is the --config file, by its path or through a link, and leaves the policy file as it was", async () => {
    seedDaily("hello_world", 3);
    const config = writePolicyFile(RELEASES);
    const linked = `${config}.link`;
    symlinkSync(config, linked);
    for (const [planOut, title] of [[config, "the same path"], [`${dirname(config)}/./${basename(config)}`, "another spelling"], [linked, "a link"]]) {
      const io = capture(MADE);
      expect(await main(["--config", config, "--now", NOW, "--plan-out", planOut], io), title).to.equal(2);
      expect(io.err, title).to.include("is the policy file that --config reads: the plan would replace it");
      expect(io.out, title).to.equal("");
      expect(readFileSync(config, "utf8"), title).to.equal(RELEASES);
    }
    expect(emulator.calls.DescribeRepositories ?? 0).to.equal(0);
  });

  describe("refusals: exit 2, nothing deleted, nothing on stdout", () => {
    type Case = {
      what: string;
      /** Edits the written plan (resealed: with a checksum that matches again). */
      edit?: { change: (plan: any) => unknown; reseal: boolean };
      text?: (plan: string, dryRunJson: string) => string;
      clock?: Date;
      args?: (dir: string) => string[];
      env?: NodeJS.ProcessEnv;
      planNow?: string;
      reason: string;
    };
    const cases: Case[] = [
      { what: "a file that does not exist", text: () => "", reason: "it cannot be read (ENOENT" },
      { what: "a file that is not JSON", text: () => "plan: yes\n", reason: "it is not a plan: not JSON" },
      { what: "the dry run's JSON report instead of its plan", text: (_plan, report) => report, reason: 'it is not a plan: it has no "format": "ecr-cleanup-plan"' },
      { what: "an unknown format version", edit: { change: (p) => ({ ...p, version: 2 }), reseal: false }, reason: "its format version 2 is unknown to this ecr-cleanup, which reads version 1" },
      { what: "a plan without a checksum", edit: { change: ({ checksum: _c, ...p }) => p, reseal: false }, reason: "it has no checksum" },
      {
        what: "an image added after the plan was written",
        edit: { change: (p) => (p.repositories[0].images.push({ ...p.repositories[0].images[0], digest: `sha256:${"e".repeat(64)}` }), p), reseal: false },
        reason: "its checksum does not match its contents: the file was changed after it was written",
      },
      { what: "an unknown field", edit: { change: (p) => ({ ...p, force: true }), reseal: true }, reason: "it is not a valid plan: (the whole value): unexpected field(s) force" },
      { what: "an action that is empty", edit: { change: (p) => ((p.repositories[0].images[0].action = ""), p), reseal: true }, reason: "it is not a valid plan: repositories.0.images.0.action" },
      {
        what: "a repository listed twice",
        edit: { change: (p) => ((p.repositories = [p.repositories[0], p.repositories[0]]), p), reseal: true },
        reason: "it is not a valid plan: repository hello_world is listed twice",
      },
      {
        what: "policies that do not validate",
        edit: { change: (p) => ((p.config.document[0].protected_count = -1), p), reseal: true },
        reason: 'its policies do not validate:\n', // then the file, the policy and the field
      },
      {
        what: "policies other than its fingerprint's",
        edit: { change: (p) => ((p.config.document[0].protected_count = 0), p), reseal: true },
        reason: "its fingerprint is not that of the policies and settings it carries",
      },
      {
        what: "a plan for another account",
        edit: { change: (p) => ((p.registry.account = "999999999999"), p), reseal: true },
        reason: `it is for account 999999999999, and these credentials list the registry of account ${ACCOUNT}`,
      },
      { what: "a plan for another region", env: { AWS_REGION: "eu-west-1" }, reason: "it is for region us-east-1, and the AWS configuration names region eu-west-1" },
      { what: "a plan made 25 hours ago", clock: later(25 * HOUR), reason: `it was made at ${MADE.toISOString()}, 25 h ago, longer ago than --max-age 24h` },
      { what: "a plan older than --max-age 90m", clock: later(2 * HOUR), args: () => ["--max-age", "90m"], reason: "2 h ago, longer ago than --max-age 90m" },
      { what: "a plan made later than the clock", clock: later(-HOUR), reason: `it was made at ${MADE.toISOString()}, later than the clock` },
      {
        what: "a plan whose now is later than the clock",
        planNow: later(2 * HOUR).toISOString(),
        clock: later(HOUR),
        reason: `its now (${later(2 * HOUR).toISOString()}) is later than the clock (${later(HOUR).toISOString()})`,
      },
      {
        what: "--config with other policies",
        args: () => ["--config", writePolicyFile(RELEASES.replace("protected_count: 3", "protected_count: 2"))],
        reason: "are not those of ",
      },
    ];

    for (const c of cases) {
      it(`refuses ${c.what}`, async () => {
        seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
        const before = survivors("hello_world");
        const made = await makePlan(writePolicyFile(RELEASES), { now: c.planNow });
        expect(made.code, made.io.err).to.equal(0);
        let path = made.path;
        if (c.text) {
          path = tempPath("edited.json");
          const text = c.text(readFileSync(made.path, "utf8"), made.io.out);
          if (text) writeFileSync(path, text);
        }
        if (c.edit) rewrite(path, c.edit.change, c.edit.reseal);
        Object.assign(process.env, c.env ?? {});
        const { io, code } = await apply(path, { clock: c.clock, args: c.args?.("") });
        expect(code, io.err).to.equal(2);
        expect(io.out).to.equal("");
        expect(io.err).to.include(`ecr-cleanup: ${path}: refused, nothing was done: `);
        expect(io.err).to.include(c.reason);
        expect(deleteCalls()).to.equal(0);
        expect(survivors("hello_world")).to.deep.equal(before);
      });
    }

    it("names the policy and field of the plan's own policies that do not validate", async () => {
      seedDaily("hello_world", 5, { 2: ["prod"] });
      const { path } = await makePlan(writePolicyFile(RELEASES));
      rewrite(path, (p: any) => ((p.config.document[0].protected_count = -1), p), true);
      const { io } = await apply(path);
      expect(io.err).to.include(`${path} (the policies of `);
      expect(io.err).to.include('policy #1 "releases", field protected_count: must be a whole number >= 0; got -1');
    });

    it("applies with --config naming the same policies written differently (the fingerprint is of the validated policies)", async () => {
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const { path } = await makePlan(writePolicyFile(RELEASES));
      const same = writePolicyFile(`# the same, reformatted\npolicies:\n  - {name: releases, protected_period: 10d, protected_count: 3, significant_tags: [prod, dev]}\n`);
      const { code, io } = await apply(path, { args: ["--config", same] });
      expect(code, io.err).to.equal(0);
      expect(survivors("hello_world")).to.deep.equal(digests.slice(0, 30).sort());
    });

    const usage: [string, string[], string][] = [
      ["no plan file", [], "apply needs the plan file"],
      ["two plan files", ["a.json", "b.json"], "apply takes one plan file, not 2"],
      ["a bad --max-age", ["p.json", "--max-age", "soon"], "--max-age must be a duration such as 24h or 2d"],
      ["--now (the plan's own now decides)", ["p.json", "--now", NOW], "Unknown option --now: apply uses the plan's own now"],
      ["--output html", ["p.json", "--output", "html"], "--output must be table or json, not html"],
    ];
    for (const [what, args, message] of usage) {
      it(`exits 2 on ${what}, with apply's usage`, async () => {
        const io = capture(MADE);
        expect(await main(["apply", ...args], io)).to.equal(2);
        expect(io.err).to.include(message);
        expect(io.err).to.include("Usage: ecr-cleanup apply PLAN");
        expect(io.out).to.equal("");
      });
    }
  });

  describe("applying", () => {
    it("an archive policy's plan: apply archives what both plans archive, and lists none of them as not acted on", async () => {
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const config = writePolicyFile(`${RELEASES}  action: archive\n`);
      const { path, code } = await makePlan(config);
      expect(code).to.equal(0);
      const { report, code: applied, io } = await apply(path);
      expect(applied, io.err).to.equal(0);
      const old = digests.slice(30);
      expect(old.map((d) => emulator.registry.image("hello_world", d)?.status)).to.deep.equal(old.map(() => "ARCHIVED"));
      expect(repoOf(report, "hello_world")).to.include({ archived: 10 });
      expect(whyNot(report, "hello_world")).to.deep.equal({});
    });

    it("deletes exactly what both plans delete: an image retagged, newly in use or gone since the plan stays, and so does one only the fresh plan deletes", async () => {
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      useImage(day(digests, 35), "old");
      const { path, code } = await makePlan(writePolicyFile(RELEASES));
      expect(code).to.equal(0);
      expect(readPlanJson(path).repositories[0].images.map((i) => i.digest)).to.not.include(day(digests, 35));

      // Between plan and apply: 31 gains a tag, 32 comes into use, 33 is deleted by someone else, 35 goes out of use.
      emulator.registry.tag("hello_world", "hotfix", day(digests, 31));
      emulator.ecs.clear();
      useImage(day(digests, 32));
      emulator.registry.removeImage("hello_world", day(digests, 33));

      const { code: applied, report, io } = await apply(path);
      expect(applied, io.err).to.equal(0);
      const expectedGone = [33, 34, 36, 37, 38, 39, 40].map((age) => day(digests, age));
      expect(survivors("hello_world")).to.deep.equal(digests.filter((d) => !expectedGone.includes(d)).sort());
      expect(whyNot(report, "hello_world")).to.deep.equal({
        [day(digests, 31)]: "retagged",
        [day(digests, 32)]: "in-use:ecs-task",
        [day(digests, 33)]: "vanished",
      });
      const lines = repoOf(report, "hello_world").images;
      expect(lines.find((l: any) => l.digest === day(digests, 35))).to.include({ action: "keep", reason: "not-in-plan", keptBySafety: true });
      expect(lines.find((l: any) => l.digest === day(digests, 31))).to.include({ action: "keep", reason: "changed-since-plan" });
      expect(report.summary.deleted).to.equal(6);
      expect(report.plan).to.deep.include({ file: path, createdAt: MADE.toISOString(), repositoriesNotFound: [] });
      expect(report.now).to.equal(NOW);
    });

    it("applied twice, deletes nothing more the second time", async () => {
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const { path } = await makePlan(writePolicyFile(RELEASES));
      expect((await apply(path)).code).to.equal(0);
      expect(survivors("hello_world")).to.deep.equal(digests.slice(0, 30).sort());
      const calls = deleteCalls();
      const again = await apply(path, { clock: later(2 * HOUR) });
      expect(again.code, again.io.err).to.equal(0);
      expect(deleteCalls()).to.equal(calls);
      expect(survivors("hello_world")).to.deep.equal(digests.slice(0, 30).sort());
      expect(Object.values(whyNot(again.report, "hello_world"))).to.deep.equal(new Array(10).fill("vanished"));
    });

    it("acts on nothing in a repository whose channel rolled back since the plan, and still on the others", async () => {
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const others = seedDaily("other", 40, { 2: ["dev"], 20: ["prod"] });
      const { path } = await makePlan(writePolicyFile(RELEASES));
      emulator.registry.retag("hello_world", "prod", day(digests, 25));

      const { code, report, io } = await apply(path, { args: [] });
      expect(code, io.err).to.equal(0);
      expect(survivors("hello_world")).to.deep.equal([...digests].sort());
      expect(survivors("other")).to.deep.equal(others.slice(0, 30).sort());
      const repo = repoOf(report, "hello_world");
      expect(repo.notes.join("\n")).to.include(`channel prod of policy "releases" now stands at ${day(digests, 25)}`);
      expect(repo.notes.join("\n")).to.include("nothing in this repository is acted on (changed-since-plan)");
      expect(new Set(Object.values(whyNot(report, "hello_world")))).to.deep.equal(new Set(["window-changed"]));
      expect(repoOf(report, "other").notActedOn).to.equal(undefined);
    });

    it("acts on nothing in a repository whose anchor moved newer since the plan (the review was of another window)", async () => {
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const { path } = await makePlan(writePolicyFile(RELEASES));
      emulator.registry.retag("hello_world", "prod", day(digests, 10));
      const { code, report } = await apply(path);
      expect(code).to.equal(0);
      expect(survivors("hello_world")).to.deep.equal([...digests].sort());
      expect(repoOf(report, "hello_world").notes.join("\n")).to.include(`the anchor of policy "releases" is now ${day(digests, 10)}, the plan assumed ${day(digests, 20)}`);
    });

    it("still applies when a channel other than the anchor moved newer (the window is the same)", async () => {
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const { path } = await makePlan(writePolicyFile(RELEASES));
      emulator.registry.retag("hello_world", "dev", day(digests, 1));
      expect((await apply(path)).code).to.equal(0);
      expect(survivors("hello_world")).to.deep.equal(digests.slice(0, 30).sort());
    });

    it("reports a repository the plan names that is gone, and deletes nothing in a repository the plan does not name", async () => {
      seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const { path } = await makePlan(writePolicyFile(RELEASES));
      emulator.registry.deleteRepository("hello_world");
      const newcomer = seedDaily("other", 40, { 2: ["dev"], 20: ["prod"] });
      const { code, report, io } = await apply(path);
      expect(code, io.err).to.equal(0);
      expect(survivors("other")).to.deep.equal([...newcomer].sort());
      expect(report.plan.repositoriesNotFound).to.deep.equal(["hello_world"]);
      expect(io.err).to.include(`${path} names repository hello_world, which is not governed now (deleted since the plan?): its 10 planned image(s) were not acted on`);
      expect(repoOf(report, "other").kept["not-in-plan"]).to.equal(10);
    });

    /** An old multi-arch image: two platform manifests and the index listing them, 50 days old. */
    function seedUnit(): { index: string; children: string[] } {
      const children = [0, 1].map(() => emulator.registry.putImage("hello_world", { pushedAt: daysBefore(50) }).digest);
      const index = emulator.registry.putImage("hello_world", { pushedAt: daysBefore(50), children }).digest;
      return { index, children };
    }

    it("deletes a planned multi-arch image whole, index first", async () => {
      seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const unit = seedUnit();
      const { path } = await makePlan(writePolicyFile(RELEASES));
      expect(readPlanJson(path).repositories[0].images.map((i) => i.digest)).to.include.members([unit.index, ...unit.children]);
      const { code, io } = await apply(path);
      expect(code, io.err).to.equal(0);
      for (const digest of [unit.index, ...unit.children]) expect(survivors("hello_world")).to.not.include(digest);
    });

    it("keeps the platform manifests of an index the plan does not name, even when the plan names them (a resealed plan)", async () => {
      seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const unit = seedUnit();
      const { path } = await makePlan(writePolicyFile(RELEASES));
      rewrite(path, (p: any) => ((p.repositories[0].images = p.repositories[0].images.filter((i: any) => i.digest !== unit.index)), p), true);
      const { code, report, io } = await apply(path);
      expect(code, io.err).to.equal(0);
      expect(survivors("hello_world")).to.include.members([unit.index, ...unit.children]);
      expect(whyNot(report, "hello_world")).to.deep.equal({ [unit.children[0]]: "member-of-kept", [unit.children[1]]: "member-of-kept" });
      expect(repoOf(report, "hello_world").images.find((l: any) => l.digest === unit.index)).to.include({ action: "keep", reason: "not-in-plan" });
    });

    it("works through the real bin, table output included, with the plan made and applied by child processes", async () => {
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const config = writePolicyFile(RELEASES);
      const path = tempPath("plan.json");
      const env = awsEnv(emulator.endpoint);
      const dry = await runCli(["--config", config, "--plan-out", path, "--now", NOW], env);
      expect(dry.code, dry.stderr).to.equal(0);
      emulator.registry.tag("hello_world", "hotfix", day(digests, 31));
      const applied = await runCli(["apply", path, "--config", config], env);
      expect(applied.code, applied.stderr).to.equal(0);
      expect(survivors("hello_world")).to.deep.equal([...digests.slice(0, 31)].sort());
      expect(applied.stdout).to.include(`Plan ${path} (made `);
      expect(applied.stdout).to.match(/hello_world: 1 named in the plan, not acted on/);
      expect(applied.stdout).to.match(/  -\s+delete\s+retagged\s+now tagged \[hotfix\]/);
    });
  });

  describe("under attack (review): edited files, an unknown registry, the terminal", () => {
    it("refuses a plan where the registry's account cannot be told, even when the run has other errors (in-use sources off)", async () => {
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      // Every in-use source off, and a policy naming a repository that does not exist (an error of the run, not a refusal).
      const made = await makePlan(writePolicyFile(`
policies:
  - {name: releases, protected_period: 10, protected_count: 3, significant_tags: [prod, dev], repositories: [hello_world, gone_repo]}
settings:
  in_use: {ecs: false, lambda: false}
`));
      expect(made.io.err).to.include("plan written to");
      // The listing's ARNs no longer tell one account: this registry cannot be confirmed to be the plan's.
      seedDaily("other", 1);
      Object.assign(emulator.registry.repository("other")!, { arn: "arn:aws:ecr:us-east-1:999999999999:repository/other" });

      const { io, code } = await apply(made.path);
      expect(code, io.err).to.equal(2);
      expect(io.out).to.equal("");
      expect(io.err).to.include(`${made.path}: refused, nothing was done: the registry's account cannot be determined`);
      expect(deleteCalls()).to.equal(0);
      expect(survivors("hello_world")).to.deep.equal([...digests].sort());
    });

    it("warns, without --config, that the plan's own policies and settings decide (an edited file could carry others)", async () => {
      seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const unchecked = await apply((await makePlan(writePolicyFile(RELEASES))).path);
      expect(unchecked.code, unchecked.io.err).to.equal(0);
      expect(unchecked.io.err).to.include("warning: the policies and settings of ");
      expect(unchecked.io.err).to.include(" were not compared with a policy file: pass --config");

      const config = writePolicyFile(RELEASES);
      const checked = await apply((await makePlan(config)).path, { args: ["--config", config] });
      expect(checked.code, checked.io.err).to.equal(0);
      expect(checked.io.err).to.not.include("were not compared with a policy file");
    });

    it("shows the action an edited plan names with its control characters escaped in the table", async () => {
      seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      const { path } = await makePlan(writePolicyFile(RELEASES));
      rewrite(path, (p: any) => ((p.repositories[0].images[0].action = "delete\u001b[2J\u001b[31m"), p), true);
      const io = capture(later(HOUR));
      expect(await main(["apply", path], io), io.err).to.equal(0);
      expect(io.out).to.not.include("\u001b");
      expect(io.out).to.include("delete\\x1b[2J\\x1b[31m");
    });

    it("deletes nothing more for an edited, earlier now: an older now only widens what untagged mode keeps", async () => {
      const digests = seedDaily("hello_world", 40);
      const { path } = await makePlan(writePolicyFile("- {name: flush, protected_period: 10, protected_count: 3, significant_tags: '*'}\n"));
      expect(readPlanJson(path).repositories[0].images.map((i) => i.digest)).to.deep.equal(digests.slice(10));
      // Set back 15 days (still before the clock): the period then keeps what was pushed no earlier than 25 days ago.
      rewrite(path, (p: any) => ((p.now = daysBefore(15).toISOString()), p), true);
      const { io, code, report } = await apply(path);
      expect(code, io.err).to.equal(0);
      expect(survivors("hello_world")).to.deep.equal(digests.slice(0, 25).sort());
      expect(Object.values(whyNot(report, "hello_world"))).to.deep.equal(new Array(15).fill("period"));
    });

    it("applies in a repository whose expired archived image carries a significant tag (channels stand at active images only)", async () => {
      const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
      // An old release candidate, archived 200 days ago: settings.archive.delete_after 90d expires it.
      const rc = emulator.registry.putImage("hello_world", { tags: ["rc"], pushedAt: daysBefore(300), status: "ARCHIVED", lastArchivedAt: daysBefore(200) }).digest;
      const { path } = await makePlan(writePolicyFile(`
policies:
  - {name: releases, protected_period: 10, protected_count: 3, significant_tags: [prod, dev, rc]}
settings:
  archive: {delete_after: 90d}
`));
      expect(readPlanJson(path).repositories[0].images.map((i) => i.digest)).to.have.members([...digests.slice(30), rc]);
      const { code, report, io } = await apply(path);
      expect(code, io.err).to.equal(0);
      expect(repoOf(report, "hello_world").notes ?? []).to.deep.equal([]);
      expect(survivors("hello_world")).to.deep.equal(digests.slice(0, 30).sort());
    });
  });
});
