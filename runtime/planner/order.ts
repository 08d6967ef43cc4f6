/** The one order every decision is made in, so that every decision is deterministic. */
import type { DatedImage, ImageRecord } from "./types";

/** The planner's order: newest first (`imagePushedAt` descending), ties by digest ascending; unknown push times last. */
export function compareImages(a: Pick<ImageRecord, "digest" | "pushedAt">, b: Pick<ImageRecord, "digest" | "pushedAt">): number {
  const byTime = (b.pushedAt ?? -Infinity) - (a.pushedAt ?? -Infinity);
  return (byTime === byTime && byTime) || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);
}

/** An image with a push time it can be ordered by (ECR may give none, or one out of range). */
export const hasPushTime = (image: ImageRecord): image is DatedImage => image.pushedAt !== undefined && Number.isFinite(image.pushedAt);
