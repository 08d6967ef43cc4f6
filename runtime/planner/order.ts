/** The one order every decision is made in, so that every decision is deterministic. */
import type { ImageRecord } from "./types";

/** The planner's order: newest first (`imagePushedAt` descending), ties by digest ascending; unknown push times last. */
export function compareImages(a: ImageRecord, b: ImageRecord): number {
  const byTime = (b.pushedAt ?? -Infinity) - (a.pushedAt ?? -Infinity);
  return (byTime === byTime && byTime) || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);
}
