/** The ECR emulator, exercised through the real AWS SDK v3 client. */
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ListImagesCommand,
  PutImageCommand,
  paginateDescribeImages,
  paginateListImages,
  type ImageIdentifier,
} from "@aws-sdk/client-ecr";
import { expect } from "chai";
import { DropConnection } from "./emulator/faults";
import { MediaTypes, sha256Digest } from "./emulator/manifests";
import { startEcrEmulator, type EcrEmulator } from "./emulator/server";

const NOW = new Date("2024-06-01T12:00:00.000Z");
const DAY = 86_400_000;

function clientFor(em: EcrEmulator, opts: { maxAttempts?: number; region?: string; accessKeyId?: string } = {}): ECRClient {
  return new ECRClient({
    endpoint: em.endpoint,
    region: opts.region ?? "us-east-1",
    credentials: { accessKeyId: opts.accessKeyId ?? "x", secretAccessKey: "x" },
    maxAttempts: opts.maxAttempts ?? 1,
  });
}

/** The rejection of `p` (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; $fault?: string; code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

describe("ECR emulator", function () {
  let em: EcrEmulator;
  let ecr: ECRClient;
  const clients: ECRClient[] = [];
  const client = (opts?: Parameters<typeof clientFor>[1]) => {
    const c = clientFor(em, opts);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    em = await startEcrEmulator({ clock: () => NOW });
    ecr = client();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await em.stop();
  });

  /** Seeds `n` untagged images a minute apart, oldest first. */
  function seed(repo: string, n: number): string[] {
    return Array.from({ length: n }, (_, i) => em.registry.putImage(repo, { pushedAt: new Date(NOW.getTime() - (n - i) * 60_000) }).digest);
  }

  describe("repositories", () => {
    it("creates repositories with ECR's ARN, URI and registry id", async () => {
      const out = await ecr.send(new CreateRepositoryCommand({ repositoryName: "team/hello_world" }));
      expect(out.repository).to.include({
        repositoryName: "team/hello_world",
        registryId: "123456789012",
        repositoryArn: "arn:aws:ecr:us-east-1:123456789012:repository/team/hello_world",
        repositoryUri: "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/hello_world",
        imageTagMutability: "MUTABLE",
      });
      expect(out.repository?.createdAt?.toISOString()).to.equal(NOW.toISOString());
      const again = await rejection(ecr.send(new CreateRepositoryCommand({ repositoryName: "team/hello_world" })));
      expect(again.name).to.equal("RepositoryAlreadyExistsException");
      const bad = await rejection(ecr.send(new CreateRepositoryCommand({ repositoryName: "Upper" })));
      expect(bad.name).to.equal("InvalidParameterException");
    });

    it("describes named repositories, refusing a missing name and maxResults with names", async () => {
      for (const name of ["a1", "b2", "c3"]) em.registry.createRepository(name);
      const named = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["b2"] }));
      expect(named.repositories?.map((r) => r.repositoryName)).to.deep.equal(["b2"]);
      const missing = await rejection(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["b2", "zz"] })));
      expect(missing.name).to.equal("RepositoryNotFoundException");
      expect(missing.message).to.contain("'zz'");
      const both = await rejection(ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ["b2"], maxResults: 5 })));
      expect(both.name).to.equal("InvalidParameterException");
    });

    it("pages repositories with maxResults and nextToken", async () => {
      for (const name of ["a1", "b2", "c3"]) em.registry.createRepository(name);
      const first = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2 }));
      expect(first.repositories?.map((r) => r.repositoryName)).to.deep.equal(["a1", "b2"]);
      const second = await ecr.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken: first.nextToken }));
      expect(second.repositories?.map((r) => r.repositoryName)).to.deep.equal(["c3"]);
      expect(second.nextToken).to.equal(undefined);
    });
  });

  describe("paging and limits", () => {
    beforeEach(() => {
      em.registry.createRepository("app");
    });

    it("pages DescribeImages 1000 at a time through the SDK paginator", async () => {
      const digests = seed("app", 2500);
      const pages: number[] = [];
      const seen: string[] = [];
      for await (const page of paginateDescribeImages({ client: ecr, pageSize: 1000 }, { repositoryName: "app" })) {
        pages.push(page.imageDetails?.length ?? 0);
        for (const d of page.imageDetails ?? []) seen.push(d.imageDigest!);
      }
      expect(pages).to.deep.equal([1000, 1000, 500]);
      expect(seen).to.deep.equal(digests);
      expect(em.calls.DescribeImages).to.equal(3);
    });

    it("returns up to 100 images with a nextToken when maxResults is omitted", async () => {
      seed("app", 150);
      const out = await ecr.send(new DescribeImagesCommand({ repositoryName: "app" }));
      expect(out.imageDetails).to.have.length(100);
      expect(out.nextToken).to.be.a("string");
      const rest = await ecr.send(new DescribeImagesCommand({ repositoryName: "app", nextToken: out.nextToken }));
      expect(rest.imageDetails).to.have.length(50);
      expect(rest.nextToken).to.equal(undefined);
    });

    it("keeps paging consistent when images are deleted between pages", async () => {
      const digests = seed("app", 30);
      const first = await ecr.send(new DescribeImagesCommand({ repositoryName: "app", maxResults: 10 }));
      await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: digests.slice(0, 12).map((imageDigest) => ({ imageDigest })) }));
      const second = await ecr.send(new DescribeImagesCommand({ repositoryName: "app", maxResults: 10, nextToken: first.nextToken }));
      expect(second.imageDetails?.map((d) => d.imageDigest)).to.deep.equal(digests.slice(12, 22));
    });

    it("rejects maxResults outside 1..1000 with InvalidParameterException", async () => {
      for (const maxResults of [0, 1001]) {
        for (const cmd of [
          new DescribeImagesCommand({ repositoryName: "app", maxResults }),
          new ListImagesCommand({ repositoryName: "app", maxResults }),
          new DescribeRepositoriesCommand({ maxResults }),
        ]) {
          const err = await rejection(ecr.send(cmd as DescribeImagesCommand));
          expect(err.name).to.equal("InvalidParameterException");
          expect(err.message).to.match(/Invalid parameter at 'maxResults' failed to satisfy constraint/);
        }
      }
    });

    it("rejects more than 100 (or no) imageIds with InvalidParameterException", async () => {
      const ids: ImageIdentifier[] = Array.from({ length: 101 }, (_, i) => ({ imageDigest: sha256Digest(String(i)) }));
      for (const imageIds of [ids, []]) {
        for (const cmd of [
          new BatchDeleteImageCommand({ repositoryName: "app", imageIds }),
          new BatchGetImageCommand({ repositoryName: "app", imageIds }),
          new DescribeImagesCommand({ repositoryName: "app", imageIds }),
        ]) {
          const err = await rejection(ecr.send(cmd as BatchDeleteImageCommand));
          expect(err.name).to.equal("InvalidParameterException");
          expect(err.message).to.contain("Invalid parameter at 'imageIds' failed to satisfy constraint");
        }
      }
      const ok = await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: ids.slice(0, 100) }));
      expect(ok.failures).to.have.length(100);
    });

    it("fails DescribeImages whole with ImageNotFoundException when one imageId is missing", async () => {
      const [a] = seed("app", 1);
      const found = await ecr.send(new DescribeImagesCommand({ repositoryName: "app", imageIds: [{ imageDigest: a }] }));
      expect(found.imageDetails?.map((d) => d.imageDigest)).to.deep.equal([a]);
      const err = await rejection(
        ecr.send(new DescribeImagesCommand({ repositoryName: "app", imageIds: [{ imageDigest: a }, { imageDigest: sha256Digest("gone") }] })),
      );
      expect(err.name).to.equal("ImageNotFoundException");
      const mixed = await rejection(ecr.send(new DescribeImagesCommand({ repositoryName: "app", imageIds: [{ imageDigest: a }], maxResults: 10 })));
      expect(mixed.name).to.equal("InvalidParameterException");
    });

    it("answers RepositoryNotFoundException for a missing repository", async () => {
      const err = await rejection(ecr.send(new DescribeImagesCommand({ repositoryName: "nope" })));
      expect(err.name).to.equal("RepositoryNotFoundException");
    });
  });

  describe("images", () => {
    beforeEach(() => {
      em.registry.createRepository("app");
    });

    it("describes images with ECR's ImageDetail fields", async () => {
      const pulled = new Date(NOW.getTime() - DAY);
      const img = em.registry.putImage("app", { tags: ["v1", "prod"], pushedAt: new Date(NOW.getTime() - 2 * DAY), lastRecordedPullTime: pulled, sizeBytes: 1234 });
      const [detail] = (await ecr.send(new DescribeImagesCommand({ repositoryName: "app" }))).imageDetails!;
      expect(detail).to.deep.include({
        registryId: "123456789012",
        repositoryName: "app",
        imageDigest: img.digest,
        imageTags: ["v1", "prod"],
        imageSizeInBytes: 1234,
        imageManifestMediaType: MediaTypes.dockerManifest,
        artifactMediaType: MediaTypes.dockerConfig,
        imageStatus: "ACTIVE",
      });
      expect(detail.imagePushedAt?.getTime()).to.equal(NOW.getTime() - 2 * DAY);
      expect(detail.lastRecordedPullTime?.getTime()).to.equal(pulled.getTime());
    });

    it("filters by tagStatus, and ListImages lists one identifier per tag", async () => {
      const tagged = em.registry.putImage("app", { tags: ["a", "b"] });
      const untagged = em.registry.putImage("app", {});
      const describe = async (tagStatus: "TAGGED" | "UNTAGGED" | "ANY") =>
        (await ecr.send(new DescribeImagesCommand({ repositoryName: "app", filter: { tagStatus } }))).imageDetails?.map((d) => d.imageDigest);
      expect(await describe("TAGGED")).to.deep.equal([tagged.digest]);
      expect(await describe("UNTAGGED")).to.deep.equal([untagged.digest]);
      expect(await describe("ANY")).to.deep.equal([tagged.digest, untagged.digest]);
      const ids: ImageIdentifier[] = [];
      for await (const page of paginateListImages({ client: ecr, pageSize: 1 }, { repositoryName: "app" })) ids.push(...(page.imageIds ?? []));
      expect(ids).to.deep.equal([
        { imageDigest: tagged.digest, imageTag: "a" },
        { imageDigest: tagged.digest, imageTag: "b" },
        { imageDigest: untagged.digest },
      ]);
    });

    it("BatchDeleteImage by digest removes every tag and lists one imageId per tag removed", async () => {
      const tagged = em.registry.putImage("app", { tags: ["v1", "latest"] });
      const untagged = em.registry.putImage("app", {});
      const out = await ecr.send(
        new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: tagged.digest }, { imageDigest: untagged.digest }] }),
      );
      expect(out.imageIds).to.deep.equal([
        { imageDigest: tagged.digest, imageTag: "v1" },
        { imageDigest: tagged.digest, imageTag: "latest" },
        { imageDigest: untagged.digest },
      ]);
      expect(out.failures).to.deep.equal([]);
      expect(em.registry.images("app")).to.deep.equal([]);
    });

    it("BatchDeleteImage by tag removes that tag, and the image with its last tag", async () => {
      const img = em.registry.putImage("app", { tags: ["v1", "latest"] });
      const first = await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageTag: "latest" }] }));
      expect(first.imageIds).to.deep.equal([{ imageDigest: img.digest, imageTag: "latest" }]);
      expect(em.registry.image("app", img.digest)?.tags).to.deep.equal(["v1"]);
      await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageTag: "v1" }] }));
      expect(em.registry.images("app")).to.deep.equal([]);
    });

    it("BatchDeleteImage reports failures with ECR's failure codes and deletes the rest", async () => {
      const a = em.registry.putImage("app", { tags: ["a"] });
      const b = em.registry.putImage("app", { tags: ["b"] });
      const out = await ecr.send(
        new BatchDeleteImageCommand({
          repositoryName: "app",
          imageIds: [
            { imageDigest: sha256Digest("missing") },
            { imageDigest: "not-a-digest" },
            {},
            { imageDigest: a.digest, imageTag: "b" },
            { imageTag: "no-such-tag" },
            { imageDigest: b.digest },
          ],
        }),
      );
      expect(out.failures?.map((f) => f.failureCode)).to.deep.equal([
        "ImageNotFound",
        "InvalidImageDigest",
        "MissingDigestAndTag",
        "ImageTagDoesNotMatchDigest",
        "ImageNotFound",
      ]);
      expect(out.failures?.[0].imageId).to.deep.equal({ imageDigest: sha256Digest("missing") });
      expect(out.imageIds).to.deep.equal([{ imageDigest: b.digest, imageTag: "b" }]);
      expect(em.registry.images("app").map((i) => i.digest)).to.deep.equal([a.digest]);
    });

    it("refuses to delete a child of an index still in the repository (ImageReferencedByManifestList)", async () => {
      const amd = em.registry.putImage("app", {});
      const arm = em.registry.putImage("app", {});
      const index = em.registry.putImage("app", { tags: ["v1"], children: [amd.digest, arm.digest] });
      expect(index.manifestMediaType).to.equal(MediaTypes.ociIndex);

      const early = await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: amd.digest }] }));
      expect(early.failures).to.deep.equal([
        {
          imageId: { imageDigest: amd.digest },
          failureCode: "ImageReferencedByManifestList",
          failureReason: `Requested image referenced by manifest list: [${index.digest}]`,
        },
      ]);
      // In the same call as its index, a child is still refused: the index must go in an earlier call.
      const same = await ecr.send(
        new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: index.digest }, { imageDigest: arm.digest }] }),
      );
      expect(same.imageIds).to.deep.equal([{ imageDigest: index.digest, imageTag: "v1" }]);
      expect(same.failures?.map((f) => f.failureCode)).to.deep.equal(["ImageReferencedByManifestList"]);
      const later = await ecr.send(
        new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: amd.digest }, { imageDigest: arm.digest }] }),
      );
      expect(later.failures).to.deep.equal([]);
      expect(em.registry.images("app")).to.deep.equal([]);
    });

    it("BatchGetImage returns the manifest and, as a pull, refreshes lastRecordedPullTime", async () => {
      const child = em.registry.putImage("app", { lastRecordedPullTime: new Date(NOW.getTime() - 30 * DAY) });
      const index = em.registry.putImage("app", {
        tags: ["v1"],
        manifestMediaType: MediaTypes.dockerManifestList,
        children: [child.digest],
        lastRecordedPullTime: new Date(NOW.getTime() - 30 * DAY),
      });
      em.clock = () => new Date(NOW.getTime() + DAY);
      const out = await ecr.send(
        new BatchGetImageCommand({
          repositoryName: "app",
          imageIds: [{ imageTag: "v1" }, { imageDigest: sha256Digest("missing") }],
          acceptedMediaTypes: [MediaTypes.dockerManifestList, MediaTypes.ociIndex],
        }),
      );
      expect(out.images).to.have.length(1);
      expect(out.images?.[0].imageId).to.deep.equal({ imageDigest: index.digest, imageTag: "v1" });
      expect(out.images?.[0].imageManifestMediaType).to.equal(MediaTypes.dockerManifestList);
      expect(sha256Digest(out.images![0].imageManifest!)).to.equal(index.digest);
      expect(JSON.parse(out.images![0].imageManifest!).manifests.map((m: { digest: string }) => m.digest)).to.deep.equal([child.digest]);
      expect(out.failures).to.deep.equal([
        { imageId: { imageDigest: sha256Digest("missing") }, failureCode: "ImageNotFound", failureReason: "Requested image not found" },
      ]);
      expect(em.registry.image("app", index.digest)?.lastRecordedPullTime?.getTime()).to.equal(NOW.getTime() + DAY);
      // Only what was read counts as pulled.
      expect(em.registry.image("app", child.digest)?.lastRecordedPullTime?.getTime()).to.equal(NOW.getTime() - 30 * DAY);
    });

    it("BatchGetImage by a caller with a pull-time update exclusion leaves lastRecordedPullTime alone", async () => {
      const img = em.registry.putImage("app", { tags: ["v1"] });
      em.pullTimeUpdateExclusions.add("CLEANER");
      await client({ accessKeyId: "CLEANER" }).send(new BatchGetImageCommand({ repositoryName: "app", imageIds: [{ imageTag: "v1" }] }));
      expect(em.registry.image("app", img.digest)?.lastRecordedPullTime).to.equal(undefined);
    });

    it("PutImage computes the digest, stamps the clock, and moves a tag to the new image", async () => {
      const old = em.registry.putImage("app", { tags: ["latest"] });
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        config: { mediaType: MediaTypes.ociConfig, size: 10, digest: sha256Digest("cfg") },
        layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", size: 777, digest: sha256Digest("l") }],
      });
      const out = await ecr.send(new PutImageCommand({ repositoryName: "app", imageManifest: manifest, imageTag: "latest" }));
      expect(out.image?.imageId).to.deep.equal({ imageDigest: sha256Digest(manifest), imageTag: "latest" });
      const pushed = em.registry.image("app", "latest")!;
      expect(pushed).to.deep.include({ digest: sha256Digest(manifest), sizeBytes: 777, manifestMediaType: MediaTypes.ociManifest });
      expect(pushed.pushedAt.getTime()).to.equal(NOW.getTime());
      expect(em.registry.image("app", old.digest)?.tags).to.deep.equal([]);

      const again = await rejection(ecr.send(new PutImageCommand({ repositoryName: "app", imageManifest: manifest, imageTag: "latest" })));
      expect(again.name).to.equal("ImageAlreadyExistsException");
      const wrong = await rejection(
        ecr.send(new PutImageCommand({ repositoryName: "app", imageManifest: manifest, imageTag: "x", imageDigest: sha256Digest("other") })),
      );
      expect(wrong.name).to.equal("ImageDigestDoesNotMatchException");
      await ecr.send(new PutImageCommand({ repositoryName: "app", imageManifest: manifest, imageTag: "v2" }));
      expect(em.registry.image("app", sha256Digest(manifest))?.tags).to.deep.equal(["latest", "v2"]);
    });

    it("PutImage refuses to overwrite a tag in an immutable repository", async () => {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: "frozen", imageTagMutability: "IMMUTABLE" }));
      em.registry.putImage("frozen", { tags: ["v1"] });
      const manifest = JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.dockerManifest, config: {}, layers: [] });
      const err = await rejection(ecr.send(new PutImageCommand({ repositoryName: "frozen", imageManifest: manifest, imageTag: "v1" })));
      expect(err.name).to.equal("ImageTagAlreadyExistsException");
    });

    it("PutImage of an index needs the images it lists (ReferencedImagesNotFoundException)", async () => {
      const child = em.registry.putImage("app", {});
      const index = (digests: string[]) =>
        JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: digests.map((digest) => ({ mediaType: MediaTypes.dockerManifest, size: 1, digest })) });
      const err = await rejection(ecr.send(new PutImageCommand({ repositoryName: "app", imageManifest: index([child.digest, sha256Digest("x")]) })));
      expect(err.name).to.equal("ReferencedImagesNotFoundException");
      await ecr.send(new PutImageCommand({ repositoryName: "app", imageManifest: index([child.digest]), imageTag: "multi" }));
      expect(em.registry.image("app", "multi")?.children).to.deep.equal([child.digest]);
    });

    it("reports a referrer's subjectManifestDigest", async () => {
      const subject = em.registry.putImage("app", { tags: ["v1"] });
      const sig = em.registry.putImage("app", { subjectDigest: subject.digest });
      const out = await ecr.send(new DescribeImagesCommand({ repositoryName: "app", imageIds: [{ imageDigest: sig.digest }] }));
      expect(out.imageDetails?.[0]).to.deep.include({
        subjectManifestDigest: subject.digest,
        artifactMediaType: MediaTypes.cosignSignature,
        imageManifestMediaType: MediaTypes.ociManifest,
      });
    });

    it("lists archived images only when the imageStatus filter asks, and cannot pull them", async () => {
      const active = em.registry.putImage("app", { tags: ["a"] });
      const archived = em.registry.putImage("app", { tags: ["b"], status: "ARCHIVED" });
      const list = async (imageStatus?: "ARCHIVED" | "ANY") =>
        (await ecr.send(new DescribeImagesCommand({ repositoryName: "app", filter: imageStatus && { imageStatus } }))).imageDetails?.map((d) => [
          d.imageDigest,
          d.imageStatus,
        ]);
      expect(await list()).to.deep.equal([[active.digest, "ACTIVE"]]);
      expect(await list("ARCHIVED")).to.deep.equal([[archived.digest, "ARCHIVED"]]);
      expect(await list("ANY")).to.have.length(2);
      const listed = await ecr.send(new ListImagesCommand({ repositoryName: "app" }));
      expect(listed.imageIds).to.deep.equal([{ imageDigest: active.digest, imageTag: "a" }]);
      const pull = await ecr.send(new BatchGetImageCommand({ repositoryName: "app", imageIds: [{ imageTag: "b" }] }));
      expect(pull.failures?.map((f) => f.failureCode)).to.deep.equal(["ImageNotFound"]);
    });
  });

  describe("faults", () => {
    beforeEach(() => {
      em.registry.createRepository("app");
    });

    it("throttles beyond a token bucket with ThrottlingException, which the SDK classifies as throttling", async () => {
      em.throttle("ListImages", 0, 2);
      await ecr.send(new ListImagesCommand({ repositoryName: "app" }));
      await ecr.send(new ListImagesCommand({ repositoryName: "app" }));
      const err = await rejection(ecr.send(new ListImagesCommand({ repositoryName: "app" })));
      expect(err.name).to.equal("ThrottlingException");
      expect(err.$metadata?.httpStatusCode).to.equal(400);
      expect(em.calls.ListImages).to.equal(2);
      expect(em.faults.injectedCount("throttle", "ListImages")).to.equal(1);
      // Other operations have no limit.
      await ecr.send(new DescribeImagesCommand({ repositoryName: "app" }));
      em.throttle("ListImages", null);
      await ecr.send(new ListImagesCommand({ repositoryName: "app" }));
    });

    it("lets the SDK's retry strategy ride out injected throttles and server errors", async () => {
      const retrying = client({ maxAttempts: 3 });
      em.failNext("DescribeImages", 1, "throttle");
      em.failNext("DescribeImages", 1, "server-error");
      const out = await retrying.send(new DescribeImagesCommand({ repositoryName: "app" }));
      expect(out.$metadata.attempts).to.equal(3);
      expect(em.faults.injectedCount("throttle", "DescribeImages")).to.equal(1);
      expect(em.faults.injectedCount("server-error", "DescribeImages")).to.equal(1);
      expect(em.calls.DescribeImages).to.equal(1);
    });

    it("injects a ServerException with HTTP 500", async () => {
      em.failNext("*", 1, "server-error");
      const err = await rejection(ecr.send(new ListImagesCommand({ repositoryName: "app" })));
      expect(err.name).to.equal("ServerException");
      expect(err.$metadata?.httpStatusCode).to.equal(500);
      expect(err.$fault).to.equal("server");
      await ecr.send(new ListImagesCommand({ repositoryName: "app" }));
    });

    it("drops the connection without a response", async () => {
      em.failNext("BatchDeleteImage", 1, "drop-connection");
      const err = await rejection(ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageTag: "x" }] })));
      expect(err.code).to.equal("ECONNRESET");
      expect(em.faults.injectedCount("drop-connection")).to.equal(1);
      expect(em.calls.BatchDeleteImage).to.equal(undefined);
      await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageTag: "x" }] }));
      expect(em.calls.BatchDeleteImage).to.equal(1);
    });

    it("a hook that throws DropConnection resets only the calls it picks (one repository's), before acting", async () => {
      em.registry.createRepository("other");
      const [a] = seed("app", 1);
      const [b] = seed("other", 1);
      em.beforeOperation("BatchDeleteImage", ({ input }) => {
        if ((input as { repositoryName?: string }).repositoryName === "app") throw new DropConnection();
      });
      const retrying = client({ maxAttempts: 2 });
      const err = await rejection(retrying.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: a }] })));
      // The SDK names a reset TimeoutError so that it retries it: both attempts were reset.
      expect([err.name, err.code]).to.deep.equal(["TimeoutError", "ECONNRESET"]);
      await retrying.send(new BatchDeleteImageCommand({ repositoryName: "other", imageIds: [{ imageDigest: b }] }));
      expect(em.faults.log.map((r) => r.outcome)).to.deep.equal(["drop-connection", "drop-connection", "ok"]);
      expect(em.faults.injectedCount("drop-connection", "BatchDeleteImage")).to.equal(2);
      expect(em.registry.images("app").map((i) => i.digest)).to.deep.equal([a]);
      expect(em.registry.images("other")).to.deep.equal([]);
    });

    it("drops the connection after acting: the delete took effect, and the SDK's retry answers ImageNotFound", async () => {
      const [a, b] = seed("app", 2);
      const retrying = client({ maxAttempts: 2 });
      em.failNext("BatchDeleteImage", 1, "drop-after-acting");
      const out = await retrying.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: a }] }));
      // The answer the client reads is the retry's: the lost attempt had already deleted the image.
      expect(out.$metadata.attempts).to.equal(2);
      expect(out.imageIds).to.deep.equal([]);
      expect(out.failures).to.deep.equal([{ imageId: { imageDigest: a }, failureCode: "ImageNotFound", failureReason: "Requested image not found" }]);
      expect(em.registry.images("app").map((i) => i.digest)).to.deep.equal([b]);
      expect(em.faults.removals.map((r) => r.removed)).to.deep.equal([[a], []]);
      expect(em.faults.injectedCount("drop-after-acting", "BatchDeleteImage")).to.equal(1);
      expect(em.faults.log.map((r) => r.outcome)).to.deep.equal(["drop-after-acting", "ok"]);
      // Without a retry the caller sees only the network error.
      em.failNext("BatchDeleteImage", 1, "drop-after-acting");
      const err = await rejection(ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: b }] })));
      expect(err.code).to.equal("ECONNRESET");
      expect(em.registry.images("app")).to.deep.equal([]);
    });

    it("runs hooks before acting on a call whose answer is then lost", async () => {
      const [a] = seed("app", 1);
      em.beforeOperation("BatchDeleteImage", () => em.registry.tag("app", "rc", a), { once: true });
      em.failNext("BatchDeleteImage", 1, "drop-after-acting");
      await rejection(ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageTag: "rc" }] })));
      expect(em.registry.images("app")).to.deep.equal([]);
    });

    it("leaves chosen digests out of BatchDeleteImage's response, deleting them or leaving them in place", async () => {
      const [gone, stays, plain] = seed("app", 3);
      em.leaveUnanswered("app", [gone], { deletes: true });
      em.leaveUnanswered("app", [stays], { deletes: false });
      const ids = [gone, stays, plain].map((imageDigest) => ({ imageDigest }));
      const out = await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: ids }));
      // Neither confirmed nor refused: only `plain` is in the answer.
      expect(out.imageIds).to.deep.equal([{ imageDigest: plain }]);
      expect(out.failures).to.deep.equal([]);
      expect(em.registry.images("app").map((i) => i.digest)).to.deep.equal([stays]);
      expect(em.faults.removals).to.deep.equal([{ region: "us-east-1", repository: "app", requested: [gone, stays, plain], removed: [gone, plain] }]);
      // A refusal is left out too: the child of an index stays, and nothing says why.
      const child = em.registry.putImage("app", { pushedAt: NOW });
      em.registry.putImage("app", { pushedAt: NOW, children: [child.digest] });
      em.leaveUnanswered("app", [child.digest], { deletes: true });
      const refused = await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: child.digest }] }));
      expect([refused.imageIds, refused.failures]).to.deep.equal([[], []]);
      expect(em.registry.image("app", child.digest)).to.not.equal(undefined);
      em.reset();
      expect(em.faults.removals).to.deep.equal([]);
      const answered = await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: stays }] }));
      expect(answered.imageIds).to.deep.equal([{ imageDigest: stays }]);
    });

    it("fails chosen digests in BatchDeleteImage and deletes the others", async () => {
      const [a, b] = seed("app", 2);
      em.failDigests("app", [a], "KmsError", "KMS key unavailable");
      const out = await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: a }, { imageDigest: b }] }));
      expect(out.failures).to.deep.equal([{ imageId: { imageDigest: a }, failureCode: "KmsError", failureReason: "KMS key unavailable" }]);
      expect(out.imageIds).to.deep.equal([{ imageDigest: b }]);
      expect(em.registry.images("app").map((i) => i.digest)).to.deep.equal([a]);
    });

    it("runs hooks before an operation, e.g. to tag an image between plan and delete", async () => {
      const [a] = seed("app", 1);
      const seen: string[] = [];
      em.beforeOperation(
        "BatchDeleteImage",
        ({ operation, input }) => {
          seen.push(`${operation} ${JSON.stringify(input.imageIds)}`);
          em.registry.tag("app", "rc", a);
        },
        { once: true },
      );
      const planned = await ecr.send(new DescribeImagesCommand({ repositoryName: "app", filter: { tagStatus: "UNTAGGED" } }));
      expect(planned.imageDetails?.map((d) => d.imageDigest)).to.deep.equal([a]);
      const out = await ecr.send(new BatchDeleteImageCommand({ repositoryName: "app", imageIds: [{ imageDigest: a }] }));
      expect(seen).to.deep.equal([`BatchDeleteImage [{"imageDigest":"${a}"}]`]);
      expect(out.imageIds).to.deep.equal([{ imageDigest: a, imageTag: "rc" }]);
      await ecr.send(new ListImagesCommand({ repositoryName: "app" }));
      expect(seen).to.have.length(1);
    });

    it("counts calls, errors and injected failures, logs requests, and resets", async () => {
      em.setLatency(1);
      em.setLatency("ListImages", 2);
      await ecr.send(new ListImagesCommand({ repositoryName: "app" }));
      await rejection(ecr.send(new ListImagesCommand({ repositoryName: "missing" })));
      em.failNext("ListImages", 1, "throttle");
      await rejection(ecr.send(new ListImagesCommand({ repositoryName: "app" })));
      expect(em.calls).to.deep.equal({ ListImages: 1 });
      expect(em.faults.errors).to.deep.equal({ ListImages: 1 });
      expect(em.faults.log.map((r) => r.outcome)).to.deep.equal(["ok", "RepositoryNotFoundException", "throttle"]);
      em.beforeOperation("*", () => {
        throw new Error("hook should be cleared by reset");
      });
      em.throttle("*", 0);
      em.reset();
      await ecr.send(new ListImagesCommand({ repositoryName: "app" }));
      expect(em.calls).to.deep.equal({ ListImages: 1 });
      expect(em.faults.injectedCount("throttle")).to.equal(0);
    });
  });

  describe("protocol", () => {
    const post = (em: EcrEmulator, target: string, body: string) =>
      fetch(`${em.endpoint}/`, {
        method: "POST",
        headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target },
        body,
      });

    it("answers an unknown operation with UnknownOperationException", async () => {
      const res = await post(em, "AmazonEC2ContainerRegistry_V20150921.NoSuchThing", "{}");
      expect(res.status).to.equal(400);
      expect(res.headers.get("x-amzn-errortype")).to.equal("UnknownOperationException");
      expect(((await res.json()) as { __type: string }).__type).to.equal("UnknownOperationException");
    });

    it("answers a malformed body with SerializationException", async () => {
      const res = await post(em, "AmazonEC2ContainerRegistry_V20150921.ListImages", "{not json");
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { __type: string }).__type).to.equal("SerializationException");
    });

    it("keeps a registry per region, read from the request's credential scope", async () => {
      em.registry.createRepository("east");
      const west = client({ region: "eu-west-1" });
      await west.send(new CreateRepositoryCommand({ repositoryName: "west" }));
      const names = async (c: ECRClient) => (await c.send(new DescribeRepositoriesCommand({}))).repositories?.map((r) => r.repositoryUri);
      expect(await names(ecr)).to.deep.equal(["123456789012.dkr.ecr.us-east-1.amazonaws.com/east"]);
      expect(await names(west)).to.deep.equal(["123456789012.dkr.ecr.eu-west-1.amazonaws.com/west"]);
    });

    it("stops listening and closes kept-alive connections on stop()", async () => {
      const other = await startEcrEmulator();
      const c = clientFor(other);
      try {
        await c.send(new DescribeRepositoriesCommand({}));
        await other.stop();
        // Refused, or reset when the client reuses the socket the emulator closed before it noticed.
        const err = await rejection(c.send(new DescribeRepositoriesCommand({})));
        expect(["ECONNREFUSED", "ECONNRESET"]).to.include(err.code);
      } finally {
        c.destroy();
      }
    });
  });
});
