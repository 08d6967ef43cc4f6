/**
 * The function's image grants on the repositories the policies govern, as managed policies attached to its role: a
 * role's inline policies share 10,240 characters, so a long list of repositories would not fit there. Each action
 * only where the engine may call it (runtime/iam/repositories.ts, which the CLI's `iam-policy` shares). How many managed policies, and which repositories each holds,
 * is decided when the component is constructed, so that `pulumi preview` shows every one and fails when they cannot fit:
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
import {
  ARCHIVE_IMAGE_ACTION, DELETE_IMAGE_ACTION, knownRepositoryStatement, RepositoryGrant as ImageGrant, repositoryArn, repositoryGrants as imageGrants, repositoryStatement,
} from "../runtime/iam/repositories";
import { AccountScope, policyDocument } from "../runtime/iam/statement";
import { MANAGED_POLICIES_PER_ROLE, MANAGED_POLICY_LIMIT, policySize } from "./iamLimits";

/** ECR's limit on a repository name. */
export const MAX_REPOSITORY_NAME_LENGTH = 256;
/** Longer than any partition (`aws-us-gov`) and region (`ap-southeast-7`) there is, with room to spare. */
const LONGEST_SCOPE: AccountScope = { partition: "p".repeat(12), region: "r".repeat(16), accountId: "123456789012" };

export type RepositoryEntry = pulumi.Input<string>;

/** One statement of image grants whose entries may be names not known yet. */
export type RepositoryGrant = ImageGrant<RepositoryEntry>;

/** The image grants for the component's policy args (runtime/iam/repositories.ts decides which action goes where). */
export function repositoryGrants(policies: readonly Pick<RetentionPolicyArgs, "repositories" | "action">[], deleteAfter: boolean): RepositoryGrant[] {
  return imageGrants<RepositoryEntry>(policies, deleteAfter);
}

/** The most an entry can add to a document: its ARN, quotes and comma. */
function entryCost(entry: RepositoryEntry): number {
  const name = typeof entry === "string" ? entry : "n".repeat(MAX_REPOSITORY_NAME_LENGTH);
  return repositoryArn(LONGEST_SCOPE, name).length + 3;
}

/** Each managed policy: the part of each grant it holds (a grant too long for one goes on in the next). */
export type RepositoryLayout = { policies: RepositoryGrant[][] } | { problem: string };

/** Spreads the grants' entries over as few managed policies as hold them, in order; a problem when the role cannot hold them. */
export function repositoryLayout(grants: readonly RepositoryGrant[]): RepositoryLayout {
  const base = policySize(policyDocument([]));
  const policies: RepositoryGrant[][] = [];
  let size = Infinity;
  for (const grant of grants) {
    // A statement with no resources yet, and the comma before it.
    const opening = policySize(JSON.stringify(repositoryStatement(grant, []))) + 1;
    let part: RepositoryGrant | undefined;
    for (const entry of grant.entries) {
      const cost = entryCost(entry);
      if (size + cost + (part ? 0 : opening) > MANAGED_POLICY_LIMIT) {
        policies.push([]);
        size = base;
        part = undefined;
      }
      if (!part) {
        part = { ...grant, entries: [] };
        policies[policies.length - 1].push(part);
        size += opening;
      }
      part.entries.push(entry);
      size += cost;
    }
  }
  if (policies.length <= MANAGED_POLICIES_PER_ROLE) return { policies };
  const entries = grants.flatMap((g) => g.entries);
  const repositories = new Set(entries).size;
  const pending = new Set(entries.filter((e) => typeof e !== "string")).size;
  const total = entries.reduce((sum, e) => sum + entryCost(e), 0);
  const statements = grants.length > 1 ? `; some in ${grants.length} statements, one per set of actions` : "";
  return {
    problem:
      `the policies name ${repositories} repositories (after dropping those another entry's glob covers${statements}), whose ARNs take up to ${total} characters in IAM policies: ` +
      `${policies.length} managed policies of ${MANAGED_POLICY_LIMIT} characters, more than the ${MANAGED_POLICIES_PER_ROLE} a role may have attached (IAM's default quota)` +
      (pending ? `; ${pending} names not known yet are counted at ECR's maximum of ${MAX_REPOSITORY_NAME_LENGTH} characters (plain strings are counted at their length)` : "") +
      `: name the repositories by globs that cover several of them (such as "team-*"), or split the policies over several EcrCleanupPolicy components`,
  };
}

/** One grant's part of a managed policy, its names known. */
export type KnownGrant = Omit<RepositoryGrant, "entries"> & { names: string[] };

/** One managed policy's document once its names are known; throws when IAM would refuse it. */
export function repositoryPolicyDocument(scope: AccountScope, parts: readonly KnownGrant[]): string {
  const document = policyDocument(parts.map((part) => knownRepositoryStatement(scope, part, part.names)));
  const size = policySize(document);
  if (size > MANAGED_POLICY_LIMIT) throw new Error(`a repository policy takes ${size} characters, more than IAM's ${MANAGED_POLICY_LIMIT} for a managed policy`);
  return document;
}

export interface RepositoryPoliciesArgs {
  scope: pulumi.Output<AccountScope>;
  role: aws.iam.Role;
  /** What to grant where: repositoryGrants. */
  grants: RepositoryGrant[];
  source: string;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** "reads, deletes and archives": what the grants let the function do, for the descriptions. */
export function imageVerbs(grants: readonly RepositoryGrant[]): string {
  const actions = new Set(grants.flatMap((g) => g.actions));
  const done = ["reads", ...(actions.has(DELETE_IMAGE_ACTION) ? ["deletes"] : []), ...(actions.has(ARCHIVE_IMAGE_ACTION) ? ["archives"] : [])];
  return done.length > 1 ? `${done.slice(0, -1).join(", ")} and ${done[done.length - 1]}` : done[0];
}

/**
 * `${name}-repositories-<n>` (aws.iam.Policy) and `${name}-repositories-<n>-attachment`, n from 1. Returns the
 * attachments, which the first run needs.
 */
export function createRepositoryPolicies(name: string, args: RepositoryPoliciesArgs, parent: pulumi.Resource): pulumi.Resource[] {
  const layout = repositoryLayout(args.grants);
  if ("problem" in layout) throw new pulumi.ResourceError(`${args.source}: ${layout.problem}`, parent);
  const does = imageVerbs(args.grants);
  return layout.policies.map((parts, i) => {
    const policyName = `${name}-repositories-${i + 1}`;
    const known = pulumi.all(parts.map((part) => pulumi.all(part.entries)));
    const policy = new aws.iam.Policy(policyName, {
      description: `ecr-cleanup function of ${name}: ${does} images in the repositories its policies govern (part ${i + 1})`,
      policy: pulumi.all([args.scope, known]).apply(([scope, names]) => {
        try {
          return repositoryPolicyDocument(scope, parts.map((part, j) => ({ sid: part.sid, actions: part.actions, names: names[j] })));
        } catch (err) {
          throw new pulumi.ResourceError(`${args.source}: ${(err as Error).message}`, parent);
        }
      }),
      tags: args.tags,
    }, { parent });
    return new aws.iam.RolePolicyAttachment(`${policyName}-attachment`, { role: args.role.name, policyArn: policy.arn }, { parent });
  });
}
