/**
 * Table-driven tests of the policy validator against spec section 2 (and the settings of section 4):
 * the example file (examples/policies.yaml) parses unchanged, and every bad input names the file, the policy
 * (`policy #N "name"`) and the field, in exact message lines.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { defaultInUse } from "../runtime/config/inUseSettings";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { stringify } from "yaml";
import { ConfigError } from "../runtime/config/errors";
import { loadConfigFile, parseConfig } from "../runtime/config/load";
import { Config, validateConfig } from "../runtime/config/schema";
import type { Policy } from "../runtime/planner/types";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const FILE = "policies.yaml";
const DEFAULT_SETTINGS = { inUse: defaultInUse() };

const SPEC_EXAMPLE = `- name: Flush untagged images older than 7 days, leave no less than 7 images
  protected_period: 7
  protected_count: 7
  significant_tags: '*'
  protected_repositories:
    - some_ignored_repository
- name: Protect images created for a year since the last significant tag, leave no less than 13 images
  protected_period: 365
  protected_count: 13
  significant_tags: [dev, rc, prod, latest]
  repositories:
    - hello_world
`;

const SPEC_EXAMPLE_POLICIES: Policy[] = [
  {
    index: 0,
    name: "Flush untagged images older than 7 days, leave no less than 7 images",
    significantTags: "*",
    protectedPeriodMs: 7 * DAY,
    protectedCount: 7,
    protectedRepositories: ["some_ignored_repository"],
  },
  {
    index: 1,
    name: "Protect images created for a year since the last significant tag, leave no less than 13 images",
    significantTags: ["dev", "rc", "prod", "latest"],
    protectedPeriodMs: 365 * DAY,
    protectedCount: 13,
    repositories: ["hello_world"],
  },
];

/** A valid policy in the file's spelling; cases override or drop fields. */
const BASE = { name: "p", protected_period: 7, protected_count: 7, significant_tags: "*" };

function yamlOf(...policies: Record<string, unknown>[]): string {
  return stringify(policies);
}
function one(fields: Record<string, unknown>, drop: string[] = []): string {
  const policy: Record<string, unknown> = { ...BASE, ...fields };
  for (const key of drop) delete policy[key];
  return yamlOf(policy);
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  expect.fail("expected a ConfigError");
}

describe("config: the spec's example file (section 2)", () => {
  it("parses unchanged into the canonical policies", () => {
    expect(parseConfig(SPEC_EXAMPLE, FILE)).to.deep.equal({ policies: SPEC_EXAMPLE_POLICIES, settings: DEFAULT_SETTINGS });
  });

  it("parses the same inside a mapping with policies: and settings:", () => {
    const text = `policies:\n${SPEC_EXAMPLE.replace(/^/gm, "  ").trimEnd()}\nsettings:\n  in_use:\n    ecs: false\n`;
    expect(parseConfig(text, FILE)).to.deep.equal({ policies: SPEC_EXAMPLE_POLICIES, settings: { inUse: { ...defaultInUse(), ecs: false } } });
  });

  it("accepts a mapping with policies: and no settings: (settings are optional)", () => {
    expect(parseConfig(`policies:\n${SPEC_EXAMPLE.replace(/^/gm, "  ").trimEnd()}\n`, FILE)).to.deep.equal({
      policies: SPEC_EXAMPLE_POLICIES,
      settings: DEFAULT_SETTINGS,
    });
  });

  it("takes the component's camelCase arguments into the same canonical policies", () => {
    const config = validateConfig(
      [
        {
          name: SPEC_EXAMPLE_POLICIES[0].name,
          protectedPeriod: "7d",
          protectedCount: 7,
          significantTags: ["*"],
          protectedRepositories: ["some_ignored_repository"],
        },
        {
          name: SPEC_EXAMPLE_POLICIES[1].name,
          protectedPeriod: "365d",
          protectedCount: 13,
          significantTags: ["dev", "rc", "prod", "latest"],
          repositories: ["hello_world"],
        },
      ],
      "EcrCleanupPolicy cleanup",
      "camel",
    );
    expect(config).to.deep.equal({ policies: SPEC_EXAMPLE_POLICIES, settings: DEFAULT_SETTINGS });
  });
});

describe("config: a UTF-8 byte order mark is not part of the file", () => {
  it("a file that starts with one parses as if it had none", () => {
    expect(parseConfig(`\uFEFF${SPEC_EXAMPLE}`, FILE)).to.deep.equal({ policies: SPEC_EXAMPLE_POLICIES, settings: DEFAULT_SETTINGS });
  });

  it("read from disk (the bytes EF BB BF), it parses the same", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-bom-")), "policies.yaml");
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SPEC_EXAMPLE, "utf8")]));
    expect(await loadConfigFile(path)).to.deep.equal({ policies: SPEC_EXAMPLE_POLICIES, settings: DEFAULT_SETTINGS });
  });

  it("errors in such a file read as in the same file without it", () => {
    const text = "- name: p\n  protected_period: [7\n";
    expect(configError(() => parseConfig(`\uFEFF${text}`, FILE)).message).to.equal(configError(() => parseConfig(text, FILE)).message);
    expect(configError(() => parseConfig(`\uFEFF${one({ bogus: 1 })}`, FILE)).message).to.equal(`${FILE}: policy #1 "p", field bogus: unknown field`);
  });

  it("only a leading mark is dropped: one inside a value stays", () => {
    expect(parseConfig(`\uFEFF${one({ significant_tags: ["\uFEFFprod"] })}`, FILE).policies[0].significantTags).to.deep.equal(["\uFEFFprod"]);
  });
});

describe("config: valid values", () => {
  const cases: { title: string; fields: Record<string, unknown>; expected: Partial<Policy> }[] = [
    { title: "protected_period 7 (days)", fields: { protected_period: 7 }, expected: { protectedPeriodMs: 7 * DAY } },
    { title: "protected_period 0", fields: { protected_period: 0 }, expected: { protectedPeriodMs: 0 } },
    { title: "protected_period 36h", fields: { protected_period: "36h" }, expected: { protectedPeriodMs: 36 * HOUR } },
    { title: "protected_period 2w", fields: { protected_period: "2w" }, expected: { protectedPeriodMs: 14 * DAY } },
    { title: "protected_period 90s", fields: { protected_period: "90s" }, expected: { protectedPeriodMs: 90 * SECOND } },
    { title: "protected_period 15m (minutes)", fields: { protected_period: "15m" }, expected: { protectedPeriodMs: 15 * MINUTE } },
    { title: "protected_period 365d", fields: { protected_period: "365d" }, expected: { protectedPeriodMs: 365 * DAY } },
    { title: "protected_count 0", fields: { protected_count: 0 }, expected: { protectedCount: 0 } },
    { title: "significant_tags ['*'] means '*'", fields: { significant_tags: ["*"] }, expected: { significantTags: "*" } },
    { title: "significant_tags with globs", fields: { significant_tags: ["v*", "release-?"] }, expected: { significantTags: ["v*", "release-?"] } },
    { title: "keep_pulled_within 1d", fields: { keep_pulled_within: "1d" }, expected: { keepPulledWithinMs: DAY } },
    { title: "keep_pulled_within 24h", fields: { keep_pulled_within: "24h" }, expected: { keepPulledWithinMs: DAY } },
    { title: "keep_pulled_within 30 (days)", fields: { keep_pulled_within: 30 }, expected: { keepPulledWithinMs: 30 * DAY } },
    { title: "max_deletions 0", fields: { max_deletions: 0 }, expected: { maxDeletions: 0 } },
    { title: "max_deletions 250", fields: { max_deletions: 250 }, expected: { maxDeletions: 250 } },
    { title: "repositories with globs", fields: { repositories: ["team/*", "app-?"] }, expected: { repositories: ["team/*", "app-?"] } },
    { title: "protected_repositories", fields: { protected_repositories: ["legacy/*"] }, expected: { protectedRepositories: ["legacy/*"] } },
    { title: "a name with surrounding spaces is trimmed", fields: { name: "  nightly  " }, expected: { name: "nightly" } },
    { title: "protected_period 36500 (days, 100 years: the longest)", fields: { protected_period: 36500 }, expected: { protectedPeriodMs: 36500 * DAY } },
    { title: "protected_period 36500d", fields: { protected_period: "36500d" }, expected: { protectedPeriodMs: 36500 * DAY } },
    { title: "protected_period 876000h", fields: { protected_period: "876000h" }, expected: { protectedPeriodMs: 36500 * DAY } },
    { title: "keep_pulled_within 5214w", fields: { keep_pulled_within: "5214w" }, expected: { keepPulledWithinMs: 5214 * 7 * DAY } },
    { title: "max_deletions 9007199254740991 (the largest exact number)", fields: { max_deletions: Number.MAX_SAFE_INTEGER }, expected: { maxDeletions: Number.MAX_SAFE_INTEGER } },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const expected: Policy = { index: 0, name: "p", significantTags: "*", protectedPeriodMs: 7 * DAY, protectedCount: 7, ...c.expected };
      expect(parseConfig(one(c.fields), FILE)).to.deep.equal({ policies: [expected], settings: DEFAULT_SETTINGS });
    });
  }

  it("settings.in_use turns sources off explicitly", () => {
    const text = `policies:\n${one({}).replace(/^/gm, "  ").trimEnd()}\nsettings:\n  in_use:\n    ecs: false\n    lambda: false\n`;
    expect(parseConfig(text, FILE).settings).to.deep.equal({ inUse: { ...defaultInUse(), ecs: false, lambda: false } });
  });
});

interface ErrorCase {
  title: string;
  text: string;
  /** The exact lines of the error message. */
  lines: string[];
}

function runErrors(cases: ErrorCase[]): void {
  for (const c of cases) {
    it(c.title, () => {
      const err = configError(() => parseConfig(c.text, FILE));
      expect(err.message.split("\n")).to.deep.equal(c.lines);
      expect(err.source).to.equal(FILE);
      expect(err.name).to.equal("ConfigError");
    });
  }
}

const DURATION_HELP = "must be a whole number of days, or a whole number and one unit of s, m, h, d, w (such as 36h or 2w)";
const P1 = `${FILE}: policy #1 "p"`;

describe("config: errors name the file, the policy and the field", () => {
  describe("unknown and missing fields", () => {
    runErrors([
      { title: "an unknown field", text: one({ protected_days: 3 }), lines: [`${P1}, field protected_days: unknown field`] },
      {
        title: "a misspelt field is unknown, and the field it meant is missing",
        text: one({ significant_tag: ["prod"] }, ["significant_tags"]),
        lines: [`${P1}, field significant_tags: is required`, `${P1}, field significant_tag: unknown field; did you mean significant_tags?`],
      },
      { title: "the camelCase spelling is unknown in the file", text: one({ maxDeletions: 5 }), lines: [`${P1}, field maxDeletions: unknown field; did you mean max_deletions?`] },
      { title: "missing name", text: one({}, ["name"]), lines: [`${FILE}: policy #1, field name: is required`] },
      { title: "missing significant_tags", text: one({}, ["significant_tags"]), lines: [`${P1}, field significant_tags: is required`] },
      { title: "missing protected_period", text: one({}, ["protected_period"]), lines: [`${P1}, field protected_period: is required`] },
      { title: "missing protected_count", text: one({}, ["protected_count"]), lines: [`${P1}, field protected_count: is required`] },
      {
        title: "several missing fields are all reported",
        text: yamlOf({ name: "p" }),
        lines: [
          `${P1}, field significant_tags: is required`,
          `${P1}, field protected_period: is required`,
          `${P1}, field protected_count: is required`,
        ],
      },
    ]);
  });

  describe("wrong types", () => {
    runErrors([
      { title: "name is a number", text: one({ name: 5 }), lines: [`${FILE}: policy #1, field name: must be a string`] },
      { title: "protected_count is a string", text: one({ protected_count: "7" }), lines: [`${P1}, field protected_count: must be a whole number >= 0; got "7"`] },
      { title: "protected_count is a fraction", text: one({ protected_count: 1.5 }), lines: [`${P1}, field protected_count: must be a whole number >= 0; got 1.5`] },
      { title: "max_deletions is a string", text: one({ max_deletions: "10" }), lines: [`${P1}, field max_deletions: must be a whole number >= 0; got "10"`] },
      {
        title: "significant_tags is a bare string",
        text: one({ significant_tags: "prod" }),
        lines: [`${P1}, field significant_tags: must be '*' or a list of tag names or globs: write [prod]; got \"prod\"`],
      },
      {
        title: "significant_tags holds a number",
        text: one({ significant_tags: ["prod", 5] }),
        lines: [`${P1}, field significant_tags: must be '*' or a list of tag names or globs (each entry must be a string)`],
      },
      {
        title: "significant_tags is empty",
        text: one({ significant_tags: [] }),
        lines: [`${P1}, field significant_tags: must be '*' or a list of tag names or globs (must list at least one name or glob)`],
      },
      {
        title: "repositories is a string",
        text: one({ repositories: "hello_world" }),
        lines: [`${P1}, field repositories: must be a list of names or globs: write [hello_world]; got "hello_world"`],
      },
      { title: "repositories is a number", text: one({ repositories: 5 }), lines: [`${P1}, field repositories: must be a list of names or globs`] },
      { title: "repositories holds a number", text: one({ repositories: [5] }), lines: [`${P1}, field repositories.0: each entry must be a string`] },
      { title: "repositories is empty", text: one({ repositories: [] }), lines: [`${P1}, field repositories: must list at least one name or glob`] },
      {
        title: "protected_repositories is a string",
        text: one({ protected_repositories: "x" }),
        lines: [`${P1}, field protected_repositories: must be a list of names or globs: write [x]; got "x"`],
      },
      {
        title: "protected_repositories holds an empty name",
        text: one({ protected_repositories: ["ok", ""] }),
        lines: [`${P1}, field protected_repositories.1: entries must not be empty`],
      },
      { title: "protected_period is a boolean", text: one({ protected_period: true }), lines: [`${P1}, field protected_period: ${DURATION_HELP}; got true`] },
      { title: "protected_period is empty (null)", text: one({ protected_period: null }), lines: [`${P1}, field protected_period: ${DURATION_HELP}; got null`] },
      {
        title: "a policy that is not a mapping",
        text: yamlOf(BASE, "just a string" as unknown as Record<string, unknown>),
        lines: [`${FILE}: policy #2: must be a mapping of policy fields`],
      },
    ]);
  });

  describe("negative numbers", () => {
    runErrors([
      { title: "negative protected_count", text: one({ protected_count: -1 }), lines: [`${P1}, field protected_count: must be a whole number >= 0; got -1`] },
      { title: "negative max_deletions", text: one({ max_deletions: -5 }), lines: [`${P1}, field max_deletions: must be a whole number >= 0; got -5`] },
      { title: "negative protected_period (days)", text: one({ protected_period: -1 }), lines: [`${P1}, field protected_period: ${DURATION_HELP}; got -1`] },
      { title: "negative protected_period (duration)", text: one({ protected_period: "-2d" }), lines: [`${P1}, field protected_period: ${DURATION_HELP}; got "-2d"`] },
    ]);
  });

  describe("names", () => {
    runErrors([
      { title: "an empty name", text: one({ name: "" }), lines: [`${FILE}: policy #1, field name: must not be empty`] },
      { title: "a blank name", text: one({ name: "   " }), lines: [`${FILE}: policy #1, field name: must not be empty`] },
      {
        title: "a duplicate name names both positions",
        text: yamlOf({ ...BASE, name: "nightly" }, { ...BASE, name: "weekly" }, { ...BASE, name: "nightly" }),
        lines: [`${FILE}: policy #3 "nightly", field name: duplicates the name of policy #1; names must be unique`],
      },
      {
        title: "names differing only by surrounding spaces are duplicates",
        text: yamlOf({ ...BASE, name: "nightly" }, { ...BASE, name: " nightly " }),
        lines: [`${FILE}: policy #2 "nightly", field name: duplicates the name of policy #1; names must be unique`],
      },
    ]);
  });

  describe("durations", () => {
    const bad: unknown[] = ["7x", "1.5d", "7 d", "1y", "d", "36H", "", 1.5, "P7D"];
    runErrors(
      bad.map((value) => ({
        title: `protected_period ${JSON.stringify(value)} is malformed`,
        text: one({ protected_period: value }),
        lines: [`${P1}, field protected_period: ${DURATION_HELP}; got ${JSON.stringify(value)}`],
      })),
    );
    runErrors([
      {
        title: 'protected_period "7" (a quoted number) says what to write instead',
        text: one({ protected_period: "7" }),
        lines: [`${P1}, field protected_period: a quoted number has no unit: write 7 (days, unquoted) or 7d; got "7"`],
      },
    ]);
    const tooShort: unknown[] = ["23h", "86399s", "1439m", 0, "0d"];
    runErrors(
      tooShort.map((value) => ({
        title: `keep_pulled_within ${JSON.stringify(value)} is under 1d`,
        text: one({ keep_pulled_within: value }),
        lines: [`${P1}, field keep_pulled_within: must be at least 1d (ECR records pulls at most once a day); got ${JSON.stringify(value)}`],
      })),
    );
    runErrors([
      { title: "keep_pulled_within malformed", text: one({ keep_pulled_within: "1 day" }), lines: [`${P1}, field keep_pulled_within: ${DURATION_HELP}; got "1 day"`] },
    ]);
  });

  describe("durations longer than 100 years", () => {
    const tooLong: unknown[] = [36501, "36501d", "5215w", "876001h", "52560001m", "3153600001s"];
    runErrors(
      tooLong.map((value) => ({
        title: `protected_period ${JSON.stringify(value)} is longer than 100 years`,
        text: one({ protected_period: value }),
        lines: [`${P1}, field protected_period: must be at most 100 years (36500d); got ${JSON.stringify(value)}`],
      })),
    );
    runErrors([
      {
        title: "keep_pulled_within 36501d is longer than 100 years",
        text: one({ keep_pulled_within: "36501d" }),
        lines: [`${P1}, field keep_pulled_within: must be at most 100 years (36500d); got "36501d"`],
      },
    ]);
  });

  describe("numbers too large to be exact are too large, not fractions", () => {
    const TOO_LARGE = "is too large to be exact (at most 9007199254740991); got";
    /** One field written as raw YAML, so that the file holds the number exactly as a user would type it. */
    const written = (field: string, text: string) => `${one({}, [field]).trimEnd()}\n  ${field}: ${text}\n`;
    runErrors([
      { title: "protected_count: 1e20", text: written("protected_count", "1e20"), lines: [`${P1}, field protected_count: ${TOO_LARGE} 100000000000000000000`] },
      {
        title: "protected_count: 99999999999999999999",
        text: written("protected_count", "99999999999999999999"),
        lines: [`${P1}, field protected_count: ${TOO_LARGE} 99999999999999999999`],
      },
      {
        title: "max_deletions: 9007199254740993 is quoted as written, not rounded",
        text: written("max_deletions", "9007199254740993"),
        lines: [`${P1}, field max_deletions: ${TOO_LARGE} 9007199254740993`],
      },
      { title: "max_deletions: 9007199254740992", text: written("max_deletions", "9007199254740992"), lines: [`${P1}, field max_deletions: ${TOO_LARGE} 9007199254740992`] },
      { title: "protected_count: .inf", text: written("protected_count", ".inf"), lines: [`${P1}, field protected_count: ${TOO_LARGE} Infinity`] },
      {
        title: "protected_count: -99999999999999999999 is negative",
        text: written("protected_count", "-99999999999999999999"),
        lines: [`${P1}, field protected_count: must be a whole number >= 0; got -99999999999999999999`],
      },
      {
        title: "protected_period: 99999999999999999999",
        text: written("protected_period", "99999999999999999999"),
        lines: [`${P1}, field protected_period: must be at most 100 years (36500d); got 99999999999999999999`],
      },
      {
        title: 'protected_period: "99999999999999999999d"',
        text: written("protected_period", '"99999999999999999999d"'),
        lines: [`${P1}, field protected_period: must be at most 100 years (36500d); got "99999999999999999999d"`],
      },
      { title: "protected_period: 1e20", text: written("protected_period", "1e20"), lines: [`${P1}, field protected_period: must be at most 100 years (36500d); got 100000000000000000000`] },
      { title: "protected_period: .inf", text: written("protected_period", ".inf"), lines: [`${P1}, field protected_period: must be at most 100 years (36500d); got Infinity`] },
      {
        title: "protected_period: -99999999999999999999 is malformed",
        text: written("protected_period", "-99999999999999999999"),
        lines: [`${P1}, field protected_period: ${DURATION_HELP}; got -99999999999999999999`],
      },
      { title: "name: 99999999999999999999 is no string", text: written("name", "99999999999999999999"), lines: [`${FILE}: policy #1, field name: must be a string`] },
      {
        title: "settings.in_use.ecs: 99999999999999999999 is no boolean",
        text: `policies:\n${one({}).replace(/^/gm, "  ").trimEnd()}\nsettings:\n  in_use:\n    ecs: 99999999999999999999\n`,
        lines: [`${FILE}: field settings.in_use.ecs: must be true or false; got 99999999999999999999`],
      },
    ]);

    it("integers up to 2^53 - 1 stay plain numbers (hexadecimal and octal too)", () => {
      const [policy] = parseConfig(written("max_deletions", "9007199254740991").replace("protected_count: 7", "protected_count: 0x10"), FILE).policies;
      expect(policy).to.include({ maxDeletions: Number.MAX_SAFE_INTEGER, protectedCount: 16 });
      expect(parseConfig(written("protected_count", "0o17"), FILE).policies[0].protectedCount).to.equal(15);
    });

    it("the Lambda's JSON configuration: a rounded number is too large as well", () => {
      const err = configError(() => validateConfig(JSON.parse(`[{"name":"p","protected_period":7,"protected_count":99999999999999999999,"significant_tags":"*"}]`), "env", "snake"));
      expect(err.message.split("\n")).to.deep.equal([`env: policy #1 "p", field protected_count: ${TOO_LARGE} 100000000000000000000`]);
    });
  });

  describe("combinations", () => {
    runErrors([
      {
        title: "both repositories and protected_repositories",
        text: one({ repositories: ["a"], protected_repositories: ["b"] }),
        lines: [`${P1}, field repositories: cannot be combined with protected_repositories: use one or the other`],
      },
      {
        title: "both lists are reported together with the policy's other problems",
        text: one({ repositories: ["a"], protected_repositories: ["b"], protected_period: "7x", bogus: 1 }),
        lines: [
          `${P1}, field repositories: cannot be combined with protected_repositories: use one or the other`,
          `${P1}, field protected_period: ${DURATION_HELP}; got "7x"`,
          `${P1}, field bogus: unknown field`,
        ],
      },
      {
        title: "a single policy written as a mapping instead of a list item",
        text: yamlOf(BASE).replace(/^- /, "").replace(/^  /gm, ""),
        lines: [`${FILE}: a single policy must still be a list item: start it with '- name:'`],
      },
      {
        title: "'*' mixed with other tags",
        text: one({ significant_tags: ["*", "prod"] }),
        lines: [`${P1}, field significant_tags: '*' means every tag and cannot be combined with other entries; write '*' alone`],
      },
      {
        title: "problems in several policies are all reported, in order",
        text: yamlOf({ ...BASE, name: "a", protected_count: -1 }, { ...BASE, name: "b" }, { ...BASE, name: "c", protected_period: "1y", extra: 1 }),
        lines: [
          `${FILE}: policy #1 "a", field protected_count: must be a whole number >= 0; got -1`,
          `${FILE}: policy #3 "c", field protected_period: ${DURATION_HELP}; got "1y"`,
          `${FILE}: policy #3 "c", field extra: unknown field`,
        ],
      },
    ]);
  });

  describe("the file and settings", () => {
    const wrap = (settings: string) => `policies:\n${one({}).replace(/^/gm, "  ").trimEnd()}\nsettings:\n${settings}`;
    runErrors([
      {
        title: "invalid YAML",
        text: "- name: p\n  protected_period: [7\n",
        lines: [
          // The `[` is left open on line 2: the parser finds out only at the end of the input (line 3, which is empty).
          `${FILE}: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 22:`,
          "",
          "  protected_period: [7",
          "                     ^",
          "",
        ],
      },
      {
        title: "an unclosed quote points at its line, not the empty one after it",
        text: 'policies:\n  - name: "releases\n\n',
        lines: [`${FILE}: not valid YAML: Missing closing "quote at line 2, column 19:`, "", '  - name: "releases', "                  ^", ""],
      },
      {
        title: "a key given twice is invalid YAML",
        text: "- name: p\n  name: q\n  protected_period: 7\n  protected_count: 7\n  significant_tags: '*'\n",
        lines: [`${FILE}: not valid YAML: Map keys must be unique at line 2, column 3:`, "", "- name: p", "  name: q", "  ^", ""],
      },
      {
        title: "significant_tags: * unquoted (YAML's alias mark) says to quote it",
        text: "policies:\n  - significant_tags: *\n",
        lines: [`${FILE}: not valid YAML: an unquoted * starts a YAML alias: quote it, '*' at line 2, column 23:`, "", "  - significant_tags: *", "                      ^", ""],
      },
      {
        title: "significant_tags: [*] unquoted says to quote it",
        text: "policies:\n  - name: p\n    significant_tags: [*]\n",
        lines: [`${FILE}: not valid YAML: an unquoted * starts a YAML alias: quote it, '*' at line 3, column 24:`, "", "    significant_tags: [*]", "                       ^", ""],
      },
      {
        title: "an unquoted glob that starts with * (an alias of an anchor the file does not set) says to quote it",
        text: "policies:\n  - name: p\n    significant_tags: [dev, *-rc]\n",
        lines: [`${FILE}: not valid YAML: an unquoted *-rc starts a YAML alias: quote it, '*-rc' at line 3, column 29:`, "", "    significant_tags: [dev, *-rc]", "                            ^", ""],
      },
      {
        title: "an empty file",
        text: "",
        lines: [`${FILE}: expected a list of policies, or a mapping with policies: (that list) and an optional settings:`],
      },
      {
        title: "a mapping without policies:",
        text: "settings:\n  in_use:\n    ecs: false\n",
        lines: [`${FILE}: field policies: expected a list of policies, or a mapping with policies: (that list) and an optional settings:`],
      },
      { title: "an empty list of policies", text: "policies: []\n", lines: [`${FILE}: field policies: must hold at least one policy`] },
      {
        title: "an unknown top-level key",
        text: `${wrap("  in_use:\n    ecs: false\n")}dry_run: true\n`,
        lines: [`${FILE}: field dry_run: unknown field`],
      },
      { title: "settings.in_use.ecs: no (a string in YAML 1.2)", text: wrap("  in_use:\n    ecs: no\n"), lines: [`${FILE}: field settings.in_use.ecs: must be true or false; got "no"`] },
      { title: "settings.in_use.lambda: 0", text: wrap("  in_use:\n    lambda: 0\n"), lines: [`${FILE}: field settings.in_use.lambda: must be true or false; got 0`] },
      { title: "an unknown in-use source", text: wrap("  in_use:\n    ec2: false\n"), lines: [`${FILE}: field settings.in_use.ec2: unknown field`] },
      {
        title: "settings.in_use: false",
        text: wrap("  in_use: false\n"),
        lines: [`${FILE}: field settings.in_use: must be a mapping of some of ecs, lambda, eks, app_runner, batch, eks_clusters, ecs_revisions, regions, accounts`],
      },
      { title: "an unknown setting", text: wrap("  inuse:\n    ecs: false\n"), lines: [`${FILE}: field settings.inuse: unknown field; did you mean in_use?`] },
      { title: "settings is not a mapping", text: wrap("  - in_use\n"), lines: [`${FILE}: field settings: must be a mapping (with in_use:)`] },
    ]);
  });

  it("carries structured issues: index, name and field", () => {
    const err = configError(() => parseConfig(yamlOf(BASE, { ...BASE, name: "weekly", protected_count: -2, keep_pulled_within: "2h" }), FILE));
    expect(err.issues).to.deep.equal([
      { policyIndex: 1, policyName: "weekly", field: "protected_count", message: "must be a whole number >= 0; got -2" },
      { policyIndex: 1, policyName: "weekly", field: "keep_pulled_within", message: "must be at least 1d (ECR records pulls at most once a day); got \"2h\"" },
    ]);
  });
});

describe("config: the component's camelCase naming reports camelCase fields", () => {
  const SOURCE = "EcrCleanupPolicy cleanup";
  const CAMEL = { name: "p", protectedPeriod: "7d", protectedCount: 7, significantTags: ["*"] };
  const C1 = `${SOURCE}: policy #1 "p"`;
  const cases: { title: string; raw: unknown; lines: string[] }[] = [
    { title: "malformed protectedPeriod", raw: [{ ...CAMEL, protectedPeriod: "7x" }], lines: [`${C1}, field protectedPeriod: ${DURATION_HELP}; got "7x"`] },
    { title: "negative protectedCount", raw: [{ ...CAMEL, protectedCount: -1 }], lines: [`${C1}, field protectedCount: must be a whole number >= 0; got -1`] },
    {
      title: "'*' mixed in significantTags",
      raw: [{ ...CAMEL, significantTags: ["*", "prod"] }],
      lines: [`${C1}, field significantTags: '*' means every tag and cannot be combined with other entries; write '*' alone`],
    },
    {
      title: "keepPulledWithin under 1d",
      raw: [{ ...CAMEL, keepPulledWithin: "12h" }],
      lines: [`${C1}, field keepPulledWithin: must be at least 1d (ECR records pulls at most once a day); got "12h"`],
    },
    { title: "fractional maxDeletions", raw: [{ ...CAMEL, maxDeletions: 1.5 }], lines: [`${C1}, field maxDeletions: must be a whole number >= 0; got 1.5`] },
    {
      title: "repositories with protectedRepositories",
      raw: [{ ...CAMEL, repositories: ["a"], protectedRepositories: ["b"] }],
      lines: [`${C1}, field repositories: cannot be combined with protectedRepositories: use one or the other`],
    },
    {
      title: "protectedRepositories is not a list",
      raw: [{ ...CAMEL, protectedRepositories: "b" }],
      lines: [`${C1}, field protectedRepositories: must be a list of names or globs: write [b]; got "b"`],
    },
    {
      title: "a snake_case field is unknown, and the camelCase one missing",
      raw: [{ name: "p", protectedPeriod: "7d", protected_count: 7, significantTags: ["*"] }],
      lines: [`${C1}, field protectedCount: is required`, `${C1}, field protected_count: unknown field; did you mean protectedCount?`],
    },
    { title: "missing significantTags", raw: [{ name: "p", protectedPeriod: "7d", protectedCount: 7 }], lines: [`${C1}, field significantTags: is required`] },
    {
      title: "duplicate names",
      raw: [CAMEL, CAMEL],
      lines: [`${SOURCE}: policy #2 "p", field name: duplicates the name of policy #1; names must be unique`],
    },
    {
      title: "settings.inUse",
      raw: { policies: [CAMEL], settings: { inUse: { ecs: "no" } } },
      lines: [`${SOURCE}: field settings.inUse.ecs: must be true or false; got "no"`],
    },
    { title: "settings.in_use is unknown in camelCase", raw: { policies: [CAMEL], settings: { in_use: {} } }, lines: [`${SOURCE}: field settings.in_use: unknown field; did you mean inUse?`] },
    {
      title: "protectedPeriod longer than 100 years",
      raw: [{ ...CAMEL, protectedPeriod: "36501d" }],
      lines: [`${C1}, field protectedPeriod: must be at most 100 years (36500d); got "36501d"`],
    },
    {
      title: "keepPulledWithin longer than 100 years",
      raw: [{ ...CAMEL, keepPulledWithin: "5215w" }],
      lines: [`${C1}, field keepPulledWithin: must be at most 100 years (36500d); got "5215w"`],
    },
    {
      title: 'protectedPeriod "99999999999999999999d"',
      raw: [{ ...CAMEL, protectedPeriod: "99999999999999999999d" }],
      lines: [`${C1}, field protectedPeriod: must be at most 100 years (36500d); got "99999999999999999999d"`],
    },
    {
      title: "protectedCount 1e20 is too large",
      raw: [{ ...CAMEL, protectedCount: 1e20 }],
      lines: [`${C1}, field protectedCount: is too large to be exact (at most 9007199254740991); got 100000000000000000000`],
    },
    {
      title: "maxDeletions 2^53 + 1 (already rounded in JavaScript) is too large",
      raw: [{ ...CAMEL, maxDeletions: Number.MAX_SAFE_INTEGER + 2 }],
      lines: [`${C1}, field maxDeletions: is too large to be exact (at most 9007199254740991); got 9007199254740992`],
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const err = configError(() => validateConfig(c.raw, SOURCE, "camel"));
      expect(err.message.split("\n")).to.deep.equal(c.lines);
    });
  }

  it("accepts settings.inUse", () => {
    const config: Config = validateConfig({ policies: [CAMEL], settings: { inUse: { lambda: false } } }, SOURCE, "camel");
    expect(config.settings).to.deep.equal({ inUse: { ...defaultInUse(), lambda: false } });
  });
});
