/** Image manifests: the media types ECR stores, digests, and manifests made up for seeded images or read from pushed ones. */
import { createHash } from "node:crypto";

export const MediaTypes = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestV1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerManifestV1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociEmpty: "application/vnd.oci.empty.v1+json",
  cosignSignature: "application/vnd.dev.cosign.artifact.sig.v1+json",
} as const;

export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaTypes.dockerManifest,
  MediaTypes.dockerManifestV1,
  MediaTypes.dockerManifestV1Signed,
  MediaTypes.dockerManifestList,
  MediaTypes.ociManifest,
  MediaTypes.ociIndex,
];

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MediaTypes.ociIndex || mediaType === MediaTypes.dockerManifestList;
}

export function sha256Digest(text: string): string {
  return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

/** What ECR derives from a manifest's content. */
export interface ManifestFacts {
  mediaType?: string;
  /** Digests listed by an index / manifest list. */
  children: string[];
  /** OCI 1.1 `subject` of a referrer. */
  subjectDigest?: string;
  /** OCI `artifactType`, else the config's media type (ECR's artifactMediaType). */
  artifactMediaType?: string;
  /** Sum of the layer sizes (compressed, as ECR counts them); undefined for an index. */
  layersSize?: number;
}

interface Descriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
}

/** Throws SyntaxError when the text is not a JSON object. */
export function readManifest(text: string): ManifestFacts {
  const m = JSON.parse(text) as Record<string, unknown>;
  if (typeof m !== "object" || m === null || Array.isArray(m)) throw new SyntaxError("manifest is not a JSON object");
  const descriptors = (v: unknown): Descriptor[] => (Array.isArray(v) ? v.filter((d) => typeof d === "object" && d) : []);
  const children = descriptors(m.manifests)
    .map((d) => d.digest)
    .filter((d): d is string => typeof d === "string");
  const subject = m.subject as Descriptor | undefined;
  const config = m.config as Descriptor | undefined;
  const layers = descriptors(m.layers);
  const mediaType = typeof m.mediaType === "string" ? m.mediaType : undefined;
  const artifactType = typeof m.artifactType === "string" ? m.artifactType : undefined;
  const configType = config && typeof config.mediaType === "string" ? config.mediaType : undefined;
  return {
    mediaType,
    children,
    subjectDigest: subject && typeof subject.digest === "string" ? subject.digest : undefined,
    artifactMediaType: Array.isArray(m.manifests) ? artifactType : (artifactType ?? configType),
    layersSize: Array.isArray(m.manifests) ? undefined : layers.reduce((n, l) => n + (typeof l.size === "number" ? l.size : 0), 0),
  };
}

const EMPTY_JSON_DIGEST = sha256Digest("{}");

/**
 * A single-platform manifest whose content is unique to `seed` (so distinct seeds give distinct digests), with one
 * layer of `layerSize` bytes; with `subject` it is an OCI 1.1 referrer (a signature by default).
 */
export function makeImageManifest(opts: {
  mediaType: string;
  seed: string;
  layerSize: number;
  artifactType?: string;
  subject?: { digest: string; mediaType: string; size: number };
}): string {
  const docker = opts.mediaType === MediaTypes.dockerManifest;
  if (opts.subject) {
    return JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      artifactType: opts.artifactType ?? MediaTypes.cosignSignature,
      config: { mediaType: MediaTypes.ociEmpty, size: 2, digest: EMPTY_JSON_DIGEST },
      layers: [{ mediaType: opts.artifactType ?? MediaTypes.cosignSignature, size: opts.layerSize, digest: sha256Digest(`layer:${opts.seed}`) }],
      subject: opts.subject,
    });
  }
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: opts.mediaType,
    config: {
      mediaType: docker ? MediaTypes.dockerConfig : MediaTypes.ociConfig,
      size: 1469,
      digest: sha256Digest(`config:${opts.seed}`),
    },
    layers: [
      {
        mediaType: docker ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.oci.image.layer.v1.tar+gzip",
        size: opts.layerSize,
        digest: sha256Digest(`layer:${opts.seed}`),
      },
    ],
  };
  if (opts.artifactType && !docker) manifest.artifactType = opts.artifactType;
  return JSON.stringify(manifest);
}

const PLATFORMS = [
  { architecture: "amd64", os: "linux" },
  { architecture: "arm64", os: "linux", variant: "v8" },
  { architecture: "arm", os: "linux", variant: "v7" },
  { architecture: "s390x", os: "linux" },
  { architecture: "ppc64le", os: "linux" },
];

/** An index / manifest list over `children`, each given a platform in turn. */
export function makeIndexManifest(mediaType: string, children: { digest: string; mediaType: string; size: number }[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType,
    manifests: children.map((c, i) => ({
      mediaType: c.mediaType,
      size: c.size,
      digest: c.digest,
      platform: PLATFORMS[i % PLATFORMS.length],
    })),
  });
}
