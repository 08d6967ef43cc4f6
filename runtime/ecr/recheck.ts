/**
 * Reads a repository again just before a delete (or archive) call, so that an image that gained or lost a tag, was
 * re-pushed, archived, restored or pulled, or vanished since the plan is not deleted (or archived) in this run, and so that the caller can see where
 * the channels stand now. Per delete call it makes the fewest calls that tell both: one listing of the whole
 * repository when that is at most as many pages as describing the candidates plus listing its tagged images.
 * Describing comes first and the tagged listing last, so a tag moved between the two is still seen.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../planner/types";
import { describeAnyStatus, MAX_IDS_PER_CALL } from "./describe";
import { isActiveTagged, listImages, listTaggedImages, MAX_PAGE_SIZE } from "./listing";

export type ChangeReason = "vanished" | "tags-changed" | "re-pushed" | "pulled" | "status-changed";

export interface Recheck {
  unchanged: ImageRecord[];
  changed: { image: ImageRecord; why: ChangeReason }[];
  /** The repository's active tagged images now: where its channels stand. */
  tagged: ImageRecord[];
  /** Every digest in the repository now, when the re-check listed all of it. */
  present?: Set<string>;
}

/** The repository's size as far as the run knows (planned, less what it deleted): what the cheaper re-read depends on. */
export interface RepositorySize {
  /** Images of every status. */
  images: number;
  /** Active images with at least one tag. */
  tagged: number;
}

const pages = (items: number) => Math.max(1, Math.ceil(items / MAX_PAGE_SIZE));

/** Whether listing the whole repository takes no more calls than describing the candidates and listing its tagged images. */
const relistIsCheaper = (size: RepositorySize) => pages(size.images) <= 1 + pages(size.tagged);

const sameTags = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((tag, i) => tag === b[i]);

/**
 * `watchPulls(digest)`: whether a newer pull time counts as a change for that image (when a governing policy
 * keeps recently pulled images, except for indexes whose pull time the cleaner's own manifest read refreshed).
 */
export async function recheck(
  client: ECRClient,
  repositoryName: string,
  planned: readonly ImageRecord[],
  size: RepositorySize,
  watchPulls: (digest: string) => boolean,
): Promise<Recheck> {
  if (planned.length > MAX_IDS_PER_CALL) throw new Error(`recheck takes at most ${MAX_IDS_PER_CALL} images per call`);
  let current: Map<string, ImageRecord>;
  let tagged: ImageRecord[];
  let present: Set<string> | undefined;
  if (relistIsCheaper(size)) {
    const all = await listImages(client, repositoryName);
    current = new Map(all.map((image) => [image.digest, image]));
    present = new Set(current.keys());
    tagged = all.filter(isActiveTagged);
  } else {
    // A candidate the description leaves out is looked for in a listing of every status before it counts as vanished.
    current = await describeAnyStatus(client, repositoryName, planned.map((image) => image.digest));
    tagged = await listTaggedImages(client, repositoryName);
    // The later reading wins: a candidate tagged (or untagged) between the two calls shows in the tagged listing.
    const taggedNow = new Map(tagged.map((image) => [image.digest, image]));
    for (const [digest, image] of current) {
      // The tagged listing holds active images only: an archived candidate's tags are as described.
      if (image.status !== undefined) continue;
      const later = taggedNow.get(digest);
      if (later) current.set(digest, later);
      else if (image.tags.length) current.set(digest, { ...image, tags: [] });
    }
  }
  const result: Recheck = { unchanged: [], changed: [], tagged };
  if (present) result.present = present;
  for (const image of planned) {
    const now = current.get(image.digest);
    const why: ChangeReason | undefined = !now
      ? "vanished"
      : now.status !== image.status || now.lastArchivedAt !== image.lastArchivedAt
        ? "status-changed"
        : !sameTags(now.tags, image.tags)
          ? "tags-changed"
          : now.pushedAt !== image.pushedAt
            ? "re-pushed"
            : watchPulls(image.digest) && (now.lastPulledAt ?? 0) > (image.lastPulledAt ?? 0)
              ? "pulled"
              : undefined;
    if (why) result.changed.push({ image, why });
    else result.unchanged.push(image);
  }
  return result;
}
