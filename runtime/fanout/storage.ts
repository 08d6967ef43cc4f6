/** Fan-out mode's objects as JSON in the component's bucket (keys in runtime/fanout/keys.ts). */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PageTrail } from "../shared/pages";

export interface JsonStore {
  readonly bucket: string;
  get<T>(key: string): Promise<T>;
  put(key: string, value: unknown): Promise<void>;
  /** Every key that starts with `prefix`, in S3's (lexicographic) order. */
  list(prefix: string): Promise<string[]>;
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
    async list(prefix: string): Promise<string[]> {
      const keys: string[] = [];
      const trail = new PageTrail(`S3 ListObjectsV2 of s3://${bucket}/${prefix}`);
      let token: string | undefined;
      do {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key);
        // A page not truncated is the last, whatever token it carries; a truncated one must give a usable token.
        token = trail.next(out.IsTruncated ? out.NextContinuationToken : undefined, out.IsTruncated === true);
      } while (token);
      return keys;
    },
  };
}
