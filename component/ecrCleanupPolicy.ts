/**
 * EcrCleanupPolicy: the CLI's engine as a scheduled, monitored Lambda (spec section 6), declared next to the
 * repositories it governs. Children: `${name}-role` and `${name}-policy`, `${name}-function`, `${name}-invoke-config`,
 * `${name}-logs`, `${name}-pull-time-exclusion`, `${name}-schedule-role`, `${name}-schedule-policy`,
 * `${name}-schedule`, and the alarms `${name}-errors`, `-throttles`, `-duration`, `-failures`, `-missed-run`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createAlarms } from "./alarms";
import { EcrCleanupPolicyArgs, withDefaults } from "./args";
import { HANDLER, handlerArchive, LAMBDA_RUNTIME } from "./bundle";
import { accountScope, cleanerPolicyDocument, serviceRole } from "./iam";
import { configSource, policyConfig } from "./policyConfig";
import { createSchedule } from "./schedule";
import { checkArgs } from "./validation";

export const ECR_CLEANUP_POLICY_TYPE = "ecr-cleanup:index:EcrCleanupPolicy";

export class EcrCleanupPolicy extends pulumi.ComponentResource {
  /** The cleaner function's name; its log group is `/aws/lambda/<functionName>`. */
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  /** The function's role (the principal excluded from ECR pull-time updates). */
  public readonly roleArn: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  public readonly scheduleArn: pulumi.Output<string>;
  /** The alarms' ARNs by kind: errors, throttles, duration, failures, and missedRun when there is one. */
  public readonly alarmArns: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: EcrCleanupPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ECR_CLEANUP_POLICY_TYPE, name, {}, opts);
    const parent = this;
    const a = withDefaults(args ?? ({} as EcrCleanupPolicyArgs));
    const checked = checkArgs(a);
    if ("problems" in checked) throw new pulumi.ResourceError(`${configSource(name)}: ${checked.problems.join("; ")}`, this);
    const policies = policyConfig(name, a.policies, a.dryRun, this);
    const scope = accountScope(this);

    const role = serviceRole(`${name}-role`, {
      service: "lambda.amazonaws.com",
      description: `ecr-cleanup function of ${name}: reads and deletes images in the repositories its policies govern`,
      tags: a.tags,
    }, parent);

    const fn = new aws.lambda.Function(`${name}-function`, {
      description: `ecr-cleanup (${name}): deletes stale ECR images by retention policy`,
      runtime: LAMBDA_RUNTIME,
      handler: HANDLER,
      code: handlerArchive(),
      role: role.arn,
      architectures: [a.architecture],
      timeout: a.timeout,
      memorySize: a.memorySize,
      // Runs never overlap; a second invocation is throttled and retried by Lambda's async queue.
      reservedConcurrentExecutions: 1,
      environment: { variables: policies.environment },
      tags: a.tags,
    }, { parent });

    // Created by the component (the role may not create log groups), so none is orphaned on destroy.
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
      name: pulumi.interpolate`/aws/lambda/${fn.name}`,
      retentionInDays: a.logRetentionDays,
      tags: a.tags,
    }, { parent });

    const rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, {
      role: role.id,
      policy: pulumi.all([scope, policies.config, logGroup.arn]).apply(([s, config, logGroupArn]) =>
        cleanerPolicyDocument({ scope: s, policies: config.policies, settings: config.settings, logGroupArn })),
    }, { parent });

    // The schedule's retry policy decides; Lambda's own asynchronous retries would re-run a failed run at once.
    const invokeConfig = new aws.lambda.FunctionEventInvokeConfig(`${name}-invoke-config`, {
      functionName: fn.name,
      maximumRetryAttempts: 0,
    }, { parent });

    const firstRunNeeds: pulumi.Resource[] = [rolePolicy, logGroup, invokeConfig];
    if (a.excludeFromPullTime) {
      // The cleaner's own manifest reads (BatchGetImage) must never make an image look recently pulled.
      firstRunNeeds.push(new aws.ecr.PullTimeUpdateExclusion(`${name}-pull-time-exclusion`, { principalArn: role.arn }, { parent }));
    }

    const schedule = createSchedule(name, {
      expression: a.schedule,
      timezone: a.scheduleTimezone,
      functionArn: fn.arn,
      accountId: scope.accountId,
      tags: a.tags,
      dependsOn: firstRunNeeds,
    }, parent);

    const alarms = createAlarms(name, {
      functionName: fn.name,
      timeoutSeconds: a.timeout,
      schedule: checked.schedule,
      missedRunAfterSeconds: checked.missedRunAfterSeconds,
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
    this.registerOutputs({
      functionName: this.functionName,
      functionArn: this.functionArn,
      roleArn: this.roleArn,
      logGroupName: this.logGroupName,
      scheduleArn: this.scheduleArn,
      alarmArns: this.alarmArns,
    });
  }
}
