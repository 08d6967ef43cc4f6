/** The ECR client's rate limiter: the SDK's adaptive one, cut once per throttling event (runtime/ecr/client.ts). */
import { expect } from "chai";
import { AdaptiveRetryStrategy } from "@smithy/core/retry";
import { createClients, destroyClients, OneCutPerThrottle, THROTTLE_EVENT_MS } from "../runtime/ecr/client";

const THROTTLED = { errorType: "THROTTLING" };
const SUCCESS = {};
const TRANSIENT = { errorType: "TRANSIENT" };

describe("OneCutPerThrottle", () => {
  /** Feeds (time, answer) pairs and returns the times of the answers the SDK's limiter was given. */
  function forwarded(answers: [number, object][]): number[] {
    let now = 0;
    const seen: number[] = [];
    const limiter = new OneCutPerThrottle({ getSendToken: async () => undefined, updateClientSendingRate: () => void seen.push(now) }, () => now);
    for (const [at, answer] of answers) {
      now = at;
      limiter.updateClientSendingRate(answer);
    }
    return seen;
  }

  const table: [string, [number, object][], number[]][] = [
    ["successes and other errors always reach it", [[0, SUCCESS], [10, TRANSIENT], [20, SUCCESS]], [0, 10, 20]],
    ["the first throttled answer cuts", [[5, THROTTLED]], [5]],
    ["the throttled answers of the calls in flight with it do not cut again", [[0, THROTTLED], [25, THROTTLED], [999, THROTTLED]], [0]],
    ["a throttle that goes on cuts again once the event is over", [[0, THROTTLED], [THROTTLE_EVENT_MS, THROTTLED], [THROTTLE_EVENT_MS + 500, THROTTLED], [2 * THROTTLE_EVENT_MS, THROTTLED]], [0, 1000, 2000]],
    ["successes between throttled answers still reach it, and do not end the event", [[0, THROTTLED], [100, SUCCESS], [200, THROTTLED]], [0, 100]],
  ];
  for (const [what, answers, expected] of table) it(what, () => expect(forwarded(answers)).to.deep.equal(expected));

  it("is the rate limiter of the engine's ECR client, with 8 attempts a call (AWS_MAX_ATTEMPTS when set)", async () => {
    const before = process.env.AWS_MAX_ATTEMPTS;
    for (const [env, attempts] of [[undefined, 8], ["3", 3], ["no", 8]] as const) {
      if (env === undefined) delete process.env.AWS_MAX_ATTEMPTS;
      else process.env.AWS_MAX_ATTEMPTS = env;
      const clients = createClients({ region: "eu-west-1" });
      try {
        const strategy = (await clients.ecr.config.retryStrategy()) as AdaptiveRetryStrategy;
        expect(strategy).to.be.instanceOf(AdaptiveRetryStrategy);
        // Private in the SDK's types, but what the strategy asks before each attempt.
        expect((strategy as unknown as { rateLimiter: unknown }).rateLimiter).to.be.instanceOf(OneCutPerThrottle);
        expect(await strategy.maxAttemptsProvider(), String(env)).to.equal(attempts);
      } finally {
        destroyClients(clients);
      }
    }
    if (before === undefined) delete process.env.AWS_MAX_ATTEMPTS;
    else process.env.AWS_MAX_ATTEMPTS = before;
  });
});
