/**
 * The ECR operations the project uses, with the limits, error codes and failure codes of the ECR API reference
 * (AmazonEC2ContainerRegistry_V20150921, JSON 1.1). Where the reference is silent, comments say what was chosen.
 */
import { MANIFEST_MEDIA_TYPES, isIndexMediaType, readManifest, sha256Digest, type ManifestFacts } from "./manifests";
import { paginate, where, type Cursor } from "./paging";
import { AwsError, epochSeconds, invalidParameter, type Json, type JsonOperation, type RequestContext } from "./protocol";
import type { ImageStatus, Registry, StoredImage, StoredRepository, TagMutability } from "./registry";
import { imageIds, int, list, obj, oneOf, str, type ImageIdInput } from "./validate";

export const ECR_TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921";

/** What the operations need from the emulator around them. */
export interface EcrEnvironment {
  registryFor(region: string): Registry;
  /** Injected partial failure of BatchDeleteImage for a digest. */
  digestFailure(repo: string, digest: string): { failureCode: string; failureReason: string } | undefined;
  /** Injected: BatchDeleteImage leaves this digest out of its response (and acts on it only when `deletes`). */
  unanswered(repo: string, digest: string): { deletes: boolean } | undefined;
  /** Told what each BatchDeleteImage call really removed. */
  recordRemoval(record: { region: string; repository: string; requested: string[]; removed: string[] }): void;
  /** Pull-time update exclusion: reads by this caller do not refresh lastRecordedPullTime. */
  pullTimeExcluded(accessKeyId: string | undefined): boolean;
  /** The IAM principal ARNs excluded from pull-time updates (ListPullTimeUpdateExclusions), in the order registered. */
  pullTimeExclusionArns(): string[];
}

// Patterns from the API reference (RepositoryName, RegistryId; digest as quoted in InvalidImageDigest reasons).
const REPOSITORY_NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const REGISTRY_ID = /^[0-9]{12}$/;
const DIGEST = /^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/;
// The Docker tag grammar with ECR's 300-character limit.
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,299}$/;
const TAG_STATUS = ["TAGGED", "UNTAGGED", "ANY"] as const;
const IMAGE_STATUS_FILTER = ["ACTIVE", "ARCHIVED", "ACTIVATING", "ANY"] as const;
const STORAGE_CLASS = ["STANDARD", "ARCHIVE"] as const;
const TAG_MUTABILITY: readonly TagMutability[] = ["MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"];
const MAX_MANIFEST_LENGTH = 4_194_304;

type TagStatus = (typeof TAG_STATUS)[number];
type ImageStatusFilter = (typeof IMAGE_STATUS_FILTER)[number];

export function ecrOperations(env: EcrEnvironment): Record<string, JsonOperation> {
  /** registryId and repositoryName, validated, and the repository they name. */
  function target(input: Json, ctx: RequestContext): { registry: Registry; repo: StoredRepository } {
    const registry = env.registryFor(ctx.region);
    const registryId = str(input, "registryId", { pattern: REGISTRY_ID }) ?? registry.account;
    const name = str(input, "repositoryName", { required: true, min: 2, max: 256, pattern: REPOSITORY_NAME })!;
    const repo = registryId === registry.account ? registry.repository(name) : undefined;
    if (!repo) throw repositoryNotFound(name, registryId);
    return { registry, repo };
  }

  const operations: Record<string, JsonOperation> = {
    CreateRepository(input, ctx) {
      const registry = env.registryFor(ctx.region);
      const registryId = str(input, "registryId", { pattern: REGISTRY_ID });
      const name = str(input, "repositoryName", { required: true, min: 2, max: 256, pattern: REPOSITORY_NAME })!;
      const mutability = oneOf(input, "imageTagMutability", TAG_MUTABILITY) ?? "MUTABLE";
      const filters = (list(input, "imageTagMutabilityExclusionFilters", 1, 5) ?? []).map((f, i) => {
        const path = `imageTagMutabilityExclusionFilters.${i + 1}.member`;
        const filter = (f ?? {}) as Json;
        oneOf(filter, "filterType", ["WILDCARD"] as const, `${path}.filterType`);
        return str(filter, "filter", { required: true, min: 1, max: 128 }, `${path}.filter`)!;
      });
      list(input, "tags", 0, 200);
      // Creating in another account's registry is not something this emulator models.
      if (registryId !== undefined && registryId !== registry.account) {
        throw invalidParameter("registryId", "Member must be the caller's account id");
      }
      if (registry.repository(name)) {
        throw new AwsError(
          "RepositoryAlreadyExistsException",
          `The repository with name '${name}' already exists in the registry with id '${registry.account}'`,
        );
      }
      const repo = registry.createRepository(name, { imageTagMutability: mutability, tagMutabilityExclusions: filters });
      return { repository: repositoryShape(repo) };
    },

    ListPullTimeUpdateExclusions(input) {
      // "This value can be between 1 and 1000 ... returns up to 100 results and a nextToken value".
      const maxResults = int(input, "maxResults", 1, 1000);
      const arns = env.pullTimeExclusionArns().map((arn, i) => ({ arn, seq: i + 1 }));
      const page = paginate(() => arns, (e) => [e.seq, ""], { scope: "ListPullTimeUpdateExclusions", maxResults, nextToken: str(input, "nextToken") });
      return { pullTimeUpdateExclusions: page.items.map((e) => e.arn), nextToken: page.nextToken };
    },

    DescribeRepositories(input, ctx) {
      const registry = env.registryFor(ctx.region);
      const registryId = str(input, "registryId", { pattern: REGISTRY_ID }) ?? registry.account;
      const names = list(input, "repositoryNames", 1, 100)?.map((_, i) =>
        str(input.repositoryNames as Json, String(i), { required: true, min: 2, max: 256, pattern: REPOSITORY_NAME }, `repositoryNames.${i + 1}.member`)!,
      );
      const maxResults = int(input, "maxResults", 1, 1000);
      const nextToken = str(input, "nextToken");
      if (names && (maxResults !== undefined || nextToken !== undefined)) {
        // The reference: maxResults and nextToken "cannot be used when you specify repositories with repositoryNames".
        throw new AwsError("InvalidParameterException", "maxResults and nextToken cannot be used with repositoryNames");
      }
      const own = registryId === registry.account;
      if (names) {
        const found = [...new Set(names)].map((name) => {
          const repo = own ? registry.repository(name) : undefined;
          if (!repo) throw repositoryNotFound(name, registryId);
          return repo;
        });
        return { repositories: found.map(repositoryShape) };
      }
      const page = paginate(() => (own ? registry.repositories() : []), (r) => [r.seq, ""], {
        scope: `DescribeRepositories/${registryId}`,
        maxResults,
        nextToken,
      });
      return { repositories: page.items.map(repositoryShape), nextToken: page.nextToken };
    },

    DescribeImages(input, ctx) {
      const ids = imageIds(input, "imageIds", 1, 100, false);
      const maxResults = int(input, "maxResults", 1, 1000);
      const nextToken = str(input, "nextToken");
      const filter = obj(input, "filter") ?? {};
      const tagStatus = oneOf(filter, "tagStatus", TAG_STATUS, "filter.tagStatus");
      const imageStatus = oneOf(filter, "imageStatus", IMAGE_STATUS_FILTER, "filter.imageStatus");
      const { registry, repo } = target(input, ctx);
      if (ids) {
        if (maxResults !== undefined || nextToken !== undefined) {
          // The reference: maxResults and nextToken "cannot be used when you specify images with imageIds".
          throw new AwsError("InvalidParameterException", "maxResults and nextToken cannot be used with imageIds");
        }
        // The whole call fails on the first identifier that names no image.
        const found = new Map<string, StoredImage>();
        for (const id of ids) {
          const image = lookup(repo, id);
          if (!image || (registry.byDigestAnswer === "active-only" && image.status !== "ACTIVE")) throw imageNotFound(id, repo);
          found.set(image.digest, image);
        }
        // A lookup by id finds archived images too unless `byDigestAnswer` says otherwise (not documented); filters apply only when the caller sets them.
        const images = [...found.values()].filter((i) => matchesTagStatus(i, tagStatus ?? "ANY") && matchesStatus(i, imageStatus ?? "ANY"));
        return { imageDetails: images.map((i) => imageDetail(repo, i)) };
      }
      const images = (after?: Cursor) =>
        where(registry.imagesAfter(repo, after?.[0]), (i) => matchesTagStatus(i, tagStatus ?? "ANY") && matchesStatus(i, imageStatus ?? "ACTIVE"));
      const page = paginate(images, (i) => [i.seq, ""], {
        scope: `DescribeImages/${repo.registryId}/${repo.name}/${tagStatus ?? "ANY"}/${imageStatus ?? "ACTIVE"}`,
        maxResults,
        nextToken,
      });
      return { imageDetails: page.items.map((i) => imageDetail(repo, i)), nextToken: page.nextToken };
    },

    ListImages(input, ctx) {
      const maxResults = int(input, "maxResults", 1, 1000);
      const nextToken = str(input, "nextToken");
      const filter = obj(input, "filter") ?? {};
      const tagStatus = oneOf(filter, "tagStatus", TAG_STATUS, "filter.tagStatus") ?? "ANY";
      const imageStatus = oneOf(filter, "imageStatus", IMAGE_STATUS_FILTER, "filter.imageStatus") ?? "ACTIVE";
      const { registry, repo } = target(input, ctx);
      // One identifier per tag; an untagged image is listed by digest alone.
      function* entries(after?: Cursor): Generator<{ seq: number; imageDigest: string; imageTag?: string }> {
        for (const image of registry.imagesAfter(repo, after && after[0] - 1)) {
          if (!matchesStatus(image, imageStatus) || !matchesTagStatus(image, tagStatus)) continue;
          if (image.tags.length === 0) yield { seq: image.seq, imageDigest: image.digest };
          for (const tag of [...image.tags].sort()) yield { seq: image.seq, imageDigest: image.digest, imageTag: tag };
        }
      }
      const page = paginate(entries, (e) => [e.seq, e.imageTag ?? ""], {
        scope: `ListImages/${repo.registryId}/${repo.name}/${tagStatus}/${imageStatus}`,
        maxResults,
        nextToken,
      });
      return { imageIds: page.items.map((e) => ({ imageDigest: e.imageDigest, imageTag: e.imageTag })), nextToken: page.nextToken };
    },

    BatchGetImage(input, ctx) {
      const ids = imageIds(input, "imageIds", 1, 100, true)!;
      const accepted = list(input, "acceptedMediaTypes", 1, 100)?.map((_, i) =>
        str(input.acceptedMediaTypes as Json, String(i), { required: true }, `acceptedMediaTypes.${i + 1}.member`)!,
      );
      const { registry, repo } = target(input, ctx);
      const images: Json[] = [];
      const failures: Json[] = [];
      const served = new Set<string>();
      const pulled = new Set<StoredImage>();
      for (const id of ids) {
        const fail = (failureCode: string, failureReason: string) => failures.push({ imageId: echo(id), failureCode, failureReason });
        if (id.imageDigest === undefined && id.imageTag === undefined) {
          fail("MissingDigestAndTag", "Invalid request parameters: both tag and digest cannot be null");
          continue;
        }
        const image = lookup(repo, { imageDigest: id.imageDigest });
        const byTag = id.imageTag === undefined ? undefined : lookup(repo, { imageTag: id.imageTag });
        const found = id.imageDigest !== undefined ? image : byTag;
        if (!found) {
          fail("ImageNotFound", "Requested image not found");
          continue;
        }
        if (id.imageDigest !== undefined && id.imageTag !== undefined && byTag !== image) {
          fail("ImageTagDoesNotMatchDigest", "Invalid request parameters: image tag does not match digest");
          continue;
        }
        if (found.status !== "ACTIVE") {
          // Archived images cannot be pulled (a pull fails with 404).
          fail("ImageNotFound", "Requested image not found");
          continue;
        }
        if (accepted && !accepted.includes(found.manifestMediaType)) {
          fail("ImageNotFound", `Requested image's media type ${found.manifestMediaType} is not in acceptedMediaTypes`);
          continue;
        }
        const key = `${found.digest} ${id.imageTag ?? ""}`;
        if (served.has(key)) continue;
        served.add(key);
        pulled.add(found);
        images.push({
          registryId: repo.registryId,
          repositoryName: repo.name,
          imageId: { imageDigest: found.digest, imageTag: id.imageTag },
          imageManifest: found.manifest,
          imageManifestMediaType: found.manifestMediaType,
        });
      }
      // Reading a manifest is a pull: ECR records it in lastRecordedPullTime.
      if (!env.pullTimeExcluded(ctx.accessKeyId)) for (const image of pulled) image.lastRecordedPullTime = registry.now();
      return { images, failures };
    },

    /**
     * One image a call (the reference: imageId, targetStorageClass STANDARD | ARCHIVE; errors ImageNotFoundException,
     * ImageStorageClassUpdateNotSupportedException, InvalidParameterException, RepositoryNotFoundException,
     * ServerException, ValidationException). The reference does not say which transitions are "not supported":
     * the emulator refuses every request that is not ACTIVE -> ARCHIVE or ARCHIVED -> STANDARD, and the order rule of
     * `registry.archiveOrder`. A restore answers ACTIVATING and becomes ACTIVE after `registry.activationDelayMs`.
     */
    UpdateImageStorageClass(input, ctx) {
      const id = imageId(input);
      const targetStorageClass = oneOf(input, "targetStorageClass", STORAGE_CLASS);
      if (targetStorageClass === undefined) throw new AwsError("ValidationException", "1 validation error detected: Value null at 'targetStorageClass' failed to satisfy constraint: Member must not be null");
      const { registry, repo } = target(input, ctx);
      const image = lookup(repo, id);
      if (!image) throw imageNotFound(id, repo);
      const notSupported = (why: string) =>
        new AwsError("ImageStorageClassUpdateNotSupportedException", `The image with digest '${image.digest}' ${why} in the repository with name '${repo.name}' in the registry with id '${repo.registryId}'`);
      if (targetStorageClass === "ARCHIVE") {
        if (image.status !== "ACTIVE") throw notSupported(`is ${image.status} and cannot be archived`);
        if (registry.archiveOrder === "children-first" && image.children.some((c) => repo.images.get(c)?.status === "ACTIVE")) {
          throw notSupported("is an image index whose images are not archived yet");
        }
        if (registry.archiveOrder === "index-first" && [...(repo.listedBy.get(image.digest) ?? [])].some((d) => repo.images.get(d)?.status === "ACTIVE")) {
          throw notSupported("is referenced by an active image index");
        }
        image.status = "ARCHIVED";
        image.lastArchivedAt = registry.now();
      } else {
        if (image.status !== "ARCHIVED") throw notSupported(`is ${image.status} and cannot be restored`);
        registry.startRestore(image);
      }
      return { registryId: repo.registryId, repositoryName: repo.name, imageId: { imageDigest: image.digest, imageTag: id.imageTag }, imageStatus: image.status };
    },

    BatchDeleteImage(input, ctx) {
      const ids = imageIds(input, "imageIds", 1, 100, true)!;
      const { registry, repo } = target(input, ctx);
      // Manifest lists present when the call starts protect what they list, even if the same call deletes them
      // (not documented; the strict reading): an index must go in an earlier call than its children.
      const listedEarlierInCall = new Map<string, string[]>();
      const listedBy = (digest: string) => [...(repo.listedBy.get(digest) ?? []), ...(listedEarlierInCall.get(digest) ?? [])];
      const deleted: Json[] = [];
      const failures: Json[] = [];
      const removed: string[] = [];
      for (const id of ids) {
        // An entry left out of the response (injected) is neither confirmed nor refused.
        let unanswered: { deletes: boolean } | undefined;
        const fail = (failureCode: string, failureReason: string) => void (unanswered || failures.push({ imageId: echo(id), failureCode, failureReason }));
        const answer = (entry: Json) => void (unanswered || deleted.push(entry));
        if (id.imageDigest === undefined && id.imageTag === undefined) {
          fail("MissingDigestAndTag", "Invalid request parameters: both tag and digest cannot be null");
          continue;
        }
        if (id.imageDigest !== undefined && !DIGEST.test(id.imageDigest)) {
          fail("InvalidImageDigest", "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
          continue;
        }
        if (id.imageTag !== undefined && !TAG.test(id.imageTag)) {
          fail("InvalidImageTag", "Invalid request parameters: image tag should satisfy the regex '[A-Za-z0-9_][A-Za-z0-9_.-]{0,299}'");
          continue;
        }
        const image = id.imageDigest !== undefined ? lookup(repo, { imageDigest: id.imageDigest }) : lookup(repo, { imageTag: id.imageTag });
        if (!image) {
          fail("ImageNotFound", "Requested image not found");
          continue;
        }
        if (id.imageDigest !== undefined && id.imageTag !== undefined && !image.tags.includes(id.imageTag)) {
          fail("ImageTagDoesNotMatchDigest", "Invalid request parameters: image tag does not match digest");
          continue;
        }
        const injected = env.digestFailure(repo.name, image.digest);
        if (injected) {
          fail(injected.failureCode, injected.failureReason);
          continue;
        }
        // Left out of the response: the image is acted on only when `deletes` says so.
        unanswered = env.unanswered(repo.name, image.digest);
        if (unanswered && !unanswered.deletes) continue;
        // By digest the image goes with all its tags; by tag only that tag, and the image with its last tag.
        const removesImage = id.imageDigest !== undefined || image.tags.length === 1;
        if (!removesImage) {
          registry.dropTag(repo, id.imageTag!);
          answer({ imageDigest: image.digest, imageTag: id.imageTag });
          continue;
        }
        const lists = listedBy(image.digest);
        if (lists.length) {
          fail("ImageReferencedByManifestList", `Requested image referenced by manifest list: [${lists.join(", ")}]`);
          continue;
        }
        if (image.tags.length === 0) answer({ imageDigest: image.digest });
        for (const tag of image.tags) answer({ imageDigest: image.digest, imageTag: tag });
        for (const child of image.children) listedEarlierInCall.set(child, [...(listedEarlierInCall.get(child) ?? []), image.digest]);
        registry.dropImage(repo, image.digest);
        removed.push(image.digest);
      }
      env.recordRemoval({ region: ctx.region, repository: repo.name, requested: ids.map((id) => id.imageDigest ?? id.imageTag ?? ""), removed });
      return { imageIds: deleted, failures };
    },

    PutImage(input, ctx) {
      const manifest = str(input, "imageManifest", { required: true, min: 1, max: MAX_MANIFEST_LENGTH })!;
      const mediaTypeParam = str(input, "imageManifestMediaType");
      const tag = str(input, "imageTag", { min: 1, max: 300 });
      const digestParam = str(input, "imageDigest");
      let facts: ManifestFacts;
      try {
        facts = readManifest(manifest);
      } catch {
        throw invalidParameter("imageManifest", "Invalid JSON syntax");
      }
      const mediaType = mediaTypeParam ?? facts.mediaType;
      if (mediaType === undefined) {
        throw invalidParameter("imageManifestMediaType", "Member must not be null when the manifest has no mediaType");
      }
      if (facts.mediaType !== undefined && facts.mediaType !== mediaType) {
        throw invalidParameter("imageManifestMediaType", "Member must match the mediaType of the manifest");
      }
      if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) {
        throw invalidParameter("imageManifestMediaType", `Member must satisfy enum value set: [${MANIFEST_MEDIA_TYPES.join(", ")}]`);
      }
      if (tag !== undefined && !TAG.test(tag)) throw invalidParameter("imageTag", `Member must satisfy regular expression pattern: ${TAG.source}`);
      const { registry, repo } = target(input, ctx);
      const digest = sha256Digest(manifest);
      if (digestParam !== undefined && digestParam !== digest) {
        throw new AwsError(
          "ImageDigestDoesNotMatchException",
          `Provided digest '${digestParam}' does not match the digest '${digest}' that Amazon ECR calculated for the image`,
        );
      }
      const missing = facts.children.filter((d) => !repo.images.has(d));
      if (missing.length) {
        throw new AwsError("ReferencedImagesNotFoundException", `The manifest list is referencing images that do not exist: [${missing.join(", ")}]`);
      }
      const existing = repo.images.get(digest);
      if (existing?.status === "ACTIVE" && (tag === undefined || existing.tags.includes(tag))) {
        throw new AwsError(
          "ImageAlreadyExistsException",
          `Image with digest '${digest}' and tag '${tag ?? "null"}' already exists in the repository with name '${repo.name}' in the registry with id '${repo.registryId}'`,
        );
      }
      if (tag !== undefined && repo.tags.has(tag) && repo.tags.get(tag) !== digest && tagImmutable(repo, tag)) {
        throw new AwsError(
          "ImageTagAlreadyExistsException",
          `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the tag is immutable.`,
        );
      }
      const now = registry.now();
      let image = existing;
      if (!image) {
        image = registry.insert(repo, {
          digest,
          pushedAt: now,
          sizeBytes: isIndexMediaType(mediaType)
            ? Math.max(0, ...facts.children.map((d) => repo.images.get(d)!.sizeBytes))
            : (facts.layersSize ?? 0),
          manifestMediaType: mediaType,
          artifactMediaType: facts.artifactMediaType,
          manifest,
          subjectDigest: facts.subjectDigest,
          children: facts.children,
          status: "ACTIVE",
        });
      } else if (image.status !== "ACTIVE") {
        // Pushing an archived image again restores it.
        image.status = "ACTIVE";
        image.lastActivatedAt = now;
      }
      if (tag !== undefined) registry.moveTag(repo, tag, image);
      return {
        image: {
          registryId: repo.registryId,
          repositoryName: repo.name,
          imageId: { imageDigest: digest, imageTag: tag },
          imageManifest: manifest,
          imageManifestMediaType: mediaType,
        },
      };
    },
  };
  // A restore whose time has come is ACTIVE in whatever the next call reads.
  for (const [name, run] of Object.entries(operations)) {
    operations[name] = (input, ctx) => {
      env.registryFor(ctx.region).completeActivations();
      return run(input, ctx);
    };
  }
  return operations;
}

/** UpdateImageStorageClass's one ImageIdentifier: required, with a digest or a tag. */
function imageId(input: Json): ImageIdInput {
  const id = obj(input, "imageId");
  if (!id) throw new AwsError("ValidationException", "1 validation error detected: Value null at 'imageId' failed to satisfy constraint: Member must not be null");
  const parsed = { imageDigest: str(id, "imageDigest", {}, "imageId.imageDigest"), imageTag: str(id, "imageTag", { min: 1, max: 300 }, "imageId.imageTag") };
  if (parsed.imageDigest === undefined && parsed.imageTag === undefined) throw invalidParameter("imageId", "Invalid request parameters: both tag and digest cannot be null");
  if (parsed.imageDigest !== undefined && !DIGEST.test(parsed.imageDigest)) throw invalidParameter("imageId.imageDigest", "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'");
  return parsed;
}

function lookup(repo: StoredRepository, id: ImageIdInput): StoredImage | undefined {
  if (id.imageDigest !== undefined) {
    const image = repo.images.get(id.imageDigest);
    return image && (id.imageTag === undefined || image.tags.includes(id.imageTag)) ? image : undefined;
  }
  const digest = id.imageTag === undefined ? undefined : repo.tags.get(id.imageTag);
  return digest === undefined ? undefined : repo.images.get(digest);
}

function matchesTagStatus(image: StoredImage, status: TagStatus): boolean {
  return status === "ANY" || (status === "TAGGED") === image.tags.length > 0;
}

function matchesStatus(image: StoredImage, status: ImageStatusFilter): boolean {
  return status === "ANY" || image.status === (status as ImageStatus);
}

/** IMMUTABLE_WITH_EXCLUSION exempts matching tags; MUTABLE_WITH_EXCLUSION makes matching tags immutable. */
function tagImmutable(repo: StoredRepository, tag: string): boolean {
  const excluded = repo.tagMutabilityExclusions.some((f) => wildcard(f).test(tag));
  switch (repo.imageTagMutability) {
    case "MUTABLE":
      return false;
    case "IMMUTABLE":
      return true;
    case "IMMUTABLE_WITH_EXCLUSION":
      return !excluded;
    case "MUTABLE_WITH_EXCLUSION":
      return excluded;
  }
}

function wildcard(filter: string): RegExp {
  return new RegExp(`^${filter.replace(/[\\^$.|+?()[\]{}]/g, "\\$&").replace(/\*/g, ".*")}$`);
}

function echo(id: ImageIdInput): Json {
  return { imageDigest: id.imageDigest, imageTag: id.imageTag };
}

function repositoryNotFound(name: string, registryId: string): AwsError {
  return new AwsError("RepositoryNotFoundException", `The repository with name '${name}' does not exist in the registry with id '${registryId}'`);
}

function imageNotFound(id: ImageIdInput, repo: StoredRepository): AwsError {
  return new AwsError(
    "ImageNotFoundException",
    `The image with imageId {imageDigest:'${id.imageDigest ?? "null"}', imageTag:'${id.imageTag ?? "null"}'} does not exist within the repository with name '${repo.name}' in the registry with id '${repo.registryId}'`,
  );
}

function repositoryShape(repo: StoredRepository): Json {
  return {
    repositoryArn: repo.arn,
    registryId: repo.registryId,
    repositoryName: repo.name,
    repositoryUri: repo.uri,
    createdAt: epochSeconds(repo.createdAt),
    imageTagMutability: repo.imageTagMutability,
    imageTagMutabilityExclusionFilters: repo.tagMutabilityExclusions.length
      ? repo.tagMutabilityExclusions.map((filter) => ({ filterType: "WILDCARD", filter }))
      : undefined,
    imageScanningConfiguration: { scanOnPush: false },
    encryptionConfiguration: { encryptionType: "AES256" },
  };
}

function imageDetail(repo: StoredRepository, image: StoredImage): Json {
  return {
    registryId: repo.registryId,
    repositoryName: repo.name,
    imageDigest: image.digest,
    imageTags: image.tags.length ? [...image.tags] : undefined,
    imageSizeInBytes: image.sizeBytes,
    imagePushedAt: epochSeconds(image.pushedAt),
    imageManifestMediaType: image.manifestMediaType,
    artifactMediaType: image.artifactMediaType,
    lastRecordedPullTime: image.lastRecordedPullTime && epochSeconds(image.lastRecordedPullTime),
    subjectManifestDigest: image.subjectDigest,
    imageStatus: image.status,
    lastArchivedAt: image.lastArchivedAt && epochSeconds(image.lastArchivedAt),
    lastActivatedAt: image.lastActivatedAt && epochSeconds(image.lastActivatedAt),
  };
}
