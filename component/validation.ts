/**
 * Checks of the component's own arguments (the policies are checked by the CLI's validator, in policyConfig.ts).
 * Each problem names the argument, so `pulumi preview` fails with a message that says what to change.
 */
import { parseDuration } from "../runtime/config/duration";
import { DEFAULT_SAFETY_MARGIN_MS } from "../runtime/engine/run";
import { MAX_CONCURRENCY } from "../runtime/lambda/config";
import { didYouMean } from "../runtime/config/suggestion";
import { NOTIFY_MODES } from "../runtime/lambda/notification";
import type { EcrCleanupPolicyArgs, ResolvedArgs } from "./args";
import { parseSchedule, ParsedSchedule } from "./schedule";

export const ARCHITECTURES = ["arm64", "x86_64"];
/** The values CloudWatch Logs accepts for a log group's retention (0: never expire). */
export const LOG_RETENTION_DAYS = [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Bound on fanOutBatchSize, and on fanOutConcurrency without a reservation (an account's default concurrency). */
export const MAX_FAN_OUT = 1000;
/** Lambda's default account concurrency, and the part of it Lambda keeps unreserved (Lambda quotas; reserved concurrency). */
export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;
export const UNRESERVED_MINIMUM = 100;
/** The most a function may reserve on an account with the default quota. */
export const MAX_RESERVED_CONCURRENCY = DEFAULT_ACCOUNT_CONCURRENCY - UNRESERVED_MINIMUM;

/**
 * Every arg's name. The compiler holds this record to EcrCleanupPolicyArgs (a key missing or extra fails the build), so
 * an arg added to args.ts is known here with no other change.
 */
const ARG_NAMES: Record<keyof EcrCleanupPolicyArgs, true> = {
  policies: true, schedule: true, scheduleTimezone: true, missedRunAfter: true, dryRun: true, timeout: true, memorySize: true, architecture: true,
  logRetentionDays: true, alarmActions: true, okActions: true, tags: true, excludeFromPullTime: true, concurrency: true, fanOut: true,
  fanOutConcurrency: true, fanOutBatchSize: true, reservedConcurrency: true, inUseEcs: true, inUseLambda: true, inUseEks: true, inUseAppRunner: true,
  inUseBatch: true, eksClusters: true, ecsRevisions: true, inUseRegions: true, inUseAccounts: true, roleName: true, archiveKeepRestoredFor: true,
  archiveDeleteAfter: true, previewImpact: true, vpcSubnetIds: true, vpcSecurityGroupIds: true, reportBucket: true, reportRetentionDays: true, notify: true,
  reportPricePerGbMonth: true,
};
export const ARG_KEYS: readonly string[] = Object.keys(ARG_NAMES);

/**
 * A key the args interface does not have, each with the arg it probably misspells: JavaScript (and every language
 * without TypeScript's check) would otherwise ignore `dryrun: false` and keep the default dry run, or `previewimpact`.
 */
function unknownArgProblems(given: object): string[] {
  // An arg the program sets is not what a typo beside it meant.
  const set = Object.entries(given).filter(([, value]) => value !== undefined).map(([key]) => key);
  const unset = ARG_KEYS.filter((known) => !set.includes(known));
  return Object.keys(given).filter((key) => !ARG_KEYS.includes(key)).map((key) => `unknown argument ${key}${didYouMean(key, unset)}`);
}

/** The report args: the retention in days, the notify mode, the price. */
function reportProblems(args: ResolvedArgs): string[] {
  const problems: string[] = [];
  if (!wholeNumberIn(args.reportRetentionDays, 1, 36_500)) problems.push(`reportRetentionDays must be a whole number of days from 1 to 36500; got ${JSON.stringify(args.reportRetentionDays)}`);
  if (!(NOTIFY_MODES as readonly unknown[]).includes(args.notify)) problems.push(`notify must be one of ${NOTIFY_MODES.map((m) => JSON.stringify(m)).join(", ")}; got ${JSON.stringify(args.notify)}`);
  const price = args.reportPricePerGbMonth;
  if (price !== undefined && !(typeof price === "number" && Number.isFinite(price) && price > 0 && price < 1000)) {
    problems.push(`reportPricePerGbMonth must be a price in USD per GB-month, a number above 0 and below 1000 (such as 0.1); got ${JSON.stringify(price)}`);
  }
  if (args.reportBucket !== undefined && typeof args.reportBucket === "string" && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(args.reportBucket)) {
    problems.push(`reportBucket must be an S3 bucket name (3 to 63 lowercase letters, digits, dots and hyphens); got ${JSON.stringify(args.reportBucket)}`);
  }
  return problems;
}

export interface CheckedArgs {
  schedule: ParsedSchedule;
  missedRunAfterSeconds?: number;
}

function wholeNumberIn(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * Returns the parsed schedule, or the list of problems (each a sentence naming its argument). `given` is the args as
 * the program wrote them, before the defaults: its keys are checked against the args interface.
 */
export function checkArgs(args: ResolvedArgs, given: object): CheckedArgs | { problems: string[] } {
  const problems: string[] = unknownArgProblems(given);
  let schedule: ParsedSchedule | undefined;
  try {
    schedule = parseSchedule(args.schedule);
  } catch (err) {
    problems.push((err as Error).message);
  }
  let missedRunAfterSeconds: number | undefined;
  if (args.missedRunAfter !== undefined) {
    const ms = parseDuration(args.missedRunAfter);
    if (ms === undefined || ms <= 0) problems.push(`missedRunAfter must be a duration longer than 0, such as "24h" or "3d"; got ${JSON.stringify(args.missedRunAfter)}`);
    else missedRunAfterSeconds = ms / 1000;
  }
  if (typeof args.scheduleTimezone !== "string" || !args.scheduleTimezone.trim()) problems.push(`scheduleTimezone must be an IANA time zone such as "UTC"`);
  // The function starts no repository in its last DEFAULT_SAFETY_MARGIN_MS: a shorter timeout would never start one.
  const minimumTimeout = (2 * DEFAULT_SAFETY_MARGIN_MS) / 1000;
  if (!wholeNumberIn(args.timeout, minimumTimeout, 900)) {
    problems.push(
      `timeout must be a whole number of seconds from ${minimumTimeout} to 900 (the function keeps its last ${DEFAULT_SAFETY_MARGIN_MS / 1000} s to finish the batches in flight); got ${JSON.stringify(args.timeout)}`,
    );
  }
  if (!wholeNumberIn(args.memorySize, 128, 10_240)) problems.push(`memorySize must be a whole number of MB from 128 to 10240; got ${JSON.stringify(args.memorySize)}`);
  if (!ARCHITECTURES.includes(args.architecture)) problems.push(`architecture must be one of ${ARCHITECTURES.join(", ")}; got ${JSON.stringify(args.architecture)}`);
  if (!LOG_RETENTION_DAYS.includes(args.logRetentionDays)) {
    problems.push(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(", ")} (0: never expire); got ${JSON.stringify(args.logRetentionDays)}`);
  }
  if (typeof args.dryRun !== "boolean") problems.push(`dryRun must be true or false; got ${JSON.stringify(args.dryRun)}`);
  if (typeof args.excludeFromPullTime !== "boolean") problems.push(`excludeFromPullTime must be true or false; got ${JSON.stringify(args.excludeFromPullTime)}`);
  if (!wholeNumberIn(args.concurrency, 1, MAX_CONCURRENCY)) problems.push(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}; got ${JSON.stringify(args.concurrency)}`);
  if (typeof args.previewImpact !== "boolean") problems.push(`previewImpact must be true or false; got ${JSON.stringify(args.previewImpact)}`);
  const subnets = args.vpcSubnetIds;
  const groups = args.vpcSecurityGroupIds;
  if ((subnets === undefined) !== (groups === undefined)) {
    problems.push("vpcSubnetIds and vpcSecurityGroupIds go together: give both (to run the function in a VPC) or neither");
  } else if (subnets !== undefined && groups !== undefined) {
    if (!Array.isArray(subnets) || subnets.length === 0) problems.push("vpcSubnetIds must list at least one subnet ID");
    if (!Array.isArray(groups) || groups.length === 0) problems.push("vpcSecurityGroupIds must list at least one security group ID");
  }
  if (typeof args.fanOut !== "boolean") problems.push(`fanOut must be true or false; got ${JSON.stringify(args.fanOut)}`);
  if (typeof args.reservedConcurrency !== "boolean") problems.push(`reservedConcurrency must be true or false; got ${JSON.stringify(args.reservedConcurrency)}`);
  if (args.reservedConcurrency === true) {
    if (!wholeNumberIn(args.fanOutConcurrency, 1, MAX_RESERVED_CONCURRENCY)) {
      problems.push(
        `fanOutConcurrency must be a whole number from 1 to ${MAX_RESERVED_CONCURRENCY} while reservedConcurrency is true (it is the function's reserved concurrency, and Lambda keeps ${UNRESERVED_MINIMUM} of an account's default ${DEFAULT_ACCOUNT_CONCURRENCY} unreserved; ` +
          `for more, raise the account's quota and set reservedConcurrency: false); got ${JSON.stringify(args.fanOutConcurrency)}`,
      );
    }
  } else if (!wholeNumberIn(args.fanOutConcurrency, 1, MAX_FAN_OUT)) problems.push(`fanOutConcurrency must be a whole number from 1 to ${MAX_FAN_OUT}; got ${JSON.stringify(args.fanOutConcurrency)}`);
  if (!wholeNumberIn(args.fanOutBatchSize, 1, MAX_FAN_OUT)) problems.push(`fanOutBatchSize must be a whole number from 1 to ${MAX_FAN_OUT}; got ${JSON.stringify(args.fanOutBatchSize)}`);
  // IAM's role names: 1 to 64 of [\w+=,.@-].
  if (args.roleName !== undefined && (typeof args.roleName !== "string" || !/^[\w+=,.@-]{1,64}$/.test(args.roleName))) {
    problems.push(`roleName must be 1 to 64 letters, digits or any of _+=,.@- (an IAM role name); got ${JSON.stringify(args.roleName)}`);
  }
  problems.push(...reportProblems(args));
  return problems.length || !schedule ? { problems } : { schedule, missedRunAfterSeconds };
}
