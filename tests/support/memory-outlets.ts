/**
 * The run reports' bucket and topic in memory, for in-process runs: objects by `bucket/key`, and every message
 * published. `create` answers as S3 answers a PutObject with `If-None-Match: *`: it writes only when no object is at
 * the key, and says whether it wrote; `metadata` as HeadObject does (undefined for a missing object).
 */
import type { ReportOutlets } from "../../runtime/lambda/reportOutlets";

export interface MemoryOutlets extends ReportOutlets {
  objects: Map<string, string>;
  /** Each object's metadata, by `bucket/key`. */
  metadataOf: Map<string, Record<string, string>>;
  messages: { topicArn: string; subject: string; message: string }[];
  /** The JSON reports written, parsed. */
  jsonReports(): any[];
}

export function memoryOutlets(): MemoryOutlets {
  const objects = new Map<string, string>();
  const metadataOf = new Map<string, Record<string, string>>();
  const messages: MemoryOutlets["messages"] = [];
  return {
    objects,
    metadataOf,
    messages,
    jsonReports: () => [...objects].filter(([key]) => key.endsWith(".json")).map(([, body]) => JSON.parse(body)),
    put: async (bucket, key, body) => {
      objects.set(`${bucket}/${key}`, body);
      metadataOf.set(`${bucket}/${key}`, {});
    },
    create: async (bucket, key, body, _contentType, metadata = {}) => {
      if (objects.has(`${bucket}/${key}`)) return false;
      objects.set(`${bucket}/${key}`, body);
      metadataOf.set(`${bucket}/${key}`, metadata);
      return true;
    },
    metadata: async (bucket, key) => (objects.has(`${bucket}/${key}`) ? { ...metadataOf.get(`${bucket}/${key}`) } : undefined),
    publish: async (topicArn, subject, message) => {
      messages.push({ topicArn, subject, message });
    },
  };
}
