/**
 * `settings.in_use` (spec section 4, rule 1): which in-use sources are read, where, and how deep. Validated here with
 * the same kind of messages as the policies (field named, value quoted); the keys are exactly the spec's, in
 * snake_case in the YAML and camelCase in the component.
 */
import type { ConfigIssue } from "./errors";
import { unknownFieldMessage } from "./suggestion";

export interface InUseAccount {
  /** `arn:aws:iam::ACCOUNT:role/NAME`: assumed to read that account's workloads. */
  roleArn: string;
  externalId?: string;
}

export interface InUseSettings {
  ecs: boolean;
  lambda: boolean;
  eks: boolean;
  appRunner: boolean;
  batch: boolean;
  /** Only these EKS clusters (names or ARNs); absent: every cluster `eks:ListClusters` lists. */
  eksClusters?: string[];
  /** Newest ACTIVE revisions per task-definition family whose images are kept (`in-use:ecs-revision`); 0 turns it off. */
  ecsRevisions: number;
  /** Regions read besides the registry's own (which is always read); absent: the registry's own only. */
  regions?: string[];
  /** Other accounts whose workloads are read, each through a role. */
  accounts: InUseAccount[];
}

/** The sources that can be turned off, by their settings key. */
export const SOURCE_FLAGS = ["ecs", "lambda", "eks", "appRunner", "batch"] as const;
export type SourceFlag = (typeof SOURCE_FLAGS)[number];

/** Every key of `settings.in_use`, by its name in InUseSettings. */
export const IN_USE_KEYS = [...SOURCE_FLAGS, "eksClusters", "ecsRevisions", "regions", "accounts"] as const;
/** Every key of an `accounts` entry. */
export const ACCOUNT_KEYS = ["roleArn", "externalId"] as const;

export const DEFAULT_ECS_REVISIONS = 2;
/** Each revision is one DescribeTaskDefinition call per family: a bound keeps a typo from costing thousands of calls. */
export const MAX_ECS_REVISIONS = 100;

export function defaultInUse(): InUseSettings {
  return { ecs: true, lambda: true, eks: true, appRunner: true, batch: true, ecsRevisions: DEFAULT_ECS_REVISIONS, accounts: [] };
}

/** The YAML's snake_case, camelCase settings, or the component's args (`inUseEcs`, `eksClusters`, `inUseRegions`, …). */
export type Naming = "snake" | "camel" | "arg";

const KEYS = {
  snake: { appRunner: "app_runner", eksClusters: "eks_clusters", ecsRevisions: "ecs_revisions", roleArn: "role_arn", externalId: "external_id" },
  camel: { appRunner: "appRunner", eksClusters: "eksClusters", ecsRevisions: "ecsRevisions", roleArn: "roleArn", externalId: "externalId" },
  arg: {
    ecs: "inUseEcs", lambda: "inUseLambda", eks: "inUseEks", appRunner: "inUseAppRunner", batch: "inUseBatch",
    eksClusters: "eksClusters", ecsRevisions: "ecsRevisions", regions: "inUseRegions", accounts: "inUseAccounts", roleArn: "roleArn", externalId: "externalId",
  },
} as const;

/** The key a setting has in the given naming (`appRunner` is `app_runner` in the YAML, `inUseAppRunner` as an arg). */
export function inUseKey(key: keyof InUseSettings | "roleArn" | "externalId", naming: Naming): string {
  return (KEYS[naming] as Record<string, string>)[key] ?? key;
}

// IAM's role ARN (partitions aws, aws-cn, aws-us-gov, aws-iso*), and STS AssumeRole's ExternalId: 2 to 1224 of [\w+=,.@:/-].
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
// EKS: a cluster name is 1 to 100 of [0-9A-Za-z_-] starting with a letter or digit; or the cluster's ARN.
const CLUSTER_NAME = /^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$/;
const CLUSTER_ARN = /^arn:aws(?:-[a-z]+)*:eks:[a-z0-9-]+:\d{12}:cluster\/[0-9A-Za-z][0-9A-Za-z_-]{0,99}$/;

const shown = (value: unknown) => (typeof value === "number" || typeof value === "bigint" ? String(value) : JSON.stringify(value));
const isMapping = (value: unknown): value is Record<string, unknown> => Boolean(value) && typeof value === "object" && !Array.isArray(value);

/** The account a role ARN is in, or undefined for anything that is not a role ARN. */
export function accountOfRole(roleArn: string): string | undefined {
  return ROLE_ARN.exec(roleArn)?.[1];
}

/**
 * Validates `settings.in_use` (`raw` may be undefined: every default). `field` is how the issues name it
 * (`settings.in_use`; "" for the component's args, which the issues then name alone). Returns the settings with
 * their defaults, or the issues.
 */
export function validateInUse(raw: unknown, naming: Naming, field: string): { inUse?: InUseSettings; issues: ConfigIssue[] } {
  const inUse = defaultInUse();
  if (raw === undefined) return { inUse, issues: [] };
  const k = (key: Parameters<typeof inUseKey>[0]) => inUseKey(key, naming);
  const issues: ConfigIssue[] = [];
  const issue = (key: string, message: string) => issues.push({ field: field ? `${field}.${key}` : key, message });
  if (!isMapping(raw)) {
    const keys = IN_USE_KEYS.map(k);
    return { issues: [{ field, message: `must be a mapping of some of ${keys.join(", ")}` }] };
  }
  const known = IN_USE_KEYS.map(k);
  for (const key of Object.keys(raw)) if (!known.includes(key)) issue(key, unknownFieldMessage(key, known, Object.keys(raw)));

  for (const flag of SOURCE_FLAGS) {
    const value = raw[k(flag)];
    if (value === undefined) continue;
    if (typeof value === "boolean") inUse[flag] = value;
    else issue(k(flag), `must be true or false; got ${shown(value)}`);
  }

  const clusters = raw[k("eksClusters")];
  if (clusters !== undefined) {
    const list = nameList(clusters, (entry) => CLUSTER_NAME.test(entry) || CLUSTER_ARN.test(entry), "EKS cluster names or ARNs", "an EKS cluster name or ARN (arn:aws:eks:REGION:ACCOUNT:cluster/NAME)");
    if (typeof list === "string") issue(k("eksClusters"), list);
    else if (!list.length) issue(k("eksClusters"), `must name at least one cluster (to read no EKS cluster, set ${k("eks")}: false)`);
    else if (raw[k("eks")] === false) issue(k("eksClusters"), `names clusters, but ${k("eks")} is false: remove one of the two`);
    else inUse.eksClusters = list;
  }

  const revisions = raw[k("ecsRevisions")];
  if (revisions !== undefined) {
    if (typeof revisions === "number" && Number.isInteger(revisions) && revisions >= 0 && revisions <= MAX_ECS_REVISIONS) inUse.ecsRevisions = revisions;
    else issue(k("ecsRevisions"), `must be a whole number from 0 (off) to ${MAX_ECS_REVISIONS}; got ${shown(revisions)}`);
  }

  const regions = raw[k("regions")];
  if (regions !== undefined) {
    const list = nameList(regions, (entry) => REGION.test(entry), "AWS region names", "an AWS region name such as us-east-1");
    if (typeof list === "string") issue(k("regions"), list);
    else if (!list.length) issue(k("regions"), "must list at least one region (leave it out to read the registry's own region only)");
    else inUse.regions = list;
  }

  const accounts = raw[k("accounts")];
  if (accounts !== undefined) {
    if (!Array.isArray(accounts)) issue(k("accounts"), `must be a list of mappings with ${k("roleArn")}: (and an optional ${k("externalId")}:)`);
    else {
      const seen = new Map<string, number>();
      accounts.forEach((entry, i) => {
        const at = `${k("accounts")}[${i}]`;
        if (!isMapping(entry)) return issue(at, `must be a mapping with ${k("roleArn")}: (and an optional ${k("externalId")}:); got ${shown(entry)}`);
        const accountKeys = [k("roleArn"), k("externalId")];
        for (const key of Object.keys(entry)) if (!accountKeys.includes(key)) issue(`${at}.${key}`, unknownFieldMessage(key, accountKeys, Object.keys(entry)));
        const roleArn = entry[k("roleArn")];
        const externalId = entry[k("externalId")];
        let ok = true;
        if (roleArn === undefined) (ok = false), issue(`${at}.${k("roleArn")}`, "is required");
        else if (typeof roleArn !== "string" || !ROLE_ARN.test(roleArn)) {
          ok = false;
          issue(`${at}.${k("roleArn")}`, `must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME); got ${shown(roleArn)}`);
        } else if (seen.has(roleArn)) {
          ok = false;
          issue(`${at}.${k("roleArn")}`, `names the same role as ${k("accounts")}[${seen.get(roleArn)}]`);
        } else seen.set(roleArn, i);
        if (externalId !== undefined && (typeof externalId !== "string" || !EXTERNAL_ID.test(externalId))) {
          ok = false;
          issue(`${at}.${k("externalId")}`, `must be 2 to 1224 letters, digits or any of _+=,.@:/- (what STS accepts); got ${shown(externalId)}`);
        }
        if (ok) inUse.accounts.push(externalId === undefined ? { roleArn: roleArn as string } : { roleArn: roleArn as string, externalId: externalId as string });
      });
    }
  }
  return issues.length ? { issues } : { inUse, issues };
}

/** A list of unique strings that pass `valid`, or the message that says what is wrong with it. */
function nameList(value: unknown, valid: (entry: string) => boolean, what: string, one: string): string[] | string {
  if (!Array.isArray(value)) return `must be a list of ${what}; got ${shown(value)}`;
  const bad = value.find((entry) => typeof entry !== "string" || !valid(entry));
  if (bad !== undefined) return `each entry must be ${one}; got ${shown(bad)}`;
  const duplicate = value.find((entry, i) => value.indexOf(entry) !== i);
  if (duplicate !== undefined) return `lists ${shown(duplicate)} twice`;
  return [...value];
}

/**
 * The settings as the YAML's `in_use:` mapping, with only what differs from the defaults (the component writes it
 * into the function's environment, where every byte counts).
 */
export function inUseYaml(inUse: InUseSettings): Record<string, unknown> | undefined {
  const defaults = defaultInUse();
  const out: Record<string, unknown> = {};
  for (const flag of SOURCE_FLAGS) if (inUse[flag] !== defaults[flag]) out[inUseKey(flag, "snake")] = inUse[flag];
  if (inUse.eksClusters) out.eks_clusters = inUse.eksClusters;
  if (inUse.ecsRevisions !== defaults.ecsRevisions) out.ecs_revisions = inUse.ecsRevisions;
  if (inUse.regions) out.regions = inUse.regions;
  if (inUse.accounts.length) {
    out.accounts = inUse.accounts.map((a) => (a.externalId === undefined ? { role_arn: a.roleArn } : { role_arn: a.roleArn, external_id: a.externalId }));
  }
  return Object.keys(out).length ? out : undefined;
}
