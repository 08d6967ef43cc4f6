/** The AWS clients the engine shares: the SDK's standard chain, adaptive retry, bounded timeouts. */
import { ECRClient } from "@aws-sdk/client-ecr";
import type { SdkConfig } from "../inuse/targets";

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

export interface AwsClients {
  ecr: ECRClient;
  /** What the in-use sources make their clients from, per account and region (runtime/inuse/targets.ts). */
  sdkConfig: SdkConfig;
}

/** Endpoints come from the SDK's standard settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_ECR, _ECS, _LAMBDA, _STS, ...). */
function clientConfig(options: ClientOptions) {
  return { ...RETRY_SETTINGS, ...(options.region ? { region: options.region } : {}) };
}

export function createClients(options: ClientOptions = {}): AwsClients {
  const config = clientConfig(options);
  return { ecr: new ECRClient(config), sdkConfig: config };
}

export function destroyClients(clients: Partial<AwsClients>): void {
  clients.ecr?.destroy();
}
