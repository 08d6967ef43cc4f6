/** Deletes images by digest (never by tag), at most 100 per call, and reads back exactly what ECR did. */
import { BatchDeleteImageCommand, ECRClient } from "@aws-sdk/client-ecr";
import { MAX_IDS_PER_CALL } from "./describe";

export interface DeleteFailure {
  digest: string;
  code: string;
  reason: string;
}

export interface DeleteResult {
  /** Distinct digests the response says were deleted (it lists one entry per tag). */
  deleted: Set<string>;
  failures: DeleteFailure[];
}

export async function deleteByDigest(client: ECRClient, repositoryName: string, digests: readonly string[]): Promise<DeleteResult> {
  if (digests.length > MAX_IDS_PER_CALL) throw new Error(`BatchDeleteImage takes at most ${MAX_IDS_PER_CALL} image ids`);
  const result: DeleteResult = { deleted: new Set(), failures: [] };
  if (digests.length === 0) return result;
  const out = await client.send(
    new BatchDeleteImageCommand({ repositoryName, imageIds: digests.map((imageDigest) => ({ imageDigest })) }),
  );
  for (const id of out.imageIds ?? []) if (id.imageDigest) result.deleted.add(id.imageDigest);
  for (const failure of out.failures ?? []) {
    result.failures.push({
      digest: failure.imageId?.imageDigest ?? failure.imageId?.imageTag ?? "(unknown)",
      code: failure.failureCode ?? "Unknown",
      reason: failure.failureReason ?? "",
    });
  }
  return result;
}
