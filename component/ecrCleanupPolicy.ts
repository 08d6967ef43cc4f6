/**
 * EcrCleanupPolicy: the CLI's engine as a scheduled, monitored Lambda (spec section 6), declared next to the
 * repositories it governs. Children: `${name}-role` and `${name}-policy` (its inline policy), the managed policies
 * `${name}-repositories-<n>` with their `-attachment` (the image grants), `${name}-function`, `${name}-invoke-config`,
 * `${name}-logs`, `${name}-pull-time-exclusion`, `${name}-schedule-role`, `${name}-schedule-policy`,
 * `${name}-schedule`, and the alarms `${name}-errors`, `-throttles`, `-duration`, `-failures`, `-missed-run`.
 * Single-function mode adds the cursor parameter `${name}-cursor` (and without reserved concurrency the bucket
 * `${name}-runs`, with its settings and policy, for the run lock); fan-out mode adds the bucket `${name}-runs` (with
 * its settings), the state machine `${name}-state-machine` with its role and policy, and two execution alarms
 * (component/fanout.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONCURRENCY_ENV, CURSOR_PARAMETER_ENV, FANOUT_BUCKET_ENV, LOCK_BUCKET_ENV, RUN_TIME_LIMIT_ENV } from "../runtime/lambda/config";
import { CURSOR_START } from "../runtime/lambda/cursor";
import { createAlarms } from "./alarms";
import { EcrCleanupPolicyArgs, withDefaults } from "./args";
import { HANDLER, handlerArchive, LAMBDA_RUNTIME } from "./bundle";
import { createEksAccess } from "./eksAccess";
import { createFanOut, createRunsBucket, createRunsBucketPolicy } from "./fanout";
import { accountScope, cleanerPolicyDocument, inlinePolicySizeProblem, serviceRole } from "./iam";
import { archiveArgsSettings } from "./archiveSettings";
import { inUseArgsSettings } from "./inUse";
import { configSource, policyConfig } from "./policyConfig";
import { createRepositoryPolicies, imageVerbs, repositoryGrants } from "./repositoryPolicies";
import { startPreviewImpact } from "./previewImpact";
import { createSchedule, ScheduleTarget } from "./schedule";
import { vpcPlacement } from "./vpc";
import { RUN_TIMEOUT_SECONDS } from "./stateMachine";
import { checkArgs } from "./validation";

export const ECR_CLEANUP_POLICY_TYPE = "ecr-cleanup:index:EcrCleanupPolicy";

export class EcrCleanupPolicy extends pulumi.ComponentResource {
  /** The cleaner function's name; its log group is `/aws/lambda/<functionName>`. */
  public readonly functionName: pulumi.Output<string>;
  /** The cleaner function's ARN. */
  public readonly functionArn: pulumi.Output<string>;
  /** The function's role (the principal excluded from ECR pull-time updates). */
  public readonly roleArn: pulumi.Output<string>;
  /** The log group that holds the reports, one JSON line per repository: `/aws/lambda/<functionName>`. */
  public readonly logGroupName: pulumi.Output<string>;
  /** The EventBridge Scheduler schedule that starts the runs. */
  public readonly scheduleArn: pulumi.Output<string>;
  /**
   * The alarms' ARNs by kind: errors, throttles, duration, failures, missedRun when there is one, and in fan-out mode
   * executionsFailed and executionsTimedOut.
   */
  public readonly alarmArns: pulumi.Output<Record<string, string>>;
  /** Single-function mode: the SSM parameter holding the cursor (where the next run starts); undefined in fan-out mode. */
  public readonly cursorParameterName: pulumi.Output<string | undefined>;
  /** Fan-out mode: the state machine the schedule starts; undefined in single-function mode. */
  public readonly stateMachineArn: pulumi.Output<string | undefined>;
  /**
   * The bucket of the run lock, and in fan-out mode of the runs' items, reports and results; undefined in
   * single-function mode with reserved concurrency.
   */
  public readonly runsBucketName: pulumi.Output<string | undefined>;

  constructor(name: string, args: EcrCleanupPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ECR_CLEANUP_POLICY_TYPE, name, {}, opts);
    const parent = this;
    const a = withDefaults(args ?? ({} as EcrCleanupPolicyArgs));
    const checked = checkArgs(a);
    if ("problems" in checked) throw new pulumi.ResourceError(`${configSource(name)}: ${checked.problems.join("; ")}`, this);
    const scope = accountScope(this);

    // Single-function mode: where the next run starts. The function writes it, so Pulumi leaves its value alone.
    const cursor = a.fanOut ? undefined : new aws.ssm.Parameter(`${name}-cursor`, {
      description: `ecr-cleanup (${name}): the first repository the last run did not reach, where the next run starts; ${CURSOR_START} for the first`,
      type: "String",
      insecureValue: CURSOR_START,
      tags: a.tags,
    }, { parent, ignoreChanges: ["insecureValue"] });
    // Fan-out mode's runs travel through the bucket, and its run lock lives there; single-function mode needs the
    // bucket only for the lock, when no reserved concurrency keeps runs apart.
    const runLock = a.fanOut || !a.reservedConcurrency;
    const runs = runLock ? createRunsBucket(name, a.tags, parent) : undefined;

    const environment: Record<string, pulumi.Input<string>> = { [CONCURRENCY_ENV]: String(a.concurrency) };
    if (cursor) environment[CURSOR_PARAMETER_ENV] = cursor.name;
    if (runs && !a.fanOut) environment[LOCK_BUCKET_ENV] = runs.bucket.bucket;
    if (runs && a.fanOut) {
      environment[FANOUT_BUCKET_ENV] = runs.bucket.bucket;
      // A worker refuses a stored run older than the state machine's TimeoutSeconds: only a replay could be.
      environment[RUN_TIME_LIMIT_ENV] = String(RUN_TIMEOUT_SECONDS);
    }
    const archive = archiveArgsSettings(a);
    const policies = policyConfig(name, a.policies, a.dryRun, this, environment, { inUse: inUseArgsSettings(a), archive });

    // Validated above: a delete_after that is given is a duration, and expires archived images in every governed repository.
    const imageGrants = repositoryGrants(a.policies, archive?.deleteAfter !== undefined);
    const role = serviceRole(`${name}-role`, {
      service: "lambda.amazonaws.com",
      name: a.roleName,
      description: `ecr-cleanup function of ${name}: ${imageVerbs(imageGrants)} images in the repositories its policies govern`,
      tags: a.tags,
    }, parent);

    const placement = a.vpcSubnetIds && a.vpcSecurityGroupIds ? { subnetIds: a.vpcSubnetIds, securityGroupIds: a.vpcSecurityGroupIds } : undefined;
    const vpc = vpcPlacement(name, placement, role, parent);

    const fn = new aws.lambda.Function(`${name}-function`, {
      description: `ecr-cleanup (${name}): deletes stale ECR images by retention policy`,
      runtime: LAMBDA_RUNTIME,
      handler: HANDLER,
      code: handlerArchive(a.fanOut ? "fanOut" : a.reservedConcurrency ? "single" : "locked"),
      role: role.arn,
      architectures: [a.architecture],
      timeout: a.timeout,
      memorySize: a.memorySize,
      // Runs never overlap: one invocation at a time, or in fan-out mode as many as the Map runs at once (the run lock
      // keeps runs apart). Another invocation is throttled. Without a reservation, the run lock keeps runs apart.
      reservedConcurrentExecutions: a.reservedConcurrency ? (a.fanOut ? a.fanOutConcurrency : 1) : undefined,
      environment: { variables: policies.environment },
      vpcConfig: vpc.vpcConfig,
      tags: a.tags,
    }, { parent, dependsOn: vpc.needs });

    // Read-only, and read by nothing deployed: it only logs diagnostics on the component.
    if (a.previewImpact) startPreviewImpact(this, { source: configSource(name), config: policies.config, scope, functionName: fn.name });

    // Created by the component (the role may not create log groups), so none is orphaned on destroy.
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
      name: pulumi.interpolate`/aws/lambda/${fn.name}`,
      retentionInDays: a.logRetentionDays,
      tags: a.tags,
    }, { parent });

    const rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, {
      role: role.id,
      policy: pulumi.all([scope, policies.config, logGroup.arn, cursor?.arn, runs?.bucket.arn]).apply(([s, config, logGroupArn, cursorParameterArn, bucketArn]) => {
        const document = cleanerPolicyDocument({
          scope: s,
          policies: config.policies,
          settings: config.settings,
          logGroupArn,
          cursorParameterArn,
          fanOutBucketArn: a.fanOut ? bucketArn : undefined,
          lockBucketArn: bucketArn,
        });
        const problem = inlinePolicySizeProblem(document);
        if (problem) throw new pulumi.ResourceError(`${configSource(name)}: ${problem}`, this);
        return document;
      }),
    }, { parent });
    const repositoryAttachments = createRepositoryPolicies(name, {
      scope,
      role,
      grants: imageGrants,
      source: configSource(name),
      tags: a.tags,
    }, parent);

    // The schedule's retry policy decides; Lambda's own asynchronous retries would re-run a failed run at once.
    const invokeConfig = new aws.lambda.FunctionEventInvokeConfig(`${name}-invoke-config`, {
      functionName: fn.name,
      maximumRetryAttempts: 0,
    }, { parent });

    const firstRunNeeds: pulumi.Resource[] = [rolePolicy, ...repositoryAttachments, logGroup, invokeConfig, ...(cursor ? [cursor] : []), ...(runs?.settings ?? [])];
    if (a.excludeFromPullTime) {
      // The cleaner's own manifest reads (BatchGetImage) must never make an image look recently pulled.
      firstRunNeeds.push(new aws.ecr.PullTimeUpdateExclusion(`${name}-pull-time-exclusion`, { principalArn: role.arn }, { parent }));
    }

    if (runs && !a.fanOut) firstRunNeeds.push(createRunsBucketPolicy(name, runs, role.arn, undefined, parent));
    // Without an access entry a named cluster refuses the token, and the run fails closed.
    if (a.inUseEks && a.eksClusters) firstRunNeeds.push(...createEksAccess(name, { clusters: a.eksClusters, principalArn: role.arn, tags: a.tags }, parent));

    let target: ScheduleTarget = { arn: fn.arn, action: "lambda:InvokeFunction" };
    let stateMachine: aws.sfn.StateMachine | undefined;
    if (runs && a.fanOut) {
      const fanOut = createFanOut(name, {
        scope,
        functionArn: fn.arn,
        functionRoleArn: role.arn,
        maxConcurrency: a.fanOutConcurrency,
        batchSize: a.fanOutBatchSize,
        tags: a.tags,
      }, runs, parent);
      stateMachine = fanOut.stateMachine;
      firstRunNeeds.push(...fanOut.firstRunNeeds);
      target = { arn: stateMachine.arn, action: "states:StartExecution" };
    }

    const schedule = createSchedule(name, {
      expression: a.schedule,
      timezone: a.scheduleTimezone,
      target,
      accountId: scope.accountId,
      tags: a.tags,
      dependsOn: firstRunNeeds,
    }, parent);

    const alarms = createAlarms(name, {
      functionName: fn.name,
      timeoutSeconds: a.timeout,
      schedule: checked.schedule,
      missedRunAfterSeconds: checked.missedRunAfterSeconds,
      stateMachineArn: stateMachine?.arn,
      alarmActions: a.alarmActions,
      okActions: a.okActions,
      tags: a.tags,
    }, parent);

    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.roleArn = role.arn;
    this.logGroupName = logGroup.name;
    this.scheduleArn = schedule.arn;
    this.alarmArns = pulumi.output(Object.fromEntries(Object.entries(alarms).map(([kind, alarm]) => [kind, alarm!.arn])));
    this.cursorParameterName = pulumi.output(cursor?.name);
    this.stateMachineArn = pulumi.output(stateMachine?.arn);
    this.runsBucketName = pulumi.output(runs?.bucket.bucket);
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      roleArn: this.roleArn,
      logGroupName: this.logGroupName,
      scheduleArn: this.scheduleArn,
      alarmArns: this.alarmArns,
      cursorParameterName: this.cursorParameterName,
      stateMachineArn: this.stateMachineArn,
      runsBucketName: this.runsBucketName,
    });
  }
}
