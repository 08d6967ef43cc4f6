/**
 * Describing images by digest. ECR does not document whether DescribeImages by digest (imageIds) returns archived and
 * activating images: an answer that leaves one out may mean "gone" or only "not active". So wherever absence decides
 * something (a re-check, the settling of a call whose answer was lost, waiting for a restore), a digest the answer
 * leaves out counts as gone only once a listing of every status (`imageStatus: ANY`) confirms it.
 */
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import type { HttpHandlerOptions } from "@smithy/types";
import type { ImageRecord } from "../planner/types";
import { answerAbout, answerOf, listIn } from "../shared/answers";
import { toImageRecord } from "./imageDetail";
import { listImages } from "./listing";

/** DescribeImages takes at most this many imageIds, and BatchDeleteImage as many. */
export const MAX_IDS_PER_CALL = 100;

function isNotFound(err: unknown): boolean {
  return (err as { name?: string })?.name === "ImageNotFoundException";
}

/**
 * DescribeImages with imageIds fails the whole call when one digest is gone, so on ImageNotFoundException
 * the batch is halved until the missing digests are isolated; the rest of the batch is still described. `call`: the
 * SDK's options of each call (an abortSignal that ends a wait).
 */
export async function describeByDigest(client: ECRClient, repositoryName: string, digests: readonly string[], call: HttpHandlerOptions = {}): Promise<Map<string, ImageRecord>> {
  const found = new Map<string, ImageRecord>();
  if (digests.length === 0) return found;
  try {
    const what = `ECR DescribeImages by digest in repository ${repositoryName}`;
    const out = await answerOf(what, client.send(new DescribeImagesCommand({ repositoryName, imageIds: digests.map((imageDigest) => ({ imageDigest })) }), call));
    const details = listIn(out, "imageDetails", what);
    // A digest never asked confirms nothing, and says the answer is not this call's.
    for (const detail of details) answerAbout(what, "imageDigest", digests, detail.imageDigest);
    for (const detail of details) found.set(detail.imageDigest!, toImageRecord(detail, repositoryName, what));
    return found;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (digests.length === 1) return found;
    const half = Math.ceil(digests.length / 2);
    const [first, second] = await Promise.all([
      describeByDigest(client, repositoryName, digests.slice(0, half), call),
      describeByDigest(client, repositoryName, digests.slice(half), call),
    ]);
    return new Map([...first, ...second]);
  }
}

/**
 * What the repository holds now among `digests`, whatever their status: described by digest, and any digest the
 * answer leaves out looked for in a listing of every status (read only when something is missing).
 */
export async function describeAnyStatus(client: ECRClient, repositoryName: string, digests: readonly string[], call: HttpHandlerOptions = {}): Promise<Map<string, ImageRecord>> {
  const found = await describeByDigest(client, repositoryName, digests, call);
  const missing = new Set(digests.filter((digest) => !found.has(digest)));
  if (!missing.size) return found;
  for (const image of await listImages(client, repositoryName, call)) if (missing.has(image.digest)) found.set(image.digest, image);
  return found;
}
