/** Pushes small, distinct manifests through the ECR API (for servers that stamp push dates themselves, such as moto). */
import { createHash } from "node:crypto";
import { ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";

export function fakeDigest(seed: string): string {
  return `sha256:${createHash("sha256").update(seed).digest("hex")}`;
}

/** A Docker v2 manifest whose one layer is unique to `seed`, so every pushed image has its own digest. */
export function manifestFor(seed: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.docker.distribution.manifest.v2+json",
    config: { mediaType: "application/vnd.docker.container.image.v1+json", size: 7, digest: fakeDigest(`config-${seed}`) },
    layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", size: 1024, digest: fakeDigest(`layer-${seed}`) }],
  });
}

export async function pushImage(client: ECRClient, repositoryName: string, seed: string, tag?: string): Promise<string> {
  const out = await client.send(
    new PutImageCommand({
      repositoryName,
      imageManifest: manifestFor(seed),
      imageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json",
      ...(tag ? { imageTag: tag } : {}),
    }),
  );
  return out.image!.imageId!.imageDigest!;
}

export function ecrClientFor(endpoint: string): ECRClient {
  return new ECRClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 2 });
}
