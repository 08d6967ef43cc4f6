/** The one order every decision is made in, so that every decision is deterministic. */
import type { ImageRecord } from "./types";

/** The planner's order: newest first (`imagePushedAt` descending), ties by digest ascending. */
export function compareImages(a: ImageRecord, b: ImageRecord): number {
  return b.pushedAt - a.pushedAt || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);
}
