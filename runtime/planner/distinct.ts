/**
 * A listing taken as a set of images: a digest listed twice (a page boundary moving under a concurrent push or
 * retag) is one image, so it takes one place in the order and in protected_count. The copies are merged the
 * protective way: every tag either copy carried, the newest pull, and a status other than ACTIVE if either says so.
 */
import type { ImageRecord } from "./types";

export function distinctImages(images: readonly ImageRecord[]): ImageRecord[] {
  const digests = new Set<string>();
  for (const image of images) digests.add(image.digest);
  // The usual case, checked cheaply: the planner's hot path plans a million images.
  if (digests.size === images.length) return [...images];
  const seen = new Map<string, ImageRecord>();
  for (const image of images) {
    const first = seen.get(image.digest);
    seen.set(image.digest, first ? merge(first, image) : image);
  }
  return [...seen.values()];
}

function merge(a: ImageRecord, b: ImageRecord): ImageRecord {
  const merged: ImageRecord = { ...a, tags: [...new Set([...a.tags, ...b.tags])].sort() };
  if (merged.pushedAt === undefined) merged.pushedAt = b.pushedAt;
  if (b.lastPulledAt !== undefined && (merged.lastPulledAt === undefined || b.lastPulledAt > merged.lastPulledAt)) merged.lastPulledAt = b.lastPulledAt;
  if (b.status !== undefined && b.status !== "ACTIVE") merged.status = b.status;
  if (b.childDigests) merged.childDigests = [...new Set([...(a.childDigests ?? []), ...b.childDigests])];
  merged.subjectDigest ??= b.subjectDigest;
  return merged;
}
