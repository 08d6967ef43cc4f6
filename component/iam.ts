/**
 * Least-privilege IAM for the cleaner (spec section 6). The function's policy is a list of grants, each a small
 * function from what the component knows to IAM statements: logs, ECR, and the read-only ECS and Lambda calls of
 * in-use detection (spec section 4), each of those only while its source is on in the settings.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../runtime/config/schema";
import { RESULTS_PREFIX, RUNS_PREFIX } from "../runtime/fanout/keys";
import type { Policy } from "../runtime/planner/types";

export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

/** Where the function runs: the parts of an ARN. */
export interface AccountScope {
  partition: string;
  region: string;
  accountId: string;
}

/** What the grants are built from. */
export interface GrantContext {
  scope: AccountScope;
  policies: readonly Policy[];
  settings: Settings;
  logGroupArn: string;
  /** Single-function mode: the SSM parameter holding the cursor. */
  cursorParameterArn?: string;
  /** Fan-out mode: the bucket the runs travel through. */
  fanOutBucketArn?: string;
}

export type Grant = (ctx: GrantContext) => Statement[];

export const IMAGE_ACTIONS = ["ecr:BatchDeleteImage", "ecr:BatchGetImage", "ecr:DescribeImages", "ecr:ListImages"];

/**
 * The repository ARN for a name or glob: the policy globs (`*` any run of characters, `/` included; `?` one
 * character) mean what IAM's ARN wildcards mean, so they carry over unchanged.
 */
export function repositoryArn(scope: AccountScope, nameOrGlob: string): string {
  return `arn:${scope.partition}:ecr:${scope.region}:${scope.accountId}:repository/${nameOrGlob}`;
}

/**
 * The repositories the cleaner may read and delete in: the ones the policies name, where they name them; every
 * repository as soon as one policy governs all but its protected ones, or all.
 */
export function governedRepositoryArns(scope: AccountScope, policies: readonly Policy[]): string[] {
  if (policies.some((p) => !p.repositories)) return [repositoryArn(scope, "*")];
  const names = [...new Set(policies.flatMap((p) => p.repositories ?? []))].sort();
  return names.map((name) => repositoryArn(scope, name));
}

/** Writes its own log streams, in its own log group only. */
export const logsGrant: Grant = ({ logGroupArn }) => [
  { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logGroupArn, `${logGroupArn}:*`] },
];

/**
 * Lists every repository (to match names and globs); reads and deletes images only where the policies govern.
 * Archive mode: UpdateImageStorageClass only where archive policies govern; there, BatchDeleteImage only when
 * settings.archive.delete_after deletes archived images (it applies to every governed repository).
 */
export const ecrGrant: Grant = ({ scope, policies, settings }) => {
  const archiving = policies.filter((p) => p.action === "archive");
  const deleting = policies.filter((p) => p.action !== "archive");
  const list: Statement = { Sid: "ListRepositories", Effect: "Allow", Action: "ecr:DescribeRepositories", Resource: "*" };
  if (!archiving.length) return [list, { Sid: "CleanGovernedRepositories", Effect: "Allow", Action: IMAGE_ACTIONS, Resource: governedRepositoryArns(scope, policies) }];
  const deleteIn = settings.archive?.deleteAfterMs !== undefined ? policies : deleting;
  return [
    list,
    { Sid: "CleanGovernedRepositories", Effect: "Allow", Action: IMAGE_ACTIONS.filter((a) => a !== "ecr:BatchDeleteImage"), Resource: governedRepositoryArns(scope, policies) },
    ...(deleteIn.length ? [{ Sid: "DeleteInDeletingRepositories", Effect: "Allow" as const, Action: "ecr:BatchDeleteImage", Resource: governedRepositoryArns(scope, deleteIn) }] : []),
    { Sid: "ArchiveInArchivingRepositories", Effect: "Allow", Action: "ecr:UpdateImageStorageClass", Resource: governedRepositoryArns(scope, archiving) },
  ];
};

/** In use by ECS: clusters, services (and their revisions), tasks and task definitions, read only. */
export const ECS_READ_ACTIONS = [
  "ecs:DescribeServiceRevisions",
  "ecs:DescribeServices",
  "ecs:DescribeTaskDefinition",
  "ecs:DescribeTasks",
  "ecs:ListClusters",
  "ecs:ListServices",
  "ecs:ListTasks",
];

/** ListClusters and DescribeTaskDefinition take no resource ARN, so the ECS reads are granted on `*`. */
export const ecsInUseGrant: Grant = ({ settings }) =>
  settings.inUse.ecs ? [{ Sid: "ReadEcsWorkloads", Effect: "Allow", Action: ECS_READ_ACTIONS, Resource: "*" }] : [];

/** In use by Lambda: functions packaged as images, every version. ListFunctions takes no resource ARN. */
export const lambdaInUseGrant: Grant = ({ scope, settings }) =>
  settings.inUse.lambda
    ? [
      { Sid: "ListLambdaFunctions", Effect: "Allow", Action: "lambda:ListFunctions", Resource: "*" },
      { Sid: "ReadLambdaFunctions", Effect: "Allow", Action: "lambda:GetFunction", Resource: `arn:${scope.partition}:lambda:${scope.region}:${scope.accountId}:function:*` },
    ]
    : [];

/** Single-function mode: reads and writes its own cursor parameter, and no other. */
export const cursorGrant: Grant = ({ cursorParameterArn }) =>
  cursorParameterArn
    ? [{ Sid: "ReadWriteOwnCursor", Effect: "Allow", Action: ["ssm:GetParameter", "ssm:PutParameter"], Resource: cursorParameterArn }]
    : [];

const RUNS_OBJECTS = `${RUNS_PREFIX}/*`;
const RESULTS_OBJECTS = `${RESULTS_PREFIX}/*`;

/**
 * Fan-out mode: writes and reads a run's stored run, items, reports and deletion records, and reads the Map's
 * results, in its own bucket only. ListBucket only under the runs prefix: the aggregate step lists what the attempts
 * of the run's batches deleted, a worker whether the run was already aggregated.
 */
export const fanOutBucketGrant: Grant = ({ fanOutBucketArn }) =>
  fanOutBucketArn
    ? [
      { Sid: "ReadWriteOwnRuns", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${fanOutBucketArn}/${RUNS_OBJECTS}` },
      { Sid: "ListOwnRuns", Effect: "Allow", Action: "s3:ListBucket", Resource: fanOutBucketArn, Condition: { StringLike: { "s3:prefix": RUNS_OBJECTS } } },
      { Sid: "ReadOwnMapResults", Effect: "Allow", Action: "s3:GetObject", Resource: `${fanOutBucketArn}/${RESULTS_OBJECTS}` },
    ]
    : [];

export const CLEANER_GRANTS: readonly Grant[] = [logsGrant, ecrGrant, ecsInUseGrant, lambdaInUseGrant, cursorGrant, fanOutBucketGrant];

export interface StateMachineGrantContext {
  scope: AccountScope;
  stateMachineArn: string;
  stateMachineName: string;
  functionArn: string;
  bucketArn: string;
}

/**
 * The state machine's role: invoke the cleaner function only; list its own executions (to end when another run is
 * going); start, describe and stop its own Map Run's child executions (a Distributed Map starts them as executions
 * of the state machine itself); read the items and write the Map's results in its own bucket only.
 */
export function stateMachinePolicyDocument(ctx: StateMachineGrantContext): string {
  const executions = `arn:${ctx.scope.partition}:states:${ctx.scope.region}:${ctx.scope.accountId}:execution:${ctx.stateMachineName}`;
  return policyDocument([
    { Sid: "InvokeCleanerOnly", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: ctx.functionArn },
    { Sid: "FindOwnRunningExecutions", Effect: "Allow", Action: "states:ListExecutions", Resource: ctx.stateMachineArn },
    { Sid: "StartOwnMapRuns", Effect: "Allow", Action: "states:StartExecution", Resource: ctx.stateMachineArn },
    // Its own executions (`name:id`) and its Map Runs' child executions (`name/label:id`).
    { Sid: "SuperviseOwnMapRuns", Effect: "Allow", Action: ["states:DescribeExecution", "states:StopExecution"], Resource: [`${executions}:*`, `${executions}/*`] },
    { Sid: "ReadRunItems", Effect: "Allow", Action: "s3:GetObject", Resource: `${ctx.bucketArn}/${RUNS_OBJECTS}` },
    {
      Sid: "WriteMapResults",
      Effect: "Allow",
      Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
      Resource: `${ctx.bucketArn}/${RESULTS_OBJECTS}`,
    },
  ]);
}

export function policyDocument(statements: Statement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export function cleanerPolicyDocument(ctx: GrantContext, grants: readonly Grant[] = CLEANER_GRANTS): string {
  return policyDocument(grants.flatMap((grant) => grant(ctx)));
}

/** A trust policy for one AWS service; `sourceAccount` guards against the confused deputy where the service supports it. */
export function assumeRolePolicy(service: string, sourceAccount?: string): string {
  const condition = sourceAccount ? { Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } } } : {};
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "AssumedBy", Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...condition }],
  });
}

/** The partition, region and account of the component's provider (invokes, so `pulumi preview` shows the documents). */
export function accountScope(parent: pulumi.Resource): pulumi.Output<AccountScope> {
  const opts = { parent };
  return pulumi.all([aws.getPartitionOutput({}, opts), aws.getRegionOutput({}, opts), aws.getCallerIdentityOutput({}, opts)])
    .apply(([partition, region, identity]) => ({ partition: partition.partition, region: region.region, accountId: identity.accountId }));
}

export interface ServiceRoleArgs {
  service: string;
  sourceAccount?: pulumi.Input<string>;
  description: string;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A role that one AWS service assumes (its permissions are added by the caller, as an inline RolePolicy). */
export function serviceRole(roleName: string, args: ServiceRoleArgs, parent: pulumi.Resource): aws.iam.Role {
  return new aws.iam.Role(roleName, {
    description: args.description,
    assumeRolePolicy: pulumi.output(args.sourceAccount).apply((account) => assumeRolePolicy(args.service, account)),
    tags: args.tags,
  }, { parent });
}
