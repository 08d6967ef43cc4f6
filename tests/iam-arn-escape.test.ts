/**
 * A repository entry goes into an IAM ARN as the planner reads it: `*` and `?` are wildcards in both, but `$` starts
 * a policy variable in IAM (`${aws:username}`, `${aws:PrincipalTag/team}`), which the planner reads as the literal
 * character. Unescaped, `ci-${aws:PrincipalTag/team}` granted delete on whatever repository the caller's tag named,
 * while the planner governed none: the grant was wider than the policies. `$` is written `${$}`, IAM's literal `$`.
 */
import { expect } from "chai";
import { validateConfig } from "../runtime/config/schema";
import { cliPolicy } from "../runtime/iam/cliPolicy";
import { repositoryArn } from "../runtime/iam/repositories";

const SCOPE = { partition: "aws", region: "us-east-1", accountId: "123456789012" };
const ARN = "arn:aws:ecr:us-east-1:123456789012:repository/";

describe("repository entries in IAM ARNs", () => {
  const table: [string, string][] = [
    ["app", "app"],
    ["team/*", "team/*"],
    ["app-?", "app-?"],
    ["ci-${aws:PrincipalTag/team}", "ci-${$}{aws:PrincipalTag/team}"],
    ["${aws:username}/*", "${$}{aws:username}/*"],
    ["a$b", "a${$}b"],
  ];
  for (const [entry, resource] of table) {
    it(`${JSON.stringify(entry)} is granted as repository/${resource}`, () => {
      expect(repositoryArn(SCOPE, entry)).to.equal(`${ARN}${resource}`);
    });
  }

  it("iam-policy's delete grant names the entry literally, never a policy variable", () => {
    const config = validateConfig({ policies: [{ name: "p", significant_tags: "*", protected_period: "7d", protected_count: 2, repositories: ["ci-${aws:username}"] }] }, "t");
    const resources = cliPolicy(config, SCOPE).Statement.filter((s) => s.Sid !== "ListRepositories" && JSON.stringify(s.Resource).includes(":repository/")).map((s) => s.Resource);
    expect(resources).to.not.be.empty;
    for (const resource of resources) expect(resource).to.deep.equal([`${ARN}ci-\${$}{aws:username}`]);
  });
});
