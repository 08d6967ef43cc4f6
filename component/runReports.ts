/**
 * Where the runs' reports and notifications go: the bucket `${name}-reports` (encrypted, public access blocked, a
 * TLS-only policy, each report expiring after reportRetentionDays; children `-encryption`, `-public-access`,
 * `-lifecycle`, `-policy`), or the bucket reportBucket names (none of those then); and the SNS topic
 * `${name}-notifications`, unless notify is "never". Also the function's environment variables that name them.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NOTIFY_ENV, NOTIFY_TOPIC_ENV, REPORTS_BUCKET_ENV } from "../runtime/lambda/config";
import { REPORTS_PREFIX } from "../runtime/lambda/runReports";
import type { ResolvedArgs } from "./args";
import type { AccountScope } from "./grant";
import { createPrivateBucket } from "./privateBucket";
import { denyInsecureTransport } from "./runsBucketPolicy";

export interface RunReports {
  bucketName: pulumi.Output<string>;
  bucketArn: pulumi.Output<string>;
  /** Absent with notify: "never". */
  topic?: aws.sns.Topic;
  /** The created bucket's settings and policy, which must exist before the first run; none for reportBucket. */
  firstRunNeeds: pulumi.Resource[];
  environment: Record<string, pulumi.Input<string>>;
}

export function createRunReports(name: string, a: ResolvedArgs, scope: pulumi.Output<AccountScope>, parent: pulumi.Resource): RunReports {
  const bucket = a.reportBucket === undefined ? createReportsBucket(name, a, parent) : givenBucket(a.reportBucket, scope);
  const topic = a.notify === "never" ? undefined : new aws.sns.Topic(`${name}-notifications`, {
    displayName: `ecr-cleanup ${name}`.slice(0, 100),
    tags: a.tags,
  }, { parent });
  const environment: Record<string, pulumi.Input<string>> = { [REPORTS_BUCKET_ENV]: bucket.bucketName };
  if (topic) {
    environment[NOTIFY_TOPIC_ENV] = topic.arn;
    environment[NOTIFY_ENV] = a.notify;
  }
  return { ...bucket, topic, environment };
}

function givenBucket(bucketName: pulumi.Input<string>, scope: pulumi.Output<AccountScope>) {
  const name = pulumi.output(bucketName);
  return { bucketName: name, bucketArn: pulumi.interpolate`arn:${scope.partition}:s3:::${name}`, firstRunNeeds: [] };
}

function createReportsBucket(name: string, a: ResolvedArgs, parent: pulumi.Resource) {
  // forceDestroy: `pulumi destroy` removes the reports with the function and its log group; keep them with reportBucket.
  const { bucket, encryption, publicAccess, lifecycle } = createPrivateBucket(name, "reports", a.tags, {
    id: "expire-run-reports",
    status: "Enabled",
    filter: { prefix: `${REPORTS_PREFIX}/` },
    expiration: { days: a.reportRetentionDays },
  }, parent);
  const policy = new aws.s3.BucketPolicy(`${name}-reports-policy`, {
    bucket: bucket.id,
    policy: bucket.arn.apply(tlsOnlyPolicyDocument),
  }, { parent, dependsOn: [publicAccess] });
  return { bucketName: bucket.bucket, bucketArn: bucket.arn, firstRunNeeds: [encryption, publicAccess, lifecycle, policy] };
}

/** Refuses every request that does not use TLS. */
export function tlsOnlyPolicyDocument(bucketArn: string): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(bucketArn)] });
}
