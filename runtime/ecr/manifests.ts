/**
 * Reads the manifests of image indexes (OCI image index, Docker manifest list) to learn their children.
 * Only indexes are read, 100 per BatchGetImage call. Note: ECR counts BatchGetImage as a pull and
 * refreshes the index's lastRecordedPullTime (unless the caller is excluded from pull-time updates).
 * A manifest is used only when its bytes hash to the digest asked for: an index read as another's (a mixed-up
 * answer) would give its children to the wrong unit, and a kept index's platform images could then be deleted.
 */
import { createHash } from "node:crypto";
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
      record.childDigests = childrenOf(record.digest, image.imageManifest);
    }
  }
  const unread = indexes.filter((image) => image.childDigests === undefined);
  if (unread.length) throw new ManifestReadError("ManifestNotReturned", `BatchGetImage returned no manifest for ${unread[0].digest}`);
  return indexes;
}

/** Hash algorithms a digest may name (the OCI image spec's registered ones); ECR's are sha256. */
const DIGEST_ALGORITHMS = ["sha256", "sha512"];

/** The digest of a manifest's bytes, in the algorithm `digest` names; undefined for an algorithm it cannot compute. */
function digestOf(manifest: string, digest: string): string | undefined {
  const algorithm = digest.slice(0, digest.indexOf(":")).toLowerCase();
  if (!DIGEST_ALGORITHMS.includes(algorithm)) return undefined;
  return `${algorithm}:${createHash(algorithm).update(manifest, "utf8").digest("hex")}`;
}

/**
 * The children an index's manifest lists: the manifest must be the one `digest` names (ECR answers with the bytes it
 * stored, which is why a manifest read with BatchGetImage and put back keeps its digest) and list its children as
 * descriptors with a string digest (the image index's required `manifests`); anything else fails closed for the
 * repository.
 */
export function childrenOf(digest: string, manifest: string): string[] {
  const actual = digestOf(manifest, digest);
  if (actual === undefined) throw new ManifestReadError("ManifestDigestUnverifiable", `cannot verify the manifest of ${digest}: its digest's algorithm is not one of ${DIGEST_ALGORITHMS.join(", ")}`);
  if (actual !== digest.toLowerCase()) {
    throw new ManifestReadError("ManifestDigestMismatch", `BatchGetImage answered ${digest} with a manifest whose digest is ${actual}: it is another image's, so its children are unknown`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifest);
  } catch {
    throw new ManifestReadError("ManifestUnreadable", `the manifest of ${digest} is not JSON`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new ManifestReadError("ManifestUnreadable", `the manifest of ${digest} is not a JSON object`);
  const entries = (parsed as { manifests?: unknown }).manifests;
  if (!Array.isArray(entries)) throw new ManifestReadError("ManifestUnreadable", `the manifest of ${digest} has no "manifests" list`);
  return entries.map((entry: { digest?: unknown } | null, i) => {
    if (typeof entry?.digest !== "string" || entry.digest === "") throw new ManifestReadError("ManifestUnreadable", `the manifest of ${digest} lists an entry (${i}) without a digest`);
    return entry.digest;
  });
}
