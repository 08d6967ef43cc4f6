/**
 * Moves one image between ECR's storage classes (UpdateImageStorageClass takes one image a call): ARCHIVE to
 * archive it, STANDARD to restore it (it is ACTIVATING until the restore completes, "typically up to 20 minutes").
 */
import { ECRClient, UpdateImageStorageClassCommand } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../planner/types";

export type StorageClass = "ARCHIVE" | "STANDARD";
export type ImageStatus = NonNullable<ImageRecord["status"]>;

/** The image's status after the call, as ECR answers it (ACTIVE when the answer leaves it out). */
export async function updateStorageClass(client: ECRClient, repositoryName: string, imageDigest: string, targetStorageClass: StorageClass): Promise<ImageStatus> {
  const out = await client.send(new UpdateImageStorageClassCommand({ repositoryName, imageId: { imageDigest }, targetStorageClass }));
  return (out.imageStatus as ImageStatus | undefined) ?? "ACTIVE";
}

/** The error ECR answers an update it does not support with (already archived, not archived, ...). */
export const NOT_SUPPORTED = "ImageStorageClassUpdateNotSupportedException";
