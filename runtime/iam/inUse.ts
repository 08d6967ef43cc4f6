/**
 * The IAM statements each in-use source needs (spec section 4, rule 1), only while it is on: read actions in every
 * region it is read in, and `sts:AssumeRole` on exactly the roles of other accounts. The component's role and the
 * CLI's `iam-policy` both take these, so the two cannot drift. Actions that take no resource ARN are granted on `*`.
 */
import type { InUseSettings } from "../config/inUseSettings";
import { BATCH_ACTIONS, ECS_ACTIONS, ECS_REVISION_ACTIONS } from "../inuse/sources";
import { AccountScope, single, Statement } from "./statement";

/** What an in-use grant is built from: where the reader runs, and settings.in_use. */
export interface InUseGrantContext {
  scope: AccountScope;
  settings: { inUse: InUseSettings };
}

export type InUseGrant = (ctx: InUseGrantContext) => Statement[];

/** The regions the sources are read in: the reader's own first, then the others, sorted. */
export function inUseRegionsOf(own: string, regions: readonly string[] | undefined): string[] {
  return [own, ...[...new Set(regions ?? [])].filter((r) => r !== own).sort()];
}

/** The ECS reads: rollback depth adds the family and revision listings, only while it is on. */
export function ecsReadActions(ecsRevisions: number): string[] {
  return [...ECS_ACTIONS, ...(ecsRevisions > 0 ? ECS_REVISION_ACTIONS : [])].sort();
}

/** ListClusters and DescribeTaskDefinition take no resource ARN, so the ECS reads are granted on `*`. */
export const ecsInUseGrant: InUseGrant = ({ settings }) =>
  settings.inUse.ecs ? [{ Sid: "ReadEcsWorkloads", Effect: "Allow", Action: ecsReadActions(settings.inUse.ecsRevisions), Resource: "*" }] : [];

/** In use by Lambda: functions packaged as images, every version. ListFunctions takes no resource ARN. */
export const lambdaInUseGrant: InUseGrant = ({ scope, settings }) =>
  settings.inUse.lambda
    ? [
      { Sid: "ListLambdaFunctions", Effect: "Allow", Action: "lambda:ListFunctions", Resource: "*" },
      {
        Sid: "ReadLambdaFunctions",
        Effect: "Allow",
        Action: "lambda:GetFunction",
        Resource: single(inUseRegionsOf(scope.region, settings.inUse.regions).map((region) => `arn:${scope.partition}:lambda:${region}:${scope.accountId}:function:*`)),
      },
    ]
    : [];

/** The EKS clusters named by name (an access entry can be made for them in this account), not by ARN. */
export function clustersToGrant(clusters: readonly string[]): string[] {
  return [...new Set(clusters.filter((c) => !c.startsWith("arn:")))].sort();
}

/** What the EKS source's IAM grant is built from: the partition, region and account, and settings.in_use. */
export interface EksGrantInput {
  scope: AccountScope;
  inUse: { eks: boolean; eksClusters?: readonly string[]; regions?: readonly string[] };
}

/**
 * The EKS reads, only while the source is on: ListClusters (which takes no resource) and DescribeCluster on the
 * clusters read in this account, in every region read: all of them, or those eksClusters names (by name in each
 * region, by ARN where the ARN is this account's; another account's clusters are read with that account's role).
 */
export function eksReadStatements({ scope, inUse }: EksGrantInput): { Sid: string; Effect: "Allow"; Action: string; Resource: string | string[] }[] {
  if (!inUse.eks) return [];
  const regions = inUseRegionsOf(scope.region, inUse.regions);
  const arn = (region: string, name: string) => `arn:${scope.partition}:eks:${region}:${scope.accountId}:cluster/${name}`;
  const own = (inUse.eksClusters ?? []).filter((c) => c.startsWith("arn:") && c.split(":")[4] === scope.accountId);
  const resources = inUse.eksClusters
    ? [...new Set([...clustersToGrant(inUse.eksClusters).flatMap((name) => regions.map((r) => arn(r, name))), ...own])].sort()
    : regions.map((r) => arn(r, "*"));
  const statements: { Sid: string; Effect: "Allow"; Action: string; Resource: string | string[] }[] = [
    { Sid: "ListEksClusters", Effect: "Allow", Action: "eks:ListClusters", Resource: "*" },
  ];
  if (resources.length) statements.push({ Sid: "DescribeEksClusters", Effect: "Allow", Action: "eks:DescribeCluster", Resource: single(resources) });
  return statements;
}

/** EKS: ListClusters on `*`, DescribeCluster on the clusters read in this account. */
export const eksInUseGrant: InUseGrant = ({ scope, settings }) => eksReadStatements({ scope, inUse: settings.inUse });

/** App Runner: ListServices takes no resource ARN; DescribeService only the services, in every region read. */
export const appRunnerInUseGrant: InUseGrant = ({ scope, settings }) =>
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
export const batchInUseGrant: InUseGrant = ({ settings }) =>
  settings.inUse.batch ? [{ Sid: "ReadBatchJobDefinitions", Effect: "Allow", Action: [...BATCH_ACTIONS], Resource: "*" }] : [];

/** Other accounts: assume exactly the roles named, nothing else. */
export const assumeInUseRolesGrant: InUseGrant = ({ settings }) => {
  const roles = settings.inUse.accounts.map((a) => a.roleArn).sort();
  return roles.length ? [{ Sid: "AssumeInUseReadRoles", Effect: "Allow", Action: "sts:AssumeRole", Resource: single(roles) }] : [];
};

/** Every in-use grant, in the order the documents list them. */
export const IN_USE_GRANTS: readonly InUseGrant[] = [ecsInUseGrant, lambdaInUseGrant, eksInUseGrant, appRunnerInUseGrant, batchInUseGrant, assumeInUseRolesGrant];

/** The statements the in-use sources need, as the component and the CLI both grant them. */
export function inUseStatements(ctx: InUseGrantContext): Statement[] {
  return IN_USE_GRANTS.flatMap((grant) => grant(ctx));
}
