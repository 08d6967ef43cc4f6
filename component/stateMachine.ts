/**
 * Fan-out mode's state machine, in Amazon States Language (JSONPath):
 * 1. FindRunningExecutions / AnotherRunIsGoing: lists this state machine's RUNNING executions (the SDK integration
 *    `sfn:listExecutions`); when there is another besides this one, the execution ends at once (runs never overlap).
 * 2. Prepare: the function lists the repositories and takes the in-use inventory once, writes the items to S3.
 * 3. Clean: a Distributed Map reads the items from S3 (ItemReader), hands them to the function in batches
 *    (ItemBatcher), at most MaxConcurrency at once, retrying Lambda's transient errors, and writes the batches' results
 *    to S3 (ResultWriter). A failed batch does not fail the Map: the aggregate step reports its repositories.
 * 4. Aggregate: the function assembles the run's report from the ResultWriter's manifest and logs it.
 * Payloads stay small (keys, counts): Step Functions caps a state's input and output at 256 KiB.
 */
import { AGGREGATE, CLEAN, PREPARE, RESULTS_PREFIX } from "../runtime/fanout/keys";

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
    StartAt: "FindRunningExecutions",
    States: {
      FindRunningExecutions: {
        Type: "Task",
        Resource: integration("aws-sdk:sfn:listExecutions"),
        // Two are enough to tell whether another one is running besides this one.
        Parameters: { "StateMachineArn.$": "$$.StateMachine.Id", StatusFilter: "RUNNING", MaxResults: 2 },
        ResultSelector: { "running.$": "States.ArrayLength($.Executions)" },
        ResultPath: "$.overlap",
        Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
        Next: "AnotherRunIsGoing",
      },
      AnotherRunIsGoing: {
        Type: "Choice",
        Choices: [{ Variable: "$.overlap.running", NumericGreaterThan: 1, Next: "SkipOverlappingRun" }],
        Default: "Prepare",
      },
      SkipOverlappingRun: { Type: "Succeed", Comment: "Another execution of this state machine is running: this one does nothing." },
      Prepare: {
        ...invoke({ Payload: { phase: PREPARE, "run.$": "$$.Execution.Name", "input.$": "$$.Execution.Input" } }),
        ResultSelector: { "run.$": "$.Payload.run", "items.$": "$.Payload.items" },
        ResultPath: "$.prepared",
        Next: "Clean",
      },
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
        Next: "Aggregate",
      },
      Aggregate: {
        ...invoke({ Payload: { phase: AGGREGATE, "run.$": "$.prepared.run", "results.$": "$.results.ResultWriterDetails" } }),
        OutputPath: "$.Payload",
        End: true,
      },
    },
  };
}
