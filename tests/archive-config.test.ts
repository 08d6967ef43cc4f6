/** Archive mode's configuration: exact messages and canonical settings. */
import { expect } from "chai";
import { configJson } from "../component/policyConfig";
import { ConfigError } from "../runtime/config/errors";
import { validateConfig } from "../runtime/config/schema";

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
    expect(messages({ policies: [base], settings: { archive: { deleteAfter: "90d" } } })).to.deep.equal(["settings.archive.deleteAfter: unknown field"]);
    expect(messages({ policies: [base], settings: { archive: "90d" } })).to.deep.equal(["settings.archive: must be a mapping with keep_restored_for: and delete_after: (durations)"]);
  });

  it("the component's camelCase action reaches the function's configuration", () => {
    const camel = { name: "p", significantTags: ["*"], protectedPeriod: "1d", protectedCount: 1, action: "archive" };
    expect(validateConfig([camel], "t", "camel").policies[0].action).to.equal("archive");
    expect(JSON.parse(configJson([camel])).policies[0].action).to.equal("archive");
    expect(messages([{ ...camel, action: "trash" }], "camel")).to.deep.equal(['action: must be delete or archive; got "trash"']);
  });
});
