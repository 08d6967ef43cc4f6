/**
 * `ecr-cleanup doctor` checks each significant_tags entry of each policy against every repository the policy
 * governs: an entry no image carries anywhere (`prd` for `prod`) moves the anchor to the oldest of the other
 * channels, so the run deletes what that channel stood for; doctor fails it (exit 1), naming the policy, the entry
 * and the tag it probably meant. An entry carried in some repositories and not others is ok.
 */
import { expect } from "chai";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";

interface Check {
  check: string;
  target: string;
  status: "ok" | "fail" | "warn";
  detail: string;
  remedy?: string;
}

const OTHERS = "fix the typo, or remove the entry: as written, the anchor is the oldest of the other channels";
const NONE = "fix the typo, or remove the entry: as written, no entry is carried, so the policy runs in untagged mode";

function policyFile(significantTags: string, repositories = "['hello_*']"): string {
  return writePolicyFile(`
policies:
  - name: releases
    repositories: ${repositories}
    significant_tags: ${significantTags}
    protected_period: 30d
    protected_count: 3
settings:
  in_use: { ecs: false, lambda: false, eks: false, app_runner: false, batch: false }
`);
}

describe("ecr-cleanup doctor: each significant_tags entry (CLI against the emulator)", function () {
  this.timeout(60_000);
  let emulator: EcrEmulator;

  beforeEach(async () => {
    emulator = await startEcrEmulator();
    emulator.pullTimeUpdateExclusions.add("test");
    emulator.registry.createRepository("hello_world");
    emulator.registry.createRepository("hello_moon");
    for (const tags of [["dev", "abc123"], ["rc"], ["prod"], ["latest"], ["v1.2.0"]]) emulator.registry.putImage("hello_world", { tags });
    emulator.registry.putImage("hello_moon", { tags: ["dev"] });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  async function doctor(config: string) {
    const result = await runCli(["doctor", "--config", config, "--output", "json"], awsEnv(emulator.endpoint));
    expect(result.stderr).to.equal("");
    const document = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
    return { code: result.code, checks: document.checks.filter((c) => c.check === "significant-tag") };
  }

  // [title, significant_tags, policy's repositories, exit code, the significant-tag checks: status target detail, remedy]
  const cases: [string, string, string, number, [string, string?][]][] = [
    ["every entry carried", "[dev, rc, prod, latest]", "['hello_*']", 0, [
      ["ok dev: policy 1 (releases): carried in 2 of the 2 repositories it governs"],
      ["ok rc: policy 1 (releases): carried in 1 of the 2 repositories it governs"],
      ["ok prod: policy 1 (releases): carried in 1 of the 2 repositories it governs"],
      ["ok latest: policy 1 (releases): carried in 1 of the 2 repositories it governs"],
    ]],
    ["a typo in one channel: fails, with the tag it probably meant", "[dev, rc, prd, latest]", "['hello_*']", 1, [
      ["ok dev: policy 1 (releases): carried in 2 of the 2 repositories it governs"],
      ["ok rc: policy 1 (releases): carried in 1 of the 2 repositories it governs"],
      ["fail prd: policy 1 (releases): no image in the 2 repositories it governs carries significant tag prd; did you mean prod?", OTHERS],
      ["ok latest: policy 1 (releases): carried in 1 of the 2 repositories it governs"],
    ]],
    ["a swapped pair of letters", "[dev, rc, prdo]", "[hello_world]", 1, [
      ["ok dev: policy 1 (releases): carried in hello_world"],
      ["ok rc: policy 1 (releases): carried in hello_world"],
      ["fail prdo: policy 1 (releases): no image in hello_world carries significant tag prdo; did you mean prod?", OTHERS],
    ]],
    ["nothing close: fails without a suggestion", "[dev, staging]", "['hello_*']", 1, [
      ["ok dev: policy 1 (releases): carried in 2 of the 2 repositories it governs"],
      ["fail staging: policy 1 (releases): no image in the 2 repositories it governs carries significant tag staging", OTHERS],
    ]],
    ["a tag another entry already matches is not suggested", "[dev, devv]", "[hello_world]", 1, [
      ["ok dev: policy 1 (releases): carried in hello_world"],
      ["fail devv: policy 1 (releases): no image in hello_world carries significant tag devv", OTHERS],
    ]],
    ["a glob that matches no tag", "[dev, 'release-*']", "['hello_*']", 1, [
      ["ok dev: policy 1 (releases): carried in 2 of the 2 repositories it governs"],
      ["fail release-*: policy 1 (releases): no image in the 2 repositories it governs carries significant tag release-*", OTHERS],
    ]],
    ["a glob that matches a tag", "['v*', prod]", "[hello_world]", 0, [
      ["ok v*: policy 1 (releases): carried in hello_world"],
      ["ok prod: policy 1 (releases): carried in hello_world"],
    ]],
    ["no entry carried anywhere: the policy runs in untagged mode", "[prd]", "['hello_*']", 1, [
      ["fail prd: policy 1 (releases): no image in the 2 repositories it governs carries significant tag prd; did you mean prod?", NONE],
    ]],
    ["significant_tags '*': no entry to check", "'*'", "['hello_*']", 0, []],
  ];
  for (const [title, tags, repositories, code, expected] of cases) {
    it(`${title}: exit ${code}`, async () => {
      const result = await doctor(policyFile(tags, repositories));
      expect(result.checks.map((c) => [`${c.status} ${c.target}: ${c.detail}`, ...(c.remedy ? [c.remedy] : [])])).to.deep.equal(expected);
      expect(result.code).to.equal(code);
    });
  }

  it("the table a user reads: the failed entry, its remedy, and the summary counts it", async () => {
    const result = await runCli(["doctor", "--config", policyFile("[dev, rc, prd, latest]", "[hello_world]")], awsEnv(emulator.endpoint));
    expect(result.code).to.equal(1);
    const lines = result.stdout.split("\n");
    const i = lines.indexOf("FAIL  significant-tag  prd: policy 1 (releases): no image in hello_world carries significant tag prd; did you mean prod?");
    expect(i, result.stdout).to.be.greaterThan(0);
    expect(lines[i + 1]).to.equal(`      -> ${OTHERS}`);
    expect(lines.at(-2)).to.match(/^1 of \d+ checks failed$/);
  });
});
