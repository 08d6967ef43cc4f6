/** Which repositories a policy governs. */
import { globMatches, isGlob, matchesAny } from "./glob";
import type { Policy } from "./types";

export function governs(policy: Policy, repository: string): boolean {
  if (policy.repositories) return matchesAny(policy.repositories, repository);
  if (policy.protectedRepositories) return !matchesAny(policy.protectedRepositories, repository);
  return true;
}

type Named = { policy: string; repository: string };

function unmatched(policies: readonly Policy[], list: (p: Policy) => string[] | undefined, matchesNothing: (name: string) => boolean): Named[] {
  return policies.flatMap((policy) => (list(policy) ?? []).filter(matchesNothing).map((repository) => ({ policy: policy.name, repository })));
}

/** Repositories a policy names outright (not by glob) that are not in the registry: reported, and the run exits 1. */
export function missingRepositories(policies: readonly Policy[], existing: ReadonlySet<string>): Named[] {
  return unmatched(policies, (p) => p.repositories, (name) => !isGlob(name) && !existing.has(name));
}

/**
 * Protected names and globs that match no repository: a warning, since a typo there (`legacy-*` for `legacy/*`)
 * leaves the real repository governed.
 */
export function missingProtectedRepositories(policies: readonly Policy[], existing: ReadonlySet<string>): Named[] {
  const names = [...existing];
  return unmatched(policies, (p) => p.protectedRepositories, (pattern) => !names.some((name) => globMatches(pattern, name)));
}

/**
 * Globs in `repositories` that match no repository: a warning, since a typo there (`payment/*` for `payments/*`)
 * leaves the repositories it meant to the other policies: beside a broad delete policy, an archive policy's images
 * are deleted instead. Exact names that do not exist are missingRepositories' errors.
 */
export function unmatchedRepositoryGlobs(policies: readonly Policy[], existing: ReadonlySet<string>): Named[] {
  const names = [...existing];
  return unmatched(policies, (p) => p.repositories, (pattern) => isGlob(pattern) && !names.some((name) => globMatches(pattern, name)));
}
