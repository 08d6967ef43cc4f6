/**
 * The run reports' bucket and topic in moto, as a deployment creates them, with an SQS queue subscribed to the topic
 * so that a test reads what a run published.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Deployment } from "./lambda-invoke";

const config = (endpoint: string) => ({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, forcePathStyle: true, maxAttempts: 1 });

export interface ReportsInMoto {
  s3: S3Client;
  /** Every object under reports/, by key. */
  objects(): Promise<Record<string, string>>;
  /** Every notification the queue received (SNS's envelope opened): subject and message. */
  messages(): Promise<{ subject: string; message: string }[]>;
  destroy(): void;
}

/**
 * Creates the deployment's topic (patching the function's environment with moto's ARN for it, as a deployment
 * names the real one) and a queue subscribed to it, and the bucket unless `bucket: false` (a bucket gone).
 */
export async function reportsInMoto(endpoint: string, deployment: Deployment, options: { bucket?: boolean } = {}): Promise<ReportsInMoto> {
  const s3 = new S3Client(config(endpoint));
  const sns = new SNSClient(config(endpoint));
  const sqs = new SQSClient(config(endpoint));
  const { bucket, topicName } = deployment.reports!;
  if (options.bucket !== false) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err) => {
      if (err.name !== "BucketAlreadyOwnedByYou") throw err;
    });
  }
  let queueUrl: string | undefined;
  if (topicName) {
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: topicName }))).TopicArn!;
    deployment.environment.ECR_CLEANUP_NOTIFY_TOPIC = topicArn;
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${topicName}-queue` }))).QueueUrl!;
    const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn }));
  }
  return {
    s3,
    async objects() {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "reports/" }));
      const out: Record<string, string> = {};
      for (const { Key } of listed.Contents ?? []) out[Key!] = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString();
      return out;
    },
    async messages() {
      if (!queueUrl) return [];
      const out: { subject: string; message: string }[] = [];
      // Bounded: the run has ended, so everything it published is in the queue already.
      for (let i = 0; i < 10; i++) {
        const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        if (!received.Messages?.length) break;
        for (const m of received.Messages) {
          const envelope = JSON.parse(m.Body!);
          out.push({ subject: envelope.Subject, message: envelope.Message });
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
        }
      }
      return out;
    },
    destroy() {
      s3.destroy();
      sns.destroy();
      sqs.destroy();
    },
  };
}
