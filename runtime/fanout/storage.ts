/** Fan-out mode's objects as JSON in the component's bucket (keys in runtime/fanout/keys.ts). */
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

export interface JsonStore {
  readonly bucket: string;
  get<T>(key: string): Promise<T>;
  put(key: string, value: unknown): Promise<void>;
}

export function s3Store(s3: S3Client, bucket: string): JsonStore {
  return {
    bucket,
    async get<T>(key: string): Promise<T> {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return JSON.parse(await out.Body.transformToString("utf8")) as T;
    },
    async put(key: string, value: unknown): Promise<void> {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value), ContentType: "application/json" }));
    },
  };
}
