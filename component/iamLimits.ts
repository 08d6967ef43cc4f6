/**
 * IAM's limits on the documents the component writes (IAM and AWS STS quotas, IAM User Guide), and how IAM measures
 * a document against them: in characters, white space not counted.
 */

/** Every inline policy of one role together (the aggregate, not each policy). */
export const ROLE_INLINE_POLICIES_LIMIT = 10_240;
/** One customer managed policy. */
export const MANAGED_POLICY_LIMIT = 6_144;
/** Managed policies attached to one role: the default quota (it can be raised to 20). */
export const MANAGED_POLICIES_PER_ROLE = 10;

/** The size IAM checks: characters other than white space. */
export function policySize(document: string): number {
  return document.replace(/\s/g, "").length;
}
