/**
 * Names and globs that match no repository (spec sections 2 and 5, "Warnings that protect"): a protected name or
 * glob, and a glob in `repositories`, are each a warning, since a typo there leaves the real repository governed,
 * or governed by another policy. The unit tables here, and end to end through the CLI: the protective case is an
 * archive policy with a typo'd glob beside a broad delete policy, whose images are then deleted instead.
 */
import { expect } from "chai";
import { missingProtectedRepositories, missingRepositories, unmatchedRepositoryGlobs } from "../runtime/planner/scope";
import type { Policy } from "../runtime/planner/types";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import type { JsonLine } from "./support/report-lines";
import { createHandler } from "../runtime/lambda/handler";
import { nearestRepository } from "../runtime/engine/runWarnings";
import { captureLog, destroyAll, emulatorClients, lambdaContext } from "./support/in-process";

/** Only the lists matter to scope. */
const policy = (name: string, lists: Pick<Policy, "repositories" | "protectedRepositories">): Policy =>
  ({ index: 0, name, significantTags: "*", protectedPeriodMs: 0, protectedCount: 0, ...lists });

describe("missingProtectedRepositories", () => {
  const REGISTRY = new Set(["hello_world", "legacy/api", "legacy/web", "tools"]);
  const cases: { title: string; protect: string[]; missing: string[] }[] = [
    { title: "names that exist", protect: ["hello_world", "tools"], missing: [] },
    { title: "a name that does not exist", protect: ["hello_world", "helo_world"], missing: ["helo_world"] },
    { title: "a glob that matches", protect: ["legacy/*"], missing: [] },
    { title: "a glob that matches nothing", protect: ["legacy-*"], missing: ["legacy-*"] },
    { title: "? matches one character only", protect: ["tool?", "tools?"], missing: ["tools?"] },
    { title: "globs are case-sensitive", protect: ["Legacy/*", "HELLO_WORLD"], missing: ["Legacy/*", "HELLO_WORLD"] },
    { title: "* matches across /", protect: ["*/web", "*api"], missing: [] },
    { title: "a pattern's regex characters are literal", protect: ["legacy.api", "legacy/(api)"], missing: ["legacy.api", "legacy/(api)"] },
    { title: "an empty list protects nothing and warns of nothing", protect: [], missing: [] },
  ];
  for (const c of cases) {
    it(`${c.title}: ${JSON.stringify(c.protect)} → ${JSON.stringify(c.missing)}`, () => {
      const policies = [policy("p", { protectedRepositories: c.protect })];
      expect(missingProtectedRepositories(policies, REGISTRY)).to.deep.equal(c.missing.map((repository) => ({ policy: "p", repository })));
    });
  }

  it("each policy for itself, in order; repositories: lists are not protected names", () => {
    const policies = [
      policy("a", { protectedRepositories: ["gone/*", "tools"] }),
      policy("b", { repositories: ["nothing-*", "absent"] }),
      policy("c", { protectedRepositories: ["gone/*"] }),
    ];
    expect(missingProtectedRepositories(policies, REGISTRY)).to.deep.equal([
      { policy: "a", repository: "gone/*" },
      { policy: "c", repository: "gone/*" },
    ]);
  });

  it("an empty registry: every protected name and glob matches nothing", () => {
    expect(missingProtectedRepositories([policy("p", { protectedRepositories: ["*", "x"] })], new Set())).to.deep.equal([
      { policy: "p", repository: "*" },
      { policy: "p", repository: "x" },
    ]);
  });
});

describe("nearestRepository: the existing repository a missing name probably meant", () => {
  const REGISTRY = new Set(["hello_world", "legacy/api", "legacy/web", "tools", "api"]);
  const cases: [string, string][] = [
    ["hello-world", "; did you mean hello_world?"],
    ["helo_world", "; did you mean hello_world?"],
    ["legacy/apj", "; did you mean legacy/api?"],
    ["legacy/ap", "; did you mean legacy/api?"],
    // Equally close: both are named.
    ["legacy/wap", "; did you mean legacy/api or legacy/web?"],
    ["payments", ""],
    // Too short for a slip to be told from another name.
    ["app", ""],
    // A glob is not a name: matching nothing is its own warning.
    ["tools?", ""],
    ["hello-*", ""],
  ];
  for (const [name, suggestion] of cases) {
    it(`${name} → ${JSON.stringify(suggestion)}`, () => expect(nearestRepository(name, REGISTRY)).to.equal(suggestion));
  }
});

describe("a protected glob that matches nothing, end to end", () => {
  let emulator: EcrEmulator;
  before(async () => {
    emulator = await startEcrEmulator();
    emulator.registry.createRepository("legacy/api");
    emulator.registry.createRepository("hello_world");
  });
  after(async () => {
    await emulator.stop();
  });

  it("warns on stderr and exits 0", async () => {
    const config = writePolicyFile(`
- name: all but legacy
  protected_period: 0
  protected_count: 0
  significant_tags: '*'
  protected_repositories: ["legacy-*", "legacy/*"]
`);
    const result = await runCli(["--config", config, "--now", "2026-01-01T00:00:00Z"], awsEnv(emulator.endpoint));
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr.split("\n").filter(Boolean)).to.deep.equal([
      'ecr-cleanup: warning: policy "all but legacy" protects repository legacy-*, which does not exist (a typo would leave the real one governed)',
    ]);
  });

  it("a named repository that does not exist is an error that names the nearest one; a protected one, a warning that does", async () => {
    const config = writePolicyFile(`
- name: hello
  protected_period: 0
  protected_count: 0
  significant_tags: '*'
  repositories: [hello-world]
- name: all but hello
  protected_period: 0
  protected_count: 0
  significant_tags: '*'
  protected_repositories: [helloworld]
`);
    const result = await runCli(["--config", config, "--now", "2026-01-01T00:00:00Z"], awsEnv(emulator.endpoint));
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stderr).to.include('policy "hello" names repository hello-world, which does not exist; did you mean hello_world?');
    expect(result.stderr).to.include(
      'ecr-cleanup: warning: policy "all but hello" protects repository helloworld, which does not exist; did you mean hello_world? (a typo would leave the real one governed)',
    );
  });
});

describe("unmatchedRepositoryGlobs", () => {
  const REGISTRY = new Set(["hello_world", "payments/api", "payments/web", "tools"]);
  const cases: { title: string; repositories: string[]; unmatched: string[] }[] = [
    { title: "a glob that matches", repositories: ["payments/*"], unmatched: [] },
    { title: "a glob with a typo", repositories: ["payment/*"], unmatched: ["payment/*"] },
    { title: "exact names are not globs (a missing one is an error, not this warning)", repositories: ["tools", "no_such_repository"], unmatched: [] },
    { title: "each entry for itself", repositories: ["payments/*", "paymnets/*", "tool?", "tools?"], unmatched: ["paymnets/*", "tools?"] },
    { title: "globs are case-sensitive", repositories: ["Payments/*"], unmatched: ["Payments/*"] },
    { title: "* matches across /", repositories: ["*/web"], unmatched: [] },
    { title: "a pattern's regex characters are literal", repositories: ["payments.*"], unmatched: ["payments.*"] },
  ];
  for (const c of cases) {
    it(`${c.title}: ${JSON.stringify(c.repositories)} → ${JSON.stringify(c.unmatched)}`, () => {
      const policies = [policy("p", { repositories: c.repositories })];
      expect(unmatchedRepositoryGlobs(policies, REGISTRY)).to.deep.equal(c.unmatched.map((repository) => ({ policy: "p", repository })));
    });
  }

  it("protected lists are missingProtectedRepositories' business; exact names missingRepositories'", () => {
    const policies = [policy("a", { protectedRepositories: ["gone/*"] }), policy("b", { repositories: ["gone/*", "absent"] })];
    expect(unmatchedRepositoryGlobs(policies, REGISTRY)).to.deep.equal([{ policy: "b", repository: "gone/*" }]);
    expect(missingRepositories(policies, REGISTRY)).to.deep.equal([{ policy: "b", repository: "absent" }]);
  });

  it("an empty registry: every glob matches nothing", () => {
    expect(unmatchedRepositoryGlobs([policy("p", { repositories: ["*", "a?"] })], new Set())).to.deep.equal([
      { policy: "p", repository: "*" },
      { policy: "p", repository: "a?" },
    ]);
  });
});

describe("a glob in repositories that matches nothing, end to end: an archive that became a delete", function () {
  this.timeout(60_000);
  const NOW = "2026-01-01T00:00:00.000Z";
  const DAY = 86_400_000;
  let emulator: EcrEmulator;
  /** The three images of payments/api, 100, 200 and 300 days old. */
  let old: string[];
  let newest: string;
  beforeEach(async () => {
    emulator = await startEcrEmulator();
    emulator.registry.createRepository("payments/api");
    emulator.registry.createRepository("tools");
    newest = emulator.registry.putImage("payments/api", { pushedAt: new Date(Date.parse(NOW) - 100 * DAY) }).digest;
    old = [200, 300].map((days) => emulator.registry.putImage("payments/api", { pushedAt: new Date(Date.parse(NOW) - days * DAY) }).digest);
  });
  afterEach(async () => {
    await emulator.stop();
  });

  /** An archive policy for the payments repositories (`glob`), beside a delete policy for every other image. */
  const policies = (glob: string) =>
    writePolicyFile(`
- name: archive payments
  action: archive
  protected_period: 30d
  protected_count: 1
  significant_tags: '*'
  repositories: ["${glob}"]
- name: flush everything
  protected_period: 30d
  protected_count: 1
  significant_tags: '*'
`);

  const run = (config: string) => runCli(["--config", config, "--now", NOW, "--output", "json", "--apply"], awsEnv(emulator.endpoint));
  const WARNING = 'policy "archive payments" names repositories payment/*, a glob that matches no repository (a typo would leave the repositories it meant to the other policies)';

  it("with the typo: the warning is on stderr and in the JSON, and the images it meant to archive are deleted", async () => {
    const result = await run(policies("payment/*"));
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr.split("\n").filter(Boolean)).to.deep.equal([`ecr-cleanup: warning: ${WARNING}`]);
    const report = JSON.parse(result.stdout);
    expect(report.warnings).to.deep.equal([WARNING]);
    const lines = report.repositories.find((r: { repository: string }) => r.repository === "payments/api").images as JsonLine[];
    // What the warning stands between: the delete policy alone governs payments/api, and deletes its old images.
    expect(lines.map((l) => [l.digest, l.outcome])).to.have.deep.members(old.map((digest) => [digest, "deleted"]));
    expect(emulator.registry.images("payments/api").map((i) => i.digest)).to.deep.equal([newest]);
  });

  it("in the Lambda: a warning line in the log, and the run's result", async () => {
    const clients = emulatorClients(emulator.endpoint);
    const config = { policies: [{ name: "archive payments", action: "archive", protected_period: "30d", protected_count: 1, significant_tags: "*", repositories: ["payment/*"] }] };
    try {
      const handler = createHandler({
        env: () => ({ ECR_CLEANUP_CONFIG: JSON.stringify(config), ECR_CLEANUP_DRY_RUN: "true" }),
        clients: () => clients,
        ssm: () => {
          throw new Error("no cursor in this deployment");
        },
        clock: () => new Date(NOW),
      });
      const { result, lines } = await captureLog(() => handler({ scheduledTime: NOW }, lambdaContext()));
      expect(lines.filter((l) => l.type === "warning").map((l) => l.message)).to.deep.equal([WARNING]);
      expect(result.warnings).to.deep.equal([WARNING]);
    } finally {
      destroyAll(Object.values(clients));
    }
  });

  it("without the typo: no warning, and the same images are archived, restorable", async () => {
    const result = await run(policies("payments/*"));
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stderr).to.equal("");
    expect(JSON.parse(result.stdout).warnings).to.deep.equal([]);
    for (const digest of old) expect(emulator.registry.image("payments/api", digest)?.status).to.equal("ARCHIVED");
    expect(emulator.registry.image("payments/api", newest)?.status).to.equal("ACTIVE");
  });
});
