/**
 * The run reports' bucket and topic in memory, for in-process runs: objects by `bucket/key`, and every message
 * published. `create` answers as S3 answers a PutObject with `If-None-Match: *`: it writes only when no object is at
 * the key, and says whether it wrote.
 */
import type { ReportOutlets } from "../../runtime/lambda/reportOutlets";

export interface MemoryOutlets extends ReportOutlets {
  objects: Map<string, string>;
  messages: { topicArn: string; subject: string; message: string }[];
  /** The JSON reports written, parsed. */
  jsonReports(): any[];
}

export function memoryOutlets(): MemoryOutlets {
  const objects = new Map<string, string>();
  const messages: MemoryOutlets["messages"] = [];
  return {
    objects,
    messages,
    jsonReports: () => [...objects].filter(([key]) => key.endsWith(".json")).map(([, body]) => JSON.parse(body)),
    put: async (bucket, key, body) => {
      objects.set(`${bucket}/${key}`, body);
    },
    create: async (bucket, key, body) => {
      if (objects.has(`${bucket}/${key}`)) return false;
      objects.set(`${bucket}/${key}`, body);
      return true;
    },
    publish: async (topicArn, subject, message) => {
      messages.push({ topicArn, subject, message });
    },
  };
}
