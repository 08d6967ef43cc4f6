/**
 * What the component hands to aws.lambda.Function (code archive, handler, environment) and to the schedule (its
 * input), read from the Pulumi mocks, then invoked in a child process as Lambda would invoke it.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { EcrCleanupPolicy, EcrCleanupPolicyArgs } from "../../component";
import { NOTIFY_ENV, NOTIFY_TOPIC_ENV, REPORTS_BUCKET_ENV } from "../../runtime/lambda/config";
import { archiveFiles, Recorder, valueOf } from "./pulumi-mocks";

const RUNNER = resolve(__dirname, "lambda-runner.js");

export interface Deployment {
  /** The archive's files, written out by `invoke` into a task root with no node_modules above it. */
  files: Record<string, string>;
  handler: string;
  environment: Record<string, string>;
  timeout: number;
  /** The schedule's target input, with Scheduler's keyword still in it. */
  scheduleInput: string;
  functionArn: string;
  /** Single-function mode: the cursor parameter as the component creates it. */
  cursorParameter?: { name: string; value: string };
  /** The reports bucket (the component's) and the notification topic's name (absent with notify: "never"). */
  reports?: { bucket: string; topicName?: string };
  /** Fan-out mode: the state machine (its definition parsed) and the runs bucket. */
  fanOut?: { stateMachineArn: string; definition: any; bucket: string };
}

/** Constructs the component under mocks and returns what a deployment would hand to Lambda and Scheduler. */
export async function deployedFunction(name: string, args: EcrCleanupPolicyArgs): Promise<Deployment> {
  const rec = new Recorder();
  await rec.install();
  const component = new EcrCleanupPolicy(name, args);
  await valueOf(component.scheduleArn);
  const fn = rec.one("aws:lambda/function:Function");
  const parameters = rec.ofType("aws:ssm/parameter:Parameter");
  const machines = rec.ofType("aws:sfn/stateMachine:StateMachine");
  const reportsBucket = rec.ofType("aws:s3/bucket:Bucket").find((b) => b.name.endsWith("-reports"));
  const topics = rec.ofType("aws:sns/topic:Topic");
  return {
    files: await archiveFiles(fn.inputs.code),
    handler: fn.inputs.handler,
    environment: fn.inputs.environment.variables,
    timeout: fn.inputs.timeout,
    scheduleInput: rec.one("aws:scheduler/schedule:Schedule").inputs.target.input,
    functionArn: fn.state.arn,
    ...(reportsBucket ? { reports: { bucket: reportsBucket.state.bucket, ...(topics.length ? { topicName: topics[0].state.name } : {}) } } : {}),
    ...(parameters.length ? { cursorParameter: { name: parameters[0].state.name, value: parameters[0].inputs.insecureValue } } : {}),
    ...(machines.length
      ? { fanOut: { stateMachineArn: machines[0].state.arn, definition: JSON.parse(machines[0].inputs.definition), bucket: rec.ofType("aws:s3/bucket:Bucket").find((b) => b.name.endsWith("-runs"))!.state.bucket } }
      : {}),
  };
}

/** Replaces Scheduler's context keyword, as Scheduler does when it invokes the target. */
export function scheduledEvent(input: string, scheduledTime: string): unknown {
  return JSON.parse(input.replace("<aws.scheduler.scheduled-time>", scheduledTime));
}

export interface Invocation {
  result?: any;
  error?: { name: string; message: string };
  /** stdout split into lines: the function's log. */
  logLines: string[];
  stderr: string;
}

/** Runs the handler in a child process: the deployment's environment plus `env` (region, credentials, endpoint). */
export async function invoke(deployment: Deployment, event: unknown, env: NodeJS.ProcessEnv): Promise<Invocation> {
  const taskRoot = mkdtempSync(join(tmpdir(), "ecr-cleanup-lambda-"));
  for (const [file, text] of Object.entries(deployment.files)) writeFileSync(join(taskRoot, file), text);
  const eventFile = join(taskRoot, "event.json");
  const resultFile = join(taskRoot, "result.json");
  writeFileSync(eventFile, JSON.stringify(event));
  const childEnv = {
    ...env,
    ...deployment.environment,
    AWS_LAMBDA_FUNCTION_NAME: "ecr-cleanup-test-function",
    AWS_LAMBDA_FUNCTION_TIMEOUT: String(deployment.timeout),
    LAMBDA_TASK_ROOT: taskRoot,
  };
  const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((done, reject) => {
    const child = spawn(process.execPath, [RUNNER, taskRoot, deployment.handler, eventFile, resultFile], { cwd: taskRoot, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", reject);
    child.on("close", (exit) => done({ stdout: out, stderr: err, code: exit }));
  });
  if (code !== 0) throw new Error(`the runner exited with ${code}: ${stderr}`);
  const outcome = JSON.parse(readFileSync(resultFile, "utf8"));
  return { ...outcome, logLines: stdout.split("\n").filter(Boolean), stderr };
}

/**
 * The deployment without its run reports' bucket and topic: for in-process suites about something else (fan-out,
 * the cursor), whose handlers have no S3 or SNS to send them to. tests/run-reports-moto.test.ts runs them.
 */
export function withoutReports(deployment: Deployment): Deployment {
  const environment = { ...deployment.environment };
  for (const name of [REPORTS_BUCKET_ENV, NOTIFY_TOPIC_ENV, NOTIFY_ENV]) delete environment[name];
  return { ...deployment, environment };
}
