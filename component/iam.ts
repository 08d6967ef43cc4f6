/**
 * Least-privilege IAM for the cleaner (spec section 7). The function's inline policy is a list of grants, each a
 * small function from what the component knows to IAM statements: logs, listing the repositories, and the read-only
 * calls of in-use detection (spec section 4; built in runtime/iam/inUse.ts, which the CLI's `iam-policy` shares),
 * each of those only while its source is on in the settings. Its image grants, one ARN per governed repository, are
 * managed policies of their own (component/repositoryPolicies.ts, from runtime/iam/repositories.ts). Every
 * action granted here is one the runtime calls (tests/iam-calls.test.ts compares the two).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RESULTS_PREFIX, RUNS_PREFIX } from "../runtime/fanout/keys";
import { IN_USE_GRANTS } from "../runtime/iam/inUse";
import { listRepositoriesStatement } from "../runtime/iam/repositories";
import { policyDocument } from "../runtime/iam/statement";
import { LOCK_PREFIX } from "../runtime/lock/lockKey";
import { REPORTS_PREFIX } from "../runtime/lambda/runReports";
import { policySize, ROLE_INLINE_POLICIES_LIMIT } from "./iamLimits";
import type { AccountScope, Grant, GrantContext, Statement } from "./grant";

/** Writes its own log streams, in its own log group only. */
export const logsGrant: Grant = ({ logGroupArn }) => [
  { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logGroupArn, `${logGroupArn}:*`] },
];

/** Lists every repository (to match names and globs); the image grants are in the repository policies. */
export const ecrGrant: Grant = () => [listRepositoriesStatement()];

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

/** The run lock: read it, and write it (conditional writes only, by the code: IAM has no condition for that here). */
export const runLockGrant: Grant = ({ lockBucketArn }) =>
  lockBucketArn ? [{ Sid: "TakeAndReleaseRunLock", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${lockBucketArn}/${LOCK_PREFIX}/*` }] : [];

/**
 * Writes the runs' reports, under `reports/` of their bucket only, and reads them back there: a retried step heads its
 * run's report (which attempt wrote it) and `.notified` marker (runtime/lambda/runReports.ts). Never lists or deletes.
 */
export const runReportsGrant: Grant = ({ reportsBucketArn }) =>
  reportsBucketArn ? [{ Sid: "WriteRunReports", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${reportsBucketArn}/${REPORTS_PREFIX}/*` }] : [];

/** Publishes the runs' summaries, to its own topic only. */
export const notificationGrant: Grant = ({ notificationTopicArn }) =>
  notificationTopicArn ? [{ Sid: "PublishRunNotifications", Effect: "Allow", Action: "sns:Publish", Resource: notificationTopicArn }] : [];

export const CLEANER_GRANTS: readonly Grant[] = [logsGrant, ecrGrant, ...IN_USE_GRANTS, cursorGrant, fanOutBucketGrant, runLockGrant, runReportsGrant, notificationGrant];

export interface StateMachineGrantContext {
  scope: AccountScope;
  stateMachineArn: string;
  stateMachineName: string;
  functionArn: string;
  bucketArn: string;
}

/**
 * The state machine's role: invoke the cleaner function only; start, describe and stop its own Map Run's child executions (a Distributed Map starts them as executions
 * of the state machine itself); read the items and write the Map's results in its own bucket only.
 */
export function stateMachinePolicyDocument(ctx: StateMachineGrantContext): string {
  const executions = `arn:${ctx.scope.partition}:states:${ctx.scope.region}:${ctx.scope.accountId}:execution:${ctx.stateMachineName}`;
  return policyDocument([
    { Sid: "InvokeCleanerOnly", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: ctx.functionArn },
    { Sid: "StartOwnMapRuns", Effect: "Allow", Action: "states:StartExecution", Resource: ctx.stateMachineArn },
    // Its own executions (`name:id`) and its Map Runs' child executions (`name/label:id`).
    // A Map Run's child executions are `execution:<name>/<MapRunLabel>:<id>`; the run's own (`<name>:<id>`) need neither.
    { Sid: "SuperviseOwnMapRuns", Effect: "Allow", Action: ["states:DescribeExecution", "states:StopExecution"], Resource: `${executions}/*` },
    { Sid: "ReadRunItems", Effect: "Allow", Action: "s3:GetObject", Resource: `${ctx.bucketArn}/${RUNS_OBJECTS}` },
    {
      Sid: "WriteMapResults",
      Effect: "Allow",
      Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
      Resource: `${ctx.bucketArn}/${RESULTS_OBJECTS}`,
    },
  ]);
}

export function cleanerPolicyDocument(ctx: GrantContext, grants: readonly Grant[] = CLEANER_GRANTS): string {
  return policyDocument(grants.flatMap((grant) => grant(ctx)));
}

/** The error message when the function's inline policy is larger than IAM allows a role's inline policies, else undefined. */
export function inlinePolicySizeProblem(document: string): string | undefined {
  const size = policySize(document);
  if (size <= ROLE_INLINE_POLICIES_LIMIT) return undefined;
  const statements = (JSON.parse(document).Statement as Statement[])
    .map((s) => ({ sid: s.Sid, size: policySize(JSON.stringify(s)) }))
    .sort((a, b) => b.size - a.size);
  const largest = statements.slice(0, 3).map((s) => `${s.sid} ${s.size}`).join(", ");
  return `the function's inline IAM policy takes ${size} characters, more than IAM's ${ROLE_INLINE_POLICIES_LIMIT} for a role's inline policies ` +
    `(largest statements: ${largest}): shorten the settings that name resources (accounts, clusters), or split them over several EcrCleanupPolicy components`;
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
  /** A fixed role name (other accounts' roles can trust it by ARN); Pulumi names it otherwise. */
  name?: string;
  sourceAccount?: pulumi.Input<string>;
  description: string;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A role that one AWS service assumes (its permissions are added by the caller, as an inline RolePolicy). */
export function serviceRole(roleName: string, args: ServiceRoleArgs, parent: pulumi.Resource): aws.iam.Role {
  return new aws.iam.Role(roleName, {
    ...(args.name === undefined ? {} : { name: args.name }),
    description: args.description,
    assumeRolePolicy: pulumi.output(args.sourceAccount).apply((account) => assumeRolePolicy(args.service, account)),
    tags: args.tags,
  }, { parent });
}
