/**
 * A bucket of the component's own (the fan-out runs', the reports'): `${name}-${suffix}`, encrypted, public access
 * blocked, its objects expiring by one lifecycle rule, and `forceDestroy`, so that `pulumi destroy` is not blocked by
 * what the runs wrote. Children `-encryption`, `-public-access`, `-lifecycle`; the caller adds the bucket's policy.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** S3's limit on a bucket prefix (the provider adds a unique suffix). */
const BUCKET_PREFIX_MAX = 37;

/** A bucket prefix from the component's name: S3 bucket names are lowercase letters, digits, dots and hyphens. */
export function bucketPrefix(name: string, suffix = "runs"): string {
  const base = `${name}-${suffix}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-{2,}/g, "-").replace(/^[^a-z0-9]+/, "");
  return `${base.slice(0, BUCKET_PREFIX_MAX - 1).replace(/-+$/, "")}-`;
}

export interface PrivateBucket {
  bucket: aws.s3.Bucket;
  encryption: aws.s3.BucketServerSideEncryptionConfiguration;
  publicAccess: aws.s3.BucketPublicAccessBlock;
  lifecycle: aws.s3.BucketLifecycleConfiguration;
}

export function createPrivateBucket(
  name: string,
  suffix: string,
  tags: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined,
  expiry: aws.types.input.s3.BucketLifecycleConfigurationRule,
  parent: pulumi.Resource,
): PrivateBucket {
  const opts = { parent };
  const prefix = `${name}-${suffix}`;
  const bucket = new aws.s3.Bucket(prefix, { bucketPrefix: bucketPrefix(name, suffix), forceDestroy: true, tags }, opts);
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(`${prefix}-encryption`, {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
  }, opts);
  const publicAccess = new aws.s3.BucketPublicAccessBlock(`${prefix}-public-access`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }, opts);
  const lifecycle = new aws.s3.BucketLifecycleConfiguration(`${prefix}-lifecycle`, { bucket: bucket.id, rules: [expiry] }, opts);
  return { bucket, encryption, publicAccess, lifecycle };
}
