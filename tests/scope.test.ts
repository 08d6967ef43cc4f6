/**
 * Protected names and globs that match no repository (spec section 2): each is a warning, since a typo there
 * leaves the real repository governed. The unit table here, and once end to end through the CLI.
 */
import { expect } from "chai";
import { missingProtectedRepositories } from "../runtime/planner/scope";
import type { Policy } from "../runtime/planner/types";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";

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
});
