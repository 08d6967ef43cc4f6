/**
 * The runs bucket's policy (spec section 7): what the prepare step stores decides what the workers delete, so only
 * the function's role may write a run's objects, and only the state machine's role (its ResultWriter) the Map's
 * results. Explicit denies, so that no identity policy in the account (`s3:*` on `*`) can grant more; bucket-level
 * actions are not touched, so the account can still manage and delete the bucket. `aws:PrincipalArn` is the role's
 * ARN for every session of the role (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`).
 */
import { RESULTS_PREFIX, RUNS_PREFIX } from "../runtime/fanout/keys";
import { LOCK_PREFIX } from "../runtime/lock/lockKey";

/** Every object-level write: puts (uploads, copies, ACLs, tags, retention, legal holds), deletes, restores, replication. */
export const OBJECT_WRITE_ACTIONS = ["s3:AbortMultipartUpload", "s3:Delete*", "s3:Put*", "s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags", "s3:RestoreObject"];

export interface RunsBucketPolicyContext {
  bucketArn: string;
  functionRoleArn: string;
  /** Fan-out mode only: single-function mode's bucket holds only the run lock. */
  stateMachineRoleArn?: string;
}

/** Refuses every request to the bucket that does not use TLS. */
export function denyInsecureTransport(bucketArn: string) {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

function denyWrites(sid: string, resource: string, allowed: string | string[]) {
  return {
    Sid: sid,
    Effect: "Deny",
    Principal: "*",
    Action: OBJECT_WRITE_ACTIONS,
    Resource: resource,
    Condition: { ArnNotEquals: { "aws:PrincipalArn": allowed } },
  };
}

export function runsBucketPolicyDocument(ctx: RunsBucketPolicyContext): string {
  const { bucketArn } = ctx;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      denyInsecureTransport(bucketArn),
      denyWrites("DenyLockWritesButByTheFunction", `${bucketArn}/${LOCK_PREFIX}/*`, ctx.functionRoleArn),
      ...(ctx.stateMachineRoleArn
        ? [
          denyWrites("DenyRunWritesButByTheFunction", `${bucketArn}/${RUNS_PREFIX}/*`, ctx.functionRoleArn),
          denyWrites("DenyResultWritesButByTheStateMachine", `${bucketArn}/${RESULTS_PREFIX}/*`, ctx.stateMachineRoleArn),
          // Nothing reads other keys; still, nobody else writes anywhere in the bucket.
          denyWrites("DenyWritesButByTheTwoRoles", `${bucketArn}/*`, [ctx.functionRoleArn, ctx.stateMachineRoleArn]),
        ]
        : [denyWrites("DenyWritesButByTheFunction", `${bucketArn}/*`, ctx.functionRoleArn)]),
    ],
  });
}
