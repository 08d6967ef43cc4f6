/**
 * The run's time limit, the state machine's TimeoutSeconds, which the component passes the function in
 * ECR_CLEANUP_RUN_TIME_LIMIT_SECONDS: a worker refuses a stored run older than that, since no execution of the
 * state machine lives longer, so an older run's batch can only be a replay.
 */
import { RUN_TIME_LIMIT_ENV } from "../lambda/config";
import { refuse } from "./refusal";

/** Standard workflows run for at most a year. */
const MAX_SECONDS = 365 * 24 * 3600;

export function runTimeLimitMs(env: NodeJS.ProcessEnv): number {
  const text = env[RUN_TIME_LIMIT_ENV];
  const seconds = Number(text);
  if (!text || !/^\d+$/.test(text.trim()) || seconds < 1 || seconds > MAX_SECONDS) {
    refuse(`${RUN_TIME_LIMIT_ENV} must be the state machine's TimeoutSeconds (1 to ${MAX_SECONDS}); got ${JSON.stringify(text)}`);
  }
  return seconds * 1000;
}
