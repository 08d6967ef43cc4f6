/**
 * Fan-out mode's state machine, in Amazon States Language (JSONPath):
 * 1. Prepare: the function takes the run lock (a conditional write in the bucket, runtime/lock/runLock.ts): when
 *    another run holds it, the execution ends at once (AnotherRunIsGoing), so runs never overlap, even two started
 *    together (ListExecutions, which this used to ask, is eventually consistent). Then it lists the repositories,
 *    takes the in-use inventory once, and writes the items to S3.
 * 2. AnotherRunIsGoing: ends the execution when Prepare did not get the lock.
 * 3. Clean: a Distributed Map reads the items from S3 (ItemReader), hands them to the function in batches
 *    (ItemBatcher), at most MaxConcurrency at once, retrying Lambda's transient errors, and writes the batches' results
 *    to S3 (ResultWriter). A failed batch does not fail the Map: the aggregate step reports its repositories.
 * 4. Aggregate: the function assembles the run's report from the ResultWriter's manifest, logs it, and releases the
 *    lock. When Clean or Aggregate fails, ReportFailedRun reports the run, failed, from what its batches recorded in
 *    the bucket (runtime/fanout/failedRun.ts), so that a failed run that deleted is never silent. When Prepare fails
 *    (nothing deleted yet), or after ReportFailedRun, ReleaseRunLock releases the lock (if this run holds it) and
 *    the execution fails; a run that times out leaves it to expire (TimeoutSeconds plus Lambda's 15 minutes).
 * Payloads stay small (keys, counts): Step Functions caps a state's input and output at 256 KiB.
 */
import { AGGREGATE, CLEAN, FAILED, PREPARE, RELEASE, RESULTS_PREFIX } from "../runtime/fanout/keys";

/** A run that hangs must not block the next ones forever (they end at once while it is RUNNING). */
export const RUN_TIMEOUT_SECONDS = 24 * 3600;
/** Below Step Functions' 256 KiB cap on a child execution's input. */
export const MAX_INPUT_BYTES_PER_BATCH = 200 * 1024;

/** Lambda's transient errors, as the Step Functions developer guide advises retrying them, and throttling. */
export const LAMBDA_RETRY = {
  ErrorEquals: [
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
};

/** A failure of Prepare (nothing deleted yet): release the lock, keeping the error beside the input. */
const RELEASE_ON_FAILURE = { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "ReleaseRunLock" };
/** A failure of Clean or Aggregate (batches may have deleted): report the run from their records, then release. */
const REPORT_ON_FAILURE = { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "ReportFailedRun" };
/** A failure of the failure report itself: release the lock all the same. */
const RELEASE_AFTER_REPORT_FAILURE = { ErrorEquals: ["States.ALL"], ResultPath: "$.reportError", Next: "ReleaseRunLock" };

export interface DefinitionArgs {
  componentName: string;
  partition: string;
  functionArn: string;
  bucket: string;
  maxConcurrency: number;
  batchSize: number;
}

export function stateMachineDefinition(a: DefinitionArgs): Record<string, unknown> {
  const integration = (action: string) => `arn:${a.partition}:states:::${action}`;
  const invoke = (payload: Record<string, unknown>) => ({
    Type: "Task",
    Resource: integration("lambda:invoke"),
    Parameters: { FunctionName: a.functionArn, ...payload },
    Retry: [LAMBDA_RETRY],
  });
  return {
    Comment: `ecr-cleanup (${a.componentName}): one run, fanned out over the repositories`,
    TimeoutSeconds: RUN_TIMEOUT_SECONDS,
    StartAt: "Prepare",
    States: {
      Prepare: {
        ...invoke({ Payload: { phase: PREPARE, "run.$": "$$.Execution.Name", "input.$": "$$.Execution.Input" } }),
        ResultSelector: { "run.$": "$.Payload.run", "items.$": "$.Payload.items", "skipped.$": "$.Payload.skipped", "reason.$": "$.Payload.reason" },
        ResultPath: "$.prepared",
        Catch: [RELEASE_ON_FAILURE],
        Next: "AnotherRunIsGoing",
      },
      AnotherRunIsGoing: {
        Type: "Choice",
        Choices: [{ Variable: "$.prepared.skipped", BooleanEquals: true, Next: "SkipOverlappingRun" }],
        Default: "Clean",
      },
      SkipOverlappingRun: { Type: "Succeed", Comment: "Another run holds the run lock: this one did nothing." },
      Clean: {
        Type: "Map",
        ItemReader: {
          Resource: integration("s3:getObject"),
          ReaderConfig: { InputType: "JSON" },
          Parameters: { Bucket: a.bucket, "Key.$": "$.prepared.items" },
        },
        ItemBatcher: {
          MaxItemsPerBatch: a.batchSize,
          MaxInputBytesPerBatch: MAX_INPUT_BYTES_PER_BATCH,
          BatchInput: { phase: CLEAN },
        },
        MaxConcurrency: a.maxConcurrency,
        // A failed batch is reported by the aggregate step (as errors, its repositories as not reached).
        ToleratedFailurePercentage: 100,
        ItemProcessor: {
          // STANDARD: a batch may take up to the function's 15 minutes (EXPRESS children stop at 5).
          ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" },
          StartAt: "CleanBatch",
          States: {
            CleanBatch: { ...invoke({ "Payload.$": "$" }), OutputPath: "$.Payload", End: true },
          },
        },
        ResultWriter: { Resource: integration("s3:putObject"), Parameters: { Bucket: a.bucket, Prefix: RESULTS_PREFIX } },
        ResultPath: "$.results",
        Catch: [REPORT_ON_FAILURE],
        Next: "Aggregate",
      },
      Aggregate: {
        ...invoke({ Payload: { phase: AGGREGATE, "run.$": "$.prepared.run", "results.$": "$.results.ResultWriterDetails" } }),
        OutputPath: "$.Payload",
        Catch: [REPORT_ON_FAILURE],
        End: true,
      },
      ReportFailedRun: {
        ...invoke({ Payload: { phase: FAILED, "run.$": "$$.Execution.Name", "input.$": "$$.Execution.Input", "error.$": "$.error" } }),
        ResultPath: "$.reported",
        Catch: [RELEASE_AFTER_REPORT_FAILURE],
        Next: "ReleaseRunLock",
      },
      ReleaseRunLock: {
        ...invoke({ Payload: { phase: RELEASE, "run.$": "$$.Execution.Name" } }),
        ResultPath: "$.released",
        Next: "RunFailed",
      },
      RunFailed: { Type: "Fail", Error: "RunFailed", Cause: "a step of the run failed (see the execution's history); the run lock was released" },
    },
  };
}
