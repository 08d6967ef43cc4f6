/**
 * The image grants on the repositories the policies govern, each action only where the engine may call it: the reads
 * on every governed repository; BatchDeleteImage on the repositories of delete policies, or on every governed one when
 * settings.archive.delete_after is set (it expires archived images wherever it finds them, whoever archived them);
 * UpdateImageStorageClass on the repositories of archive policies (their archives, and the restores of members whose
 * holder changed). A policy with protected_repositories, or with neither list, governs every repository: `*`.
 * Entries are generic so that the component can pass names that are not known yet (Pulumi outputs) through unchanged.
 */
import type { AccountScope, Statement } from "./statement";
import { minimalPatterns } from "./repositoryPatterns";

/** What a run does in every governed repository: describe images, read index manifests. */
export const READ_IMAGE_ACTIONS = ["ecr:BatchGetImage", "ecr:DescribeImages"];
/** Deletes images: where a delete policy governs, or settings.archive.delete_after expires archived images. */
export const DELETE_IMAGE_ACTION = "ecr:BatchDeleteImage";
/** Archives images (and restores members whose holder changed): where an archive policy governs. */
export const ARCHIVE_IMAGE_ACTION = "ecr:UpdateImageStorageClass";

/** Lists every repository, to match names and globs (and to report a named one that does not exist): it takes no resource. */
export function listRepositoriesStatement(): Statement {
  return { Sid: "ListRepositories", Effect: "Allow", Action: "ecr:DescribeRepositories", Resource: "*" };
}

/**
 * The repository ARN for a name or glob: the policy globs (`*` any run of characters, `/` included; `?` one
 * character) mean what IAM's ARN wildcards mean, so they carry over unchanged. `$` is written `${$}`: in IAM it starts
 * a policy variable (`${aws:username}`), which would grant on repositories the planner never governs.
 */
export function repositoryArn(scope: AccountScope, nameOrGlob: string): string {
  return `arn:${scope.partition}:ecr:${scope.region}:${scope.accountId}:repository/${nameOrGlob.replace(/\$/g, () => "${$}")}`;
}

/** What the grants read of a policy (the CLI's policies and the component's args both have these). */
export interface GrantedPolicy<E> {
  repositories?: readonly E[];
  action?: string;
}

/** The repositories the policies govern: every one as soon as a policy governs all but its protected ones, or all. */
export function governedEntries<E>(policies: readonly GrantedPolicy<E>[]): (E | string)[] {
  if (policies.some((p) => !p.repositories)) return ["*"];
  const entries = policies.flatMap((p) => p.repositories ?? []);
  const known = entries.filter((e): e is E & string => typeof e === "string");
  return [...minimalPatterns(known), ...entries.filter((e) => typeof e !== "string")];
}

/** One statement of image grants: its actions on the entries of the policies that need them. */
export interface RepositoryGrant<E = string> {
  sid: string;
  actions: string[];
  entries: (E | string)[];
}

export const READ_SID = "ReadGovernedRepositories";
export const DELETE_SID = "DeleteInDeletingRepositories";
export const ARCHIVE_SID = "ArchiveInArchivingRepositories";

/** The reads, and each action that changes images with its own entries (none when no policy needs it). */
export function imageGrantParts<E>(policies: readonly GrantedPolicy<E>[], deleteAfter: boolean): { reads: RepositoryGrant<E>; changes: RepositoryGrant<E>[] } {
  const archives = (p: GrantedPolicy<E>) => p.action === "archive";
  const read = governedEntries(policies);
  const changes: RepositoryGrant<E>[] = [
    { sid: DELETE_SID, actions: [DELETE_IMAGE_ACTION], entries: deleteAfter ? read : governedEntries(policies.filter((p) => !archives(p))) },
    { sid: ARCHIVE_SID, actions: [ARCHIVE_IMAGE_ACTION], entries: governedEntries(policies.filter(archives)) },
  ];
  return { reads: { sid: READ_SID, actions: [...READ_IMAGE_ACTIONS], entries: read }, changes: changes.filter((c) => c.entries.length > 0) };
}

const sameEntries = <E>(a: readonly E[], b: readonly E[]) => a.length === b.length && a.every((e, i) => e === b[i]);

/**
 * The image grants as the component's role holds them: a grant on the same entries as the reads joins their statement
 * (`CleanGovernedRepositories`), so that a component of delete policies only has the one statement it always had.
 */
export function repositoryGrants<E>(policies: readonly GrantedPolicy<E>[], deleteAfter: boolean): RepositoryGrant<E>[] {
  const { reads, changes } = imageGrantParts(policies, deleteAfter);
  const grants = [reads];
  for (const change of changes) {
    if (sameEntries(change.entries, reads.entries)) reads.actions.push(...change.actions);
    else grants.push(change);
  }
  reads.actions.sort();
  if (reads.actions.length > READ_IMAGE_ACTIONS.length) reads.sid = "CleanGovernedRepositories";
  return grants;
}

export function repositoryStatement(grant: Pick<RepositoryGrant, "sid" | "actions">, arns: string[]): Statement {
  return { Sid: grant.sid, Effect: "Allow", Action: [...grant.actions], Resource: arns };
}

/** A grant's statement once its names are known: one ARN per name, sorted and deduplicated. */
export function knownRepositoryStatement(scope: AccountScope, grant: Pick<RepositoryGrant, "sid" | "actions">, names: readonly string[]): Statement {
  return repositoryStatement(grant, [...new Set(names)].sort().map((name) => repositoryArn(scope, name)));
}
