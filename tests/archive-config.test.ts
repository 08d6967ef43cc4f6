/** Archive mode's configuration: exact messages and canonical settings, in the YAML and in the component's args. */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { EcrCleanupPolicy, EcrCleanupPolicyArgs } from "../component";
import { archiveArgsSettings, archiveYaml, namedByArg } from "../component/archiveSettings";
import { configJson, LAMBDA_ENVIRONMENT_LIMIT } from "../component/policyConfig";
import { ConfigError } from "../runtime/config/errors";
import { validateConfig } from "../runtime/config/schema";
import { deploy, RELEASES, T } from "./support/component-under-mocks";
import { Recorder } from "./support/pulumi-mocks";

const DAY = 86_400_000;
const base = { name: "p", significant_tags: "*", protected_period: 1, protected_count: 1 };

function messages(raw: unknown, naming: "snake" | "camel" = "snake"): string[] {
  try {
    validateConfig(raw, "policies.yaml", naming);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.field ?? ""}: ${i.message}`);
    throw err;
  }
  return [];
}

describe("archive mode: configuration", () => {
  it("action is delete (the default) or archive", () => {
    expect(validateConfig([base], "t").policies[0].action).to.equal(undefined);
    expect(validateConfig([{ ...base, action: "delete" }], "t").policies[0].action).to.equal(undefined);
    expect(validateConfig([{ ...base, action: "archive" }], "t").policies[0].action).to.equal("archive");
    expect(messages([{ ...base, action: "Archive" }])).to.deep.equal(['action: must be delete or archive; got "Archive"']);
    expect(messages([{ ...base, action: true }])).to.deep.equal(["action: must be delete or archive; got true"]);
  });

  it("settings.archive: keep_restored_for (default 30d) and delete_after (at least 90d)", () => {
    const settings = (archive: unknown) => validateConfig({ policies: [base], settings: { archive } }, "t").settings.archive;
    expect(settings({})).to.deep.equal({ keepRestoredForMs: 30 * DAY });
    expect(settings({ keep_restored_for: "7d", delete_after: "90d" })).to.deep.equal({ keepRestoredForMs: 7 * DAY, deleteAfterMs: 90 * DAY });
    expect(validateConfig({ policies: [base] }, "t").settings.archive).to.equal(undefined);
    expect(messages({ policies: [base], settings: { archive: { delete_after: "89d" } } })).to.deep.equal([
      'settings.archive.delete_after: must be at least 90d (ECR charges archived images for at least 90 days); got "89d"',
    ]);
    expect(messages({ policies: [base], settings: { archive: { delete_after: "2159h" } } })).to.have.length(1);
    expect(messages({ policies: [base], settings: { archive: { delete_after: "2160h" } } })).to.deep.equal([]);
    expect(messages({ policies: [base], settings: { archive: { deleteAfter: "90d" } } })).to.deep.equal(["settings.archive.deleteAfter: unknown field; did you mean delete_after?"]);
    expect(messages({ policies: [base], settings: { archive: "90d" } })).to.deep.equal(["settings.archive: must be a mapping with keep_restored_for: and delete_after: (durations)"]);
  });

  it("the component's camelCase action reaches the function's configuration", () => {
    const camel = { name: "p", significantTags: ["*"], protectedPeriod: "1d", protectedCount: 1, action: "archive" };
    expect(validateConfig([camel], "t", "camel").policies[0].action).to.equal("archive");
    expect(JSON.parse(configJson([camel])).policies[0].action).to.equal("archive");
    expect(messages([{ ...camel, action: "trash" }], "camel")).to.deep.equal(['action: must be delete or archive; got "trash"']);
  });

  describe("the component's archiveKeepRestoredFor and archiveDeleteAfter", () => {
    const archiving = { ...RELEASES, action: "archive" };
    const configOf = async (args: Partial<EcrCleanupPolicyArgs>) => {
      const { rec } = await deploy("archive-args", { policies: [archiving], ...args });
      return rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG as string;
    };

    it("maps the args to settings.archive and back to the YAML's keys, only those given", () => {
      const table: [Partial<Record<"archiveKeepRestoredFor" | "archiveDeleteAfter", string>>, unknown, unknown][] = [
        [{}, undefined, undefined],
        [{ archiveKeepRestoredFor: "14d" }, { keepRestoredFor: "14d" }, { keep_restored_for: "14d" }],
        [{ archiveDeleteAfter: "2160h" }, { deleteAfter: "2160h" }, { delete_after: "2160h" }],
        [{ archiveKeepRestoredFor: "1w", archiveDeleteAfter: "52w" }, { keepRestoredFor: "1w", deleteAfter: "52w" }, { keep_restored_for: "1w", delete_after: "52w" }],
      ];
      for (const [args, settings, yaml] of table) {
        expect(archiveArgsSettings(args), JSON.stringify(args)).to.deep.equal(settings);
        expect(archiveYaml(archiveArgsSettings(args)), JSON.stringify(args)).to.deep.equal(yaml);
      }
    });

    it("names the arg in an issue of settings.archive, and leaves every other issue as it is", () => {
      const table: [string | undefined, string | undefined][] = [
        ["settings.archive.deleteAfter", "archiveDeleteAfter"],
        ["settings.archive.keepRestoredFor", "archiveKeepRestoredFor"],
        ["settings.archive.other", "settings.archive.other"],
        ["settings.inUse.ecs", "settings.inUse.ecs"],
        ["protectedPeriod", "protectedPeriod"],
        [undefined, undefined],
      ];
      for (const [field, named] of table) expect(namedByArg({ field, message: "m" })).to.deep.equal({ field: named, message: "m" });
    });

    it("reach the function's configuration as settings.archive, as written, and the function reads them as the CLI does", async () => {
      const policy = { name: "releases", significant_tags: ["dev", "rc", "prod"], protected_period: "365d", protected_count: 13, repositories: ["hello-world", "team/*"], action: "archive" };
      const both = await configOf({ archiveKeepRestoredFor: "14d", archiveDeleteAfter: "180d" });
      expect(both).to.equal(JSON.stringify({ policies: [policy], settings: { archive: { keep_restored_for: "14d", delete_after: "180d" } } }));
      expect(validateConfig(JSON.parse(both), "ECR_CLEANUP_CONFIG").settings.archive).to.deep.equal({ keepRestoredForMs: 14 * DAY, deleteAfterMs: 180 * DAY });
      // Neither given: no settings.archive, so the validator's defaults (30d, archived images left alone).
      const neither = await configOf({});
      expect(neither).to.equal(JSON.stringify({ policies: [policy] }));
      expect(validateConfig(JSON.parse(neither), "ECR_CLEANUP_CONFIG").settings.archive).to.equal(undefined);
      // Beside the in-use settings.
      expect(await configOf({ inUseBatch: false, archiveDeleteAfter: "90d" })).to.equal(
        JSON.stringify({ policies: [policy], settings: { in_use: { batch: false }, archive: { delete_after: "90d" } } }));
    });

    it("a bad value fails construction (pulumi preview) with the CLI's message, naming the arg", async () => {
      await new Recorder().install();
      const construct = (args: Partial<EcrCleanupPolicyArgs>) => () => new EcrCleanupPolicy("bad", { policies: [archiving], ...args });
      const cli = (archive: Record<string, string>) => messages({ policies: [base], settings: { archive } });
      expect(cli({ delete_after: "89d" })).to.deep.equal(['settings.archive.delete_after: must be at least 90d (ECR charges archived images for at least 90 days); got "89d"']);
      expect(construct({ archiveDeleteAfter: "89d" })).to.throw(pulumi.ResourceError,
        'EcrCleanupPolicy "bad": field archiveDeleteAfter: must be at least 90d (ECR charges archived images for at least 90 days); got "89d"');
      expect(cli({ keep_restored_for: "soon" })).to.deep.equal(['settings.archive.keep_restored_for: must be a whole number of days, or a whole number and one unit of s, m, h, d, w (such as 36h or 2w); got "soon"']);
      expect(construct({ archiveKeepRestoredFor: "soon" })).to.throw(pulumi.ResourceError,
        'EcrCleanupPolicy "bad": field archiveKeepRestoredFor: must be a whole number of days, or a whole number and one unit of s, m, h, d, w (such as 36h or 2w); got "soon"');
      // Both at once, with a policy's problem: every one named.
      expect(construct({ policies: [{ ...archiving, protectedCount: -1 }], archiveDeleteAfter: "1d", archiveKeepRestoredFor: "36501d" })).to.throw(pulumi.ResourceError,
        /policy #1 "releases", field protectedCount: must be a whole number >= 0; got -1\n.*field archiveKeepRestoredFor: must be at most 100 years \(36500d\); got "36501d"\n.*field archiveDeleteAfter: must be at least 90d/);
    });

    it("count in the function's 4 KB environment: the error names settings.archive's share", async () => {
      await new Recorder().install();
      // Policies that leave 10 bytes of the 4 KB, then a delete_after that takes more.
      const policies = Array.from({ length: 15 }, (_, i) => ({ ...archiving, name: `archive policy ${i}` }));
      const variables = (archive?: { deleteAfter: string }) => ({
        ECR_CLEANUP_CONFIG: configJson(policies as never, undefined, archive), ECR_CLEANUP_DRY_RUN: "true", ECR_CLEANUP_CONCURRENCY: "8", ECR_CLEANUP_CURSOR_PARAMETER: "",
        // The reports' bucket and topic count as empty until their names are known.
        ECR_CLEANUP_REPORTS_BUCKET: "", ECR_CLEANUP_NOTIFY_TOPIC: "", ECR_CLEANUP_NOTIFY: "changes",
      });
      const size = (archive?: { deleteAfter: string }) => Buffer.byteLength(JSON.stringify(variables(archive)));
      policies[0].name += "x".repeat(LAMBDA_ENVIRONMENT_LIMIT - 10 - size());
      expect(size()).to.equal(LAMBDA_ENVIRONMENT_LIMIT - 10);
      expect(() => new EcrCleanupPolicy("size", { policies })).to.not.throw();
      const over = size({ deleteAfter: "90d" });
      expect(over).to.be.greaterThan(LAMBDA_ENVIRONMENT_LIMIT);
      expect(() => new EcrCleanupPolicy("size", { policies, archiveDeleteAfter: "90d" })).to.throw(pulumi.ResourceError,
        new RegExp(`^EcrCleanupPolicy "size": the function's environment takes ${over} bytes as Lambda counts them .*: the 15 policies \\d+, settings\\.archive \\d+, .*or shorten the settings$`));
    });
  });
});
