/**
 * The schedule: an EventBridge Scheduler schedule (AWS calls scheduled EventBridge rules legacy) that invokes the
 * function (or, in fan-out mode, starts the state machine) with `{"scheduledTime": "<aws.scheduler.scheduled-time>"}`,
 * through its own role that may do that and nothing else. Scheduler invokes Lambda asynchronously; Lambda's own
 * retries are off (the component sets them to 0), so this retry policy is the only one.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SCHEDULE_INPUT } from "../runtime/lambda/event";
import { policyDocument } from "../runtime/iam/statement";
import { serviceRole } from "./iam";

export type ParsedSchedule =
  | { kind: "rate"; intervalSeconds: number }
  | { kind: "cron" }
  | { kind: "at" };

const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };
const RATE = /^rate\((\d+) (minute|hour|day)s?\)$/;
const CRON = /^cron\(\S+( \S+){5}\)$/;
const AT = /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/;

/** Reads a Scheduler expression; throws an Error whose message says what is wrong. */
export function parseSchedule(expression: string): ParsedSchedule {
  const rate = RATE.exec(expression);
  if (rate && Number(rate[1]) >= 1) return { kind: "rate", intervalSeconds: Number(rate[1]) * UNIT_SECONDS[rate[2]] };
  if (CRON.test(expression)) return { kind: "cron" };
  if (AT.test(expression)) return { kind: "at" };
  throw new Error(`schedule ${JSON.stringify(expression)} is not an EventBridge Scheduler expression: ` +
    `use rate(N minutes|hours|days) with N >= 1, cron(minutes hours day-of-month month day-of-week year), or at(yyyy-mm-ddThh:mm:ss)`);
}

/** Scheduler gives up on an invocation it could not deliver after this long; the next run does the same work. */
export const RETRY_POLICY = { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 };

/** What the schedule starts: the function (single-function mode) or the state machine (fan-out mode). */
export interface ScheduleTarget {
  arn: pulumi.Input<string>;
  /** The one action the schedule's role is allowed on the target. */
  action: "lambda:InvokeFunction" | "states:StartExecution";
}

export interface ScheduleArgs {
  expression: string;
  timezone: string;
  target: ScheduleTarget;
  accountId: pulumi.Input<string>;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** What must exist before the first run (the function's policy, its log group, its invoke config). */
  dependsOn: pulumi.Resource[];
}

export function createSchedule(name: string, args: ScheduleArgs, parent: pulumi.Resource): aws.scheduler.Schedule {
  const lambda = args.target.action === "lambda:InvokeFunction";
  const role = serviceRole(`${name}-schedule-role`, {
    service: "scheduler.amazonaws.com",
    sourceAccount: args.accountId,
    description: `EventBridge Scheduler: ${lambda ? "invokes the ecr-cleanup function" : "starts the ecr-cleanup state machine"} of ${name}, and nothing else`,
    tags: args.tags,
  }, parent);
  const sid = lambda ? "InvokeCleanerOnly" : "StartCleanupRunsOnly";
  const policy = new aws.iam.RolePolicy(`${name}-schedule-policy`, {
    role: role.id,
    policy: pulumi.output(args.target.arn).apply((arn) => policyDocument([{ Sid: sid, Effect: "Allow", Action: args.target.action, Resource: arn }])),
  }, { parent });

  return new aws.scheduler.Schedule(`${name}-schedule`, {
    description: `Runs the ecr-cleanup ${lambda ? "function" : "state machine"} of ${name}`,
    scheduleExpression: args.expression,
    scheduleExpressionTimezone: args.timezone,
    flexibleTimeWindow: { mode: "OFF" },
    target: {
      arn: args.target.arn,
      roleArn: role.arn,
      input: SCHEDULE_INPUT,
      retryPolicy: RETRY_POLICY,
    },
  }, { parent, dependsOn: [policy, ...args.dependsOn] });
}
