/**
 * The S3 and SNS clients that a run's report and notification go through. Imported with import() only when a run
 * has somewhere to send them (runtime/lambda/runReports.ts), so that a cold start does not load them.
 */
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { RETRY_SETTINGS } from "../ecr/client";
import { conditionalWriteRefused, httpStatusOf } from "../shared/errors";
import type { ReportOutlets } from "./reportOutlets";

export function reportOutlets(): ReportOutlets {
  const s3 = new S3Client(RETRY_SETTINGS);
  const sns = new SNSClient(RETRY_SETTINGS);
  return {
    put: async (bucket, key, body, contentType) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    create: async (bucket, key, body, contentType, metadata) => {
      try {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, Metadata: metadata, IfNoneMatch: "*" }));
        return true;
      } catch (err) {
        if (conditionalWriteRefused(err)) return false;
        throw err;
      }
    },
    metadata: async (bucket, key) => {
      try {
        return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata ?? {};
      } catch (err) {
        // 404, or 403 for a missing object when the role may not list the bucket (the function's may not).
        if (httpStatusOf(err) === 404 || httpStatusOf(err) === 403) return undefined;
        throw err;
      }
    },
    publish: async (topicArn, subject, message) => {
      await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
    },
  };
}
