/**
 * The one validator for policies, shared by the CLI (YAML, snake_case) and the Pulumi component (camelCase),
 * so that a bad policy fails both with the same message. Built on zod; every problem is collected and reported
 * with the policy's index, name and field. zod's tree-shakable "mini" build: the Lambda bundles this file, and
 * the classic build (with every locale) would be half of the bundle.
 */
import * as z from "zod/mini";
import { compileGroupPattern, GroupPatternError, loadRegexEngine } from "../planner/groupPattern";
import type { Policy } from "../planner/types";
import { DAY_MS, MAX_POLICY_DURATION_MS, parsePolicyDuration } from "./duration";
import { ConfigError, ConfigIssue } from "./errors";
import { defaultInUse, InUseSettings, validateInUse } from "./inUseSettings";
import { unknownFieldMessage } from "./suggestion";

export type FieldNaming = "snake" | "camel";

export interface Settings {
  /** Which sources of in-use images are read, where (runtime/config/inUseSettings.ts); turning one off shows in the report. */
  inUse: InUseSettings;
  /** Archive mode (spec section 6): how long a restored image is kept, and when archived images are deleted. Defaults to DEFAULT_ARCHIVE_SETTINGS. */
  archive?: ArchiveSettings;
  /** What reports show: the storage price deleted bytes are valued at (runtime/engine/storageValue.ts). */
  report?: ReportSettings;
}

export interface ReportSettings {
  /** Overrides the region's standard ECR storage price (USD per GB-month) that deleted bytes are valued at. */
  pricePerGbMonth?: number;
}

export interface ArchiveSettings {
  /** An image restored (lastActivatedAt) within this is kept as `restored`. Default 30 days. */
  keepRestoredForMs: number;
  /** Archived images whose lastArchivedAt is older are deleted (`archived-expired`); absent: archived images are left alone. */
  deleteAfterMs?: number;
}

export const DEFAULT_KEEP_RESTORED_FOR_MS = 30 * DAY_MS;
/** ECR charges archived images for at least 90 days. */
export const MIN_DELETE_AFTER_MS = 90 * DAY_MS;
export const DEFAULT_ARCHIVE_SETTINGS: ArchiveSettings = { keepRestoredForMs: DEFAULT_KEEP_RESTORED_FOR_MS };

export interface Config {
  policies: Policy[];
  settings: Settings;
}

const FIELDS = {
  snake: {
    name: "name",
    significantTags: "significant_tags",
    protectedPeriod: "protected_period",
    protectedCount: "protected_count",
    repositories: "repositories",
    protectedRepositories: "protected_repositories",
    keepPulledWithin: "keep_pulled_within",
    maxDeletions: "max_deletions",
    action: "action",
    groupBy: "group_by",
    inUse: "in_use",
    archive: "archive",
    keepRestoredFor: "keep_restored_for",
    deleteAfter: "delete_after",
    report: "report",
    pricePerGbMonth: "price_per_gb_month",
  },
  camel: {
    name: "name",
    significantTags: "significantTags",
    protectedPeriod: "protectedPeriod",
    protectedCount: "protectedCount",
    repositories: "repositories",
    protectedRepositories: "protectedRepositories",
    keepPulledWithin: "keepPulledWithin",
    maxDeletions: "maxDeletions",
    action: "action",
    groupBy: "groupBy",
    inUse: "inUse",
    archive: "archive",
    keepRestoredFor: "keepRestoredFor",
    deleteAfter: "deleteAfter",
    report: "report",
    pricePerGbMonth: "pricePerGbMonth",
  },
} as const;

const DURATION_HELP = "a whole number of days, or a whole number and one unit of s, m, h, d, w (such as 36h or 2w)";

type Payload = z.core.ParsePayload;

/** A custom problem, reported with its input; ends the field's validation. */
function problem(ctx: Payload, message: string): never {
  ctx.issues.push({ code: "custom", message, input: ctx.value });
  return z.NEVER as never;
}

/** A field checked by a plain function; z.unknown() accepts undefined, so required fields say so themselves. */
function field<T>(check: (value: unknown, ctx: Payload) => T) {
  return z.pipe(
    z.unknown(),
    z.transform((value: unknown, ctx: Payload): T => (value === undefined ? problem(ctx, "is required") : check(value, ctx))),
  );
}

/** A value as a message quotes it: numbers and bigints (YAML integers beyond 2^53) in full, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === "number" || typeof value === "bigint" ? String(value) : JSON.stringify(value);
}

const MAX_DURATION_TEXT = `${MAX_POLICY_DURATION_MS / DAY_MS}d`;

const duration = (minimumMs: number, minimumText: string) =>
  field((value, ctx) => {
    const ms = parsePolicyDuration(value);
    if (ms === undefined && typeof value === "string" && /^\d+$/.test(value.trim())) {
      return problem(ctx, `a quoted number has no unit: write ${value.trim()} (days, unquoted) or ${value.trim()}d; got ${shown(value)}`);
    }
    if (ms === undefined) return problem(ctx, `must be ${DURATION_HELP}; got ${shown(value)}`);
    if (ms === "too-long") return problem(ctx, `must be at most 100 years (${MAX_DURATION_TEXT}); got ${shown(value)}`);
    if (ms < minimumMs) return problem(ctx, `must be at least ${minimumText}; got ${shown(value)}`);
    return ms;
  });

/** Beyond the numbers that are exact: rounded already (1e20, 9007199254740993 in JSON), or a YAML bigint. */
const tooLarge = (value: unknown) => (typeof value === "bigint" && value > 0n) || (typeof value === "number" && value > Number.MAX_SAFE_INTEGER);

const wholeNumber = field((value, ctx) => {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (tooLarge(value)) return problem(ctx, `is too large to be exact (at most ${Number.MAX_SAFE_INTEGER}); got ${shown(value)}`);
  return problem(ctx, `must be a whole number >= 0; got ${shown(value)}`);
});

const nameEntry = z.string({ error: "each entry must be a string" }).check(z.minLength(1, { error: "entries must not be empty" }));
/** A single name written where a list goes (`repositories: hello_world`) gets the fix spelled out, as significant_tags does. */
const notANameList = (issue: { input?: unknown }) =>
  typeof issue.input === "string" ? `must be a list of names or globs: write [${issue.input}]; got ${shown(issue.input)}` : "must be a list of names or globs";
const nameList = z.array(nameEntry, { error: notANameList }).check(z.minLength(1, { error: "must list at least one name or glob" }));

const significantTags = field((value, ctx): "*" | string[] => {
  if (value === "*") return "*";
  if (typeof value === "string") return problem(ctx, `must be '*' or a list of tag names or globs: write [${value}]; got ${shown(value)}`);
  const list = nameList.safeParse(value);
  if (!list.success) return problem(ctx, `must be '*' or a list of tag names or globs (${list.error.issues[0].message})`);
  if (!list.data.includes("*")) return list.data;
  if (list.data.length === 1) return "*";
  return problem(ctx, "'*' means every tag and cannot be combined with other entries; write '*' alone");
});

/** A price in USD: a finite number above 0 (a price of 0 would hide every saving). */
const price = field((value, ctx) => {
  if (typeof value === "number" && Number.isFinite(value) && value > 0 && value < 1000) return value;
  return problem(ctx, `must be a price in USD per GB-month, a number above 0 and below 1000 (such as 0.1); got ${shown(value)}`);
});

const action = field((value, ctx): "delete" | "archive" => {
  if (value === "delete" || value === "archive") return value;
  return problem(ctx, `must be delete or archive; got ${shown(value)}`);
});

/** RE2 syntax with exactly one capturing group (planner/groupPattern.ts says why RE2). */
const groupBy = field((value, ctx): string => {
  if (typeof value !== "string" || value === "") return problem(ctx, `must be a regular expression (RE2 syntax) with one capturing group, as a string; got ${shown(value)}`);
  try {
    compileGroupPattern(value);
  } catch (err) {
    if (err instanceof GroupPatternError) return problem(ctx, `${err.message}; got ${shown(value)}`);
    throw err;
  }
  return value;
});

/** A policy's fields as zod checks them; exported so that a test holds docs/policy-file.md to every field. */
export function policySchema(naming: FieldNaming) {
  const f = FIELDS[naming];
  return z.strictObject({
    // A missing name is reported as "is required" by describeZodIssue; this message is for a wrong type.
    [f.name]: z.string({ error: "must be a string" }).check(z.trim(), z.minLength(1, { error: "must not be empty" })),
    [f.significantTags]: significantTags,
    [f.protectedPeriod]: duration(0, "0"),
    [f.protectedCount]: wholeNumber,
    [f.repositories]: z.optional(nameList),
    // Same entry rules (and messages) as repositories; an empty list is allowed and protects nothing.
    [f.protectedRepositories]: z.optional(z.array(nameEntry, { error: notANameList })),
    [f.keepPulledWithin]: z.optional(duration(DAY_MS, "1d (ECR records pulls at most once a day)")),
    [f.maxDeletions]: z.optional(wholeNumber),
    [f.action]: z.optional(action),
    [f.groupBy]: z.optional(groupBy),
  });
}

/** `settings:` as zod checks it (`in_use` is checked by validateInUse, IN_USE_KEYS); exported for the docs test too. */
export function settingsSchema(naming: FieldNaming) {
  const f = FIELDS[naming];
  // Explicit messages: zod's defaults ("Invalid input: expected object...") do not read as a config error.
  return z.strictObject(
    {
      // Checked by validateInUse (its own file): every key and its messages.
      [f.inUse]: z.optional(z.unknown()),
      [f.archive]: z.optional(
        z.strictObject(
          {
            [f.keepRestoredFor]: z.optional(duration(0, "0")),
            [f.deleteAfter]: z.optional(duration(MIN_DELETE_AFTER_MS, "90d (ECR charges archived images for at least 90 days)")),
          },
          { error: `must be a mapping with ${f.keepRestoredFor}: and ${f.deleteAfter}: (durations)` },
        ),
      ),
      [f.report]: z.optional(
        z.strictObject({ [f.pricePerGbMonth]: z.optional(price) }, { error: `must be a mapping with ${f.pricePerGbMonth}: (a number)` }),
      ),
    },
    { error: `must be a mapping (with ${f.inUse}:)` },
  );
}

// Parse with this so that issues carry their input: zod 4 omits `issue.input` otherwise, and every wrong type
// (`name: 5`, `ecs: no`) was reported as "is required".
const REPORT_INPUT = { reportInput: true } as const;

function describeZodIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.input === undefined) return "is required";
  return issue.message;
}

/**
 * The keys the schema accepts in the mapping at `path` (through optional and pipe wrappers): an unknown key's
 * suggestions come from the schema itself, so a field added to it is suggested with no more code.
 */
function keysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  const def = schema._zod.def as z.core.$ZodTypeDef & { shape?: Record<string, z.core.$ZodType>; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
  const inner = def.innerType ?? def.in;
  if (inner) return keysAt(inner, path);
  if (!def.shape) return [];
  if (!path.length) return Object.keys(def.shape);
  const next = def.shape[String(path[0])];
  return next ? keysAt(next, path.slice(1)) : [];
}

/** Unknown keys are reported one issue per key, so each names its field (and the known key it most probably means). */
function toIssues(error: z.core.$ZodError, schema: z.core.$ZodType, base: Omit<ConfigIssue, "message" | "field">, prefix = ""): ConfigIssue[] {
  return error.issues.flatMap((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
    const present = issue.input && typeof issue.input === "object" ? Object.keys(issue.input) : [];
    return keys.map((key) => {
      const field = [prefix, ...issue.path.map(String), key].filter(Boolean).join(".") || undefined;
      const message = key === undefined ? describeZodIssue(issue) : unknownFieldMessage(key, keysAt(schema, issue.path), present);
      return { ...base, field, message };
    });
  });
}

function nameOf(raw: unknown, naming: FieldNaming): string | undefined {
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    const name = (raw as Record<string, unknown>)[FIELDS[naming].name];
    if (typeof name === "string" && name.trim()) return name.trim();
  }
  return undefined;
}

function validatePolicy(raw: unknown, index: number, naming: FieldNaming): { policy?: Policy; issues: ConfigIssue[] } {
  const f = FIELDS[naming];
  const policyName = nameOf(raw, naming);
  const base = { policyIndex: index, policyName };
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    return { issues: [{ ...base, message: "must be a mapping of policy fields" }] };
  }
  const issues: ConfigIssue[] = [];
  const fields = raw as Record<string, unknown>;
  // Checked on the raw mapping, so it is reported together with every other problem of the policy.
  if (fields[f.repositories] !== undefined && fields[f.protectedRepositories] !== undefined) {
    issues.push({ ...base, field: f.repositories, message: `cannot be combined with ${f.protectedRepositories}: use one or the other` });
  }
  const schema = policySchema(naming);
  const parsed = schema.safeParse(raw, REPORT_INPUT);
  if (!parsed.success) issues.push(...toIssues(parsed.error, schema, base));
  if (!parsed.success || issues.length) return { issues };
  const v = parsed.data as Record<string, any>;
  const policy: Policy = {
    index,
    name: v[f.name],
    significantTags: v[f.significantTags],
    protectedPeriodMs: v[f.protectedPeriod],
    protectedCount: v[f.protectedCount],
  };
  if (v[f.repositories] !== undefined) policy.repositories = v[f.repositories];
  if (v[f.protectedRepositories] !== undefined) policy.protectedRepositories = v[f.protectedRepositories];
  if (v[f.keepPulledWithin] !== undefined) policy.keepPulledWithinMs = v[f.keepPulledWithin];
  if (v[f.maxDeletions] !== undefined) policy.maxDeletions = v[f.maxDeletions];
  if (v[f.action] === "archive") policy.action = "archive";
  if (v[f.groupBy] !== undefined) policy.groupBy = v[f.groupBy];
  return { policy, issues: [] };
}

/**
 * Loads what validating `raw` needs beyond this file: the regular expression engine, when a policy has group_by
 * (groupBy), so that a configuration without it never loads the engine (the Lambda bundle keeps it in a chunk).
 */
export async function prepareValidation(raw: unknown): Promise<void> {
  const list = raw && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>).policies : raw;
  if (!Array.isArray(list)) return;
  const grouped = list.some((policy) => policy && typeof policy === "object" && (FIELDS.snake.groupBy in policy || FIELDS.camel.groupBy in policy));
  if (grouped) await loadRegexEngine();
}

/**
 * Validates a parsed configuration: a list of policies, or a mapping with `policies:` and optional `settings:`.
 * Throws a ConfigError listing every problem; returns canonical policies otherwise.
 */
export interface ValidateOptions {
  /** settings.inUse holds the component's args (`inUseEcs`, `eksClusters`, …), and its issues name them. */
  inUseArgs?: boolean;
}

export function validateConfig(raw: unknown, source: string, naming: FieldNaming = "snake", options: ValidateOptions = {}): Config {
  const f = FIELDS[naming];
  let rawPolicies: unknown = raw;
  let rawSettings: unknown = undefined;
  const issues: ConfigIssue[] = [];

  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    // Both optional here: spec section 2 makes settings: optional (zod 4 requires a z.unknown() key to be present),
    // and a missing policies: is reported once, below.
    const topSchema = z.strictObject({ policies: z.optional(z.unknown()), settings: z.optional(z.unknown()) });
    const top = topSchema.safeParse(raw, REPORT_INPUT);
    if (!top.success) issues.push(...toIssues(top.error, topSchema, {}));
    rawPolicies = (raw as Record<string, unknown>).policies;
    rawSettings = (raw as Record<string, unknown>).settings;
  }
  if (!Array.isArray(rawPolicies)) {
    const single = raw && typeof raw === "object" && !Array.isArray(raw) && FIELDS[naming].name in raw;
    if (single) issues.length = 0; // its fields were reported as unknown top-level keys: the real problem is below
    issues.push({ field: raw && typeof raw === "object" && !Array.isArray(raw) && !single ? "policies" : undefined,
      message: single
        ? "a single policy must still be a list item: start it with '- name:'"
        : "expected a list of policies, or a mapping with policies: (that list) and an optional settings:" });
    throw new ConfigError(source, issues);
  }
  if (rawPolicies.length === 0) issues.push({ field: "policies", message: "must hold at least one policy" });

  const policies: Policy[] = [];
  const firstIndexByName = new Map<string, number>();
  rawPolicies.forEach((rawPolicy, index) => {
    const result = validatePolicy(rawPolicy, index, naming);
    issues.push(...result.issues);
    const name = nameOf(rawPolicy, naming);
    const earlier = name === undefined ? undefined : firstIndexByName.get(name);
    if (name !== undefined && earlier !== undefined) {
      issues.push({ policyIndex: index, policyName: name, field: f.name,
        message: `duplicates the name of policy #${earlier + 1}; names must be unique` });
    } else if (name !== undefined) {
      firstIndexByName.set(name, index);
    }
    if (result.policy) policies.push(result.policy);
  });

  const settings: Settings = { inUse: defaultInUse() };
  if (rawSettings !== undefined) {
    const schema = settingsSchema(naming);
    const parsed = schema.safeParse(rawSettings, REPORT_INPUT);
    if (!parsed.success) {
      issues.push(...toIssues(parsed.error, schema, {}, "settings"));
    } else {
      const rawInUse = (parsed.data as Record<string, unknown>)[f.inUse];
      const inUse = options.inUseArgs ? validateInUse(rawInUse, "arg", "") : validateInUse(rawInUse, naming, `settings.${f.inUse}`);
      issues.push(...inUse.issues);
      if (inUse.inUse) settings.inUse = inUse.inUse;
      const archive = (parsed.data as Record<string, Record<string, number | undefined> | undefined>)[f.archive];
      if (archive) {
        settings.archive = { ...DEFAULT_ARCHIVE_SETTINGS };
        if (archive[f.keepRestoredFor] !== undefined) settings.archive.keepRestoredForMs = archive[f.keepRestoredFor]!;
        if (archive[f.deleteAfter] !== undefined) settings.archive.deleteAfterMs = archive[f.deleteAfter]!;
      }
      const report = (parsed.data as Record<string, Record<string, number | undefined> | undefined>)[f.report];
      if (report?.[f.pricePerGbMonth] !== undefined) settings.report = { pricePerGbMonth: report[f.pricePerGbMonth] };
    }
  }

  if (issues.length) throw new ConfigError(source, issues);
  return { policies, settings };
}
