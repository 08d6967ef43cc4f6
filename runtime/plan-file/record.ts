/** What a plan file records of one repository's plan: the images it acts on, and the channel positions it assumed. */
import type { RepositoryPlan } from "../planner/types";
import type { PlanRepository } from "./format";

const iso = (ms: number) => new Date(ms).toISOString();

export function recordRepository(plan: RepositoryPlan): PlanRepository {
  return {
    repository: plan.repository,
    channels: plan.channels.map(({ policy, group, entry, at }) => ({
      policy,
      ...(group === undefined ? {} : { group }),
      entry,
      ...(at ? { at: { digest: at.digest, pushedAt: iso(at.pushedAt) } } : {}),
    })),
    taggedMembers: [...plan.taggedMembers],
    images: plan.decisions
      .filter((d) => d.action !== "keep")
      .map(({ image, action }) => ({
        digest: image.digest,
        tags: [...image.tags].sort(),
        ...(image.pushedAt === undefined ? {} : { pushedAt: iso(image.pushedAt) }),
        action,
      })),
  };
}
