/** Reads repositories and their images from ECR, at the API's maximum page size. */
import type { HttpHandlerOptions } from "@smithy/types";
import { DescribeImagesFilter, ECRClient, ImageDetail, paginateDescribeImages, paginateDescribeRepositories } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../planner/types";
import { trustedPages } from "../shared/pages";

export const MAX_PAGE_SIZE = 1000;

export interface RepositoryInfo {
  name: string;
  arn: string;
  uri: string;
}

export async function listRepositories(client: ECRClient): Promise<RepositoryInfo[]> {
  const repositories: RepositoryInfo[] = [];
  const pages = paginateDescribeRepositories({ client, pageSize: MAX_PAGE_SIZE }, {});
  for await (const page of trustedPages(pages, "ECR DescribeRepositories", { items: "repositories", token: "nextToken" })) {
    for (const repo of page.repositories ?? []) {
      repositories.push({ name: repo.repositoryName!, arn: repo.repositoryArn ?? "", uri: repo.repositoryUri ?? "" });
    }
  }
  return repositories.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Epoch milliseconds, or undefined for a time the API gave that is missing or out of range (an Invalid Date). */
function timeOf(date: Date | undefined): number | undefined {
  const ms = date?.getTime();
  return ms !== undefined && Number.isFinite(ms) ? ms : undefined;
}

export function toImageRecord(detail: ImageDetail): ImageRecord {
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

/** `call`: the SDK's options of every page's call (an abortSignal that ends a wait). */
async function describeAll(client: ECRClient, repositoryName: string, filter: DescribeImagesFilter, call: HttpHandlerOptions = {}): Promise<ImageRecord[]> {
  const images: ImageRecord[] = [];
  const pages = paginateDescribeImages({ client, pageSize: MAX_PAGE_SIZE }, { repositoryName, filter }, call);
  for await (const page of trustedPages(pages, `ECR DescribeImages of repository ${repositoryName}`, { items: "imageDetails", token: "nextToken" })) {
    for (const detail of page.imageDetails ?? []) if (detail.imageDigest) images.push(toImageRecord(detail));
  }
  return images;
}

/**
 * Every image of the repository whatever its status (`imageStatus: ANY`): units are built across statuses, so that a
 * member whose holder is archived or being restored stays. Only active images are planned (the planner's rule).
 */
export function listImages(client: ECRClient, repositoryName: string, call: HttpHandlerOptions = {}): Promise<ImageRecord[]> {
  return describeAll(client, repositoryName, { tagStatus: "ANY", imageStatus: "ANY" }, call);
}

/** An active image with at least one tag: what a listing with `tagStatus: TAGGED` returns (status undefined is ACTIVE). */
export const isActiveTagged = (image: ImageRecord) => image.tags.length > 0 && image.status === undefined;

/** The repository's active tagged images: where its channels stand now. Filtered here too, for endpoints that ignore filters. */
export async function listTaggedImages(client: ECRClient, repositoryName: string): Promise<ImageRecord[]> {
  const images = await describeAll(client, repositoryName, { tagStatus: "TAGGED" });
  return images.filter(isActiveTagged);
}
