/** Reads repositories and their images from ECR, at the API's maximum page size. */
import { ECRClient, ImageDetail, paginateDescribeImages, paginateDescribeRepositories } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../planner/types";

export const MAX_PAGE_SIZE = 1000;

export interface RepositoryInfo {
  name: string;
  arn: string;
  uri: string;
}

export async function listRepositories(client: ECRClient): Promise<RepositoryInfo[]> {
  const repositories: RepositoryInfo[] = [];
  for await (const page of paginateDescribeRepositories({ client, pageSize: MAX_PAGE_SIZE }, {})) {
    for (const repo of page.repositories ?? []) {
      repositories.push({ name: repo.repositoryName!, arn: repo.repositoryArn ?? "", uri: repo.repositoryUri ?? "" });
    }
  }
  return repositories.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function toImageRecord(detail: ImageDetail): ImageRecord {
  const record: ImageRecord = {
    digest: detail.imageDigest!,
    tags: [...(detail.imageTags ?? [])].sort(),
    pushedAt: detail.imagePushedAt?.getTime() ?? 0,
    sizeBytes: detail.imageSizeInBytes ?? 0,
  };
  if (detail.lastRecordedPullTime) record.lastPulledAt = detail.lastRecordedPullTime.getTime();
  if (detail.imageManifestMediaType) record.manifestMediaType = detail.imageManifestMediaType;
  if (detail.artifactMediaType) record.artifactMediaType = detail.artifactMediaType;
  if (detail.subjectManifestDigest) record.subjectDigest = detail.subjectManifestDigest;
  return record;
}

/** Archived images are left alone: only active ones are planned (DescribeImages returns only ACTIVE by default). */
function isActive(detail: ImageDetail): boolean {
  return detail.imageStatus === undefined || detail.imageStatus === "ACTIVE";
}

export async function listImages(client: ECRClient, repositoryName: string): Promise<ImageRecord[]> {
  const images: ImageRecord[] = [];
  const pages = paginateDescribeImages({ client, pageSize: MAX_PAGE_SIZE }, { repositoryName, filter: { tagStatus: "ANY" } });
  for await (const page of pages) {
    for (const detail of page.imageDetails ?? []) {
      if (detail.imageDigest && isActive(detail)) images.push(toImageRecord(detail));
    }
  }
  return images;
}
