/**
 * Fields of ECR's answers that decide what is kept are checked before they are used. Each case rewrites one answer of
 * the emulator (syntactically valid JSON, the operation itself runs as usual) and asserts what a correct reading does:
 * nothing deleted (or archived) that a correct reading keeps, nothing reported that was not done. Each failed before
 * the checks (runtime/ecr/imageDetail.ts, answeredDeletes, updateStorageClass); the controls show what the same
 * registry loses when answered as it is.
 */
import { expect } from "chai";
import { ECRClient } from "@aws-sdk/client-ecr";
import type { SdkConfig } from "../runtime/inuse/targets";
import { validateConfig } from "../runtime/config/schema";
import { runCleanup } from "../runtime/engine/run";
import { updateStorageClass } from "../runtime/ecr/storageClass";
import { detailProblem, forgetImpossiblePushTimes } from "../runtime/ecr/imageDetail";
import { OddAnswers } from "./emulator/odd-answers";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { toolClients } from "./support/in-process";

const DAY = 86_400_000;
const NOW = new Date("2026-01-01T00:00:00.000Z");
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);
const NO_SOURCES = { in_use: { ecs: false, lambda: false, eks: false, app_runner: false, batch: false } };

type Json = Record<string, any>;

/** Answers `operation` with its real output changed by `edit` (a deep copy): the operation still runs as usual. */
class Rewrite extends OddAnswers {
  constructor(private readonly edit: (output: Json) => void) {
    super({ kind: "empty" });
  }

  override body(_list: string, output: unknown): string | undefined {
    const copy = JSON.parse(JSON.stringify(output)) as Json;
    this.edit(copy);
    this.served++;
    return JSON.stringify(copy);
  }
}

/** Every image detail of a DescribeImages answer. */
const details = (edit: (detail: Json) => void) => new Rewrite((out) => (out.imageDetails ?? []).forEach(edit));


async function withEmulator<T>(body: (emulator: EcrEmulator, ecr: ECRClient, sdkConfig: SdkConfig) => Promise<T>): Promise<T> {
  const emulator = await startEcrEmulator();
  const clients = toolClients(emulator.endpoint);
  try {
    return await body(emulator, clients.ecr, clients.sdkConfig);
  } finally {
    clients.ecr.destroy();
    await emulator.stop();
  }
}

/** One apply run of `policies` over the seeded emulator: the digests really removed, and the report. */
async function run(emulator: EcrEmulator, ecr: ECRClient, sdkConfig: SdkConfig, policies: object[]) {
  const config = validateConfig({ policies, settings: NO_SOURCES }, "test");
  const report = await runCleanup({ config, now: NOW, apply: true, ecr, sdkConfig });
  return { removed: emulator.faults.removals.flatMap((r) => r.removed).sort(), report, errors: JSON.stringify([report.errors, report.repositories.map((r) => r.errors)]) };
}

/**
 * Anchor mode with channels prod and dev: prod 100 days ago, eight images between, dev 1 day ago. A correct run keeps
 * everything from prod on and deletes only images older than prod (two of them: protected_count keeps the first).
 */
function seedChannels(emulator: EcrEmulator) {
  const r = emulator.registry;
  r.createRepository("app");
  const old = [0, 1, 2].map((i) => r.putImage("app", { pushedAt: daysAgo(200 + i) }).digest);
  const prod = r.putImage("app", { tags: ["prod"], pushedAt: daysAgo(100) }).digest;
  const between = [90, 80, 70, 60, 50, 40, 30, 20].map((age) => r.putImage("app", { tags: [`v${age}`], pushedAt: daysAgo(age) }).digest);
  const dev = r.putImage("app", { tags: ["dev"], pushedAt: daysAgo(1) }).digest;
  return { old, prod, between, dev };
}
const CHANNELS = [{ name: "releases", repositories: ["app"], protected_period: 7, protected_count: 1, significant_tags: ["prod", "dev"] }];

/** Untagged mode, newest kept by count: a signed release (subject + signature), and a newer release. */
function seedSigned(emulator: EcrEmulator) {
  const r = emulator.registry;
  r.createRepository("app");
  const subject = r.putImage("app", { tags: ["v1"], pushedAt: daysAgo(10) }).digest;
  const signature = r.putImage("app", { subjectDigest: subject, pushedAt: daysAgo(10) }).digest;
  const newer = r.putImage("app", { tags: ["v2"], pushedAt: daysAgo(1) }).digest;
  return { subject, signature, newer };
}
const UNTAGGED = [{ name: "untagged", repositories: ["app"], protected_period: 0, protected_count: 1, significant_tags: "*" }];

describe("ECR answers whose fields cannot be trusted", function () {
  this.timeout(120_000);

  describe("detailProblem: an image's description, field by field", () => {
    const D = `sha256:${"0".repeat(63)}1`;
    const cases: [string, Json, string | undefined][] = [
      ["as ECR gives it", { imageDigest: D, repositoryName: "app", imageTags: ["v1"], imageStatus: "ACTIVE" }, undefined],
      ["no tags, no status, no repository", { imageDigest: D }, undefined],
      ["a sha512 digest", { imageDigest: `sha512:${"a".repeat(128)}` }, undefined],
      ["no digest", {}, "an image whose imageDigest is missing, not sha256: and 64 lowercase hexadecimal digits"],
      ["a digest in capitals", { imageDigest: D.toUpperCase() }, `an image whose imageDigest is "${D.toUpperCase()}", not sha256: and 64 lowercase hexadecimal digits`],
      ["a short digest", { imageDigest: "sha256:abc" }, 'an image whose imageDigest is "sha256:abc", not sha256: and 64 lowercase hexadecimal digits'],
      ["another repository", { imageDigest: D, repositoryName: "web" }, `${D} described as in repository "web"`],
      ["tags as a string", { imageDigest: D, imageTags: "prod" }, `${D} with imageTags "prod", not a list of tags`],
      ["an empty tag", { imageDigest: D, imageTags: ["v1", ""] }, `${D} with imageTags ["v1",""], not a list of tags`],
      ["a tag that is a number", { imageDigest: D, imageTags: [7] }, `${D} with imageTags [7], not a list of tags`],
      ["a status in lower case", { imageDigest: D, imageStatus: "archived" }, `${D} with imageStatus "archived", not one of ACTIVE, ARCHIVED, ACTIVATING`],
      ["a subject that is not a digest", { imageDigest: D, subjectManifestDigest: "latest" }, `${D} with subjectManifestDigest "latest", not a digest`],
    ];
    for (const [what, detail, expected] of cases) it(`${what}: ${expected ?? "used"}`, () => expect(detailProblem(detail, "app")).to.equal(expected));

    const clock = NOW.getTime();
    const after = (now: number, ...pushes: number[]) => {
      const images = pushes.map((pushedAt) => ({ digest: D, tags: [], sizeBytes: 0, pushedAt }));
      forgetImpossiblePushTimes(images, now, clock);
      return images.map((image) => image.pushedAt);
    };
    it("a push time up to a day past the later of the clock and now is used; later, it is unknown", () => {
      expect(after(clock, clock - DAY, clock + DAY, clock + DAY + 1, clock * 1000)).to.deep.equal([clock - DAY, clock + DAY, undefined, undefined]);
      expect(after(clock - 30 * DAY, clock + DAY, clock + DAY + 1)).to.deep.equal([clock + DAY, undefined]);
      expect(after(clock + 365 * DAY, clock + 300 * DAY, clock + 367 * DAY)).to.deep.equal([clock + 300 * DAY, undefined]);
    });
  });

  it("control: the channel repository, answered as is, deletes only two of the three images older than prod (count keeps one)", () =>
    withEmulator(async (emulator, ecr, sdk) => {
      const seeded = seedChannels(emulator);
      const out = await run(emulator, ecr, sdk, CHANNELS);
      expect(out.removed).to.deep.equal(seeded.old.slice(1).sort());
    }));

  it("listing: imagePushedAt 10 years ahead on the prod channel image is an unknown push time: its window has no start, nothing in the repository is deleted", () =>
    withEmulator(async (emulator, ecr, sdk) => {
      const seeded = seedChannels(emulator);
      // 10 years ahead (e.g. a clock or unit error upstream): an impossible push time.
      emulator.faults.oddAnswers("ecr/DescribeImages", details((d) => {
        if (d.imageDigest === seeded.prod) d.imagePushedAt = NOW.getTime() / 1000 + 3650 * 86_400;
      }));
      const out = await run(emulator, ecr, sdk, CHANNELS);
      expect(out.removed.filter((d) => seeded.between.includes(d)), "images newer than prod deleted").to.deep.equal([]);
      expect(out.removed).to.deep.equal([]);
      expect(out.errors).to.include("unknown-push-time");
    }));

  it("listing: imagePushedAt in milliseconds instead of seconds (every item): every push time is unknown, nothing is deleted", () =>
    withEmulator(async (emulator, ecr, sdk) => {
      const r = emulator.registry;
      r.createRepository("app");
      const prod = r.putImage("app", { tags: ["prod"], pushedAt: daysAgo(10) }).digest;
      // Within 7 days before prod: protected_period keeps them.
      const inPeriod = [11, 12, 13, 14].map((age) => r.putImage("app", { pushedAt: daysAgo(age) }).digest);
      emulator.faults.oddAnswers("ecr/DescribeImages", details((d) => void (d.imagePushedAt = d.imagePushedAt * 1000)));
      const out = await run(emulator, ecr, sdk, [{ name: "releases", repositories: ["app"], protected_period: 7, protected_count: 1, significant_tags: ["prod"] }]);
      expect(prod).to.be.a("string");
      expect(out.removed.filter((d) => inPeriod.includes(d)), "images within protected_period of prod deleted").to.deep.equal([]);
      expect(out.removed).to.deep.equal([]);
      expect(out.errors).to.include("unknown-push-time");
    }));

  it("control: the signed release, answered as is, deletes nothing", () =>
    withEmulator(async (emulator, ecr, sdk) => {
      seedSigned(emulator);
      const out = await run(emulator, ecr, sdk, UNTAGGED);
      expect(out.removed).to.deep.equal([]);
    }));

  /**
   * Fields that fail the repository: the title, the registry, how the answer changes the images it names, and the
   * error. Before the checks, the first two hid the prod channel (the images after it were deleted), the next two
   * broke a kept subject's unit (its signature looked top-level and was deleted), the last deleted a tagged image.
   */
  const failsClosed: [string, "channels" | "signed", (d: Json, seeded: Record<string, unknown>) => void, string][] = [
    ["an unknown imageStatus ('active', lower case)", "channels", (d, s) => void (d.imageDigest === s.prod && (d.imageStatus = "active")), 'with imageStatus \\"active\\", not one of ACTIVE, ARCHIVED, ACTIVATING'],
    ["imageTags as a string ('prod') instead of a list", "channels", (d, s) => void (d.imageDigest === s.prod && (d.imageTags = "prod")), 'with imageTags \\"prod\\", not a list of tags'],
    ["an item without imageDigest", "signed", (d, s) => void (d.imageDigest === s.subject && delete d.imageDigest), "an image whose imageDigest is missing"],
    ["an imageDigest in capitals", "signed", (d, s) => void (d.imageDigest === s.subject && (d.imageDigest = `sha256:${d.imageDigest.slice(7).toUpperCase()}`)), "not sha256: and 64 lowercase hexadecimal digits"],
    // The answer of repository `other`, where the same v1 image is untagged: a proxy cache keyed without the repository.
    ["an answer whose repositoryName is another repository's", "signed", (d, s) => {
      d.repositoryName = "other";
      if (d.imageDigest === s.subject) d.imageTags = [];
    }, 'described as in repository \\"other\\"'],
  ];
  for (const [what, registry, edit, error] of failsClosed) {
    it(`listing: ${what} fails the repository: nothing deleted, the field named`, () =>
      withEmulator(async (emulator, ecr, sdk) => {
        const seeded: Record<string, unknown> = registry === "channels" ? seedChannels(emulator) : seedSigned(emulator);
        emulator.faults.oddAnswers("ecr/DescribeImages", details((d) => edit(d, seeded)));
        const out = await run(emulator, ecr, sdk, registry === "channels" ? CHANNELS : UNTAGGED);
        expect(out.removed).to.deep.equal([]);
        expect(out.errors).to.include("ECR DescribeImages of repository app: the answer describes").and.include(error);
      }));
  }

  describe("BatchDeleteImage", () => {
    /** Untagged mode: an old untagged subject and its signature, both planned for deletion; a newer image kept. */
    function seedExpiredSigned(emulator: EcrEmulator) {
      const r = emulator.registry;
      r.createRepository("app");
      const subject = r.putImage("app", { pushedAt: daysAgo(10) }).digest;
      const signature = r.putImage("app", { subjectDigest: subject, pushedAt: daysAgo(10) }).digest;
      r.putImage("app", { tags: ["v2"], pushedAt: daysAgo(1) });
      return { subject, signature };
    }

    it("control: both go, subject first", () =>
      withEmulator(async (emulator, ecr, sdk) => {
        const seeded = seedExpiredSigned(emulator);
        const out = await run(emulator, ecr, sdk, UNTAGGED);
        expect(out.removed).to.deep.equal([seeded.subject, seeded.signature].sort());
      }));

    it("the same digest answered as deleted and as failed is described again: the subject is still there, so it is reported failed and its signature stays", () =>
      withEmulator(async (emulator, ecr, sdk) => {
        const seeded = seedExpiredSigned(emulator);
        emulator.faults.failDigests("app", [seeded.subject], "ImageReferencedByManifestList", "injected");
        emulator.faults.oddAnswers("ecr/BatchDeleteImage", new Rewrite((out) => {
          if ((out.failures ?? []).some((f: Json) => f.imageId?.imageDigest === seeded.subject)) out.imageIds.push({ imageDigest: seeded.subject });
        }));
        const out = await run(emulator, ecr, sdk, UNTAGGED);
        const line = out.report.repositories[0].images?.find((i) => i.digest === seeded.subject);
        expect(emulator.registry.image("app", seeded.subject), "subject still there").to.not.equal(undefined);
        expect(line?.outcome, "reported outcome of the subject, which is still there").to.not.equal("deleted");
        expect(out.removed, "the remaining subject's signature deleted").to.not.include(seeded.signature);
        expect(out.report.repositories[0].images?.find((i) => i.digest === seeded.subject)?.outcome).to.equal("failed");
      }));

    it("an ImageNotFound failure for an image that is still there is described again: reported failed, its signature stays", () =>
      withEmulator(async (emulator, ecr, sdk) => {
        const seeded = seedExpiredSigned(emulator);
        emulator.faults.failDigests("app", [seeded.subject], "ImageNotFound", "injected");
        const out = await run(emulator, ecr, sdk, UNTAGGED);
        expect(emulator.registry.image("app", seeded.subject), "subject still there").to.not.equal(undefined);
        expect(out.removed, "the remaining subject's signature deleted").to.not.include(seeded.signature);
        expect(out.report.repositories[0].images?.find((i) => i.digest === seeded.subject)?.outcome).to.equal("failed");
      }));
  });

  describe("UpdateImageStorageClass", () => {
    it("an answer about another image (imageId) saying ARCHIVED is an untrusted answer (callers describe the image again)", async () => {
      const asked = `sha256:${"a".repeat(64)}`;
      const other = `sha256:${"b".repeat(64)}`;
      const client = { send: async () => ({ repositoryName: "app", imageId: { imageDigest: other }, imageStatus: "ARCHIVED" }) } as unknown as ECRClient;
      let status: string;
      try {
        status = await updateStorageClass(client, "app", asked, "ARCHIVE");
      } catch (err) {
        status = `error: ${(err as Error).message}`;
      }
      expect(status).to.equal(`error: ECR UpdateImageStorageClass of ${asked} in repository app: the answer's imageId.imageDigest is ${other}, not ${asked} as asked: an answer about another resource cannot be used`);
    });
  });
});
