/**
 * The run's warnings: what is not an error but may be a mistake that changes what the run does (a typo in a glob
 * or a tag, a source turned off), or a state the user should repair (an archived image a workload names). Each
 * is printed on stderr, listed in the report and logged by the Lambda; none changes the exit code.
 */
import { inUseKey } from "../config/inUseSettings";
import { didYouMean } from "../config/suggestion";
import type { InUseInventory } from "../inuse/inventory";
import { SOURCES } from "../inuse/sources";
import { isGlob } from "../planner/glob";
import { compileGroupPattern } from "../planner/groupPattern";
import { removes } from "../planner/plan";
import { missingProtectedRepositories, unmatchedRepositoryGlobs } from "../planner/scope";
import type { ImageRecord, InUseMark, Policy, RepositoryPlan } from "../planner/types";
import { isReferrerTag } from "../planner/units";

/** Sources the settings turned off: their workloads' images are not protected in this run. */
export function disabledSourceWarnings(inventory: InUseInventory): string[] {
  return inventory.disabled.map(
    (source) => `settings.in_use.${inUseKey(source, "snake")} is false: images that ${SOURCES[source].label} uses are not protected in this run`,
  );
}

/**
 * Globs of `repositories`, and names and globs of `protected_repositories`, that match no repository: a typo there
 * leaves the repositories meant to other policies, or the real one governed.
 */
export function scopeWarnings(policies: readonly Policy[], existing: ReadonlySet<string>): string[] {
  return [
    ...unmatchedRepositoryGlobs(policies, existing).map(
      ({ policy, repository }) => `policy "${policy}" names repositories ${repository}, a glob that matches no repository (a typo would leave the repositories it meant to the other policies)`,
    ),
    ...missingProtectedRepositories(policies, existing).map(
      ({ policy, repository }) => `policy "${policy}" protects repository ${repository}, which does not exist${nearestRepository(repository, existing)} (a typo would leave the real one governed)`,
    ),
  ];
}

/**
 * `; did you mean hello_world?` for a repository name (not a glob) that does not exist when an existing one is a slip
 * of it away (`hello-world`); empty when none is.
 */
export function nearestRepository(name: string, existing: ReadonlySet<string>): string {
  return isGlob(name) ? "" : didYouMean(name, [...existing]);
}

/** Reading index manifests counts as a pull, which keep_pulled_within reads on the next run. */
export function indexReadWarning(repository: string, indexesRead: number): string {
  return (
    `${repository}: reading ${indexesRead} image index manifest(s) with BatchGetImage counts as a pull, dry runs included: ` +
    "it refreshes their lastRecordedPullTime, which keep_pulled_within reads, so the next run may keep them as recently pulled. " +
    "Register the credentials you run the cleaner with as a pull-time update exclusion (see docs/retention-rule.md)"
  );
}

/**
 * Images a workload cannot pull: archived ones a workload names, and active indexes with archived members (a unit
 * archived or restored in part: a restore by digest, a run that stopped between a unit's calls).
 */
export function unpullableWarnings(repository: string, images: readonly ImageRecord[], inUse: ReadonlyMap<string, InUseMark>): string[] {
  const warnings: string[] = [];
  for (const image of images) {
    const mark = image.status === "ARCHIVED" ? inUse.get(image.digest) : undefined;
    if (mark) {
      const workloads = mark.workloads.length ? mark.workloads.join(", ") : mark.reason;
      warnings.push(`${repository}: archived image ${image.digest} is named by a workload (${workloads}), which cannot pull it: restore it with ecr-cleanup restore --repository ${repository} --digest ${image.digest}`);
    }
  }
  const archivedDigests = new Set(images.filter((image) => image.status === "ARCHIVED").map((image) => image.digest));
  for (const image of images) {
    const archivedChildren = image.status === undefined ? (image.childDigests ?? []).filter((child) => archivedDigests.has(child)) : [];
    if (archivedChildren.length) {
      warnings.push(`${repository}: active index ${image.digest} lists ${archivedChildren.length} archived image(s) (${archivedChildren.join(", ")}), so pulls of it fail on those platforms: restore the unit with ecr-cleanup restore --repository ${repository} --digest ${image.digest}`);
    }
  }
  return warnings;
}

/**
 * Significant tags no image carries: a typo (`prd`) moves the anchor, or turns the policy to untagged mode. A group_by
 * that matches no tag: the policy decides nothing in the repository.
 */
export function modeWarnings(repository: string, plan: RepositoryPlan): string[] {
  return plan.modes.flatMap((mode) => {
    if (mode.mode === "grouped" && !mode.groups?.length) {
      return [`policy "${mode.policy}": group_by matches no tag in ${repository}, so the policy decides nothing there (check the pattern)`];
    }
    if (mode.noSignificantTag) {
      return [`${repository}: no image carries any significant tag of policy "${mode.policy}", so it runs in untagged mode (check the tags for typos)`];
    }
    if (mode.unmatchedTags?.length) {
      const channels = mode.unmatchedTags.length === 1 ? "that channel has" : "those channels have";
      return [`${repository}: no image carries significant tag ${mode.unmatchedTags.join(", ")} of policy "${mode.policy}", so ${channels} no position here and the anchor is the oldest of the others (check for typos)`];
    }
    return [];
  });
}

/** How many of the other tags a warning names before it says how many more there are. */
const TAGS_NAMED = 5;

/**
 * Images a grouped policy removes that carry a tag its group_by does not match (`prod`, `v2.6.0` beside
 * `main-1a2b3c4`): inside a group every image is the group's, tagged or not, the reverse of `'*'` without group_by,
 * so a release image can go with its branch. The rule as written, but worth a line in the report.
 */
export function groupedReleaseWarnings(repository: string, plan: RepositoryPlan, policies: readonly Policy[]): string[] {
  const warnings: string[] = [];
  for (const policy of policies) {
    if (policy.groupBy === undefined || !plan.policies.includes(policy.name)) continue;
    const pattern = compileGroupPattern(policy.groupBy);
    const outside = (tag: string) => !isReferrerTag(tag) && pattern.groupOf(tag) === undefined;
    const removed = plan.decisions.filter((d) => removes(d) && d.verdicts.some((v) => v.policy === policy.name && v.verdict === "delete") && d.image.tags.some(outside));
    if (!removed.length) continue;
    const tags = [...new Set(removed.flatMap((d) => d.image.tags.filter(outside)))].sort();
    const named = tags.length > TAGS_NAMED ? `${tags.slice(0, TAGS_NAMED).join(", ")} and ${tags.length - TAGS_NAMED} more` : tags.join(", ");
    warnings.push(
      `${repository}: policy "${policy.name}" ${policy.action === "archive" ? "archives" : "deletes"} ${removed.length} image(s) that also carry tags its group_by does not match (${named}): ` +
        "inside a group every image is the group's, tagged or not; protect release images with another policy or a list of significant tags",
    );
  }
  return warnings;
}
