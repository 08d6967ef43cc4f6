/**
 * What a run keeps between invocations, and where: single-function mode's cursor parameter `${name}-cursor` (where
 * the next run starts), and the bucket `${name}-runs` that holds the run lock (fan-out mode always, single-function
 * mode without reserved concurrency) and fan-out mode's runs. Also the environment variables that tell the function
 * where they are.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONCURRENCY_ENV, CURSOR_PARAMETER_ENV, FANOUT_BUCKET_ENV, LOCK_BUCKET_ENV, RUN_TIME_LIMIT_ENV } from "../runtime/lambda/config";
import { CURSOR_START } from "../runtime/lambda/cursor";
import type { ResolvedArgs } from "./args";
import { createRunsBucket, RunsBucket } from "./fanout";
import { RUN_TIMEOUT_SECONDS } from "./stateMachine";

export interface RunState {
  /** Single-function mode: the SSM parameter holding the cursor. */
  cursor?: aws.ssm.Parameter;
  /** The run lock's bucket, and in fan-out mode the runs'. */
  runs?: RunsBucket;
  /** The function's environment variables that name them (and its concurrency). */
  environment: Record<string, pulumi.Input<string>>;
}

export function createRunState(name: string, a: ResolvedArgs, parent: pulumi.Resource): RunState {
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
  return { cursor, runs, environment };
}
