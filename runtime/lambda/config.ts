/**
 * The Lambda's configuration comes only from its environment, never from the event (spec section 6): the
 * policies as JSON in the YAML's snake_case shape, the dry-run switch, and how many repositories run at once.
 */
import { ConfigError } from "../config/errors";
import { Config, prepareValidation, validateConfig } from "../config/schema";
import { DEFAULT_CONCURRENCY } from "../engine/run";

export const CONFIG_ENV = "ECR_CLEANUP_CONFIG";
export const DRY_RUN_ENV = "ECR_CLEANUP_DRY_RUN";
export const CONCURRENCY_ENV = "ECR_CLEANUP_CONCURRENCY";
/** Single-function mode: the SSM parameter that holds the cursor (the first repository a run did not reach). */
export const CURSOR_PARAMETER_ENV = "ECR_CLEANUP_CURSOR_PARAMETER";
/**
 * Single-function mode without reserved concurrency: the bucket that holds the run lock (runtime/lock/runLock.ts),
 * which keeps runs apart instead.
 */
export const LOCK_BUCKET_ENV = "ECR_CLEANUP_LOCK_BUCKET";
/** Fan-out mode: the bucket that carries the item list, the batches' reports and the Map's results. */
export const FANOUT_BUCKET_ENV = "ECR_CLEANUP_FANOUT_BUCKET";
/** Fan-out mode: the state machine's TimeoutSeconds; a worker refuses a stored run older than that. */
export const RUN_TIME_LIMIT_ENV = "ECR_CLEANUP_RUN_TIME_LIMIT_SECONDS";
/** The bucket each run writes its JSON report and HTML page to (runtime/lambda/runReports.ts); unset: none written. */
export const REPORTS_BUCKET_ENV = "ECR_CLEANUP_REPORTS_BUCKET";
/** The SNS topic each run's summary is published to; unset: none published. */
export const NOTIFY_TOPIC_ENV = "ECR_CLEANUP_NOTIFY_TOPIC";
/** When to publish: always, changes (the default), failures or never (runtime/lambda/notification.ts). */
export const NOTIFY_ENV = "ECR_CLEANUP_NOTIFY";
export const CONFIG_SOURCE = `environment variable ${CONFIG_ENV}`;
/** The CLI's bounds for --concurrency. */
export const MAX_CONCURRENCY = 256;

export interface LambdaConfig {
  config: Config;
  /** True unless ECR_CLEANUP_DRY_RUN is `false`: anything else, or nothing, only reports. */
  dryRun: boolean;
  /** Repositories processed at once: ECR_CLEANUP_CONCURRENCY, else the engine's default. */
  concurrency: number;
}

function concurrencyOf(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return DEFAULT_CONCURRENCY;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw new ConfigError(`environment variable ${CONCURRENCY_ENV}`, [{ message: `must be a whole number from 1 to ${MAX_CONCURRENCY}; got ${JSON.stringify(text)}` }]);
  }
  return n;
}

/** configFromEnvironment, once what validating the policies needs is loaded (the engine of group_by, when a policy has it). */
export async function loadConfigFromEnvironment(env: NodeJS.ProcessEnv): Promise<LambdaConfig> {
  try {
    await prepareValidation(JSON.parse(env[CONFIG_ENV] ?? ""));
  } catch (err) {
    // Not JSON: configFromEnvironment says so, naming the variable.
    if (!(err instanceof SyntaxError)) throw err;
  }
  return configFromEnvironment(env);
}

/** Throws a ConfigError (naming the variable, the policy and the field) when the policies are missing or invalid. */
export function configFromEnvironment(env: NodeJS.ProcessEnv): LambdaConfig {
  const text = env[CONFIG_ENV];
  if (text === undefined || text.trim() === "") {
    throw new ConfigError(CONFIG_SOURCE, [{ message: 'is not set: it must hold the policies as JSON, {"policies": [...]}' }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(CONFIG_SOURCE, [{ message: `is not valid JSON: ${(err as Error).message}` }]);
  }
  return {
    config: validateConfig(raw, CONFIG_SOURCE, "snake"),
    dryRun: env[DRY_RUN_ENV]?.trim().toLowerCase() !== "false",
    concurrency: concurrencyOf(env[CONCURRENCY_ENV]),
  };
}
