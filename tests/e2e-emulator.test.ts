/**
 * The CLI end to end, through the real SDK, against the project's ECR emulator: the cases moto cannot
 * set up (push dates, more than one page, partial failures, an image retagged between plan and delete).
 */
import { expect } from "chai";
import { dirname, join } from "node:path";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { runCli, writePolicyFile } from "./support/cli";
import { awsEnv } from "./support/aws-env";

const DAY = 86_400_000;
const NOW = "2026-01-01T00:00:00.000Z";
const daysBefore = (days: number) => new Date(Date.parse(NOW) - days * DAY);

interface JsonImage {
  digest: string;
  action: string;
  reason: string;
  outcome?: string;
}

describe("the CLI end to end against the emulator", () => {
  let emulator: EcrEmulator;

  beforeEach(async () => {
    emulator = await startEcrEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const run = (config: string, ...extra: string[]) =>
    runCli(["--config", config, "--now", NOW, "--output", "json", ...extra], awsEnv(emulator.endpoint));

  /** `count` images, one a day going back from `newestDaysAgo`; `tagged` maps an age in days to its tags. */
  function seedDaily(repo: string, count: number, tagged: Record<number, string[]> = {}, newestDaysAgo = 1): string[] {
    emulator.registry.createRepository(repo);
    const digests: string[] = [];
    for (let i = count - 1; i >= 0; i--) {
      const age = newestDaysAgo + i;
      digests.push(emulator.registry.putImage(repo, { tags: tagged[age] ?? [], pushedAt: daysBefore(age) }).digest);
    }
    return digests.reverse(); // newest first
  }

  const survivors = (repo: string) => emulator.registry.images(repo).map((i) => i.digest).sort();
  const planned = (report: { repositories: { repository: string; images: JsonImage[] }[] }, repo: string) =>
    report.repositories.find((r) => r.repository === repo)!.images.filter((i) => i.action === "delete").map((i) => i.digest).sort();

  const releasePolicy = (extra = "") =>
    writePolicyFile(`
- name: releases
  protected_period: 10
  protected_count: 3
  significant_tags: [prod, dev]
  repositories: [hello_world]
${extra}`);

  it("a dry run makes no delete call; --apply deletes exactly what the dry run showed", async () => {
    // Newest first: days 1..40; dev on day 2, prod on day 20. Kept: days 1..20, 10 days before prod (21..30), at least 3.
    const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
    const config = releasePolicy();

    const dry = await run(config);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
    const plan = JSON.parse(dry.stdout);
    expect(planned(plan, "hello_world")).to.deep.equal(digests.slice(30).sort());
    expect(plan.repositories[0].modes).to.deep.equal([
      {
        policy: "releases",
        mode: "anchor",
        anchor: { digest: digests[19], tags: ["prod"], pushedAt: daysBefore(20).toISOString(), protectedFrom: daysBefore(30).toISOString() },
        // In the policy's order of significant_tags.
        channels: [
          { entry: "prod", digest: digests[19], pushedAt: daysBefore(20).toISOString() },
          { entry: "dev", digest: digests[1], pushedAt: daysBefore(2).toISOString() },
        ],
        keep: { "newer-than-anchor": 19, anchor: 1, period: 10 },
        delete: { "beyond-window": 10 },
      },
    ]);

    const applied = await run(config, "--apply");
    expect(applied.code, applied.stderr).to.equal(0);
    expect(survivors("hello_world")).to.deep.equal(digests.slice(0, 30).sort());
    const report = JSON.parse(applied.stdout);
    expect(report.summary).to.include({ toDelete: 10, deleted: 10, failures: 0 });
    expect(planned(report, "hello_world")).to.deep.equal(digests.slice(30).sort());
  });

  it("pages through more than 1000 images and deletes in calls of at most 100 digests", async () => {
    emulator.registry.createRepository("big");
    for (let i = 0; i < 2500; i++) {
      emulator.registry.putImage("big", { pushedAt: new Date(Date.parse(NOW) - (i + 1) * 60_000) });
    }
    const config = writePolicyFile(`
- name: keep 1200
  protected_period: 0
  protected_count: 1200
  significant_tags: '*'
`);
    const result = await run(config, "--apply");
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout).summary).to.include({ imagesScanned: 2500, toDelete: 1300, deleted: 1300 });
    expect(emulator.registry.images("big")).to.have.length(1200);
    const deletes = emulator.faults.log.filter((r) => r.operation === "BatchDeleteImage");
    expect(deletes).to.have.length(13);
    for (const call of deletes) expect((call.input.imageIds as unknown[]).length).to.be.at.most(100);
    // Every id is a digest, never a tag.
    for (const call of deletes) for (const id of call.input.imageIds as { imageDigest?: string; imageTag?: string }[]) {
      expect(id).to.have.keys("imageDigest");
    }
    // Three listing pages of at most 1000, then per delete batch the cheaper re-check: describing the candidates and
    // listing the tagged images (2 calls) rather than listing all 2500 again (3 pages).
    expect(emulator.calls.DescribeImages).to.equal(3 + 13 * 2);
  });

  it("reports every failed delete by repository, digest and code, exits 1, and deletes the rest", async () => {
    const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
    const refused = digests.slice(32, 34);
    emulator.failDigests("hello_world", refused, "KmsError", "The KMS key is disabled");
    const result = await run(releasePolicy(), "--apply");
    expect(result.code).to.equal(1);
    const report = JSON.parse(result.stdout);
    expect(report.errors.map((e: { repository: string; digest: string; code: string }) => [e.repository, e.digest, e.code])).to.deep.equal(
      refused.map((d) => ["hello_world", d, "KmsError"]),
    );
    expect(report.summary).to.include({ toDelete: 10, deleted: 8, failures: 2 });
    expect(survivors("hello_world")).to.deep.equal([...digests.slice(0, 30), ...refused].sort());
    for (const digest of refused) expect(result.stderr).to.include(`hello_world: KmsError: ECR refused to delete ${digest}`);
  });

  it("keeps an image that was retagged between the plan and its delete call", async () => {
    const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
    const retagged = digests[35];
    // The first DescribeImages is the listing the plan is made from; the second is the re-check before the delete call.
    let describes = 0;
    emulator.beforeOperation("DescribeImages", () => {
      if (++describes === 2) emulator.registry.tag("hello_world", "hotfix", retagged);
    });
    const result = await run(releasePolicy(), "--apply");
    expect(result.code, result.stderr).to.equal(0);
    const report = JSON.parse(result.stdout);
    const line = report.repositories[0].images.find((i: JsonImage) => i.digest === retagged);
    expect(line).to.include({ action: "keep", reason: "changed-since-plan" });
    expect(report.summary.keptBySafety).to.deep.equal({ "changed-since-plan": 1 });
    // Planned by the policies, withheld by the re-check, and the rest deleted: nothing hidden.
    expect(report.summary).to.deep.include({ planned: 10, withheld: { "changed-since-plan": 1 }, toDelete: 9, deleted: 9 });
    expect(survivors("hello_world")).to.deep.equal([...digests.slice(0, 30), retagged].sort());
  });

  it("max_deletions skips the whole repository, reports it, exits 1, and still cleans the others", async () => {
    const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
    const other = seedDaily("other", 5);
    const config = writePolicyFile(`
- name: releases
  protected_period: 10
  protected_count: 3
  significant_tags: [prod, dev]
  repositories: [hello_world]
  max_deletions: 9
- name: others
  protected_period: 0
  protected_count: 2
  significant_tags: '*'
  repositories: [other]
`);
    const result = await run(config, "--apply");
    expect(result.code).to.equal(1);
    const report = JSON.parse(result.stdout);
    const repo = report.repositories.find((r: { repository: string }) => r.repository === "hello_world");
    expect(repo.capExceeded).to.deep.equal({ cap: 9, planned: 10 });
    expect(repo.images.filter((i: JsonImage) => i.reason === "cap-exceeded")).to.have.length(10);
    expect(report.summary).to.include({ repositoriesSkipped: 1, deleted: 3 });
    // `deleted: 3 of 3` does not hide the ten the cap withheld.
    expect(report.summary).to.deep.include({ planned: 13, withheld: { "cap-exceeded": 10 }, toDelete: 3 });
    expect(survivors("hello_world")).to.deep.equal([...digests].sort());
    expect(survivors("other")).to.deep.equal(other.slice(0, 2).sort());
    expect(result.stderr).to.include("more than max_deletions 9");
  });

  it("names significant tags that no image carries, and warns when none does (untagged mode)", async () => {
    seedDaily("hello_world", 10, { 2: ["prod"] });
    const config = writePolicyFile(`
- name: typo among channels
  protected_period: 1
  protected_count: 1
  significant_tags: [prod, prd]
  repositories: [hello_world]
- name: all typos
  protected_period: 1
  protected_count: 1
  significant_tags: [prd]
  repositories: [hello_world]
`);
    const result = await run(config);
    expect(result.code, result.stderr).to.equal(0);
    const modes = JSON.parse(result.stdout).repositories[0].modes;
    expect(modes.map((m: { policy: string; mode: string; unmatchedTags?: string[]; noSignificantTag?: boolean }) => [m.policy, m.mode, m.unmatchedTags, m.noSignificantTag])).to.deep.equal([
      ["all typos", "untagged", undefined, true],
      ["typo among channels", "anchor", ["prd"], undefined],
    ]);
    expect(result.stderr).to.include('hello_world: no image carries any significant tag of policy "all typos", so it runs in untagged mode');
  });

  it("refuses --apply with a --now later than the clock, before any AWS call (exit 2)", async () => {
    seedDaily("hello_world", 5);
    const result = await runCli(["--config", releasePolicy(), "--apply", "--now", "2999-01-01T00:00:00Z"], awsEnv(emulator.endpoint));
    expect(result.code).to.equal(2);
    expect(result.stdout).to.equal("");
    expect(Object.keys(emulator.calls)).to.deep.equal([]);
  });

  for (const command of [[], ["apply", "plan.json"], ["restore", "--repository", "hello_world", "--tag", "v1"]]) {
    it(`${command[0] ?? "a dry run"}: exits 2 with what to set when no credentials can be found, calling nothing`, async () => {
      const env = awsEnv(emulator.endpoint);
      delete env.AWS_ACCESS_KEY_ID;
      delete env.AWS_SECRET_ACCESS_KEY;
      const policies = releasePolicy();
      let args = command.length ? command : ["--config", policies];
      if (command[0] === "apply") {
        seedDaily("hello_world", 5);
        const plan = join(dirname(policies), "plan.json");
        expect((await runCli(["--config", policies, "--plan-out", plan], awsEnv(emulator.endpoint))).code).to.equal(0);
        args = ["apply", plan];
      }
      const before = JSON.stringify(emulator.calls);
      const result = await runCli(args, { ...env, AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" });
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stdout).to.equal("");
      expect(result.stderr).to.match(/^ecr-cleanup( apply| restore)?: /).and.include("no AWS credentials: set AWS_PROFILE (after `aws sso login` for an SSO profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
      expect(JSON.stringify(emulator.calls)).to.equal(before);
    });
  }

  it("exits 2 when no region is configured", async () => {
    const env = awsEnv(emulator.endpoint);
    delete env.AWS_REGION;
    const result = await runCli(["--config", releasePolicy()], { ...env, AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent" });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include("no AWS region");
    expect(Object.keys(emulator.calls)).to.deep.equal([]);
  });

  it("prints a table per repository with its mode, anchor, every deletion and a summary", async () => {
    const digests = seedDaily("hello_world", 40, { 2: ["dev"], 20: ["prod"] });
    const result = await runCli(["--config", releasePolicy(), "--now", NOW], { ...awsEnv(emulator.endpoint), COLUMNS: "160" });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include("\n  #1  releases\n");
    expect(result.stdout).to.include(
      `\n      anchor mode: anchor ${digests[19].slice(7, 19)} [prod] pushed 2025-12-12 00:00, protects back to 2025-12-02 00:00\n`,
    );
    expect(result.stdout).to.include("\n      alone it would keep newer-than-anchor 19, anchor 1, period 10; delete beyond-window 10\n");
    for (const digest of digests.slice(30)) expect(result.stdout).to.match(new RegExp(`${digest.slice(7, 19)} .* DELETE +beyond-window +#1\n`));
    expect(result.stdout).to.include("result: 40 images, 30 kept (newer-than-anchor 19, anchor 1, period 10), 10 to delete");
    expect(result.stdout).to.include("Dry run: nothing was deleted.");
  });
});
