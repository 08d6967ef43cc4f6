/**
 * A misspelled or misplaced flag, for every command: the flag named plainly, the one probably meant, exit 2, the
 * command's usage and nothing on stdout. Never node's advice about positional arguments after `--`, which a
 * misspelled flag never needs.
 */
import { expect } from "chai";
import { runCli } from "./support/cli";

// No AWS settings: a usage error is found before anything is called.
const ENV = { PATH: process.env.PATH ?? "" };

const cases: [string, string[], string, string][] = [
  ["the dry run: --confg", ["--confg", "p.yaml"], "ecr-cleanup: Unknown option --confg (did you mean --config?)", "Usage: ecr-cleanup --config FILE"],
  ["the dry run: --plan-ot", ["--config", "p.yaml", "--plan-ot", "plan.json"], "ecr-cleanup: Unknown option --plan-ot (did you mean --plan-out?)", "Usage: ecr-cleanup --config FILE"],
  ["the dry run: a flag like no other", ["--config", "p.yaml", "--force"], "ecr-cleanup: Unknown option --force", "Usage: ecr-cleanup --config FILE"],
  ["the dry run: an unknown short flag", ["--config", "p.yaml", "-x"], "ecr-cleanup: Unknown option -x", "Usage: ecr-cleanup --config FILE"],
  ["apply: --confg", ["apply", "plan.json", "--confg", "policies.yaml"], "ecr-cleanup: Unknown option --confg (did you mean --config?)", "Usage: ecr-cleanup apply PLAN"],
  ["apply: --confg=FILE", ["apply", "plan.json", "--confg=policies.yaml"], "ecr-cleanup: Unknown option --confg (did you mean --config?)", "Usage: ecr-cleanup apply PLAN"],
  ["apply: --expect-sha265", ["apply", "plan.json", "--expect-sha265", "00"], "ecr-cleanup: Unknown option --expect-sha265 (did you mean --expect-sha256?)", "Usage: ecr-cleanup apply PLAN"],
  ["apply: --now", ["apply", "plan.json", "--now", "2026-01-01T00:00:00Z"],
    "ecr-cleanup: Unknown option --now: apply uses the plan's own now (give --now to the dry run that writes the plan)", "Usage: ecr-cleanup apply PLAN"],
  ["restore: --repositry", ["restore", "--repositry", "shop", "--tag", "v1"], "ecr-cleanup restore: Unknown option --repositry (did you mean --repository?)", "Usage: ecr-cleanup restore"],
  ["doctor: --confg", ["doctor", "--confg", "p.yaml"], "ecr-cleanup doctor: Unknown option --confg (did you mean --config?)", "Usage: ecr-cleanup doctor"],
  ["iam-policy: --apply-onyl", ["iam-policy", "--config", "p.yaml", "--apply-onyl"], "ecr-cleanup iam-policy: Unknown option --apply-onyl (did you mean --apply-only?)", "Usage: ecr-cleanup iam-policy"],
];

describe("an unknown flag, in every command", function () {
  this.timeout(30_000);
  for (const [title, args, first, usage] of cases) {
    it(`${title}: exit 2, the flag it probably meant, the usage`, async () => {
      const result = await runCli(args, ENV);
      expect(result.stderr.split("\n")[0]).to.equal(first);
      expect(result.stderr).to.include(usage);
      expect(result.stderr).not.to.include("positional argument");
      expect([result.code, result.stdout]).to.deep.equal([2, ""]);
    });
  }
});
