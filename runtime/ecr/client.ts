/** The AWS clients the engine shares: the SDK's standard chain, adaptive retry, request deadlines. */
import { ECRClient } from "@aws-sdk/client-ecr";
import { DefaultRateLimiter } from "@smithy/core/retry";
import type { SdkConfig } from "../inuse/targets";
import { awsAttempts, CLIENT_SETTINGS } from "../shared/deadline";
import { BoundedRetryStrategy } from "../shared/retry";

export interface ClientOptions {
  /** Overrides the SDK's region chain (AWS_REGION, profile). */
  region?: string;
}

/**
 * What every AWS client of the tool is made with: adaptive retry and the request deadlines (runtime/shared/deadline.ts
 * holds the numbers and why). Spread it into a client's settings; the name stays for the clients made elsewhere.
 */
export const RETRY_SETTINGS = CLIENT_SETTINGS;

/** Throttled answers that come back within this long of a cut belong to the throttling event that cut. */
export const THROTTLE_EVENT_MS = 1_000;

type RateLimiter = Pick<DefaultRateLimiter, "getSendToken" | "updateClientSendingRate">;

/**
 * The SDK's adaptive rate limiter, cut once per throttling event. The SDK's own cuts its sending rate to 0.7 of what
 * it was for every throttled answer, so when the calls in flight run into a throttle together (an archive run has 80
 * UpdateImageStorageClass calls in flight) their N answers cut it to 0.7^N, about one call a second, and the cubic
 * recovery takes seconds to climb back: the archive benchmark ran at half the throttle's rate. The answers that come
 * back within THROTTLE_EVENT_MS of a cut were sent before it, so they are not a sign the new rate is too high: one
 * reduction per event, as CUBIC intends. A throttle that goes on cuts again a second later.
 */
export class OneCutPerThrottle implements RateLimiter {
  private lastCutAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limiter: RateLimiter = new DefaultRateLimiter(),
    private readonly clock: () => number = Date.now,
  ) {}

  getSendToken(): Promise<void> {
    return this.limiter.getSendToken();
  }

  updateClientSendingRate(response: unknown): void {
    if ((response as { errorType?: string } | undefined)?.errorType === "THROTTLING") {
      const now = this.clock();
      if (now - this.lastCutAt < THROTTLE_EVENT_MS) return;
      this.lastCutAt = now;
    }
    this.limiter.updateClientSendingRate(response);
  }
}

/**
 * The ECR client's retry: the SDK's adaptive strategy with its waits bounded (runtime/shared/retry.ts) and a rate
 * limiter of its own, cut once per throttling event.
 */
export function ecrRetryStrategy(): BoundedRetryStrategy {
  // A custom strategy is not given the SDK's own AWS_MAX_ATTEMPTS setting: awsAttempts() reads it.
  return new BoundedRetryStrategy(awsAttempts(), new OneCutPerThrottle());
}

export interface AwsClients {
  ecr: ECRClient;
  /** What the in-use sources make their clients from, per account and region (runtime/inuse/targets.ts). */
  sdkConfig: SdkConfig;
}

/** Endpoints come from the SDK's standard settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_ECR, _ECS, _LAMBDA, _STS, ...). */
export function clientConfig(options: ClientOptions) {
  return { ...RETRY_SETTINGS, ...(options.region ? { region: options.region } : {}) };
}

export function createClients(options: ClientOptions = {}): AwsClients {
  const config = clientConfig(options);
  // The in-use sources' clients (other services) keep the SDK's adaptive mode, each with its own limiter.
  return { ecr: new ECRClient({ ...config, retryStrategy: ecrRetryStrategy() }), sdkConfig: config };
}

export function destroyClients(clients: Partial<AwsClients>): void {
  clients.ecr?.destroy();
}
