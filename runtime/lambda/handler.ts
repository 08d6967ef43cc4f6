/**
 * The Lambda entry point that the component bundles with esbuild (spec section 6): the CLI's engine, run on a
 * schedule with the policies from the function's environment. Dry run unless ECR_CLEANUP_DRY_RUN=false.
 *
 * A configuration error fails the invocation (Lambda's Errors metric). A run that finished with failures returns
 * normally and reports them in its Failures metric, so the two alarms tell the cases apart.
 */
import { AwsClients, createClients } from "../ecr/client";
import type { RunError, Summary } from "../engine/report";
import { runCleanup } from "../engine/run";
import { configFromEnvironment } from "./config";
import { runTimeOf } from "./event";
import { repositoryLines, runLines } from "./log";
import { emfLines } from "./metrics";

/** The part of Lambda's context object the handler reads. */
export interface LambdaContext {
  functionName?: string;
  awsRequestId?: string;
  getRemainingTimeInMillis(): number;
}

export interface HandlerResult {
  dryRun: boolean;
  /** The `now` the policies were evaluated at (ISO-8601). */
  now: string;
  summary: Summary;
  errors: RunError[];
  warnings: string[];
  /** Governed repositories the run did not reach before the timeout. */
  notReached: string[];
}

// One set of clients per execution environment, reused by warm invocations.
let clients: AwsClients | undefined;

function writeLine(line: string): void {
  // process.stdout, not console.log: Lambda prefixes console lines, and an EMF document must be the whole log event.
  process.stdout.write(`${line}\n`);
}

export async function handler(event: unknown, context: LambdaContext): Promise<HandlerResult> {
  const clock = new Date();
  const { config, dryRun } = configFromEnvironment(process.env);
  const time = runTimeOf(event, clock);
  const ctx = { dryRun, now: time.now.toISOString() };
  const warnings = time.warning ? [time.warning] : [];

  clients ??= createClients();
  const report = await runCleanup({
    config,
    now: time.now,
    apply: !dryRun,
    ...clients,
    // No repository starts too close to the function's timeout; those left are reported as not reached.
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    // Logged as each repository finishes, so a run that is cut off still shows what it did.
    onRepositoryDone: (repository) => repositoryLines(repository, ctx).forEach(writeLine),
  });
  report.warnings.unshift(...warnings);
  runLines(report, ctx).forEach(writeLine);
  const functionName = context.functionName ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? "unknown";
  emfLines(report.summary, { functionName, timestamp: Date.now(), dryRun }).forEach(writeLine);
  return { dryRun, now: ctx.now, summary: report.summary, errors: report.errors, warnings: report.warnings, notReached: report.notReached };
}
