/** Which repositories a policy governs. */
import { isGlob, matchesAny } from "./glob";
import type { Policy } from "./types";

export function governs(policy: Policy, repository: string): boolean {
  if (policy.repositories) return matchesAny(policy.repositories, repository);
  if (policy.protectedRepositories) return !matchesAny(policy.protectedRepositories, repository);
  return true;
}

/** Repositories a policy names outright (not by glob) that are not in the registry: reported, and the run exits 1. */
export function missingRepositories(policies: readonly Policy[], existing: ReadonlySet<string>): { policy: string; repository: string }[] {
  return policies.flatMap((policy) =>
    (policy.repositories ?? [])
      .filter((name) => !isGlob(name) && !existing.has(name))
      .map((repository) => ({ policy: policy.name, repository })),
  );
}
