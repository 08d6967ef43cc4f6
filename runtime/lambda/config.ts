/**
 * The Lambda's configuration comes only from its environment, never from the event (spec section 6): the
 * policies as JSON in the YAML's snake_case shape, and the dry-run switch.
 */
import { ConfigError } from "../config/errors";
import { Config, validateConfig } from "../config/schema";

export const CONFIG_ENV = "ECR_CLEANUP_CONFIG";
export const DRY_RUN_ENV = "ECR_CLEANUP_DRY_RUN";
export const CONFIG_SOURCE = `environment variable ${CONFIG_ENV}`;

export interface LambdaConfig {
  config: Config;
  /** True unless ECR_CLEANUP_DRY_RUN is `false`: anything else, or nothing, only reports. */
  dryRun: boolean;
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
  return { config: validateConfig(raw, CONFIG_SOURCE, "snake"), dryRun: env[DRY_RUN_ENV]?.trim().toLowerCase() !== "false" };
}
