/**
 * One image as DescribeImages describes it, read into an ImageRecord only when the answer can be trusted: the fields
 * that decide what is kept (the digest, which ties units together and names what is deleted; the tags, which are
 * channel positions; the status; the repository) must have their documented shapes, or the repository's read fails
 * closed. A push time that neither the clock nor the run's `now` has reached is impossible, and is read as unknown
 * (the planner keeps the image, and a channel on it stops the repository).
 */
import type { ImageDetail } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../planner/types";
import { UntrustedAnswerError } from "../shared/answers";

/** An image digest as ECR gives it: `sha256:` and 64 lowercase hexadecimal digits (sha512 as the OCI spec registers it). */
const DIGEST = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

const isImageDigest = (value: unknown): value is string => typeof value === "string" && DIGEST.test(value);

const STATUSES = ["ACTIVE", "ARCHIVED", "ACTIVATING"];

/** How far past the clock a push time may be (ECR's clock and this machine's may differ) before it cannot be one. */
const PUSH_TIME_CLOCK_ALLOWANCE_MS = 24 * 60 * 60 * 1000;

/**
 * The images with a push time later than the allowance past both the clock and the run's `now` (seconds read as
 * milliseconds, a clock gone wrong) made undated: such a time would put the image before every real push, and move a
 * channel's anchor. Applied to the listing a plan is made from; re-checks compare against that plan.
 */
export function forgetImpossiblePushTimes(images: ImageRecord[], now: number, clock = Date.now()): void {
  const latest = Math.max(now, clock) + PUSH_TIME_CLOCK_ALLOWANCE_MS;
  for (const image of images) if (image.pushedAt !== undefined && image.pushedAt > latest) delete image.pushedAt;
}

/** Epoch milliseconds, or undefined for a time the API gave that is missing or out of range (an Invalid Date). */
function timeOf(date: Date | undefined): number | undefined {
  const ms = date?.getTime();
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

/** What is wrong with an image's description, or undefined when it can be used. */
export function detailProblem(detail: ImageDetail, repositoryName: string): string | undefined {
  const digest = detail.imageDigest as unknown;
  if (!isImageDigest(digest)) return `an image whose imageDigest is ${digest === undefined ? "missing" : JSON.stringify(digest)}, not sha256: and 64 lowercase hexadecimal digits`;
  if (detail.repositoryName !== undefined && detail.repositoryName !== repositoryName) return `${digest} described as in repository ${JSON.stringify(detail.repositoryName)}`;
  const tags = detail.imageTags as unknown;
  if (tags !== undefined && (!Array.isArray(tags) || !tags.every((tag) => typeof tag === "string" && tag !== ""))) return `${digest} with imageTags ${JSON.stringify(tags)}, not a list of tags`;
  if (detail.imageStatus !== undefined && !STATUSES.includes(detail.imageStatus)) return `${digest} with imageStatus ${JSON.stringify(detail.imageStatus)}, not one of ${STATUSES.join(", ")}`;
  const subject = detail.subjectManifestDigest as unknown;
  if (subject !== undefined && !isImageDigest(subject)) return `${digest} with subjectManifestDigest ${JSON.stringify(subject)}, not a digest`;
  return undefined;
}

/** The record of an image described in `repositoryName`; an UntrustedAnswerError naming `what` when it cannot be used. */
export function toImageRecord(detail: ImageDetail, repositoryName: string, what: string): ImageRecord {
  const problem = detailProblem(detail, repositoryName);
  if (problem) throw new UntrustedAnswerError(`${what}: the answer describes ${problem}, so it cannot be used`);
  const record: ImageRecord = {
    digest: detail.imageDigest!,
    tags: [...(detail.imageTags ?? [])].sort(),
    sizeBytes: detail.imageSizeInBytes ?? 0,
  };
  // No push time is kept as unknown (the planner keeps such an image), never read as 1970.
  const pushedAt = timeOf(detail.imagePushedAt);
  if (pushedAt !== undefined) record.pushedAt = pushedAt;
  // A pull time that cannot be read counts as a pull just now: keep_pulled_within then keeps the image.
  if (detail.lastRecordedPullTime) record.lastPulledAt = timeOf(detail.lastRecordedPullTime) ?? Number.POSITIVE_INFINITY;
  if (detail.imageStatus && detail.imageStatus !== "ACTIVE") record.status = detail.imageStatus as ImageRecord["status"];
  // A time that cannot be read counts as just now: the image then counts as recently archived (not expired) or restored (kept).
  if (detail.lastArchivedAt) record.lastArchivedAt = timeOf(detail.lastArchivedAt) ?? Number.POSITIVE_INFINITY;
  if (detail.lastActivatedAt) record.lastActivatedAt = timeOf(detail.lastActivatedAt) ?? Number.POSITIVE_INFINITY;
  if (detail.imageManifestMediaType) record.manifestMediaType = detail.imageManifestMediaType;
  if (detail.artifactMediaType) record.artifactMediaType = detail.artifactMediaType;
  if (detail.subjectManifestDigest) record.subjectDigest = detail.subjectManifestDigest;
  return record;
}
