/**
 * Fan-out mode's resources: the bucket the runs travel through (encrypted, private, objects expiring after a few
 * days, and a policy that allows TLS only and writes by the function's and the state machine's roles only:
 * component/runsBucketPolicy.ts) and the state machine (component/stateMachine.ts) with its own least-privilege
 * role. Children: `${name}-runs` and its `-encryption`, `-public-access`, `-lifecycle`, `-policy`;
 * `${name}-state-machine-role`, `${name}-state-machine`, `${name}-state-machine-policy`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AccountScope } from "./grant";
import { serviceRole, stateMachinePolicyDocument } from "./iam";
import { createPrivateBucket } from "./privateBucket";
import { runsBucketPolicyDocument } from "./runsBucketPolicy";
import { stateMachineDefinition } from "./stateMachine";

/** A run's objects are needed for minutes; a few days leave time to look at a failed run. */
export const RUN_OBJECTS_EXPIRE_DAYS = 7;
export interface FanOutArgs {
  scope: pulumi.Output<AccountScope>;
  functionArn: pulumi.Output<string>;
  /** The only principal that may write a run's objects. */
  functionRoleArn: pulumi.Output<string>;
  maxConcurrency: number;
  batchSize: number;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export function createRunsBucket(name: string, tags: FanOutArgs["tags"], parent: pulumi.Resource): RunsBucket {
  // forceDestroy: the objects are transient, and must not block `pulumi destroy`.
  const { bucket, encryption, publicAccess, lifecycle } = createPrivateBucket(name, "runs", tags, {
    id: "expire-run-objects",
    status: "Enabled",
    filter: {},
    expiration: { days: RUN_OBJECTS_EXPIRE_DAYS },
    // The ResultWriter uploads in parts; a part left by a stopped run is removed too.
    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
  }, parent);
  return { bucket, publicAccess, settings: [encryption, publicAccess, lifecycle] };
}

/** The bucket, and its settings (which must exist before the first run). */
export interface RunsBucket {
  bucket: aws.s3.Bucket;
  publicAccess: aws.s3.BucketPublicAccessBlock;
  settings: pulumi.Resource[];
}

/** The state machine, and what must exist before the first run: its role's policy and the bucket's policy. */
export interface FanOut {
  stateMachine: aws.sfn.StateMachine;
  firstRunNeeds: pulumi.Resource[];
}

export function createFanOut(name: string, args: FanOutArgs, runs: RunsBucket, parent: pulumi.Resource): FanOut {
  const { bucket } = runs;
  const role = serviceRole(`${name}-state-machine-role`, {
    service: "states.amazonaws.com",
    sourceAccount: args.scope.accountId,
    description: `Step Functions: runs the ecr-cleanup function of ${name} over batches of repositories, and nothing else`,
    tags: args.tags,
  }, parent);

  const stateMachine = new aws.sfn.StateMachine(`${name}-state-machine`, {
    type: "STANDARD",
    roleArn: role.arn,
    definition: pulumi.all([args.scope, args.functionArn, bucket.bucket]).apply(([scope, functionArn, bucketName]) =>
      JSON.stringify(stateMachineDefinition({
        componentName: name,
        partition: scope.partition,
        functionArn,
        bucket: bucketName,
        maxConcurrency: args.maxConcurrency,
        batchSize: args.batchSize,
      }))),
    tags: args.tags,
  }, { parent });

  // A separate policy: it names the state machine, which needs the role first.
  const policy = new aws.iam.RolePolicy(`${name}-state-machine-policy`, {
    role: role.id,
    policy: pulumi.all([args.scope, stateMachine.arn, stateMachine.name, args.functionArn, bucket.arn]).apply(
      ([scope, stateMachineArn, stateMachineName, functionArn, bucketArn]) =>
        stateMachinePolicyDocument({ scope, stateMachineArn, stateMachineName, functionArn, bucketArn }),
    ),
  }, { parent });

  const bucketPolicy = createRunsBucketPolicy(name, runs, args.functionRoleArn, role.arn, parent);
  return { stateMachine, firstRunNeeds: [policy, bucketPolicy] };
}

/**
 * `${name}-runs-policy`: TLS only, and object writes by the function's role (and in fan-out mode the state machine's)
 * only. In single-function mode without reserved concurrency the bucket holds only the run lock.
 */
export function createRunsBucketPolicy(
  name: string,
  runs: RunsBucket,
  functionRoleArn: pulumi.Output<string>,
  stateMachineRoleArn: pulumi.Output<string> | undefined,
  parent: pulumi.Resource,
): aws.s3.BucketPolicy {
  // Named `-tls-only` while TLS was all it enforced: the alias keeps the resource (no gap without a policy).
  return new aws.s3.BucketPolicy(`${name}-runs-policy`, {
    bucket: runs.bucket.id,
    policy: pulumi.all([runs.bucket.arn, functionRoleArn, stateMachineRoleArn]).apply(([bucketArn, fn, sm]) =>
      runsBucketPolicyDocument({ bucketArn, functionRoleArn: fn, stateMachineRoleArn: sm })),
  }, { parent, dependsOn: [runs.publicAccess], aliases: [{ name: `${name}-runs-tls-only` }] });
}
