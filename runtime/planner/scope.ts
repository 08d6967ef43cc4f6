/** Which repositories a policy governs. */
import { isGlob, matchesAny } from "./glob";
import type { Policy } from "./types";

export function governs(policy: Policy, repository: string): boolean {
  if (policy.repositories) return matchesAny(policy.repositories, repository);
  if (policy.protectedRepositories) return !matchesAny(policy.protectedRepositories, repository);
  return true;
}

type Named = { policy: string; repository: string };

function absentNames(policies: readonly Policy[], existing: ReadonlySet<string>, list: (p: Policy) => string[] | undefined): Named[] {
  return policies.flatMap((policy) =>
    (list(policy) ?? []).filter((name) => !isGlob(name) && !existing.has(name)).map((repository) => ({ policy: policy.name, repository })),
  );
}

/** Repositories a policy names outright (not by glob) that are not in the registry: reported, and the run exits 1. */
export function missingRepositories(policies: readonly Policy[], existing: ReadonlySet<string>): Named[] {
  return absentNames(policies, existing, (p) => p.repositories);
}

/** Protected names that match no repository: a warning, since a typo there leaves the real repository governed. */
export function missingProtectedRepositories(policies: readonly Policy[], existing: ReadonlySet<string>): Named[] {
  return absentNames(policies, existing, (p) => p.protectedRepositories);
}
