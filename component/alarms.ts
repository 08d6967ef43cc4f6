/**
 * The alarms, all wired to alarmActions/okActions: the function's Errors, Throttles and Duration (p99 above 80% of
 * the timeout), the run's Failures metric (published by the handler in embedded metric format), a missed run, and in
 * fan-out mode the state machine's failed and timed-out executions.
 *
 * Missed run: Invocations summed per hour, alarming when none of the last N hours had one, with N = the schedule's
 * interval in hours (rounded up) + 1 and missing data breaching. CloudWatch evaluates at most 7 days for periods of
 * an hour or more, so an interval above 167 hours gets no missed-run alarm.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FAILURES_METRIC, FUNCTION_NAME_DIMENSION, METRIC_NAMESPACE } from "../runtime/lambda/metrics";
import type { ParsedSchedule } from "./schedule";
import { RUN_TIMEOUT_SECONDS } from "./stateMachine";

export const ALARM_PERIOD_SECONDS = 3600;
/** CloudWatch's limit on period x evaluation periods, for periods of an hour or more. */
export const MAX_EVALUATION_SECONDS = 7 * 86_400;
export const DURATION_THRESHOLD_SHARE = 0.8;

export type AlarmKind = "errors" | "throttles" | "duration" | "failures" | "missedRun" | "executionsFailed" | "executionsTimedOut";

/** The missed-run alarm's evaluation periods (hours), or why there is no such alarm. */
export function missedRunPeriods(schedule: ParsedSchedule, missedRunAfterSeconds?: number): { periods: number } | { skip: string } {
  const interval = missedRunAfterSeconds ?? (schedule.kind === "rate" ? schedule.intervalSeconds : undefined);
  if (interval === undefined) {
    return { skip: `the ${schedule.kind}() schedule has no fixed interval: set missedRunAfter (the longest gap between two runs, such as "24h") to get a missed-run alarm` };
  }
  const periods = Math.ceil(interval / ALARM_PERIOD_SECONDS) + 1;
  if (periods * ALARM_PERIOD_SECONDS > MAX_EVALUATION_SECONDS) {
    return { skip: `the interval between runs plus one hour (${periods} hours) is longer than the 7 days a CloudWatch alarm can evaluate` };
  }
  return { periods };
}

export interface AlarmArgs {
  functionName: pulumi.Input<string>;
  timeoutSeconds: number;
  schedule: ParsedSchedule;
  missedRunAfterSeconds?: number;
  /** Fan-out mode: the state machine whose failed and timed-out executions alarm too. */
  stateMachineArn?: pulumi.Input<string>;
  alarmActions?: pulumi.Input<string>[];
  okActions?: pulumi.Input<string>[];
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

interface AlarmSpec {
  kind: AlarmKind;
  suffix: string;
  description: string;
  args: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "tags" | "alarmDescription">;
}

function specs(args: AlarmArgs, missedRun: { periods: number } | undefined): AlarmSpec[] {
  const lambdaMetric = (metricName: string) => ({
    namespace: "AWS/Lambda",
    metricName,
    dimensions: { FunctionName: args.functionName },
    period: ALARM_PERIOD_SECONDS,
  });
  const onePeriodAboveZero = { statistic: "Sum", comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 1, treatMissingData: "notBreaching" };
  const list: AlarmSpec[] = [
    {
      kind: "errors",
      suffix: "errors",
      description: "The ecr-cleanup function failed (configuration error, crash or timeout): read its log group for the error.",
      args: { ...lambdaMetric("Errors"), ...onePeriodAboveZero },
    },
    {
      kind: "throttles",
      suffix: "throttles",
      description: args.stateMachineArn
        ? "An ecr-cleanup invocation was throttled: the function was invoked besides its state machine's batches (its reserved concurrency is the Map's). Check for manual invocations."
        : "An ecr-cleanup invocation was throttled: a run started while another was still going (reserved concurrency is 1). Check for manual invocations or a schedule shorter than a run.",
      args: { ...lambdaMetric("Throttles"), ...onePeriodAboveZero },
    },
    {
      kind: "duration",
      suffix: "duration",
      description: `ecr-cleanup runs take more than ${DURATION_THRESHOLD_SHARE * 100}% of the function's timeout: raise the timeout or memory, or split the policies over several components, before runs are cut off.`,
      args: {
        ...lambdaMetric("Duration"),
        extendedStatistic: "p99",
        comparisonOperator: "GreaterThanThreshold",
        threshold: args.timeoutSeconds * 1000 * DURATION_THRESHOLD_SHARE,
        evaluationPeriods: 1,
        treatMissingData: "notBreaching",
      },
    },
    {
      kind: "failures",
      suffix: "failures",
      description: "An ecr-cleanup run finished with failures (API errors, refused deletes, a repository skipped by max_deletions, a named repository that does not exist): read the error lines in its log group.",
      args: {
        namespace: METRIC_NAMESPACE,
        metricName: FAILURES_METRIC,
        dimensions: { [FUNCTION_NAME_DIMENSION]: args.functionName },
        period: ALARM_PERIOD_SECONDS,
        ...onePeriodAboveZero,
      },
    },
  ];
  if (args.stateMachineArn) {
    const statesMetric = (metricName: string) => ({
      namespace: "AWS/States",
      metricName,
      dimensions: { StateMachineArn: args.stateMachineArn! },
      period: ALARM_PERIOD_SECONDS,
      ...onePeriodAboveZero,
    });
    list.push(
      {
        kind: "executionsFailed",
        suffix: "executions-failed",
        description: "An ecr-cleanup run (a Step Functions execution) failed: its prepare or aggregate step failed, or the Map could not read its items or write its results. Open the execution in the Step Functions console to see the failed state and its error.",
        args: statesMetric("ExecutionsFailed"),
      },
      {
        kind: "executionsTimedOut",
        suffix: "executions-timed-out",
        description: `An ecr-cleanup run (a Step Functions execution) ran longer than ${RUN_TIMEOUT_SECONDS / 3600} hours and was stopped: raise fanOutConcurrency or look for a batch that keeps timing out.`,
        args: statesMetric("ExecutionsTimedOut"),
      },
    );
  }
  if (missedRun) {
    list.push({
      kind: "missedRun",
      suffix: "missed-run",
      description: `The ecr-cleanup function was not invoked in the last ${missedRun.periods} hours: check the schedule (state, expression) and its role.`,
      args: {
        ...lambdaMetric("Invocations"),
        statistic: "Sum",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        evaluationPeriods: missedRun.periods,
        datapointsToAlarm: missedRun.periods,
        treatMissingData: "breaching",
      },
    });
  }
  return list;
}

/** Creates the alarms (`${name}-errors`, ...); warns, rather than fails, when the missed-run alarm cannot be made. */
export function createAlarms(name: string, args: AlarmArgs, parent: pulumi.Resource): Partial<Record<AlarmKind, aws.cloudwatch.MetricAlarm>> {
  const missedRun = missedRunPeriods(args.schedule, args.missedRunAfterSeconds);
  if ("skip" in missedRun) pulumi.log.warn(`no missed-run alarm: ${missedRun.skip}`, parent);
  const alarms: Partial<Record<AlarmKind, aws.cloudwatch.MetricAlarm>> = {};
  for (const spec of specs(args, "periods" in missedRun ? missedRun : undefined)) {
    alarms[spec.kind] = new aws.cloudwatch.MetricAlarm(`${name}-${spec.suffix}`, {
      ...spec.args,
      alarmDescription: spec.description,
      alarmActions: args.alarmActions,
      okActions: args.okActions,
      tags: args.tags,
    }, { parent });
  }
  return alarms;
}
