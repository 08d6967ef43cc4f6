/**
 * "Did you mean" for misspelled fields (spec section 5, "Warnings that protect"): the edit distance, the suggestion
 * rule, and every place a key is read by name (policy fields, settings, settings.in_use and its accounts,
 * settings.archive, the component's camelCase policies), in exact message lines that still name the file, the
 * policy and the field.
 */
import { expect } from "chai";
import { stringify } from "yaml";
import { main } from "../runtime/cli/main";
import { ConfigError } from "../runtime/config/errors";
import { parseConfig } from "../runtime/config/load";
import { closestKeys, editDistance, unknownFieldMessage } from "../runtime/config/suggestion";
import { validatePolicies } from "../component/policyConfig";
import { writePolicyFile } from "./support/cli";

const FILE = "policies.yaml";
const BASE = { name: "p", protected_period: 7, protected_count: 7, significant_tags: "*" };

function messages(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split("\n");
    throw err;
  }
  throw new Error("expected a configuration error");
}

describe("editDistance (Damerau–Levenshtein, optimal string alignment)", () => {
  const cases: [string, string, number][] = [
    ["", "", 0],
    ["", "abc", 3],
    ["abc", "", 3],
    ["same", "same", 0],
    ["protectedperoid", "protectedperiod", 1], // two neighbours swapped: one edit
    ["ab", "ba", 1],
    ["significanttag", "significanttags", 1], // one missing
    ["maxdeletoins", "maxdeletions", 1],
    ["kitten", "sitting", 3],
    ["ca", "abc", 3], // the restricted variant: no edit of a swapped pair
    ["repository", "repositories", 3],
  ];
  for (const [a, b, distance] of cases) {
    it(`${JSON.stringify(a)} ↔ ${JSON.stringify(b)}: ${distance}`, () => {
      expect(editDistance(a, b)).to.equal(distance);
      expect(editDistance(b, a)).to.equal(distance);
    });
  }
});

describe("closestKeys: a slip of spelling, case or separator, never another word", () => {
  const KNOWN = ["name", "significant_tags", "protected_period", "protected_count", "repositories", "protected_repositories", "keep_pulled_within", "max_deletions", "action"];
  const cases: [string, string[]][] = [
    ["protected_peroid", ["protected_period"]],
    ["protectedPeriod", ["protected_period"]],
    ["PROTECTED-PERIOD", ["protected_period"]],
    ["protected_count_", ["protected_count"]],
    ["repository", ["repositories"]],
    ["protected_repository", ["protected_repositories"]],
    ["keep_pulled_whithin", ["keep_pulled_within"]],
    ["nmae", ["name"]],
    ["actoin", ["action"]],
    ["protected_days", []],
    ["bogus", []],
    ["tags", []],
    ["", []],
  ];
  for (const [key, closest] of cases) {
    it(`${JSON.stringify(key)} → ${JSON.stringify(closest)}`, () => expect(closestKeys(key, KNOWN)).to.deep.equal(closest));
  }

  it("the shortest keys get a suggestion only for a slip of case or separator: ec2 is not a typo of ecs", () => {
    const SOURCES = ["ecs", "lambda", "eks", "app_runner", "batch"];
    expect(closestKeys("ec2", SOURCES)).to.deep.equal([]);
    expect(closestKeys("ECS", SOURCES)).to.deep.equal(["ecs"]);
    expect(closestKeys("lamda", SOURCES)).to.deep.equal(["lambda"]);
  });

  it("equally close keys are all named, in the order the schema lists them", () => {
    expect(unknownFieldMessage("abcd", ["abce", "abcf", "xyzw"])).to.equal("unknown field; did you mean abce or abcf?");
    expect(unknownFieldMessage("abcd", ["abce", "abcf", "abcg"])).to.equal("unknown field; did you mean abce, abcf or abcg?");
  });

  it("a key the mapping already has is not suggested", () => {
    expect(unknownFieldMessage("protected_coutn", ["protected_count"], ["protected_count", "protected_coutn"])).to.equal("unknown field");
    expect(unknownFieldMessage("protected_coutn", ["protected_count"], ["protected_coutn"])).to.equal("unknown field; did you mean protected_count?");
  });
});

describe("did you mean, in the policy file's errors", () => {
  const P1 = `${FILE}: policy #1 "p"`;
  const policyCases: { title: string; policy: Record<string, unknown>; drop?: string; lines: string[] }[] = [
    {
      title: "a swapped pair in a required field",
      policy: { protected_peroid: 7 },
      drop: "protected_period",
      lines: [`${P1}, field protected_period: is required`, `${P1}, field protected_peroid: unknown field; did you mean protected_period?`],
    },
    {
      title: "the component's camelCase spelling in the file",
      policy: { protectedPeriod: 7 },
      drop: "protected_period",
      lines: [`${P1}, field protected_period: is required`, `${P1}, field protectedPeriod: unknown field; did you mean protected_period?`],
    },
    { title: "a singular for a plural", policy: { repository: ["web"] }, lines: [`${P1}, field repository: unknown field; did you mean repositories?`] },
    { title: "an optional field", policy: { keep_pulled_whithin: "30d" }, lines: [`${P1}, field keep_pulled_whithin: unknown field; did you mean keep_pulled_within?`] },
    { title: "a dash for an underscore", policy: { "max-deletions": 5 }, lines: [`${P1}, field max-deletions: unknown field; did you mean max_deletions?`] },
    { title: "a word that is no field's: no suggestion", policy: { protected_days: 3 }, lines: [`${P1}, field protected_days: unknown field`] },
  ];
  for (const c of policyCases) {
    it(`policy fields: ${c.title}`, () => {
      const policy: Record<string, unknown> = { ...BASE, ...c.policy };
      if (c.drop) delete policy[c.drop];
      expect(messages(() => parseConfig(stringify([policy]), FILE))).to.deep.equal(c.lines);
    });
  }

  it("names the second policy by its index and name", () => {
    const text = stringify([BASE, { ...BASE, name: "nightly", max_deletion: 5 }]);
    expect(messages(() => parseConfig(text, FILE))).to.deep.equal([`${FILE}: policy #2 "nightly", field max_deletion: unknown field; did you mean max_deletions?`]);
  });

  const settingsCases: { title: string; document: Record<string, unknown>; lines: string[] }[] = [
    { title: "a top-level key", document: { policies: [BASE], setings: {} }, lines: [`${FILE}: field setings: unknown field; did you mean settings?`] },
    { title: "a settings key", document: { policies: [BASE], settings: { inuse: {} } }, lines: [`${FILE}: field settings.inuse: unknown field; did you mean in_use?`] },
    { title: "settings.archive's keys", document: { policies: [BASE], settings: { archive: { delete_afer: "90d" } } }, lines: [`${FILE}: field settings.archive.delete_afer: unknown field; did you mean delete_after?`] },
    {
      title: "settings.archive: a key cut short",
      document: { policies: [BASE], settings: { archive: { keep_restored: "7d" } } },
      lines: [`${FILE}: field settings.archive.keep_restored: unknown field; did you mean keep_restored_for?`],
    },
    { title: "settings.in_use: a source", document: { policies: [BASE], settings: { in_use: { lamda: false } } }, lines: [`${FILE}: field settings.in_use.lamda: unknown field; did you mean lambda?`] },
    { title: "settings.in_use: a list key", document: { policies: [BASE], settings: { in_use: { eks_cluster: ["prod"] } } }, lines: [`${FILE}: field settings.in_use.eks_cluster: unknown field; did you mean eks_clusters?`] },
    {
      title: "settings.in_use.accounts: an entry's key",
      document: { policies: [BASE], settings: { in_use: { accounts: [{ role_arn: "arn:aws:iam::123456789012:role/reader", externalid: "abc" }] } } },
      lines: [`${FILE}: field settings.in_use.accounts[0].externalid: unknown field; did you mean external_id?`],
    },
    { title: "settings.in_use: ec2 is not ecs", document: { policies: [BASE], settings: { in_use: { ec2: false } } }, lines: [`${FILE}: field settings.in_use.ec2: unknown field`] },
  ];
  for (const c of settingsCases) {
    it(`settings: ${c.title}`, () => expect(messages(() => parseConfig(stringify(c.document), FILE))).to.deep.equal(c.lines));
  }

  it("every field of a policy is suggested for its misspelling: the candidates come from the schema", () => {
    const full = { ...BASE, repositories: ["web"], keep_pulled_within: "30d", max_deletions: 5, action: "archive" };
    for (const key of Object.keys(full)) {
      // The last two characters swapped: one edit, whatever the field.
      const typo = key.slice(0, -2) + key.slice(-1) + key.slice(-2, -1);
      const policy = Object.fromEntries(Object.entries(full).map(([k, v]) => [k === key ? typo : k, v]));
      const lines = messages(() => parseConfig(stringify([policy]), FILE));
      expect(lines, key).to.include.members([`${FILE}: policy #1${key === "name" ? "" : ' "p"'}, field ${typo}: unknown field; did you mean ${key}?`]);
    }
  });
});

describe("did you mean, in the component's policies (camelCase)", () => {
  const CAMEL = { name: "p", protectedPeriod: "7d", protectedCount: 7, significantTags: ["*"] };
  const cases: { title: string; policy: Record<string, unknown>; lines: string[] }[] = [
    {
      title: "the YAML's snake_case spelling",
      policy: { name: "p", protected_period: "7d", protectedCount: 7, significantTags: ["*"] },
      lines: ['EcrCleanupPolicy "c": policy #1 "p", field protectedPeriod: is required', 'EcrCleanupPolicy "c": policy #1 "p", field protected_period: unknown field; did you mean protectedPeriod?'],
    },
    { title: "a typo", policy: { ...CAMEL, maxDeletoins: 5 }, lines: ['EcrCleanupPolicy "c": policy #1 "p", field maxDeletoins: unknown field; did you mean maxDeletions?'] },
  ];
  for (const c of cases) {
    it(c.title, () => expect(messages(() => validatePolicies([c.policy], 'EcrCleanupPolicy "c"'))).to.deep.equal(c.lines));
  }
});

describe("did you mean, as the CLI prints it", () => {
  it("exit 2, nothing done, the suggestion on the policy's line", async () => {
    const config = writePolicyFile("- name: nightly\n  protected_peroid: 7\n  protected_count: 1\n  significant_tags: '*'\n");
    let err = "";
    let out = "";
    const io = { stderrIsTty: false, clock: () => new Date("2026-01-01T00:00:00Z"), stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) };
    expect(await main(["--config", config], io)).to.equal(2);
    expect(out).to.equal("");
    expect(err.split("\n")).to.deep.equal([
      "ecr-cleanup: configuration error, nothing was done:",
      `${config}: policy #1 "nightly", field protected_period: is required`,
      `${config}: policy #1 "nightly", field protected_peroid: unknown field; did you mean protected_period?`,
      "",
    ]);
  });
});
