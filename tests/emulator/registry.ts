/**
 * The emulator's state for one account and region: repositories and their images, keyed by digest. Pure data and
 * operations, no HTTP: tests seed and inspect it directly, and operations.ts applies the API's rules on top of it.
 */
import { MediaTypes, isIndexMediaType, makeImageManifest, makeIndexManifest, readManifest, sha256Digest } from "./manifests";
import { arnPartition } from "./protocol";

/** ImageDetail.imageStatus (ECR archival): only ACTIVE images are listed unless a filter asks otherwise. */
export type ImageStatus = "ACTIVE" | "ARCHIVED" | "ACTIVATING";
export type TagMutability = "MUTABLE" | "IMMUTABLE" | "MUTABLE_WITH_EXCLUSION" | "IMMUTABLE_WITH_EXCLUSION";

export interface StoredImage {
  readonly digest: string;
  /** In the order they were applied. */
  tags: string[];
  pushedAt: Date;
  lastRecordedPullTime?: Date;
  sizeBytes: number;
  manifestMediaType: string;
  artifactMediaType?: string;
  manifest: string;
  /** ImageDetail.subjectManifestDigest: the image an OCI 1.1 referrer refers to. */
  subjectDigest?: string;
  /** Digests an index / manifest list refers to. */
  children: string[];
  status: ImageStatus;
  lastArchivedAt?: Date;
  lastActivatedAt?: Date;
  /** While ACTIVATING: when the restore completes (the image becomes ACTIVE). */
  activeFrom?: Date;
  /** Insertion order: the stable order in which the API lists images. */
  readonly seq: number;
}

export interface StoredRepository {
  readonly name: string;
  readonly arn: string;
  readonly registryId: string;
  readonly uri: string;
  readonly createdAt: Date;
  imageTagMutability: TagMutability;
  /** WILDCARD filters of imageTagMutabilityExclusionFilters. */
  tagMutabilityExclusions: string[];
  readonly seq: number;
  readonly images: Map<string, StoredImage>;
  /** tag -> digest; a tag names at most one image in a repository. */
  readonly tags: Map<string, string>;
  /** child digest -> digests of the indexes in the repository that list it. */
  readonly listedBy: Map<string, Set<string>>;
  /** Images by seq, deleted ones included until compaction: lets a page start at its cursor without a scan. */
  order: StoredImage[];
}

/** A read-only copy of an image, as `images()` hands it out. */
export type ImageView = Readonly<Omit<StoredImage, "tags" | "children">> & {
  readonly tags: readonly string[];
  readonly children: readonly string[];
};

/**
 * Which order of archiving an index and its children UpdateImageStorageClass accepts. ECR's documentation does not
 * say (see docs/archive.md), so tests run the cleaner against each: `any` (the default) accepts both;
 * `children-first` refuses to archive an index while an image it lists is ACTIVE; `index-first` refuses to archive an
 * image while an ACTIVE index lists it. Refusals are ImageStorageClassUpdateNotSupportedException.
 */
export type ArchiveOrder = "any" | "children-first" | "index-first";

/**
 * What DescribeImages with `imageIds` answers for an archived or activating image. ECR's documentation does not say
 * (see docs/archive.md), so tests run the cleaner against both: `every-status` (the default) describes it like any
 * image; `active-only` leaves it out, failing the call with ImageNotFoundException as for an image that is not there
 * (the shape the real API gives a missing image). Listings with a filter are unchanged.
 */
export type ByDigestAnswer = "every-status" | "active-only";

export interface SeedImage {
  /** Defaults to the sha256 of the manifest; an index's must be that. */
  digest?: string;
  tags?: string[];
  /** Defaults to the emulator clock. */
  pushedAt?: Date;
  lastRecordedPullTime?: Date;
  /** Defaults to 10 MiB for an image, the largest child for an index (as ECR reports a manifest list's size). */
  sizeBytes?: number;
  /** Defaults to a Docker v2 manifest, an OCI index when `children` is given, an OCI manifest for a referrer. */
  manifestMediaType?: string;
  /** Manifest text; made up when omitted (unique per image, so digests differ). */
  manifest?: string;
  artifactMediaType?: string;
  /** Makes the image an OCI 1.1 referrer of this digest (a signature unless artifactMediaType says otherwise). */
  subjectDigest?: string;
  /** Digests, already in the repository, that the index lists. */
  children?: string[];
  status?: ImageStatus;
  lastArchivedAt?: Date;
  lastActivatedAt?: Date;
}

const DEFAULT_IMAGE_SIZE = 10 * 1024 * 1024;

export class Registry {
  private readonly repos = new Map<string, StoredRepository>();
  private seq = 0;
  /** How long a restore (UpdateImageStorageClass to STANDARD) stays ACTIVATING, on the emulator clock. AWS: "up to 20 minutes". */
  activationDelayMs = 0;
  /** See ArchiveOrder. */
  archiveOrder: ArchiveOrder = "any";
  /** See ByDigestAnswer. */
  byDigestAnswer: ByDigestAnswer = "every-status";
  private readonly activating = new Set<StoredImage>();

  constructor(
    readonly account: string,
    readonly region: string,
    /** The emulator clock: push, pull, creation and archive times come from it. */
    readonly now: () => Date,
  ) {}

  createRepository(
    name: string,
    opts: { createdAt?: Date; imageTagMutability?: TagMutability; tagMutabilityExclusions?: string[] } = {},
  ): StoredRepository {
    if (this.repos.has(name)) throw new Error(`repository ${name} already exists`);
    const partition = arnPartition(this.region);
    const domain = partition === "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
    const repo: StoredRepository = {
      name,
      arn: `arn:${partition}:ecr:${this.region}:${this.account}:repository/${name}`,
      registryId: this.account,
      uri: `${this.account}.dkr.ecr.${this.region}.${domain}/${name}`,
      createdAt: opts.createdAt ?? this.now(),
      imageTagMutability: opts.imageTagMutability ?? "MUTABLE",
      tagMutabilityExclusions: opts.tagMutabilityExclusions ?? [],
      seq: ++this.seq,
      images: new Map(),
      tags: new Map(),
      listedBy: new Map(),
      order: [],
    };
    this.repos.set(name, repo);
    return repo;
  }

  /** The live record (mutations show in the API at once). */
  repository(name: string): StoredRepository | undefined {
    return this.repos.get(name);
  }

  /** In creation order. */
  repositories(): StoredRepository[] {
    return [...this.repos.values()];
  }

  deleteRepository(name: string): boolean {
    return this.repos.delete(name);
  }

  /** Removes every repository. */
  clear(): void {
    this.repos.clear();
  }

  /**
   * Seeds an image as if pushed (no API rules: tags move to it whatever the repository's tag mutability). Seeding a
   * digest that exists only adds the tags to it.
   */
  putImage(repoName: string, seed: SeedImage = {}): ImageView {
    const repo = this.mustGet(repoName);
    const seq = this.seq + 1;
    const children = seed.children;
    let mediaType =
      seed.manifestMediaType ?? (children?.length ? MediaTypes.ociIndex : seed.subjectDigest ? MediaTypes.ociManifest : MediaTypes.dockerManifest);
    let manifest = seed.manifest;
    let subjectDigest = seed.subjectDigest;
    let artifactMediaType = seed.artifactMediaType;
    let sizeBytes = seed.sizeBytes;
    let childDigests = children ?? [];
    if (manifest !== undefined) {
      const facts = readManifest(manifest);
      mediaType = seed.manifestMediaType ?? facts.mediaType ?? mediaType;
      childDigests = children ?? facts.children;
      subjectDigest ??= facts.subjectDigest;
      artifactMediaType ??= facts.artifactMediaType;
      sizeBytes ??= facts.layersSize;
    } else if (isIndexMediaType(mediaType)) {
      manifest = makeIndexManifest(mediaType, childDigests.map((d) => this.descriptor(repo, d)));
    } else {
      if (children?.length) throw new Error(`children need an index media type, not ${mediaType}`);
      const subject = subjectDigest === undefined ? undefined : repo.images.get(subjectDigest);
      manifest = makeImageManifest({
        mediaType,
        seed: `${this.region}/${repoName}#${seq}`,
        layerSize: sizeBytes ?? DEFAULT_IMAGE_SIZE,
        artifactType: artifactMediaType,
        subject:
          subjectDigest === undefined
            ? undefined
            : subject
              ? this.descriptor(repo, subjectDigest)
              : { digest: subjectDigest, mediaType: MediaTypes.dockerManifest, size: 0 },
      });
      artifactMediaType ??= readManifest(manifest).artifactMediaType;
    }
    for (const d of childDigests) this.descriptor(repo, d); // ECR refuses an index whose images are not in the repository
    if (sizeBytes === undefined) {
      sizeBytes = isIndexMediaType(mediaType)
        ? Math.max(0, ...childDigests.map((d) => repo.images.get(d)!.sizeBytes))
        : DEFAULT_IMAGE_SIZE;
    }
    const digest = seed.digest ?? sha256Digest(manifest);
    if (isIndexMediaType(mediaType) && digest !== sha256Digest(manifest)) {
      // ECR computes a digest from the manifest's bytes, and the cleaner checks an index's manifest against it.
      throw new Error(`an index's digest is the sha256 of its manifest: seed ${digest} without a digest, or with its manifest`);
    }
    let image = repo.images.get(digest);
    if (!image) {
      const status = seed.status ?? "ACTIVE";
      image = this.insert(repo, {
        digest,
        pushedAt: seed.pushedAt ?? this.now(),
        lastRecordedPullTime: seed.lastRecordedPullTime,
        sizeBytes,
        manifestMediaType: mediaType,
        artifactMediaType: isIndexMediaType(mediaType) ? seed.artifactMediaType : artifactMediaType,
        manifest,
        subjectDigest,
        children: [...childDigests],
        status,
        lastArchivedAt: seed.lastArchivedAt ?? (status === "ARCHIVED" ? this.now() : undefined),
        lastActivatedAt: seed.lastActivatedAt,
      });
    }
    for (const tag of seed.tags ?? []) this.moveTag(repo, tag, image);
    return view(image);
  }

  /** Copies of a repository's images, in the order the API lists them. */
  images(repoName: string): ImageView[] {
    return [...this.mustGet(repoName).images.values()].map(view);
  }

  /** An image by digest or tag. */
  image(repoName: string, digestOrTag: string): ImageView | undefined {
    const image = this.resolve(this.mustGet(repoName), digestOrTag);
    return image && view(image);
  }

  /** Puts `tag` on `digest`, taking it from whichever image had it. */
  tag(repoName: string, tag: string, digest: string): void {
    const repo = this.mustGet(repoName);
    this.moveTag(repo, tag, this.mustImage(repo, digest));
  }

  /** Like tag(), for a tag that must already exist: moves it to another image (e.g. between plan and delete). */
  retag(repoName: string, tag: string, toDigest: string): void {
    const repo = this.mustGet(repoName);
    if (!repo.tags.has(tag)) throw new Error(`tag ${tag} is not in ${repoName}`);
    this.moveTag(repo, tag, this.mustImage(repo, toDigest));
  }

  /** Removes a tag; the image stays, untagged if it was its last. */
  untag(repoName: string, tag: string): void {
    this.dropTag(this.mustGet(repoName), tag);
  }

  setLastPulled(repoName: string, digest: string, at: Date | undefined = this.now()): void {
    this.mustImage(this.mustGet(repoName), digest).lastRecordedPullTime = at;
  }

  archive(repoName: string, digest: string, at: Date = this.now()): void {
    const image = this.mustImage(this.mustGet(repoName), digest);
    image.status = "ARCHIVED";
    image.lastArchivedAt = at;
  }

  restore(repoName: string, digest: string, at: Date = this.now()): void {
    const image = this.mustImage(this.mustGet(repoName), digest);
    image.status = "ACTIVE";
    image.activeFrom = undefined;
    image.lastActivatedAt = at;
  }

  /** Starts a restore as UpdateImageStorageClass does: ACTIVATING until `activationDelayMs` has passed on the clock. */
  startRestore(image: StoredImage): void {
    image.status = "ACTIVATING";
    image.activeFrom = new Date(this.now().getTime() + this.activationDelayMs);
    this.activating.add(image);
  }

  /** Restores whose time has come become ACTIVE (called before every ECR operation is served). */
  completeActivations(): void {
    if (this.activating.size === 0) return;
    const now = this.now().getTime();
    for (const image of this.activating) {
      if (image.status !== "ACTIVATING" || !image.activeFrom) this.activating.delete(image);
      else if (image.activeFrom.getTime() <= now) {
        image.status = "ACTIVE";
        image.lastActivatedAt = image.activeFrom;
        image.activeFrom = undefined;
        this.activating.delete(image);
      }
    }
  }

  /** Removes an image and its tags with no API rule applied (no manifest-list check). */
  removeImage(repoName: string, digest: string): boolean {
    const repo = this.mustGet(repoName);
    if (!repo.images.has(digest)) return false;
    this.dropImage(repo, digest);
    return true;
  }

  // ---- primitives for operations.ts: no API rules, the caller applies them ----

  insert(repo: StoredRepository, fields: Omit<StoredImage, "seq" | "tags">): StoredImage {
    const image: StoredImage = { ...fields, tags: [], seq: ++this.seq };
    repo.images.set(image.digest, image);
    repo.order.push(image);
    for (const child of image.children) {
      const parents = repo.listedBy.get(child) ?? new Set<string>();
      parents.add(image.digest);
      repo.listedBy.set(child, parents);
    }
    return image;
  }

  moveTag(repo: StoredRepository, tag: string, image: StoredImage): void {
    const holder = repo.tags.get(tag);
    if (holder === image.digest) return;
    if (holder !== undefined) this.dropTag(repo, tag);
    repo.tags.set(tag, image.digest);
    image.tags.push(tag);
  }

  dropTag(repo: StoredRepository, tag: string): void {
    const digest = repo.tags.get(tag);
    if (digest === undefined) return;
    repo.tags.delete(tag);
    const image = repo.images.get(digest);
    if (image) image.tags = image.tags.filter((t) => t !== tag);
  }

  dropImage(repo: StoredRepository, digest: string): void {
    const image = repo.images.get(digest);
    if (!image) return;
    for (const tag of image.tags) repo.tags.delete(tag);
    for (const child of image.children) {
      const parents = repo.listedBy.get(child);
      parents?.delete(digest);
      if (parents?.size === 0) repo.listedBy.delete(child);
    }
    repo.images.delete(digest);
    if (repo.order.length > 64 && repo.images.size < repo.order.length / 2) {
      repo.order = repo.order.filter((i) => repo.images.get(i.digest) === i);
    }
  }

  /** Live images with seq greater than `afterSeq`, in seq order. */
  *imagesAfter(repo: StoredRepository, afterSeq = 0): Generator<StoredImage> {
    const order = repo.order;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid].seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < order.length; i++) {
      const image = order[i];
      if (repo.images.get(image.digest) === image) yield image;
    }
  }

  resolve(repo: StoredRepository, digestOrTag: string): StoredImage | undefined {
    const digest = digestOrTag.includes(":") ? digestOrTag : repo.tags.get(digestOrTag);
    return digest === undefined ? undefined : repo.images.get(digest);
  }

  private descriptor(repo: StoredRepository, digest: string): { digest: string; mediaType: string; size: number } {
    const image = repo.images.get(digest);
    if (!image) throw new Error(`image ${digest} is not in ${repo.name}: seed an index's children first`);
    return { digest, mediaType: image.manifestMediaType, size: Buffer.byteLength(image.manifest, "utf8") };
  }

  private mustGet(name: string): StoredRepository {
    const repo = this.repos.get(name);
    if (!repo) throw new Error(`no repository ${name} in ${this.region}`);
    return repo;
  }

  private mustImage(repo: StoredRepository, digest: string): StoredImage {
    const image = repo.images.get(digest);
    if (!image) throw new Error(`no image ${digest} in ${repo.name}`);
    return image;
  }
}

function view(image: StoredImage): ImageView {
  return Object.freeze({ ...image, tags: Object.freeze([...image.tags]), children: Object.freeze([...image.children]) });
}
