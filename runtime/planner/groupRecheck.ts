/**
 * The re-check before each delete call, for grouped policies: a group's images are those whose tags the pattern
 * matches, so a retag by someone else (a tag moved off an image, a channel rolled back within a group) can make a
 * group keep an image that the plan deletes. The grouped policies decide again over the repository's tagged images
 * now (images deleted since the plan still count: deletions are not re-counted), and the plan no longer holds when
 * one of them now keeps an image the plan still means to delete.
 */
import { decideGrouped } from "./groups";
import { compareImages, hasPushTime } from "./order";
import type { DatedImage, ImageDecision, ImageRecord, Policy } from "./types";

const isActive = (image: ImageRecord) => image.status === undefined || image.status === "ACTIVE";

/** A sentence saying which group now keeps what the plan deletes, or undefined when every grouped decision still holds. */
export function groupsNoLongerHold(
  decisions: readonly ImageDecision[],
  policies: readonly Policy[],
  tagged: readonly ImageRecord[],
  gone: (digest: string) => boolean,
  now: number,
): string | undefined {
  const grouped = policies.filter((policy) => policy.groupBy !== undefined);
  if (grouped.length === 0) return undefined;
  const pending = decisions.filter((d) => d.action !== "keep" && !gone(d.image.digest));
  if (pending.length === 0) return undefined;
  const current = new Map<string, DatedImage>();
  for (const image of tagged) if (hasPushTime(image) && isActive(image)) current.set(image.digest, image);
  for (const { image } of decisions) {
    if (gone(image.digest) && !current.has(image.digest) && hasPushTime(image) && isActive(image) && image.tags.length) current.set(image.digest, image);
  }
  const sorted = [...current.values()].sort(compareImages);
  const position = new Map(sorted.map((image, i) => [image.digest, i]));
  for (const policy of grouped) {
    const { verdicts } = decideGrouped(policy, sorted, now);
    for (const { image } of pending) {
      const i = position.get(image.digest);
      const verdict = i === undefined ? undefined : verdicts[i];
      if (verdict?.verdict === "keep") {
        return `group "${verdict.group}" of policy "${policy.name}" now keeps ${image.digest} (${verdict.reason}): its images changed since the plan`;
      }
    }
  }
  return undefined;
}
