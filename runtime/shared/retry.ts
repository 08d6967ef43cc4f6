/**
 * How long an AWS call waits between its attempts: the other half, with deadline.ts's attempts and their deadline,
 * of the bound on one call. The SDK's own strategy waits before retry i up to 1 s × 2^i, capped at 20 s, when
 * throttled, and honours a retry-after header (`retry-after`, `x-amz-retry-after`) with up to 5 s more: 8 attempts
 * could take 226 s, and two such calls would not end within 5 minutes.
 *
 * Every client the tool makes uses the SDK's adaptive strategy (its rate limiter slows the client down when AWS
 * throttles it) with two caps, so that no wait between two attempts is longer than MAX_RETRY_DELAY_MS:
 * - the backoff is the SDK's own (full jitter on base × 2^i; the SDK sets the base, 1 s when throttled and 50 ms
 *   otherwise, so throttling still backs off longer), capped at MAX_RETRY_DELAY_MS instead of 20 s;
 * - a retry-after hint is honoured up to MAX_RETRY_DELAY_MS.
 * The rate limiter's own wait for a lone call is at most 2 s (it never sends slower than one call in 2 s), within it.
 */
import { AdaptiveRetryStrategy, DefaultRateLimiter, StandardRetryStrategy } from "@smithy/core/retry";
import type { RetryErrorInfo, RetryStrategy, RetryStrategyConfiguration, RetryStrategyV2, RetryToken, StandardRetryBackoffStrategy, StandardRetryToken } from "@smithy/types";

/** The longest wait between two attempts of an AWS call, whatever the error and whatever a retry-after header asks. */
export const MAX_RETRY_DELAY_MS = 3_000;

export type RateLimiter = Pick<DefaultRateLimiter, "getSendToken" | "updateClientSendingRate">;

/** The SDK's backoff (DefaultRetryBackoffStrategy: a random wait up to base × 2^i) with MAX_RETRY_DELAY_MS as its cap. */
export class CappedBackoff implements StandardRetryBackoffStrategy {
  private base = 0;

  setDelayBase(delay: number): void {
    this.base = delay;
  }

  computeNextBackoffDelay(retry: number): number {
    return Math.floor(Math.random() * Math.min(this.base * 2 ** retry, MAX_RETRY_DELAY_MS));
  }
}

/** The SDK's adaptive strategy with the capped backoff, and retry-after hints honoured up to MAX_RETRY_DELAY_MS. */
export class BoundedRetryStrategy extends AdaptiveRetryStrategy {
  constructor(maxAttempts: number, rateLimiter: RateLimiter = new DefaultRateLimiter()) {
    super(maxAttempts, { maxAttempts, rateLimiter, backoff: new CappedBackoff() });
  }

  override refreshRetryTokenForRetry(token: StandardRetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const latest = Date.now() + MAX_RETRY_DELAY_MS;
    const hint = errorInfo.retryAfterHint;
    return super.refreshRetryTokenForRetry(token, hint && hint.getTime() > latest ? { ...errorInfo, retryAfterHint: new Date(latest) } : errorInfo);
  }
}

/**
 * The strategy a client made with the SDK's settings (retryMode, maxAttempts) would use, bounded: the SDK's own
 * strategy replaced by a BoundedRetryStrategy with the same attempts. One given to the client explicitly is kept
 * (the ECR client's is bounded already, with a rate limiter of its own; tests retry at once).
 */
async function bounded(strategy: RetryStrategyV2 | RetryStrategy): Promise<RetryStrategyV2 | RetryStrategy> {
  if (strategy.constructor === AdaptiveRetryStrategy) return new BoundedRetryStrategy(await (strategy as AdaptiveRetryStrategy).maxAttemptsProvider());
  if (strategy.constructor === StandardRetryStrategy) return new BoundedRetryStrategy(await (strategy as StandardRetryStrategy).maxAttempts());
  return strategy;
}

/** A client extension: the client's retry strategy is bounded (one per client, made on its first call). */
export const boundedRetryExtension = {
  configure(config: RetryStrategyConfiguration): void {
    const sdkDefault = config.retryStrategy();
    let strategy: Promise<RetryStrategyV2 | RetryStrategy> | undefined;
    config.setRetryStrategy(() => (strategy ??= Promise.resolve(sdkDefault()).then(bounded)));
  },
};
