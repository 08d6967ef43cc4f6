/**
 * EcrCleanupPolicy: the CLI's engine as a scheduled, monitored Lambda (spec section 6), declared next to the
 * repositories it governs. Children: `${name}-role` and `${name}-policy` (its inline policy), the managed policies
 * `${name}-repositories-<n>` with their `-attachment` (the image grants), `${name}-function`, `${name}-invoke-config`,
 * `${name}-logs`, `${name}-pull-time-exclusion`, `${name}-schedule-role`, `${name}-schedule-policy`,
 * `${name}-schedule`, and the alarms `${name}-errors`, `-throttles`, `-duration`, `-failures`, `-missed-run`.
 * Single-function mode adds the cursor parameter `${name}-cursor` (and without reserved concurrency the bucket
 * `${name}-runs`, with its settings and policy, for the run lock); fan-out mode adds the bucket `${name}-runs` (with
 * its settings), the state machine `${name}-state-machine` with its role and policy, and two execution alarms
 * (component/fanout.ts). Every mode adds the reports bucket `${name}-reports` with its settings and policy (unless
 * reportBucket names one) and the topic `${name}-notifications` (unless notify is "never"): component/runReports.ts.
 *
 * The constructor reads as the table of contents: each group of children is made in a file of its own (runState.ts,
 * runReports.ts, cleanerFunction.ts, cleanerPermissions.ts, fanout.ts, schedule.ts, alarms.ts).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createAlarms } from "./alarms";
import { archiveArgsSettings } from "./archiveSettings";
import { EcrCleanupPolicyArgs, ResolvedArgs, withDefaults } from "./args";
import { CleanerFunction, createCleanerFunction } from "./cleanerFunction";
import { grantCleaner } from "./cleanerPermissions";
import { createFanOut } from "./fanout";
import type { AccountScope } from "./grant";
import { accountScope } from "./iam";
import { inUseArgsSettings } from "./inUse";
import { configSource, policyConfig } from "./policyConfig";
import { imageVerbs, repositoryGrants } from "./repositoryPolicies";
import { startPreviewImpact } from "./previewImpact";
import { createRunReports } from "./runReports";
import { RunState, createRunState } from "./runState";
import { s3ConsoleUrl } from "../runtime/lambda/notification";
import { createSchedule, ScheduleTarget } from "./schedule";
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
  /** The bucket the runs' reports go to, `reports/<yyyy>/<mm>/<dd>/<run id>.json` and `.html`: the component's, or reportBucket. */
  public readonly reportsBucketName: pulumi.Output<string>;
  /** The S3 console's page of the runs' reports. */
  public readonly reportsConsoleUrl: pulumi.Output<string>;
  /** The SNS topic each run's summary is published to (by notify); undefined with notify: "never". */
  public readonly notificationTopicArn: pulumi.Output<string | undefined>;

  constructor(name: string, args: EcrCleanupPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ECR_CLEANUP_POLICY_TYPE, name, {}, opts);
    const given = args ?? ({} as EcrCleanupPolicyArgs);
    const a = withDefaults(given);
    const checked = checkArgs(a, given);
    if ("problems" in checked) throw new pulumi.ResourceError(`${configSource(name)}: ${checked.problems.join("; ")}`, this);
    const scope = accountScope(this);

    const state = createRunState(name, a, this);
    const reports = createRunReports(name, a, scope, this);
    const archive = archiveArgsSettings(a);
    const report = a.reportPricePerGbMonth === undefined ? undefined : { pricePerGbMonth: a.reportPricePerGbMonth };
    const environment = { ...state.environment, ...reports.environment };
    const policies = policyConfig(name, a.policies, a.dryRun, this, environment, { inUse: inUseArgsSettings(a), archive, report });
    // Validated above: a delete_after that is given is a duration, and expires archived images in every governed repository.
    const imageGrants = repositoryGrants(a.policies, archive?.deleteAfter !== undefined);
    const cleaner = createCleanerFunction(name, a, { imageVerbs: imageVerbs(imageGrants), environment: policies.environment }, this);
    // Read-only, and read by nothing deployed: it only logs diagnostics on the component.
    if (a.previewImpact) startPreviewImpact(this, { source: configSource(name), config: policies.config, scope, functionName: cleaner.fn.name });
    const permissions = grantCleaner(name, a, { scope, config: policies.config, cleaner, state, imageGrants, reports }, this);
    const trigger = createTrigger(name, a, scope, cleaner, state, this);
    const schedule = createSchedule(name, {
      expression: a.schedule,
      timezone: a.scheduleTimezone,
      target: trigger.target,
      accountId: scope.accountId,
      tags: a.tags,
      dependsOn: [...permissions, cleaner.logGroup, cleaner.invokeConfig, ...(state.cursor ? [state.cursor] : []), ...(state.runs?.settings ?? []), ...reports.firstRunNeeds, ...trigger.firstRunNeeds],
    }, this);
    const alarms = createAlarms(name, {
      functionName: cleaner.fn.name,
      timeoutSeconds: a.timeout,
      schedule: checked.schedule,
      missedRunAfterSeconds: checked.missedRunAfterSeconds,
      stateMachineArn: trigger.stateMachine?.arn,
      alarmActions: a.alarmActions,
      okActions: a.okActions,
      tags: a.tags,
    }, this);

    this.functionName = cleaner.fn.name;
    this.functionArn = cleaner.fn.arn;
    this.roleArn = cleaner.role.arn;
    this.logGroupName = cleaner.logGroup.name;
    this.scheduleArn = schedule.arn;
    this.alarmArns = pulumi.output(Object.fromEntries(Object.entries(alarms).map(([kind, alarm]) => [kind, alarm!.arn])));
    this.cursorParameterName = pulumi.output(state.cursor?.name);
    this.stateMachineArn = pulumi.output(trigger.stateMachine?.arn);
    this.runsBucketName = pulumi.output(state.runs?.bucket.bucket);
    this.reportsBucketName = reports.bucketName;
    this.reportsConsoleUrl = pulumi.all([reports.bucketName, scope]).apply(([bucket, s]) => s3ConsoleUrl(bucket, s.region, { prefix: "reports/" }));
    this.notificationTopicArn = pulumi.output(reports.topic?.arn);
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
      reportsBucketName: this.reportsBucketName,
      reportsConsoleUrl: this.reportsConsoleUrl,
      notificationTopicArn: this.notificationTopicArn,
    });
  }
}

/** What the schedule starts: the function, or in fan-out mode the state machine (with what it needs before its first run). */
function createTrigger(name: string, a: ResolvedArgs, scope: pulumi.Output<AccountScope>, cleaner: CleanerFunction, state: RunState, parent: pulumi.Resource):
  { target: ScheduleTarget; stateMachine?: aws.sfn.StateMachine; firstRunNeeds: pulumi.Resource[] } {
  if (!a.fanOut || !state.runs) return { target: { arn: cleaner.fn.arn, action: "lambda:InvokeFunction" }, firstRunNeeds: [] };
  const fanOut = createFanOut(name, {
    scope,
    functionArn: cleaner.fn.arn,
    functionRoleArn: cleaner.role.arn,
    maxConcurrency: a.fanOutConcurrency,
    batchSize: a.fanOutBatchSize,
    tags: a.tags,
  }, state.runs, parent);
  return { target: { arn: fanOut.stateMachine.arn, action: "states:StartExecution" }, stateMachine: fanOut.stateMachine, firstRunNeeds: fanOut.firstRunNeeds };
}
