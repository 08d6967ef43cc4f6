/**
 * The in-use settings on the component's side: the camelCase args as `settings.inUse` (validated with the CLI's
 * validator), and the IAM statements each source needs, only while it is on: read actions in every region it is
 * read in, and `sts:AssumeRole` on exactly the roles of other accounts.
 */
import { APP_RUNNER_ACTIONS, BATCH_ACTIONS, ECS_ACTIONS, ECS_REVISION_ACTIONS } from "../runtime/inuse/sources";
import type { ResolvedArgs } from "./args";
import { eksReadStatements } from "./eksAccess";
import type { Grant, Statement } from "./grant";
import type { InUseArgsSettings } from "./policyConfig";

/** The in-use args, for the validator to read as `settings.inUse` (its issues then name the args); undefined ones are left out. */
export function inUseArgsSettings(a: ResolvedArgs): InUseArgsSettings {
  const settings: InUseArgsSettings = {
    inUseEcs: a.inUseEcs,
    inUseLambda: a.inUseLambda,
    inUseEks: a.inUseEks,
    inUseAppRunner: a.inUseAppRunner,
    inUseBatch: a.inUseBatch,
    ecsRevisions: a.ecsRevisions,
    inUseAccounts: a.inUseAccounts,
  };
  if (a.eksClusters !== undefined) settings.eksClusters = a.eksClusters;
  if (a.inUseRegions !== undefined) settings.inUseRegions = a.inUseRegions;
  return settings;
}

/** The regions the sources are read in: the function's own first, then the others, sorted. */
export function inUseRegionsOf(own: string, regions: readonly string[] | undefined): string[] {
  return [own, ...[...new Set(regions ?? [])].filter((r) => r !== own).sort()];
}

/** Other accounts: assume exactly the roles named, nothing else. */
export const assumeInUseRolesGrant: Grant = ({ settings }) => {
  const roles = settings.inUse.accounts.map((a) => a.roleArn).sort();
  const statement: Statement = { Sid: "AssumeInUseReadRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: roles.length === 1 ? roles[0] : roles };
  return roles.length ? [statement] : [];
};

/** The ECS reads: rollback depth adds the family and revision listings, only while it is on. */
export function ecsReadActions(ecsRevisions: number): string[] {
  return [...ECS_ACTIONS, ...(ecsRevisions > 0 ? ECS_REVISION_ACTIONS : [])].sort();
}

/** App Runner: ListServices takes no resource ARN; DescribeService only the services, in every region read. */
export const appRunnerInUseGrant: Grant = ({ scope, settings }) =>
  settings.inUse.appRunner
    ? [
      { Sid: "ListAppRunnerServices", Effect: "Allow", Action: "apprunner:ListServices", Resource: "*" },
      {
        Sid: "ReadAppRunnerServices",
        Effect: "Allow",
        Action: "apprunner:DescribeService",
        Resource: inUseRegionsOf(scope.region, settings.inUse.regions).map((region) => `arn:${scope.partition}:apprunner:${region}:${scope.accountId}:service/*`),
      },
    ]
    : [];

/** AWS Batch: DescribeJobDefinitions supports no resource-level permissions, so it is granted on `*`. */
export const batchInUseGrant: Grant = ({ settings }) =>
  settings.inUse.batch ? [{ Sid: "ReadBatchJobDefinitions", Effect: "Allow", Action: [...BATCH_ACTIONS], Resource: "*" }] : [];

/** EKS: ListClusters on `*`, DescribeCluster on the clusters read in this account (component/eksAccess.ts). */
export const eksInUseGrant: Grant = ({ scope, settings }) => eksReadStatements({ scope, inUse: settings.inUse });
