/** Where a run's report objects go and how its notification leaves: S3 puts and SNS publishes (runtime/lambda/reportClients.ts). */
export interface ReportOutlets {
  put(bucket: string, key: string, body: string, contentType: string): Promise<void>;
  /**
   * Writes the object only if none is at the key (S3's conditional write, `If-None-Match: *`); false when one is, or
   * when another write to the key is under way: an attempt of the same run got there first.
   */
  create(bucket: string, key: string, body: string, contentType: string): Promise<boolean>;
  publish(topicArn: string, subject: string, message: string): Promise<void>;
}
