/** The ECR client every part of the engine shares: the SDK's standard chain, adaptive retry, bounded timeouts. */
import { ECRClient } from "@aws-sdk/client-ecr";

export interface ClientOptions {
  /** Overrides the SDK's region chain (AWS_REGION, profile). */
  region?: string;
}

/** Adaptive retry makes throttling slow the whole run down instead of failing it; the SDK does the backoff. */
export const RETRY_SETTINGS = {
  retryMode: "adaptive",
  // AWS_MAX_ATTEMPTS, when set, is honoured by the SDK itself.
  ...(process.env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: 8 }),
  // A call that hangs must not stall the run; it fails and is retried like a dropped connection.
  requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
} as const;

export function createEcrClient(options: ClientOptions = {}): ECRClient {
  return new ECRClient({ ...RETRY_SETTINGS, ...(options.region ? { region: options.region } : {}) });
}
