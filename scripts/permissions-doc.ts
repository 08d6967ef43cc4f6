/**
 * Writes the generated parts of docs/permissions.md from the functions that build the policies themselves
 * (runtime/iam/, component/iam.ts), for one example policy file: the CLI's policy as `ecr-cleanup iam-policy` prints
 * it, and the component's function role. `npm run docs:permissions` rewrites the page; tests/permissions-doc.test.ts
 * fails when the page differs from what this would write. Each generated part sits between
 * `<!-- generated: NAME -->` and `<!-- end generated: NAME -->`; the prose around them is written by hand.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanerPolicyDocument } from "../component/iam";
import { repositoryGrants } from "../component/repositoryPolicies";
import { parseConfig } from "../runtime/config/load";
import { cliPolicy } from "../runtime/iam/cliPolicy";
import { knownRepositoryStatement } from "../runtime/iam/repositories";
import { AccountScope, policyDocument } from "../runtime/iam/statement";

/** The example the page shows: a delete policy and an archive policy, every in-use source on (the default). */
export const EXAMPLE_POLICY_FILE = `policies:
  - name: releases
    repositories: [hello-world, "team-a/*"]
    significant_tags: [v*]
    protected_period: 30d
    protected_count: 5
  - name: media
    action: archive
    repositories: ["media/*"]
    significant_tags: ["*"]
    protected_period: 90d
    protected_count: 3
`;

/** The page's placeholders for what differs between accounts. */
const SCOPE: AccountScope = { partition: "PARTITION", region: "REGION", accountId: "ACCOUNT" };

const json = (value: unknown) => `\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;

/** Each generated block's Markdown, by name. */
export function generatedBlocks(): Record<string, string> {
  const config = parseConfig(EXAMPLE_POLICY_FILE, "policies.yaml");
  const functionPolicy = cleanerPolicyDocument({
    scope: SCOPE,
    policies: config.policies,
    settings: config.settings,
    logGroupArn: "arn:PARTITION:logs:REGION:ACCOUNT:log-group:/aws/lambda/FUNCTION",
    cursorParameterArn: "arn:PARTITION:ssm:REGION:ACCOUNT:parameter/CURSOR",
  });
  const grants = repositoryGrants(config.policies, false);
  const repositories = policyDocument(grants.map((g) => knownRepositoryStatement(SCOPE, g, g.entries.map(String))));
  return {
    "example-policy-file": `\`\`\`yaml\n${EXAMPLE_POLICY_FILE}\`\`\``,
    "cli-policy": json(cliPolicy(config, SCOPE)),
    "cli-apply-only": json(cliPolicy(config, SCOPE, { applyOnly: true })),
    "function-policy": json(JSON.parse(functionPolicy)),
    "repository-policy": json(JSON.parse(repositories)),
  };
}

/** The page with every generated block filled in; throws when a block's markers are missing or the page names an unknown one. */
export function permissionsPage(current: string): string {
  const blocks = generatedBlocks();
  const seen = new Set<string>();
  const page = current.replace(/<!-- generated: ([a-z-]+) -->\n[\s\S]*?<!-- end generated: \1 -->/g, (_all, name: string) => {
    if (!(name in blocks)) throw new Error(`docs/permissions.md: no generated block named ${name}`);
    seen.add(name);
    return `<!-- generated: ${name} -->\n${blocks[name]}\n<!-- end generated: ${name} -->`;
  });
  const missing = Object.keys(blocks).filter((name) => !seen.has(name));
  if (missing.length) throw new Error(`docs/permissions.md lacks the generated blocks ${missing.join(", ")}: add <!-- generated: NAME --> and <!-- end generated: NAME --> lines`);
  return page;
}

export const PERMISSIONS_PAGE = join(__dirname, "../../docs/permissions.md");

if (require.main === module) {
  const current = readFileSync(PERMISSIONS_PAGE, "utf8");
  const page = permissionsPage(current);
  if (page === current) console.log("docs/permissions.md is up to date");
  else {
    writeFileSync(PERMISSIONS_PAGE, page);
    console.log("docs/permissions.md written");
  }
}
