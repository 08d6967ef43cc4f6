/**
 * settings.archive on the component's side: the args `archiveKeepRestoredFor` and `archiveDeleteAfter` as camelCase
 * `settings.archive` (validated with the CLI's validator, so a bad value fails with the CLI's message, naming the
 * arg), and as the YAML's `archive:` mapping in the function's configuration.
 */
import type { ConfigIssue } from "../runtime/config/errors";
import type { ResolvedArgs } from "./args";

/** settings.archive in camelCase, as the args give it: durations as written. */
export interface ArchiveArgsSettings {
  keepRestoredFor?: string;
  deleteAfter?: string;
}

/** Each key of settings.archive: its arg, and its name in the YAML. */
const KEYS: Record<keyof ArchiveArgsSettings, { arg: string; snake: string }> = {
  keepRestoredFor: { arg: "archiveKeepRestoredFor", snake: "keep_restored_for" },
  deleteAfter: { arg: "archiveDeleteAfter", snake: "delete_after" },
};
const ENTRIES = Object.entries(KEYS) as [keyof ArchiveArgsSettings, (typeof KEYS)[keyof ArchiveArgsSettings]][];

/** The args as camelCase `settings.archive`; undefined when neither is given (the validator's defaults then). */
export function archiveArgsSettings(a: Pick<ResolvedArgs, "archiveKeepRestoredFor" | "archiveDeleteAfter">): ArchiveArgsSettings | undefined {
  const settings: ArchiveArgsSettings = {};
  if (a.archiveKeepRestoredFor !== undefined) settings.keepRestoredFor = a.archiveKeepRestoredFor;
  if (a.archiveDeleteAfter !== undefined) settings.deleteAfter = a.archiveDeleteAfter;
  return Object.keys(settings).length ? settings : undefined;
}

/** The YAML's `archive:` mapping, with only the keys given. */
export function archiveYaml(archive: ArchiveArgsSettings | undefined): Record<string, string> | undefined {
  if (!archive) return undefined;
  const out: Record<string, string> = {};
  for (const [key, { snake }] of ENTRIES) if (archive[key] !== undefined) out[snake] = archive[key]!;
  return Object.keys(out).length ? out : undefined;
}

/** An issue of `settings.archive.<key>` names the arg that set it (`archiveDeleteAfter`); any other issue is unchanged. */
export function namedByArg(issue: ConfigIssue): ConfigIssue {
  const key = issue.field?.match(/^settings\.archive\.(\w+)$/)?.[1] as keyof ArchiveArgsSettings | undefined;
  return key && KEYS[key] ? { ...issue, field: KEYS[key].arg } : issue;
}
