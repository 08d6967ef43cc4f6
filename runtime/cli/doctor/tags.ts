/**
 * Doctor's tag checks: whether a governed repository has a tag each policy's significant_tags or group_by matches.
 * A typo there does not fail a run: significant tags no image carries turn the policy to untagged mode, a group_by
 * that matches no tag decides nothing. So both are warnings, read from one listing of the repository's tagged images.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { Config } from "../../config/schema";
import { listTaggedImages } from "../../ecr/listing";
import { significantTagOf } from "../../planner/decide";
import { compileGroupPattern } from "../../planner/groupPattern";
import { isReferrerTag } from "../../planner/units";
import type { ImageRecord, Policy } from "../../planner/types";
import { errorCode, errorMessage } from "../../shared/errors";

/** A line of doctor's answer (checks.ts's Check, which imports this file). */
interface Check {
  check: string;
  target: string;
  status: "ok" | "warn";
  detail: string;
  remedy?: string;
}

type Checked = Pick<Policy, "index" | "name" | "significantTags" | "groupBy">;

/** Policies whose tags doctor checks: a list of significant tags, or a group_by. */
const checksTags = (policy: Checked) => policy.significantTags !== "*" || policy.groupBy !== undefined;

/** The tag checks of one governed repository, for the policies governing it (in file order); no call when none has tags to check. */
export async function tagChecks(ecr: ECRClient, repository: string, policies: readonly Checked[]): Promise<Check[]> {
  const checked = policies.filter(checksTags);
  if (!checked.length) return [];
  let tagged: ImageRecord[];
  try {
    tagged = await listTaggedImages(ecr, repository);
  } catch (err) {
    const detail = `could not list the tagged images: ${errorCode(err)}: ${errorMessage(err)}`;
    return [{ check: "tags", target: repository, status: "warn", detail, remedy: "run doctor again; if it persists, check the repository" }];
  }
  return checked.flatMap((policy) => policyTagChecks(`policy ${policy.index + 1} (${policy.name})`, policy, repository, tagged));
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
