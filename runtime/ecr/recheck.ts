/**
 * Describes delete candidates again just before their delete call, so that an image that gained a tag,
 * lost one, was re-pushed or vanished since the plan is not deleted in this run.
 */
import { DescribeImagesCommand, ECRClient, ImageDetail } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../planner/types";
import { toImageRecord } from "./listing";

export const MAX_IDS_PER_CALL = 100;

export interface Recheck {
  unchanged: ImageRecord[];
  changed: { image: ImageRecord; why: "vanished" | "tags-changed" | "re-pushed" | "pulled" }[];
}

function isNotFound(err: unknown): boolean {
  return (err as { name?: string })?.name === "ImageNotFoundException";
}

/**
 * DescribeImages with imageIds fails the whole call when one digest is gone, so on ImageNotFoundException
 * the batch is halved until the missing digests are isolated; the rest of the batch is still described.
 */
async function describeByDigest(client: ECRClient, repositoryName: string, digests: string[]): Promise<Map<string, ImageDetail>> {
  const found = new Map<string, ImageDetail>();
  if (digests.length === 0) return found;
  try {
    const out = await client.send(
      new DescribeImagesCommand({ repositoryName, imageIds: digests.map((imageDigest) => ({ imageDigest })) }),
    );
    for (const detail of out.imageDetails ?? []) if (detail.imageDigest) found.set(detail.imageDigest, detail);
    return found;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (digests.length === 1) return found;
    const half = Math.ceil(digests.length / 2);
    const [first, second] = await Promise.all([
      describeByDigest(client, repositoryName, digests.slice(0, half)),
      describeByDigest(client, repositoryName, digests.slice(half)),
    ]);
    return new Map([...first, ...second]);
  }
}

/**
 * `watchPulls(digest)`: whether a newer pull time counts as a change for that image (when a governing policy
 * keeps recently pulled images, except for indexes whose pull time the cleaner's own manifest read refreshed).
 */
export async function recheck(
  client: ECRClient,
  repositoryName: string,
  planned: readonly ImageRecord[],
  watchPulls: (digest: string) => boolean,
): Promise<Recheck> {
  if (planned.length > MAX_IDS_PER_CALL) throw new Error(`recheck takes at most ${MAX_IDS_PER_CALL} images per call`);
  const current = await describeByDigest(client, repositoryName, planned.map((image) => image.digest));
  const result: Recheck = { unchanged: [], changed: [] };
  for (const image of planned) {
    const detail = current.get(image.digest);
    if (!detail) {
      result.changed.push({ image, why: "vanished" });
      continue;
    }
    const now = toImageRecord(detail);
    if (now.tags.join("\n") !== image.tags.join("\n")) result.changed.push({ image, why: "tags-changed" });
    else if (now.pushedAt !== image.pushedAt) result.changed.push({ image, why: "re-pushed" });
    else if (watchPulls(image.digest) && (now.lastPulledAt ?? 0) > (image.lastPulledAt ?? 0)) result.changed.push({ image, why: "pulled" });
    else result.unchanged.push(image);
  }
  return result;
}
