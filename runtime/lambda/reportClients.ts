/**
 * The S3 and SNS clients that a run's report and notification go through. Imported with import() only when a run
 * has somewhere to send them (runtime/lambda/runReports.ts), so that a cold start does not load them.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { RETRY_SETTINGS } from "../ecr/client";
import { conditionalWriteRefused } from "../shared/errors";
import type { ReportOutlets } from "./reportOutlets";

export function reportOutlets(): ReportOutlets {
  const s3 = new S3Client(RETRY_SETTINGS);
  const sns = new SNSClient(RETRY_SETTINGS);
  return {
    put: async (bucket, key, body, contentType) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    create: async (bucket, key, body, contentType) => {
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: "*" }));
        return true;
      } catch (err) {
        if (conditionalWriteRefused(err)) return false;
        throw err;
      }
    },
    publish: async (topicArn, subject, message) => {
      await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
    },
  };
}
