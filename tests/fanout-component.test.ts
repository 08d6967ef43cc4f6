/**
 * EcrCleanupPolicy in fan-out mode under Pulumi's mocks: the resources it adds, the state machine's definition
 * (Amazon States Language, parsed), the IAM documents of every role, the bucket's settings and the alarms.
 */
import { expect } from "chai";
import { ECR_CLEANUP_POLICY_TYPE, EcrCleanupPolicyArgs } from "../component";
import { RUN_OBJECTS_EXPIRE_DAYS } from "../component/fanout";
import { bucketPrefix } from "../component/privateBucket";
import { LAMBDA_RETRY, RUN_TIMEOUT_SECONDS } from "../component/stateMachine";
import { deploy as deployComponent, grants as documentGrants, statements, T, runsBucket } from "./support/component-under-mocks";
import { ACCOUNT_ID, archiveFiles, parentTypeOf, Recorder, RecordedResource, REGION, registeredUrns, valueOf } from "./support/pulumi-mocks";

async function deploy(name: string, args: Partial<EcrCleanupPolicyArgs> = {}) {
  return deployComponent(name, { fanOut: true, ...args });
}

/** Every (action, resource) pair the document allows, sorted. */
function grants(resource: RecordedResource): [string, string][] {
  return documentGrants(resource).sort((a, b) => (`${a}` < `${b}` ? -1 : 1));
}

function definitionOf(rec: Recorder): any {
  return JSON.parse(rec.one(T.stateMachine).inputs.definition);
}

/** Every Task state, the Map's item processor included. */
function tasks(states: Record<string, any>): [string, any][] {
  return Object.entries(states).flatMap(([name, state]) =>
    state.Type === "Map" ? tasks(state.ItemProcessor.States) : state.Type === "Task" ? [[name, state] as [string, any]] : []);
}

describe("EcrCleanupPolicy in fan-out mode (Pulumi mocks)", function () {
  describe("resources", () => {
    it("adds a bucket with its settings, a state machine with its role and policy, and two execution alarms; no cursor", async () => {
      const { rec } = await deploy("fan");
      expect(rec.counts()).to.deep.equal({
        [T.component]: 1,
        [T.role]: 3,
        [T.rolePolicy]: 3,
        [T.managedPolicy]: 1,
        [T.policyAttachment]: 1,
        [T.fn]: 1,
        [T.invokeConfig]: 1,
        [T.logGroup]: 1,
        [T.exclusion]: 1,
        [T.schedule]: 1,
        [T.alarm]: 7,
        // The runs bucket, and the reports bucket.
        [T.bucket]: 2,
        [T.encryption]: 2,
        [T.publicAccess]: 2,
        [T.lifecycle]: 2,
        [T.bucketPolicy]: 2,
        [T.stateMachine]: 1,
        [T.topic]: 1,
      });
      expect(rec.resources.filter((r) => r.type !== T.component).map((r) => r.name).sort()).to.deep.equal([
        "fan-duration", "fan-errors", "fan-executions-failed", "fan-executions-timed-out", "fan-failures", "fan-function",
        "fan-invoke-config", "fan-logs", "fan-missed-run", "fan-notifications", "fan-policy", "fan-pull-time-exclusion",
        "fan-reports", "fan-reports-encryption", "fan-reports-lifecycle", "fan-reports-policy", "fan-reports-public-access",
        "fan-repositories-1", "fan-repositories-1-attachment", "fan-role",
        "fan-runs", "fan-runs-encryption", "fan-runs-lifecycle", "fan-runs-policy", "fan-runs-public-access",
        "fan-schedule", "fan-schedule-policy", "fan-schedule-role", "fan-state-machine", "fan-state-machine-policy",
        "fan-state-machine-role", "fan-throttles",
      ]);
      for (const urn of registeredUrns()) {
        if (!urn.endsWith("::fan")) expect(parentTypeOf(urn), urn).to.equal(ECR_CLEANUP_POLICY_TYPE);
      }
    });

    it("exposes the state machine and the bucket; tags every child that takes tags", async () => {
      const tags = { team: "platform" };
      const { rec, component } = await deploy("outs", { tags });
      expect(await valueOf(component.stateMachineArn)).to.equal(rec.one(T.stateMachine).state.arn);
      expect(await valueOf(component.runsBucketName)).to.equal(runsBucket(rec).state.bucket);
      expect(await valueOf(component.cursorParameterName)).to.equal(undefined);
      expect(Object.keys(await valueOf(component.alarmArns))).to.deep.equal([
        "errors", "throttles", "duration", "failures", "executionsFailed", "executionsTimedOut", "missedRun",
      ]);
      for (const type of [T.role, T.fn, T.logGroup, T.alarm, T.bucket, T.stateMachine, T.topic]) {
        for (const r of rec.ofType(type)) expect(r.inputs.tags, r.name).to.deep.equal(tags);
      }
    });
  });

  describe("the function", () => {
    it("runs the fan-out bundle, as many at once as the Map (its reserved concurrency), with the bucket and the run's time limit in its environment", async () => {
      const { rec } = await deploy("fn", { fanOutConcurrency: 7, concurrency: 4 });
      const fn = rec.one(T.fn);
      expect(fn.inputs.reservedConcurrentExecutions).to.equal(7);
      expect(definitionOf(rec).States.Clean.MaxConcurrency).to.equal(7);
      const variables = fn.inputs.environment.variables;
      expect(Object.keys(variables).sort()).to.deep.equal([
        "ECR_CLEANUP_CONCURRENCY", "ECR_CLEANUP_CONFIG", "ECR_CLEANUP_DRY_RUN", "ECR_CLEANUP_FANOUT_BUCKET", "ECR_CLEANUP_NOTIFY", "ECR_CLEANUP_NOTIFY_TOPIC",
        "ECR_CLEANUP_REPORTS_BUCKET", "ECR_CLEANUP_RUN_TIME_LIMIT_SECONDS",
      ]);
      expect(variables).to.include({ ECR_CLEANUP_CONCURRENCY: "4", ECR_CLEANUP_FANOUT_BUCKET: runsBucket(rec).state.bucket });
      // The state machine's TimeoutSeconds: a worker refuses a stored run older than that.
      expect(variables.ECR_CLEANUP_RUN_TIME_LIMIT_SECONDS).to.equal(String(definitionOf(rec).TimeoutSeconds));
      const code = Object.values(await archiveFiles(fn.inputs.code)).join("\n");
      expect(code).to.include("runs in fan-out mode");
      // The S3 client is in the fan-out bundle; the single-function bundle does without it, and the cursor's SSM client.
      expect(code).to.include("PutObject");
      expect(code).to.not.include("PutParameter");
    });
  });

  describe("the state machine (Amazon States Language)", () => {
    it("STANDARD, bounded in time; Prepare takes the run lock, and an execution that does not get it ends at once", async () => {
      const { rec } = await deploy("asl");
      const machine = rec.one(T.stateMachine);
      expect(machine.inputs.type).to.equal("STANDARD");
      expect(machine.inputs.roleArn).to.equal(rec.named("asl-state-machine-role").state.arn);
      const definition = definitionOf(rec);
      expect(definition.TimeoutSeconds).to.equal(RUN_TIMEOUT_SECONDS);
      expect(definition.StartAt).to.equal("Prepare");
      expect(definition.States.AnotherRunIsGoing).to.deep.equal({
        Type: "Choice",
        Choices: [{ Variable: "$.prepared.skipped", BooleanEquals: true, Next: "SkipOverlappingRun" }],
        Default: "Clean",
      });
      expect(definition.States.SkipOverlappingRun.Type).to.equal("Succeed");
      // No ListExecutions any more: it is eventually consistent, the lock is not.
      expect(JSON.stringify(definition)).to.not.include("listExecutions");
    });

    it("Prepare hands the function the execution's name and input, and keeps the items' key and whether it got the lock", async () => {
      const { rec } = await deploy("prep");
      const prepare = definitionOf(rec).States.Prepare;
      expect(prepare).to.deep.include({
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: rec.one(T.fn).state.arn, Payload: { phase: "prepare", "run.$": "$$.Execution.Name", "input.$": "$$.Execution.Input" } },
        ResultSelector: { "run.$": "$.Payload.run", "items.$": "$.Payload.items", "skipped.$": "$.Payload.skipped", "reason.$": "$.Payload.reason" },
        ResultPath: "$.prepared",
        Next: "AnotherRunIsGoing",
      });
    });

    it("a failure of Clean or Aggregate reports the run from its batches' records; any failure releases the run lock, then fails the execution", async () => {
      const { rec } = await deploy("fail");
      const states = definitionOf(rec).States;
      // Prepare deletes nothing: its failure only releases the lock.
      expect(states.Prepare.Catch).to.deep.equal([{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "ReleaseRunLock" }]);
      // Batches may have deleted before the Map or the aggregate step failed: the run is reported all the same.
      for (const name of ["Clean", "Aggregate"]) expect(states[name].Catch, name).to.deep.equal([{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "ReportFailedRun" }]);
      expect(states.ReportFailedRun).to.deep.equal({
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: {
          FunctionName: rec.one(T.fn).state.arn,
          Payload: { phase: "failed", "run.$": "$$.Execution.Name", "input.$": "$$.Execution.Input", "error.$": "$.error" },
        },
        Retry: [LAMBDA_RETRY],
        ResultPath: "$.reported",
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.reportError", Next: "ReleaseRunLock" }],
        Next: "ReleaseRunLock",
      });
      expect(states.ReleaseRunLock).to.deep.include({
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: rec.one(T.fn).state.arn, Payload: { phase: "release", "run.$": "$$.Execution.Name" } },
        ResultPath: "$.released",
        Next: "RunFailed",
      });
      expect(states.RunFailed).to.deep.include({ Type: "Fail", Error: "RunFailed" });
    });

    it("a Distributed Map: items from the bucket, batched, bounded concurrency, retries, results to the bucket", async () => {
      const { rec } = await deploy("map", { fanOutConcurrency: 12, fanOutBatchSize: 40 });
      const bucket = runsBucket(rec).state.bucket;
      const map = definitionOf(rec).States.Clean;
      expect(map.Type).to.equal("Map");
      expect(map.ItemProcessor.ProcessorConfig).to.deep.equal({ Mode: "DISTRIBUTED", ExecutionType: "STANDARD" });
      expect(map.ItemReader).to.deep.equal({
        Resource: "arn:aws:states:::s3:getObject",
        ReaderConfig: { InputType: "JSON" },
        Parameters: { Bucket: bucket, "Key.$": "$.prepared.items" },
      });
      expect(map.ItemBatcher).to.deep.equal({ MaxItemsPerBatch: 40, MaxInputBytesPerBatch: 200 * 1024, BatchInput: { phase: "clean" } });
      expect(map.MaxConcurrency).to.equal(12);
      expect(map.ToleratedFailurePercentage).to.equal(100);
      expect(map.ResultWriter).to.deep.equal({ Resource: "arn:aws:states:::s3:putObject", Parameters: { Bucket: bucket, Prefix: "results" } });
      expect(map.ResultPath).to.equal("$.results");
      expect(map.Next).to.equal("Aggregate");

      // The task it runs: the cleaner function with the batch as its event, retried on Lambda's transient errors.
      expect(map.ItemProcessor.StartAt).to.equal("CleanBatch");
      expect(map.ItemProcessor.States.CleanBatch).to.deep.equal({
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: rec.one(T.fn).state.arn, "Payload.$": "$" },
        Retry: [LAMBDA_RETRY],
        OutputPath: "$.Payload",
        End: true,
      });
      expect(LAMBDA_RETRY.ErrorEquals).to.include.members(["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"]);
      expect(LAMBDA_RETRY).to.include({ IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 });
    });

    it("Aggregate hands the function the ResultWriter's manifest; every task invokes the cleaner function and nothing else", async () => {
      const { rec } = await deploy("agg");
      const definition = definitionOf(rec);
      expect(definition.States.Aggregate.Parameters.Payload).to.deep.equal({ phase: "aggregate", "run.$": "$.prepared.run", "results.$": "$.results.ResultWriterDetails" });
      expect(definition.States.Aggregate).to.deep.include({ OutputPath: "$.Payload", End: true });
      const invoked = tasks(definition.States).filter(([, s]) => s.Resource.endsWith(":lambda:invoke"));
      expect(invoked.map(([name]) => name)).to.deep.equal(["Prepare", "CleanBatch", "Aggregate", "ReportFailedRun", "ReleaseRunLock"]);
      for (const [name, state] of invoked) {
        expect(state.Parameters.FunctionName, name).to.equal(rec.one(T.fn).state.arn);
        expect(state.Retry, name).to.deep.equal([LAMBDA_RETRY]);
      }
    });
  });

  describe("IAM", () => {
    it("the state machine's role: invoke the cleaner, its own executions and Map Runs, its own bucket's runs and results", async () => {
      const { rec } = await deploy("sm");
      expect(JSON.parse(rec.named("sm-state-machine-role").inputs.assumeRolePolicy).Statement).to.deep.equal([{
        Sid: "AssumedBy",
        Effect: "Allow",
        Principal: { Service: "states.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT_ID } },
      }]);
      const machine = rec.one(T.stateMachine).state;
      const bucketArn = runsBucket(rec).state.arn;
      const executions = `arn:aws:states:${REGION}:${ACCOUNT_ID}:execution:${machine.name}`;
      const policy = rec.named("sm-state-machine-policy");
      expect(policy.inputs.role).to.equal(rec.named("sm-state-machine-role").state.name + "-id");
      expect(grants(policy)).to.deep.equal([
        ["lambda:InvokeFunction", rec.one(T.fn).state.arn],
        ["s3:AbortMultipartUpload", `${bucketArn}/results/*`],
        ["s3:GetObject", `${bucketArn}/results/*`],
        ["s3:GetObject", `${bucketArn}/runs/*`],
        ["s3:ListMultipartUploadParts", `${bucketArn}/results/*`],
        ["s3:PutObject", `${bucketArn}/results/*`],
        ["states:DescribeExecution", `${executions}/*`],
        ["states:StartExecution", machine.arn],
        ["states:StopExecution", `${executions}/*`],
      ]);
    });

    it("the function's role gets S3 only on its own bucket's objects, and a listing of its runs only, only in fan-out mode, and no cursor", async () => {
      const { rec } = await deploy("fnrole");
      const bucketArn = runsBucket(rec).state.arn;
      const reportsArn = rec.named("fnrole-reports").state.arn;
      const all = grants(rec.named("fnrole-policy"));
      expect(all.filter(([action]) => action.startsWith("s3:"))).to.deep.equal([
        ["s3:GetObject", `${bucketArn}/lock/*`],
        ["s3:GetObject", `${bucketArn}/results/*`],
        ["s3:GetObject", `${reportsArn}/reports/*`],
        ["s3:GetObject", `${bucketArn}/runs/*`],
        ["s3:ListBucket", bucketArn],
        ["s3:PutObject", `${bucketArn}/lock/*`],
        ["s3:PutObject", `${bucketArn}/runs/*`],
        ["s3:PutObject", `${reportsArn}/reports/*`],
      ].sort());
      expect(statements(rec.named("fnrole-policy")).filter((s) => [s.Action].flat().some((a: string) => a.startsWith("s3:")))).to.deep.equal([
        { Sid: "ReadWriteOwnRuns", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${bucketArn}/runs/*` },
        { Sid: "ListOwnRuns", Effect: "Allow", Action: "s3:ListBucket", Resource: bucketArn, Condition: { StringLike: { "s3:prefix": "runs/*" } } },
        { Sid: "ReadOwnMapResults", Effect: "Allow", Action: "s3:GetObject", Resource: `${bucketArn}/results/*` },
        { Sid: "TakeAndReleaseRunLock", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${bucketArn}/lock/*` },
        { Sid: "WriteRunReports", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${reportsArn}/reports/*` },
      ]);
      expect(all.filter(([action]) => action.startsWith("ssm:") || action.startsWith("states:"))).to.deep.equal([]);
    });

    it("the schedule starts the state machine, and its role may do only that", async () => {
      const { rec } = await deploy("sched");
      const machineArn = rec.one(T.stateMachine).state.arn;
      expect(rec.one(T.schedule).inputs.target).to.deep.include({ arn: machineArn, input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}' });
      expect(grants(rec.named("sched-schedule-policy"))).to.deep.equal([["states:StartExecution", machineArn]]);
    });
  });

  describe("the bucket", () => {
    it("named after the component, encrypted, private, its objects expiring after a few days", async () => {
      const { rec } = await deploy("Ecr_Retention");
      const bucket = runsBucket(rec);
      expect(bucket.inputs).to.deep.include({ bucketPrefix: "ecr-retention-runs-", forceDestroy: true });
      const id = bucket.state.name + "-id";
      expect(rec.named("Ecr_Retention-runs-encryption").inputs).to.deep.equal({ bucket: id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] });
      expect(rec.named("Ecr_Retention-runs-public-access").inputs).to.deep.equal({
        bucket: id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
      });
      expect(rec.named("Ecr_Retention-runs-lifecycle").inputs).to.deep.equal({
        bucket: id,
        rules: [{ id: "expire-run-objects", status: "Enabled", filter: {}, expiration: { days: RUN_OBJECTS_EXPIRE_DAYS }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }],
      });
      expect(RUN_OBJECTS_EXPIRE_DAYS).to.be.within(1, 14);
    });

    it("its policy: TLS only; the run lock and the runs written by the function's role only, results by the state machine's role only, nothing else by anyone", async () => {
      const { rec } = await deploy("pol");
      const bucketArn = runsBucket(rec).state.arn;
      const functionRole = rec.named("pol-role").state.arn;
      const machineRole = rec.named("pol-state-machine-role").state.arn;
      const policy = rec.named("pol-runs-policy");
      expect(policy.inputs.bucket).to.equal(runsBucket(rec).state.name + "-id");
      const writes = ["s3:AbortMultipartUpload", "s3:Delete*", "s3:Put*", "s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags", "s3:RestoreObject"];
      const denyWrites = (Sid: string, Resource: string, allowed: string | string[]) =>
        ({ Sid, Effect: "Deny", Principal: "*", Action: writes, Resource, Condition: { ArnNotEquals: { "aws:PrincipalArn": allowed } } });
      expect(JSON.parse(policy.inputs.policy)).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          denyWrites("DenyLockWritesButByTheFunction", `${bucketArn}/lock/*`, functionRole),
          denyWrites("DenyRunWritesButByTheFunction", `${bucketArn}/runs/*`, functionRole),
          denyWrites("DenyResultWritesButByTheStateMachine", `${bucketArn}/results/*`, machineRole),
          denyWrites("DenyWritesButByTheTwoRoles", `${bucketArn}/*`, [functionRole, machineRole]),
        ],
      });
      // Roles, not sessions: aws:PrincipalArn is the role's ARN for every session of it.
      expect(functionRole).to.match(/^arn:aws:iam::\d{12}:role\//);
      // The write denies name objects only (`s3:Put*` on the bucket's own ARN would deny PutBucketPolicy): the account keeps managing the bucket.
      for (const statement of statements(policy).slice(1)) expect(statement.Resource, statement.Sid).to.match(/\/\*$/);
    });

    it("a bucket prefix S3 accepts, whatever the component's name", () => {
      expect(bucketPrefix("ecr-retention")).to.equal("ecr-retention-runs-");
      expect(bucketPrefix("Team_A.Cleanup")).to.equal("team-a-cleanup-runs-");
      expect(bucketPrefix("--x")).to.equal("x-runs-");
      const long = bucketPrefix("a-very-long-component-name-that-goes-on-and-on");
      expect(long.length).to.be.at.most(37);
      expect(long).to.match(/^[a-z0-9][a-z0-9-]*-$/);
    });
  });

  describe("alarms", () => {
    it("failed and timed-out executions of the state machine, wired to the actions", async () => {
      const { rec } = await deploy("al", { alarmActions: ["arn:aws:sns:eu-west-1:123456789012:alarms"] });
      const machineArn = rec.one(T.stateMachine).state.arn;
      const common = {
        namespace: "AWS/States", dimensions: { StateMachineArn: machineArn }, period: 3600, statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 1, treatMissingData: "notBreaching",
      };
      expect(rec.named("al-executions-failed").inputs).to.deep.include({ ...common, metricName: "ExecutionsFailed" });
      expect(rec.named("al-executions-timed-out").inputs).to.deep.include({ ...common, metricName: "ExecutionsTimedOut" });
      for (const name of ["al-executions-failed", "al-executions-timed-out"]) {
        expect(rec.named(name).inputs.alarmActions, name).to.deep.equal(["arn:aws:sns:eu-west-1:123456789012:alarms"]);
      }
    });
  });

  it("defaults: 5 batches at once of 25 repositories, each invocation 8 repositories at once", async () => {
    const { rec } = await deploy("defaults");
    const map = definitionOf(rec).States.Clean;
    expect([map.MaxConcurrency, map.ItemBatcher.MaxItemsPerBatch]).to.deep.equal([5, 25]);
    expect(rec.one(T.fn).inputs.reservedConcurrentExecutions).to.equal(5);
    expect(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONCURRENCY).to.equal("8");
  });
});
