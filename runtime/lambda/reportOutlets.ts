/** Where a run's report objects go and how its notification leaves: S3 puts and SNS publishes (runtime/lambda/reportClients.ts). */
export interface ReportOutlets {
  put(bucket: string, key: string, body: string, contentType: string): Promise<void>;
  /**
   * Writes the object, with `metadata` (S3's `x-amz-meta-*`), only if none is at the key (S3's conditional write,
   * `If-None-Match: *`); false when one is, or when another write to the key is under way.
   */
  create(bucket: string, key: string, body: string, contentType: string, metadata?: Record<string, string>): Promise<boolean>;
  /**
   * The metadata of the object at the key (S3's HeadObject), or undefined when there is none. Without s3:ListBucket,
   * S3 answers 403 for a missing object: that is undefined too, so a caller must treat undefined as "not known to be there".
   */
  metadata(bucket: string, key: string): Promise<Record<string, string> | undefined>;
  publish(topicArn: string, subject: string, message: string): Promise<void>;
}
