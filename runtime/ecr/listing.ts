/** Reads repositories and their images from ECR, at the API's maximum page size. */
import type { HttpHandlerOptions } from "@smithy/types";
import { DescribeImagesFilter, ECRClient, paginateDescribeImages, paginateDescribeRepositories } from "@aws-sdk/client-ecr";
import type { ImageRecord } from "../planner/types";
import { trustedPages } from "../shared/pages";
import { toImageRecord } from "./imageDetail";

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

/** `call`: the SDK's options of every page's call (an abortSignal that ends a wait). */
async function describeAll(client: ECRClient, repositoryName: string, filter: DescribeImagesFilter, call: HttpHandlerOptions = {}): Promise<ImageRecord[]> {
  const images: ImageRecord[] = [];
  const pages = paginateDescribeImages({ client, pageSize: MAX_PAGE_SIZE }, { repositoryName, filter }, call);
  const what = `ECR DescribeImages of repository ${repositoryName}`;
  for await (const page of trustedPages(pages, what, { items: "imageDetails", token: "nextToken" })) {
    for (const detail of page.imageDetails ?? []) images.push(toImageRecord(detail, repositoryName, what));
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
