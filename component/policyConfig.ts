/**
 * The policies, from the component's camelCase args to the function's environment: validated with the CLI's
 * validator (so a bad policy fails `pulumi preview` with the CLI's message), then written as JSON in the YAML's
 * snake_case shape, which `pulumi preview --diff` shows field by field. Repository names that are Outputs are
 * checked once known; so is Lambda's 4 KB limit on the environment.
 */
import * as pulumi from "@pulumi/pulumi";
import { MatcherInput, RE2JS } from "re2js";
import { installRegexEngine } from "../runtime/planner/groupPattern";
import { ConfigError } from "../runtime/config/errors";
import { defaultInUse, inUseYaml, type InUseSettings } from "../runtime/config/inUseSettings";
import { Config, validateConfig } from "../runtime/config/schema";
import { CONFIG_ENV, DRY_RUN_ENV } from "../runtime/lambda/config";
import type { RetentionPolicyArgs } from "./args";
import { ArchiveArgsSettings, archiveYaml, namedByArg } from "./archiveSettings";

/** Lambda's limit on the environment: every key and value together. */
export const LAMBDA_ENVIRONMENT_LIMIT = 4096;

export type ResolvedPolicy = pulumi.Unwrap<RetentionPolicyArgs>;

/** The YAML's field names, in the order they are written. */
const SNAKE_FIELDS: [keyof RetentionPolicyArgs, string][] = [
  ["name", "name"],
  ["significantTags", "significant_tags"],
  ["protectedPeriod", "protected_period"],
  ["protectedCount", "protected_count"],
  ["repositories", "repositories"],
  ["protectedRepositories", "protected_repositories"],
  ["keepPulledWithin", "keep_pulled_within"],
  ["maxDeletions", "max_deletions"],
  ["action", "action"],
  ["groupBy", "group_by"],
];

/** Stands in for a repository name that is not known yet, so that every other field is checked at construction. */
const PENDING_NAME = "pending-output";

export function configSource(componentName: string): string {
  return `EcrCleanupPolicy "${componentName}"`;
}

/** The in-use args by their names (`inUseEcs`, `eksClusters`, …), validated with the CLI's validator as `settings.inUse`. */
export type InUseArgsSettings = Record<string, unknown>;

/** The settings in the component's camelCase, as the args give them. */
export interface ArgsSettings {
  inUse?: InUseArgsSettings;
  archive?: ArchiveArgsSettings;
  /** settings.report: the `reportPricePerGbMonth` arg. */
  report?: ReportArgsSettings;
}

export interface ReportArgsSettings {
  pricePerGbMonth?: number;
}

/**
 * Validates camelCase policies and settings with the CLI's validator; throws its ConfigError, whose issues of
 * settings.archive name the args that set them.
 */
export function validatePolicies(policies: unknown, source: string, settings: ArgsSettings = {}): Config {
  // The constructor cannot wait for import(): the component (never bundled) loads group_by's engine statically.
  installRegexEngine(RE2JS, MatcherInput);
  const archive = settings.archive ? { archive: settings.archive } : {};
  const report = settings.report?.pricePerGbMonth !== undefined ? { report: settings.report } : {};
  try {
    return validateConfig({ policies, settings: { inUse: settings.inUse ?? {}, ...archive, ...report } }, source, "camel", { inUseArgs: true });
  } catch (err) {
    throw err instanceof ConfigError ? new ConfigError(err.source, err.issues.map(namedByArg)) : err;
  }
}

/**
 * The ECR_CLEANUP_CONFIG value: `{"policies":[...]}` with snake_case fields, as the CLI's YAML writes them,
 * `settings.in_use` with only the settings that differ from the defaults (so the usual value stays as short as the
 * policies allow), and `settings.archive` with the durations the args give, as written.
 */
export function configJson(policies: ResolvedPolicy[], inUse: InUseSettings = defaultInUse(), archive?: ArchiveArgsSettings, report?: ReportArgsSettings): string {
  const snake = policies.map((policy) =>
    Object.fromEntries(SNAKE_FIELDS.filter(([camel]) => policy[camel] !== undefined).map(([camel, field]) => [field, policy[camel]])),
  );
  const changed = inUseYaml(inUse);
  const archived = archiveYaml(archive);
  const settings = {
    ...(changed ? { in_use: changed } : {}),
    ...(archived ? { archive: archived } : {}),
    ...(report?.pricePerGbMonth !== undefined ? { report: { price_per_gb_month: report.pricePerGbMonth } } : {}),
  };
  return JSON.stringify({ policies: snake, ...(Object.keys(settings).length ? { settings } : {}) });
}

export function environmentVariables(
  policies: ResolvedPolicy[],
  dryRun: boolean,
  more: Record<string, string> = {},
  inUse: InUseSettings = defaultInUse(),
  archive?: ArchiveArgsSettings,
  report?: ReportArgsSettings,
): Record<string, string> {
  return { [CONFIG_ENV]: configJson(policies, inUse, archive, report), [DRY_RUN_ENV]: String(dryRun), ...more };
}

/**
 * Bytes the variables take as Lambda counts them against its 4 KB: the JSON of the whole map, so every key and value
 * in quotes, and every quote or backslash inside a value (the policies are JSON) escaped, two bytes.
 */
export function environmentSize(variables: Record<string, string>): number {
  return Buffer.byteLength(JSON.stringify(variables));
}

/** Bytes a value takes inside ECR_CLEANUP_CONFIG's string, as Lambda counts it (escapes included). */
function embeddedSize(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(value))) - 2;
}

function readableList(names: string[]): string {
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names.join("");
}

/**
 * The error message when the variables do not fit, else undefined. It says what takes the space: the policies, each
 * key of the settings (`settings.in_use`, …), and the other variables.
 */
export function environmentSizeProblem(variables: Record<string, string>): string | undefined {
  const size = environmentSize(variables);
  if (size <= LAMBDA_ENVIRONMENT_LIMIT) return undefined;
  let config: { policies?: unknown[]; settings?: Record<string, unknown> } = {};
  try {
    config = JSON.parse(variables[CONFIG_ENV] ?? "{}");
  } catch {
    // Only the total is known then.
  }
  const policies = config.policies ?? [];
  const parts = [{ what: `the ${policies.length} policies`, bytes: embeddedSize(policies) }];
  for (const [key, value] of Object.entries(config.settings ?? {})) parts.push({ what: `settings.${key}`, bytes: embeddedSize(value) });
  const others = Object.keys(variables).filter((name) => name !== CONFIG_ENV);
  const rest = size - parts.reduce((sum, p) => sum + p.bytes, 0);
  const uses = [...parts.map((p) => `${p.what} ${p.bytes}`), `the variables' names, the other values (${readableList(others)}) and the JSON around them ${rest}`];
  return `the function's environment takes ${size} bytes as Lambda counts them (the JSON of every variable, quotes escaped), ` +
    `more than Lambda's limit of ${LAMBDA_ENVIRONMENT_LIMIT} bytes (4 KB): ${uses.join(", ")}: ` +
    `split the policies over several EcrCleanupPolicy components${parts.length > 1 ? ", or shorten the settings" : ""}`;
}

function isPending(value: unknown): boolean {
  return value !== undefined && typeof value !== "string";
}

/** The policies with every repository name that is still an Output (or a promise) replaced by a stand-in. */
function knownNow(policies: RetentionPolicyArgs[]): { policies: unknown; pending: boolean } {
  if (!Array.isArray(policies)) return { policies, pending: false };
  let pending = false;
  const standIn = (names: unknown) =>
    Array.isArray(names)
      ? names.map((n) => {
        if (!isPending(n)) return n;
        pending = true;
        return PENDING_NAME;
      })
      : names;
  const mapped = policies.map((p) => {
    if (!p || typeof p !== "object") return p;
    const copy: Record<string, unknown> = { ...p };
    if ("repositories" in p) copy.repositories = standIn(p.repositories);
    if ("protectedRepositories" in p) copy.protectedRepositories = standIn(p.protectedRepositories);
    return copy;
  });
  return { policies: mapped, pending };
}

export interface PolicyConfig {
  /** The validated policies, for the IAM policy. */
  config: pulumi.Output<Config>;
  /** The function's environment variables. */
  environment: pulumi.Output<Record<string, string>>;
}

/**
 * Validates at construction (throwing a ResourceError that names the policy and the field), and again once every
 * repository name is known (failing the deployment with the same kind of message).
 */
export function policyConfig(
  componentName: string,
  policies: RetentionPolicyArgs[],
  dryRun: boolean,
  parent: pulumi.Resource,
  more: Record<string, pulumi.Input<string>> = {},
  argsSettings: ArgsSettings = {},
): PolicyConfig {
  const source = configSource(componentName);
  const fail = (message: string): never => {
    throw new pulumi.ResourceError(message, parent);
  };
  const check = (raw: unknown): Config => {
    try {
      return validatePolicies(raw, source, argsSettings);
    } catch (err) {
      if (err instanceof ConfigError) return fail(err.message);
      throw err;
    }
  };
  const checkSize = (resolved: ResolvedPolicy[], others: Record<string, string>): Record<string, string> => {
    const variables = environmentVariables(resolved, dryRun, others, settings, argsSettings.archive, argsSettings.report);
    const problem = environmentSizeProblem(variables);
    return problem ? fail(`${source}: ${problem}`) : variables;
  };

  const now = knownNow(policies);
  // The settings hold no Outputs: known, and checked, now.
  const settings = check(now.policies).settings.inUse;
  // Values not known yet (resource names) count as empty here; the check once they are known is exact.
  const knownMore = Object.fromEntries(Object.entries(more).map(([k, v]) => [k, typeof v === "string" ? v : ""]));
  if (!now.pending) checkSize(now.policies as ResolvedPolicy[], knownMore);

  const resolved = pulumi.output(policies).apply((all) => all as ResolvedPolicy[]);
  // The IAM policy needs only the policies; the environment waits for the other values too.
  const config = resolved.apply(check);
  const environment = pulumi.all([config, resolved, pulumi.output(more)]).apply(([, list, others]) => checkSize(list, others as Record<string, string>));
  return { config, environment };
}
