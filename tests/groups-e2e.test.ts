/**
 * group_by end to end: the CLI through the real SDK against the project's emulator (push dates, a retag between the
 * plan and its delete call, plan files) and against moto, an independent implementation of the ECR API.
 */
import { expect } from "chai";
import { ECRClient } from "@aws-sdk/client-ecr";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listImages } from "../runtime/ecr/listing";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { Moto, requireMoto, startMoto } from "./support/moto";
import { ecrClientFor, pushImage } from "./support/push";

const DAY = 86_400_000;
const NOW = "2026-01-01T00:00:00.000Z";
const daysBefore = (days: number) => new Date(Date.parse(NOW) - days * DAY);

interface JsonImage {
  digest: string;
  tags: string[];
  action: string;
  reason: string;
  policies: { policy: string; verdict: string; reason: string; group?: string }[];
}

/** Per service of a monorepository: each service's prod anchors its own window; a service without prod keeps its newest two. */
const PER_SERVICE = `
- name: per service
  group_by: '([a-z]+)-(?:prod|[0-9a-f]{7})'
  significant_tags: ['*-prod']
  protected_period: 0
  protected_count: 2
  repositories: [mono]
`;

describe("group_by end to end against the emulator", () => {
  let emulator: EcrEmulator;
  beforeEach(async () => {
    emulator = await startEcrEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const run = (args: string[]) => runCli([...args], awsEnv(emulator.endpoint));
  const survivingTags = (repo: string) => emulator.registry.images(repo).flatMap((i) => i.tags).sort();

  /** api builds on days 1..6 (prod on day 3), web builds on days 1..4 (no prod), and an untagged image. */
  function seedMono(): Record<string, string> {
    emulator.registry.createRepository("mono");
    const digests: Record<string, string> = {};
    const push = (tags: string[], age: number) => (digests[tags[0] ?? `untagged-${age}`] = emulator.registry.putImage("mono", { tags, pushedAt: daysBefore(age) }).digest);
    for (let day = 6; day >= 1; day--) push(day === 3 ? [`api-${day}aaaaaa`, "api-prod"] : [`api-${day}aaaaaa`], day);
    for (let day = 4; day >= 1; day--) push([`web-${day}bbbbbb`], day + 0.5);
    push([], 30);
    return digests;
  }

  it("a dry run names every grouped line's group (JSON and table); --apply deletes exactly those lines", async () => {
    const digests = seedMono();
    const config = writePolicyFile(PER_SERVICE);
    const dry = await run(["--config", config, "--now", NOW, "--output", "json", "--show", "all"]);
    expect(dry.code, dry.stderr).to.equal(0);
    const report = JSON.parse(dry.stdout);
    const lines: JsonImage[] = report.repositories[0].images;
    const byTag = (tag: string) => lines.find((l) => l.tags.includes(tag))!;
    // api: anchor on day 3, newer days 1-2, the two after it (days 4-5) by count, day 6 beyond the window.
    expect(byTag("api-6aaaaaa")).to.deep.include({ action: "delete", reason: "beyond-window", policies: [{ policy: "per service", verdict: "delete", reason: "beyond-window", group: "api" }] });
    expect(byTag("api-prod")).to.deep.include({ action: "keep", reason: "anchor", policies: [{ policy: "per service", verdict: "keep", reason: "anchor", group: "api" }] });
    expect(byTag("api-5aaaaaa")).to.deep.include({ action: "keep", reason: "count" });
    // web: no prod, count mode: the newest two, the rest group-expired.
    expect(byTag("web-3bbbbbb")).to.deep.include({ action: "delete", reason: "group-expired", policies: [{ policy: "per service", verdict: "delete", reason: "group-expired", group: "web" }] });
    expect(byTag("web-2bbbbbb")).to.deep.include({ action: "keep", reason: "count" });
    // The untagged image is none of the policy's business.
    expect(lines.find((l) => l.digest === digests["untagged-30"])).to.deep.include({ action: "keep", reason: "untouched", policies: [] });
    expect(report.repositories[0].modes[0]).to.deep.include({ policy: "per service", mode: "grouped" });
    expect(report.repositories[0].modes[0].groups.map((g: { group: string; mode: string; kept: number; deleted: number }) => `${g.group} ${g.mode} ${g.kept}/${g.deleted}`)).to.deep.equal([
      "api anchor 5/1",
      "web count 2/2",
    ]);
    const planned = lines.filter((l) => l.action === "delete").map((l) => l.digest).sort();
    expect(planned).to.deep.equal([digests["api-6aaaaaa"], digests["web-3bbbbbb"], digests["web-4bbbbbb"]].sort());

    const table = await run(["--config", config, "--now", NOW]);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.match(/api-6aaaaaa .* DELETE +beyond-window +#1 api/);
    expect(table.stdout).to.match(/web-4bbbbbb .* DELETE +group-expired +#1 web/);
    expect(table.stdout).to.include("grouped (group_by): 2 groups, 1 in anchor mode, 1 in count mode");
    expect(table.stdout).to.include("web: count mode; kept 2, deleted 2");

    const applied = await run(["--config", config, "--now", NOW, "--output", "json", "--apply"]);
    expect(applied.code, applied.stderr).to.equal(0);
    expect(JSON.parse(applied.stdout).summary).to.deep.include({ deleted: 3 });
    expect(survivingTags("mono")).to.deep.equal(["api-1aaaaaa", "api-2aaaaaa", "api-3aaaaaa", "api-4aaaaaa", "api-5aaaaaa", "api-prod", "web-1bbbbbb", "web-2bbbbbb"]);
  });

  it("a group_by that matches no tag of the repository is a warning on stderr and in the report, and deletes nothing", async () => {
    seedMono();
    const config = writePolicyFile(PER_SERVICE.replace("(?:prod|[0-9a-f]{7})", "(?:prd|[0-9]{7})"));
    const dry = await run(["--config", config, "--now", NOW, "--output", "json"]);
    expect(dry.code, dry.stderr).to.equal(0);
    const warning = 'policy "per service": group_by matches no tag in mono, so the policy decides nothing there (check the pattern)';
    expect(dry.stderr.split("\n")).to.include(`ecr-cleanup: warning: ${warning}`);
    const report = JSON.parse(dry.stdout);
    expect(report.warnings).to.deep.equal([warning]);
    expect(report.summary).to.deep.include({ deleted: 0 });
  });

  it("a grouped policy that deletes a release image (prod beside its branch tag) warns on stderr and in the report", async () => {
    emulator.registry.createRepository("app");
    emulator.registry.putImage("app", { tags: ["main-1a2b3c4", "prod", "v2.6.0"], pushedAt: daysBefore(3) });
    emulator.registry.putImage("app", { tags: ["main-9f8e7d6"], pushedAt: daysBefore(1) });
    const config = writePolicyFile(`
- name: newest build per branch
  group_by: '(.+)-[0-9a-f]{7,40}'
  significant_tags: '*'
  protected_period: 0
  protected_count: 1
`);
    const dry = await run(["--config", config, "--now", NOW, "--output", "json"]);
    expect(dry.code, dry.stderr).to.equal(0);
    const warning =
      'app: policy "newest build per branch" deletes 1 image(s) that also carry tags its group_by does not match (prod, v2.6.0): ' +
      "inside a group every image is the group's, tagged or not; protect release images with another policy or a list of significant tags";
    expect(dry.stderr.split("\n")).to.include(`ecr-cleanup: warning: ${warning}`);
    const report = JSON.parse(dry.stdout);
    expect(report.warnings).to.deep.equal([warning]);
    expect(report.repositories[0]).to.deep.include({ toDelete: 1 });
  });

  it("a tag moved off a kept image between the plan and the delete call (its group now keeps more): nothing more is deleted there", async () => {
    seedMono();
    // The first DescribeImages is the listing the plan is made from; the second is the re-check before the delete call.
    let describes = 0;
    emulator.beforeOperation("DescribeImages", () => {
      if (++describes === 2) emulator.registry.untag("mono", "web-1bbbbbb");
    });
    const result = await run(["--config", writePolicyFile(PER_SERVICE), "--now", NOW, "--output", "json", "--apply"]);
    expect(result.code, result.stderr).to.equal(0);
    const repo = JSON.parse(result.stdout).repositories[0];
    // web-3 moves into the newest two of web: a plan made now would keep it, so the run stops in this repository.
    expect(repo.notes.join("\n")).to.match(/group "web" of policy "per service" now keeps sha256:[0-9a-f]+ \(count\)/);
    expect(repo.deleted).to.equal(0);
    expect(survivingTags("mono")).to.include.members(["api-6aaaaaa", "web-3bbbbbb", "web-4bbbbbb"]);
  });

  it("a plan file records group_by: apply with another group_by is refused, with its own it deletes what the plan named", async () => {
    seedMono();
    const dir = mkdtempSync(join(tmpdir(), "groups-plan-"));
    const planPath = join(dir, "plan.json");
    const config = writePolicyFile(PER_SERVICE);
    const made = await run(["--config", config, "--now", NOW, "--plan-out", planPath, "--output", "json"]);
    expect(made.code, made.stderr).to.equal(0);
    const other = writePolicyFile(PER_SERVICE.replace("(?:prod|[0-9a-f]{7})", "(?:prod|[0-9a-f]{6,7})"), "other.yaml");
    const refused = await run(["apply", planPath, "--config", other, "--output", "json"]);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(/fingerprint/i);
    const applied = await run(["apply", planPath, "--output", "json"]);
    expect(applied.code, applied.stderr).to.equal(0);
    expect(JSON.parse(applied.stdout).summary).to.deep.include({ deleted: 3 });
    expect(survivingTags("mono")).to.not.include.members(["api-6aaaaaa"]);
  });

  it("a pattern RE2 does not accept: exit 2, the file, policy and field named, no call that changes anything", async () => {
    seedMono();
    const config = writePolicyFile(PER_SERVICE.replace("'([a-z]+)-(?:prod|[0-9a-f]{7})'", "'([a-z]+)-(?=prod)'"));
    const result = await run(["--config", config, "--now", NOW, "--apply"]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.include(`policy #1 "per service", field group_by: is not a regular expression RE2 accepts`);
    expect(emulator.registry.images("mono")).to.have.length(11);
  });
});

describe("group_by end to end against moto", function () {
  let moto: Moto;
  let ecr: ECRClient;
  before(async function () {
    requireMoto(this);
    moto = await startMoto();
    ecr = ecrClientFor(moto.endpoint);
  });
  after(async () => {
    ecr?.destroy();
    await moto?.stop();
  });

  it("keeps the newest build of each branch, deletes the other builds, leaves untagged images alone", async () => {
    const { CreateRepositoryCommand } = await import("@aws-sdk/client-ecr");
    await ecr.send(new CreateRepositoryCommand({ repositoryName: "branches" }));
    // moto stamps push dates with the clock (to the second): the newest of a branch is its last push, a second apart.
    const pushed: Record<string, string> = {};
    for (const tag of ["main-aaaaaa1", "feat-bbbbbb1", "main-aaaaaa2", "feat-bbbbbb2", "main-aaaaaa3"]) {
      pushed[tag] = await pushImage(ecr, "branches", `branches-${tag}`, tag);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    const untagged = await pushImage(ecr, "branches", "branches-untagged");
    const images = await listImages(ecr, "branches");
    const now = new Date(Math.max(...images.map((i) => i.pushedAt!)) + 1).toISOString();
    const config = writePolicyFile(`policies:
  - name: newest build per branch
    group_by: '([a-z]+)-[0-9a-f]{7}'
    significant_tags: '*'
    protected_period: 0
    protected_count: 1
    repositories: [branches]
settings:
  in_use:
    app_runner: false
`);
    const env = awsEnv(moto.endpoint);
    const result = await runCli(["--config", config, "--now", now, "--output", "json", "--apply"], env);
    expect(result.code, result.stderr).to.equal(0);
    const lines: JsonImage[] = JSON.parse(result.stdout).repositories[0].images;
    expect(lines.filter((l) => l.action === "delete").map((l) => `${l.tags[0]} ${l.policies[0].group}`).sort()).to.deep.equal([
      "feat-bbbbbb1 feat",
      "main-aaaaaa1 main",
      "main-aaaaaa2 main",
    ]);
    const survivors = (await listImages(ecr, "branches")).map((i) => i.digest).sort();
    expect(survivors).to.deep.equal([pushed["feat-bbbbbb2"], pushed["main-aaaaaa3"], untagged].sort());
  });
});
