/**
 * Doctor's tag checks: whether a governed repository has a tag each policy's significant_tags or group_by matches,
 * and whether each significant_tags entry is carried anywhere the policy governs.
 * A typo there does not fail a run: significant tags no image carries turn the policy to untagged mode, a group_by
 * that matches no tag decides nothing. So those are warnings, read from one listing of the repository's tagged images.
 * But one entry no image carries (`prd` for `prod`) quietly moves the anchor to the oldest of the other channels, and
 * the run deletes what that channel stood for: an entry no governed repository carries is a failed check.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import { listTaggedImages } from "../../ecr/listing";
import { editDistance } from "../../config/suggestion";
import { significantTagOf } from "../../planner/decide";
import { globMatches, isGlob } from "../../planner/glob";
import { compileGroupPattern } from "../../planner/groupPattern";
import { isReferrerTag } from "../../planner/units";
import type { ImageRecord, Policy } from "../../planner/types";
import { errorCode, errorMessage } from "../../shared/errors";

/** A line of doctor's answer (checks.ts's Check, which imports this file). */
interface Check {
  check: string;
  target: string;
  status: "ok" | "warn" | "fail";
  detail: string;
  remedy?: string;
}

type Checked = Pick<Policy, "index" | "name" | "significantTags" | "groupBy">;

/** Policies whose tags doctor checks: a list of significant tags, or a group_by. */
const checksTags = (policy: Checked) => policy.significantTags !== "*" || policy.groupBy !== undefined;

/** One governed repository's tag checks, and the tags its images carry (absent: not listed, or nothing to check). */
export interface RepositoryTags {
  checks: Check[];
  tags?: ReadonlySet<string>;
}

/** The tag checks of one governed repository, for the policies governing it (in file order); no call when none has tags to check. */
export async function tagChecks(ecr: ECRClient, repository: string, policies: readonly Checked[]): Promise<RepositoryTags> {
  const checked = policies.filter(checksTags);
  if (!checked.length) return { checks: [] };
  let tagged: ImageRecord[];
  try {
    tagged = await listTaggedImages(ecr, repository);
  } catch (err) {
    const detail = `could not list the tagged images: ${errorCode(err)}: ${errorMessage(err)}`;
    return { checks: [{ check: "tags", target: repository, status: "warn", detail, remedy: "run doctor again; if it persists, check the repository" }] };
  }
  const checks = checked.flatMap((policy) => policyTagChecks(`policy ${policy.index + 1} (${policy.name})`, policy, repository, tagged));
  return { checks, tags: new Set(tagged.flatMap((image) => image.tags.filter((tag) => !isReferrerTag(tag)))) };
}

/** How many edits a tag may be from an entry and still be its typo (`prd` for `prod`), by the entry's length. */
const tagTolerance = (length: number) => (length <= 4 ? 1 : length <= 9 ? 2 : 3);

/** The tags an entry most probably meant, closest first (equally close: several, sorted); none when nothing is close. */
export function closestTags(entry: string, seen: Iterable<string>): string[] {
  const within: [string, number][] = [];
  for (const tag of seen) {
    if (Math.abs(tag.length - entry.length) > tagTolerance(entry.length)) continue;
    const distance = editDistance(entry, tag);
    if (distance > 0 && distance <= tagTolerance(entry.length) && distance < Math.min(entry.length, tag.length)) within.push([tag, distance]);
  }
  const best = Math.min(...within.map(([, distance]) => distance));
  return within.filter(([, distance]) => distance === best).map(([tag]) => tag).sort();
}

/**
 * Each significant_tags entry of each policy (in file order), against the tags of every repository it governs:
 * carried somewhere is ok; carried nowhere is a failed check with the nearest tag seen (when one is close) and what
 * the entry does as written; carried nowhere that could be listed, with some repository not listed, a warning.
 */
export function significantEntryChecks<P extends Checked>(
  policies: readonly P[], governed: ReadonlyMap<string, RepositoryTags>, governs: (policy: P, repository: string) => boolean,
): Check[] {
  const checks: Check[] = [];
  for (const policy of policies) {
    const entries = policy.significantTags;
    if (entries === "*") continue;
    const repositories = [...governed].filter(([name]) => governs(policy, name));
    if (!repositories.length) continue;
    const label = `policy ${policy.index + 1} (${policy.name})`;
    const listed = repositories.flatMap(([, { tags }]) => (tags ? [tags] : []));
    const carriedBy = (entry: string) => listed.filter((tags) => [...tags].some((tag) => globMatches(entry, tag))).length;
    const carried = new Map(entries.map((entry) => [entry, carriedBy(entry)]));
    for (const entry of entries) {
      const count = carried.get(entry)!;
      const where = repositories.length === 1 ? repositories[0][0] : `the ${repositories.length} repositories it governs`;
      if (count > 0) {
        const detail = repositories.length === 1 ? `carried in ${where}` : `carried in ${count} of ${where}`;
        checks.push({ check: "significant-tag", target: entry, status: "ok", detail: `${label}: ${detail}` });
      } else if (listed.length < repositories.length) {
        const unlisted = repositories.length - listed.length;
        checks.push({
          check: "significant-tag", target: entry, status: "warn",
          detail: `${label}: no image carries it in the repositories listed; ${unlisted} of ${where} could not be listed`,
          remedy: "run doctor again",
        });
      } else {
        const others = entries.filter((other) => other !== entry && carried.get(other)! > 0);
        // A tag another entry already matches is that entry's, not this one's typo.
        const seen = new Set(listed.flatMap((tags) => [...tags]).filter((tag) => !others.some((other) => globMatches(other, tag))));
        const nearest = isGlob(entry) ? [] : closestTags(entry, seen);
        const mean = nearest.length ? `; did you mean ${nearest.slice(0, 3).join(" or ")}?` : "";
        checks.push({
          check: "significant-tag", target: entry, status: "fail",
          detail: `${label}: no image in ${where} carries significant tag ${entry}${mean}`,
          remedy: others.length
            ? "fix the typo, or remove the entry: as written, the anchor is the oldest of the other channels"
            : "fix the typo, or remove the entry: as written, no entry is carried, so the policy runs in untagged mode",
        });
      }
    }
  }
  return checks;
}

/** What one policy's significant_tags and group_by find among the repository's tagged images. */
export function policyTagChecks(label: string, policy: Checked, repository: string, tagged: readonly ImageRecord[]): Check[] {
  const checks: Check[] = [];
  if (policy.significantTags !== "*") {
    const tags = policy.significantTags;
    const carried = tagged.some((image) => significantTagOf(image, tags) !== undefined);
    checks.push(
      carried
        ? { check: "significant-tags", target: repository, status: "ok", detail: `${label}: an image carries a significant tag` }
        : {
            check: "significant-tags",
            target: repository,
            status: "warn",
            detail: `${label}: no image carries any significant tag (${tags.join(", ")}), so the policy runs in untagged mode here`,
            remedy: "check significant_tags for typos",
          },
    );
  }
  if (policy.groupBy !== undefined) {
    const pattern = compileGroupPattern(policy.groupBy);
    const matched = tagged.some((image) => image.tags.some((tag) => !isReferrerTag(tag) && pattern.groupOf(tag) !== undefined));
    checks.push(
      matched
        ? { check: "group-by", target: repository, status: "ok", detail: `${label}: group_by matches a tag` }
        : {
            check: "group-by",
            target: repository,
            status: "warn",
            detail: `${label}: group_by matches no tag in ${repository}, so the policy decides nothing there`,
            remedy: "check the pattern",
          },
    );
  }
  return checks;
}
