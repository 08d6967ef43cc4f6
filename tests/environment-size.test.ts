/**
 * Lambda's 4 KB environment, measured as Lambda measures it (issue 13): the JSON of the whole variables map, where
 * each key and value is quoted and every quote inside a value (the policies are JSON) costs two bytes.
 */
import { expect } from "chai";
import { environmentSize, environmentSizeProblem, LAMBDA_ENVIRONMENT_LIMIT } from "../component/policyConfig";

const CURSOR = "ecr-retention-cursor-0a1b2c3";

/** The issue's example: 26 policies, with the cursor parameter's name of a first deployment. */
function variables(count: number, settings?: Record<string, unknown>, cursor = CURSOR): Record<string, string> {
  const policies = Array.from({ length: count }, (_, i) => ({
    name: `policy-${i}`,
    significant_tags: ["dev", "rc", "prod"],
    protected_period: "4w",
    protected_count: 5,
    repositories: [`team-${i}/api`, `team-${i}/web`],
  }));
  return {
    ECR_CLEANUP_CONFIG: JSON.stringify({ policies, ...(settings ? { settings } : {}) }),
    ECR_CLEANUP_DRY_RUN: "true",
    ECR_CLEANUP_CONCURRENCY: "8",
    ECR_CLEANUP_CURSOR_PARAMETER: cursor,
  };
}

/** The count the component used before: keys and values, no quotes, no escapes. */
const keysAndValues = (v: Record<string, string>) => Object.entries(v).reduce((sum, [k, x]) => sum + Buffer.byteLength(k) + Buffer.byteLength(x), 0);

describe("Lambda's environment size", () => {
  it("the issue's example: 26 policies, 3,979 bytes by keys and values, 4,630 as Lambda counts them: refused", () => {
    const v = variables(26);
    expect(keysAndValues(v)).to.equal(3979);
    expect(environmentSize(v)).to.equal(4630);
    expect(environmentSizeProblem(v)).to.match(/^the function's environment takes 4630 bytes as Lambda counts them .*more than Lambda's limit of 4096 bytes \(4 KB\): the 26 policies \d+, the variables' names, the other values \(ECR_CLEANUP_DRY_RUN, ECR_CLEANUP_CONCURRENCY and ECR_CLEANUP_CURSOR_PARAMETER\) and the JSON around them \d+: split the policies over several EcrCleanupPolicy components$/);
  });

  it("accepts a map of exactly 4,096 bytes as Lambda counts them, and refuses one byte more", () => {
    const base = variables(22, undefined, "");
    const pad = LAMBDA_ENVIRONMENT_LIMIT - environmentSize(base);
    expect(pad).to.be.within(1, 200);
    const exact = variables(22, undefined, "c".repeat(pad));
    expect(environmentSize(exact)).to.equal(4096);
    expect(environmentSizeProblem(exact)).to.equal(undefined);
    expect(environmentSizeProblem(variables(22, undefined, "c".repeat(pad + 1)))).to.match(/takes 4097 bytes/);
  });

  it("counts quotes and backslashes inside values twice, and non-ASCII characters in UTF-8", () => {
    expect(environmentSize({ A: 'x"y' })).to.equal('{"A":"x\\"y"}'.length);
    expect(environmentSize({ A: "é" })).to.equal('{"A":""}'.length + 2);
  });

  it("says what takes the space: the policies, each settings key, and the rest, which add up to the total", () => {
    const inUse = { ecs: false, eks_clusters: Array.from({ length: 60 }, (_, i) => `arn:aws:eks:eu-west-1:123456789012:cluster/c${i}`) };
    const v = variables(10, { in_use: inUse });
    const problem = environmentSizeProblem(v)!;
    const [, total, policies, settings, rest] = /takes (\d+) bytes.*: the 10 policies (\d+), settings\.in_use (\d+), .* and the JSON around them (\d+): split the policies over several EcrCleanupPolicy components, or shorten the settings$/.exec(problem)!;
    expect(Number(policies) + Number(settings) + Number(rest)).to.equal(Number(total));
    expect(Number(settings)).to.equal(JSON.stringify(JSON.stringify(inUse)).length - 2);
  });
});
