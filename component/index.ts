/** The package's main export: the Pulumi component and its argument types. */
export { EcrCleanupPolicy, ECR_CLEANUP_POLICY_TYPE } from "./ecrCleanupPolicy";
export type { EcrCleanupPolicyArgs, RetentionPolicy, RetentionPolicyArgs } from "./args";
