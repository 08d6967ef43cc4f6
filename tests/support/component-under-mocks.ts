/**
 * EcrCleanupPolicy constructed under Pulumi's mocks for the component tests: the resource types it registers, an
 * example policy, construction that waits for every output, and the IAM documents read back as (action, resource)
 * pairs.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { EcrCleanupPolicy, ECR_CLEANUP_POLICY_TYPE, EcrCleanupPolicyArgs, RetentionPolicyArgs } from "../../component";
import { Recorder, RecordedResource, valueOf } from "./pulumi-mocks";

export const T = {
  component: ECR_CLEANUP_POLICY_TYPE,
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  managedPolicy: "aws:iam/policy:Policy",
  policyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  fn: "aws:lambda/function:Function",
  invokeConfig: "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  exclusion: "aws:ecr/pullTimeUpdateExclusion:PullTimeUpdateExclusion",
  schedule: "aws:scheduler/schedule:Schedule",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  repository: "aws:ecr/repository:Repository",
  parameter: "aws:ssm/parameter:Parameter",
  bucket: "aws:s3/bucket:Bucket",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  topic: "aws:sns/topic:Topic",
};

export const RELEASES: RetentionPolicyArgs = {
  name: "releases",
  repositories: ["hello-world", "team/*"],
  significantTags: ["dev", "rc", "prod"],
  protectedPeriod: "365d",
  protectedCount: 13,
};

/** Constructs the component (RELEASES unless args say otherwise) and waits for every output. */
export async function deploy(name: string, args: Partial<EcrCleanupPolicyArgs> = {}): Promise<{ rec: Recorder; component: EcrCleanupPolicy }> {
  const rec = new Recorder();
  await rec.install();
  const component = new EcrCleanupPolicy(name, { policies: [RELEASES], ...args });
  const c = component;
  const outputs = [c.functionName, c.functionArn, c.roleArn, c.logGroupName, c.scheduleArn, c.alarmArns, c.cursorParameterName, c.stateMachineArn, c.runsBucketName,
    c.reportsBucketName, c.reportsConsoleUrl, c.notificationTopicArn];
  await Promise.all(outputs.map((o) => valueOf(o as pulumi.Output<unknown>)));
  return { rec, component };
}

export function statements(resource: RecordedResource): any[] {
  return JSON.parse(resource.inputs.policy).Statement;
}

export function statement(resource: RecordedResource, sid: string): any {
  const found = statements(resource).find((s) => s.Sid === sid);
  expect(found, `statement ${sid}`).to.exist;
  return found;
}

/** Every (action, resource) pair the document allows, in the document's order. */
export function grants(resource: RecordedResource): [string, string][] {
  return statements(resource).flatMap((s) =>
    [s.Action].flat().flatMap((action: string) => [s.Resource].flat().map((res: string) => [action, res] as [string, string])));
}

/** The runs bucket (`${name}-runs`): the run lock's, and fan-out mode's runs'; the reports bucket is another. */
export function runsBucket(rec: Recorder) {
  const buckets = rec.ofType(T.bucket).filter((b) => b.name.endsWith("-runs"));
  if (buckets.length !== 1) throw new Error(`expected one runs bucket, found ${buckets.length}`);
  return buckets[0];
}
