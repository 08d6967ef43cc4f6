/** Where a run's report objects go and how its notification leaves: S3 puts and SNS publishes (runtime/lambda/reportClients.ts). */
export interface ReportOutlets {
  put(bucket: string, key: string, body: string, contentType: string): Promise<void>;
  publish(topicArn: string, subject: string, message: string): Promise<void>;
}
