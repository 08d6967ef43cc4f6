/**
 * The function's image grants (read and delete) on the repositories the policies govern, as managed policies attached
 * to its role: a role's inline policies share 10,240 characters, so a long list of repositories would not fit there.
 * How many managed policies, and which repositories each holds, is decided when the component is constructed, so
 * that `pulumi preview` shows every one and fails when they cannot fit:
 * - names and globs known then are reduced to the fewest entries that grant the same (repositoryPatterns.ts) and
 *   counted at their length;
 * - a name that is still an Output (`repo.name` of a repository not created yet) is counted at ECR's maximum of 256
 *   characters, so whatever it turns out to be, its policy fits;
 * - the ARN prefix is counted at a partition and region longer than any there is.
 * Each document is measured again once its values are known, and refused (ResourceError) if IAM would refuse it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RetentionPolicyArgs } from "./args";
import { AccountScope, IMAGE_ACTIONS, policyDocument, repositoryArn, Statement } from "./iam";
import { MANAGED_POLICIES_PER_ROLE, MANAGED_POLICY_LIMIT, policySize } from "./iamLimits";
import { minimalPatterns } from "./repositoryPatterns";

/** ECR's limit on a repository name. */
export const MAX_REPOSITORY_NAME_LENGTH = 256;
/** Longer than any partition (`aws-us-gov`) and region (`ap-southeast-7`) there is, with room to spare. */
const LONGEST_SCOPE: AccountScope = { partition: "p".repeat(12), region: "r".repeat(16), accountId: "123456789012" };

export type RepositoryEntry = pulumi.Input<string>;

/** The repositories the policies govern: every one as soon as a policy governs all but its protected ones, or all. */
export function governedEntries(policies: readonly Pick<RetentionPolicyArgs, "repositories">[]): RepositoryEntry[] {
  if (policies.some((p) => !p.repositories)) return ["*"];
  const entries = policies.flatMap((p) => p.repositories ?? []);
  const known = entries.filter((e): e is string => typeof e === "string");
  return [...minimalPatterns(known), ...entries.filter((e) => typeof e !== "string")];
}

export function repositoryStatement(arns: string[], actions: readonly string[] = IMAGE_ACTIONS): Statement {
  return { Sid: "CleanGovernedRepositories", Effect: "Allow", Action: [...actions], Resource: arns };
}

/** The most an entry can add to a document: its ARN, quotes and comma. */
function entryCost(entry: RepositoryEntry): number {
  const name = typeof entry === "string" ? entry : "n".repeat(MAX_REPOSITORY_NAME_LENGTH);
  return repositoryArn(LONGEST_SCOPE, name).length + 3;
}

export type RepositoryLayout = { policies: RepositoryEntry[][] } | { problem: string };

/** Spreads the entries over as few managed policies as hold them, in order; a problem when the role cannot hold them. */
export function repositoryLayout(entries: RepositoryEntry[], actions: readonly string[] = IMAGE_ACTIONS): RepositoryLayout {
  const base = policySize(policyDocument([repositoryStatement([], actions)]));
  const policies: RepositoryEntry[][] = [];
  let size = Infinity;
  for (const entry of entries) {
    const cost = entryCost(entry);
    if (size + cost > MANAGED_POLICY_LIMIT) {
      policies.push([]);
      size = base;
    }
    policies[policies.length - 1].push(entry);
    size += cost;
  }
  if (policies.length <= MANAGED_POLICIES_PER_ROLE) return { policies };
  const pending = entries.filter((e) => typeof e !== "string").length;
  const total = entries.reduce((sum, e) => sum + entryCost(e), 0);
  return {
    problem:
      `the policies name ${entries.length} repositories (after dropping those another entry's glob covers), whose ARNs take up to ${total} characters in IAM policies: ` +
      `${policies.length} managed policies of ${MANAGED_POLICY_LIMIT} characters, more than the ${MANAGED_POLICIES_PER_ROLE} a role may have attached (IAM's default quota)` +
      (pending ? `; ${pending} names not known yet are counted at ECR's maximum of ${MAX_REPOSITORY_NAME_LENGTH} characters (plain strings are counted at their length)` : "") +
      `: name the repositories by globs that cover several of them (such as "team-*"), or split the policies over several EcrCleanupPolicy components`,
  };
}

/** One managed policy's document once its names are known; throws when IAM would refuse it. */
export function repositoryPolicyDocument(scope: AccountScope, names: string[], actions: readonly string[] = IMAGE_ACTIONS): string {
  const arns = [...new Set(names)].sort().map((name) => repositoryArn(scope, name));
  const document = policyDocument([repositoryStatement(arns, actions)]);
  const size = policySize(document);
  if (size > MANAGED_POLICY_LIMIT) throw new Error(`a repository policy takes ${size} characters, more than IAM's ${MANAGED_POLICY_LIMIT} for a managed policy`);
  return document;
}

export interface RepositoryPoliciesArgs {
  scope: pulumi.Output<AccountScope>;
  role: aws.iam.Role;
  entries: RepositoryEntry[];
  source: string;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The image actions granted; defaults to IMAGE_ACTIONS. */
  actions?: readonly string[];
}

/**
 * `${name}-repositories-<n>` (aws.iam.Policy) and `${name}-repositories-<n>-attachment`, n from 1. Returns the
 * attachments, which the first run needs.
 */
export function createRepositoryPolicies(name: string, args: RepositoryPoliciesArgs, parent: pulumi.Resource): pulumi.Resource[] {
  const actions = args.actions ?? IMAGE_ACTIONS;
  const layout = repositoryLayout(args.entries, actions);
  if ("problem" in layout) throw new pulumi.ResourceError(`${args.source}: ${layout.problem}`, parent);
  return layout.policies.map((entries, i) => {
    const policyName = `${name}-repositories-${i + 1}`;
    const policy = new aws.iam.Policy(policyName, {
      description: `ecr-cleanup function of ${name}: reads and deletes images in the repositories its policies govern (part ${i + 1})`,
      policy: pulumi.all([args.scope, pulumi.all(entries)]).apply(([scope, names]) => {
        try {
          return repositoryPolicyDocument(scope, names, actions);
        } catch (err) {
          throw new pulumi.ResourceError(`${args.source}: ${(err as Error).message}`, parent);
        }
      }),
      tags: args.tags,
    }, { parent });
    return new aws.iam.RolePolicyAttachment(`${policyName}-attachment`, { role: args.role.name, policyArn: policy.arn }, { parent });
  });
}
