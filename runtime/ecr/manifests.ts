/**
 * Reads the manifests of image indexes (OCI image index, Docker manifest list) to learn their children.
 * Only indexes are read, 100 per BatchGetImage call. Note: ECR counts BatchGetImage as a pull and
 * refreshes the index's lastRecordedPullTime (unless the caller is excluded from pull-time updates).
 */
import { BatchGetImageCommand, ECRClient } from "@aws-sdk/client-ecr";
import { answerOf, listIn } from "../shared/answers";
import { chunks } from "../shared/chunks";
import type { ImageRecord } from "../planner/types";
import { MAX_IDS_PER_CALL } from "./describe";

export const INDEX_MEDIA_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
];

export function isIndex(image: ImageRecord): boolean {
  return image.manifestMediaType !== undefined && INDEX_MEDIA_TYPES.includes(image.manifestMediaType);
}

export class ManifestReadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sets `childDigests` on every index in `images`; returns the indexes read. Throws when one cannot be read. */
export async function readIndexChildren(client: ECRClient, repositoryName: string, images: ImageRecord[]): Promise<ImageRecord[]> {
  const indexes = images.filter(isIndex);
  const byDigest = new Map(indexes.map((image) => [image.digest, image]));
  for (const batch of chunks(indexes, MAX_IDS_PER_CALL)) {
    const what = `ECR BatchGetImage in repository ${repositoryName}`;
    const out = await answerOf(what, client.send(
      new BatchGetImageCommand({
        repositoryName,
        imageIds: batch.map((image) => ({ imageDigest: image.digest })),
        acceptedMediaTypes: INDEX_MEDIA_TYPES,
      }),
    ));
    const failure = out.failures?.[0];
    if (failure) {
      // Without an index's children its platform manifests would look top-level: fail closed for the repository.
      throw new ManifestReadError(failure.failureCode ?? "Unknown", `cannot read the manifest of ${failure.imageId?.imageDigest}: ${failure.failureReason ?? failure.failureCode}`);
    }
    for (const image of listIn(out, "images", what)) {
      const record = image.imageId?.imageDigest ? byDigest.get(image.imageId.imageDigest) : undefined;
      if (!record || !image.imageManifest) continue;
      const manifest = JSON.parse(image.imageManifest) as { manifests?: { digest?: string }[] };
      record.childDigests = (manifest.manifests ?? []).flatMap((m) => (m.digest ? [m.digest] : []));
    }
  }
  const unread = indexes.filter((image) => image.childDigests === undefined);
  if (unread.length) throw new ManifestReadError("ManifestNotReturned", `BatchGetImage returned no manifest for ${unread[0].digest}`);
  return indexes;
}
