/**
 * Moves one image between ECR's storage classes (UpdateImageStorageClass takes one image a call): ARCHIVE to
 * archive it, STANDARD to restore it (it is ACTIVATING until the restore completes, "typically up to 20 minutes").
 */
import { ECRClient, UpdateImageStorageClassCommand } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../planner/types";
import { answerAbout, answerOf } from "../shared/answers";
import { describeAnyStatus } from "./describe";

export type StorageClass = "ARCHIVE" | "STANDARD";
export type ImageStatus = NonNullable<ImageRecord["status"]>;

/**
 * The image's status after the call, as ECR answers it (ACTIVE when the answer leaves it out). An answer about another
 * image or repository is an UntrustedAnswerError, which callers settle like a lost answer (by describing the image).
 */
export async function updateStorageClass(client: ECRClient, repositoryName: string, imageDigest: string, targetStorageClass: StorageClass): Promise<ImageStatus> {
  const what = `ECR UpdateImageStorageClass of ${imageDigest} in repository ${repositoryName}`;
  const out = await answerOf(what, client.send(new UpdateImageStorageClassCommand({ repositoryName, imageId: { imageDigest }, targetStorageClass })));
  if (out.imageId?.imageDigest !== undefined) answerAbout(what, "imageId.imageDigest", imageDigest, out.imageId.imageDigest);
  if (out.repositoryName !== undefined) answerAbout(what, "repositoryName", repositoryName, out.repositoryName);
  return (out.imageStatus as ImageStatus | undefined) ?? "ACTIVE";
}

/** The error ECR answers an update it does not support with (already archived, not archived, ...). */
export const NOT_SUPPORTED = "ImageStorageClassUpdateNotSupportedException";

/**
 * Restores one archived image: its status after the call (ACTIVATING, or ACTIVE once done). A call whose answer was
 * lost, or whose retry ECR refused because the lost attempt had already started the restore, is followed by describing
 * the image again, as a delete's is: one activating or active now is being restored. Otherwise the call's error stands.
 */
export async function restoreImage(client: ECRClient, repositoryName: string, imageDigest: string): Promise<ImageStatus> {
  try {
    return await updateStorageClass(client, repositoryName, imageDigest, "STANDARD");
  } catch (err) {
    let now: ImageRecord | undefined;
    try {
      now = (await describeAnyStatus(client, repositoryName, [imageDigest])).get(imageDigest);
    } catch {
      throw err;
    }
    if (now && now.status !== "ARCHIVED") return now.status ?? "ACTIVE";
    throw err;
  }
}
