/**
 * The handlers run in-process with their dependencies given: SDK clients on the project's emulator (ECR, ECS, Lambda)
 * and on moto (SSM, S3), the deployment's environment, a clock, and a Lambda context whose remaining time the test
 * controls. Log lines (process.stdout) are captured rather than printed.
 */
import { ECRClient } from "@aws-sdk/client-ecr";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../../runtime/ecr/client";
import type { LambdaContext } from "../../runtime/lambda/handler";
import { CLIENT_SETTINGS } from "../../runtime/shared/deadline";

const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

function clientConfig(endpoint: string) {
  return { endpoint, region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 2 };
}

type RetryToken = { getRetryCount(): number; getRetryDelay(): number };

/**
 * The SDK's retry decisions (it classifies each error as throttling, transient, server or client error) without
 * its backoff: up to `maxAttempts` attempts, retried at once, so that tests full of injected faults stay fast.
 */
export function immediateRetries(maxAttempts: number) {
  const token = (retries: number): RetryToken => ({ getRetryCount: () => retries, getRetryDelay: () => 0 });
  return {
    acquireInitialRetryToken: async () => token(0),
    async refreshRetryTokenForRetry(previous: RetryToken, info: { errorType: string }) {
      const retries = previous.getRetryCount() + 1;
      if (info.errorType === "CLIENT_ERROR" || retries >= maxAttempts) throw new Error("not retried");
      return token(retries);
    },
    recordSuccess() {},
  };
}

/** Clients on the emulator; `maxAttempts` set: that many attempts, retried without backoff. */
/** Clients made as the tool makes them (CLIENT_SETTINGS: deadlines, the answer check), on the emulator, 2 attempts without backoff. */
export function toolClients(endpoint: string) {
  const config = { ...CLIENT_SETTINGS, ...clientConfig(endpoint), retryStrategy: immediateRetries(2) };
  return { ecr: new ECRClient(config), sdkConfig: config };
}

export function emulatorClients(endpoint: string, options: { maxAttempts?: number } = {}): AwsClients {
  const config = options.maxAttempts
    ? { ...clientConfig(endpoint), maxAttempts: options.maxAttempts, retryStrategy: immediateRetries(options.maxAttempts) }
    : clientConfig(endpoint);
  return { ecr: new ECRClient(config), sdkConfig: config };
}

export const ssmClientFor = (endpoint: string) => new SSMClient(clientConfig(endpoint));
export const s3ClientFor = (endpoint: string) => new S3Client(clientConfig(endpoint));

/** Destroys every SDK client among `clients` (other values, such as an SdkConfig, are skipped). */
export function destroyAll(clients: unknown[]): void {
  for (const client of clients) {
    const destroy = (client as { destroy?: unknown } | undefined)?.destroy;
    if (typeof destroy === "function") destroy.call(client);
  }
}

/** A Lambda context with plenty of time left, or with the remaining times the test gives. */
export function lambdaContext(remaining: () => number = () => 900_000): LambdaContext {
  return { functionName: "ecr-cleanup-test-function", awsRequestId: "test", getRemainingTimeInMillis: remaining };
}

/** Remaining time that lets exactly `starts` repositories start (the engine asks once per repository), then none. */
export function timeFor(starts: number, marginMs = 60_000): () => number {
  let asked = 0;
  return () => (asked++ < starts ? marginMs + 1 : 0);
}

/** Runs `work` with process.stdout captured: returns its result and the JSON lines written. */
export async function captureLog<T>(work: () => Promise<T>): Promise<{ result: T; lines: any[] }> {
  const original = process.stdout.write;
  let text = "";
  (process.stdout as { write: unknown }).write = (chunk: string | Uint8Array) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  };
  try {
    const result = await work();
    return { result, lines: text.split("\n").filter(Boolean).map((line) => JSON.parse(line)) };
  } finally {
    process.stdout.write = original;
  }
}
