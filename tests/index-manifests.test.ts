/**
 * An index's children are read from its manifest only when the manifest is the one its digest names (ECR's digest is
 * the sha256 of the manifest's bytes): a manifest labelled with another index's digest would hand that index's
 * platform images to the wrong unit, and a kept index's platform images would then be deleted with an old one.
 * `childrenOf` cases give the manifest and exactly what is read from it; the run swaps two indexes' manifests in
 * BatchGetImage's answer and checks that nothing is deleted, against a control run that deletes the old unit.
 */
import { createHash } from "node:crypto";
import { expect } from "chai";
import { childrenOf } from "../runtime/ecr/manifests";
import type { EcrEmulator } from "./emulator/server";
import { MediaTypes, makeIndexManifest, sha256Digest } from "./emulator/manifests";
import { OddAnswers } from "./emulator/odd-answers";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { emulatorPerTest } from "./support/emulator-per-test";

const DAY = 86_400_000;
const NOW = "2026-01-01T00:00:00.000Z";
const at = (daysAgo: number) => new Date(Date.parse(NOW) - daysAgo * DAY);

const A = sha256Digest("platform a");
const B = sha256Digest("platform b");
const descriptor = (digest: string) => ({ digest, mediaType: MediaTypes.dockerManifest, size: 528 });
const INDEX = makeIndexManifest(MediaTypes.ociIndex, [descriptor(A), descriptor(B)]);
const OTHER = makeIndexManifest(MediaTypes.ociIndex, [descriptor(B)]);
const sha512 = (text: string) => `sha512:${createHash("sha512").update(text, "utf8").digest("hex")}`;

/** What childrenOf reads: the children, or the error as `code: message`. */
function read(digest: string, manifest: string): string[] | string {
  try {
    return childrenOf(digest, manifest);
  } catch (err) {
    return `${(err as { code: string }).code}: ${(err as Error).message}`;
  }
}

describe("index manifests are used only when they are the ones asked for", function () {
  this.timeout(120_000);

  describe("childrenOf", () => {
    const cases: [string, string, string, string[] | string][] = [
      ["its own manifest", sha256Digest(INDEX), INDEX, [A, B]],
      ["its own manifest, the digest in capitals", sha256Digest(INDEX).toUpperCase().replace("SHA256", "sha256"), INDEX, [A, B]],
      ["its own manifest, a sha512 digest", sha512(INDEX), INDEX, [A, B]],
      ["another index's manifest", sha256Digest(INDEX), OTHER, `ManifestDigestMismatch: BatchGetImage answered ${sha256Digest(INDEX)} with a manifest whose digest is ${sha256Digest(OTHER)}: it is another image's, so its children are unknown`],
      ["its manifest with a newline added", sha256Digest(INDEX), `${INDEX}\n`, `ManifestDigestMismatch: BatchGetImage answered ${sha256Digest(INDEX)} with a manifest whose digest is ${sha256Digest(`${INDEX}\n`)}: it is another image's, so its children are unknown`],
      ["a digest of an algorithm it cannot compute", `md5:${"0".repeat(32)}`, INDEX, "ManifestDigestUnverifiable: cannot verify the manifest of md5:00000000000000000000000000000000: its digest's algorithm is not one of sha256, sha512"],
      ["a manifest that is not JSON", sha256Digest("{oops"), "{oops", `ManifestUnreadable: the manifest of ${sha256Digest("{oops")} is not JSON`],
      ["an index of nothing", sha256Digest('{"manifests":[]}'), '{"manifests":[]}', []],
      ['no "manifests"', sha256Digest('{"schemaVersion":2}'), '{"schemaVersion":2}', `ManifestUnreadable: the manifest of ${sha256Digest('{"schemaVersion":2}')} has no "manifests" list`],
      ['"manifests" not a list', sha256Digest('{"manifests":{}}'), '{"manifests":{}}', `ManifestUnreadable: the manifest of ${sha256Digest('{"manifests":{}}')} has no "manifests" list`],
      ["an entry without a digest", sha256Digest('{"manifests":[{"size":1}]}'), '{"manifests":[{"size":1}]}', `ManifestUnreadable: the manifest of ${sha256Digest('{"manifests":[{"size":1}]}')} lists an entry (0) without a digest`],
      ["an entry whose digest is a number", sha256Digest('{"manifests":[{"digest":7}]}'), '{"manifests":[{"digest":7}]}', `ManifestUnreadable: the manifest of ${sha256Digest('{"manifests":[{"digest":7}]}')} lists an entry (0) without a digest`],
      ["a null entry", sha256Digest('{"manifests":[null]}'), '{"manifests":[null]}', `ManifestUnreadable: the manifest of ${sha256Digest('{"manifests":[null]}')} lists an entry (0) without a digest`],
      ["null", sha256Digest("null"), "null", `ManifestUnreadable: the manifest of ${sha256Digest("null")} is not a JSON object`],
      ["a list", sha256Digest("[]"), "[]", `ManifestUnreadable: the manifest of ${sha256Digest("[]")} is not a JSON object`],
    ];
    for (const [what, digest, manifest, expected] of cases) {
      it(`${what}: ${typeof expected === "string" ? expected.split(":")[0] : `${expected.length} children`}`, () => expect(read(digest, manifest)).to.deep.equal(expected));
    }
  });

  describe("a run whose BatchGetImage answer swaps two indexes' manifests", () => {
    let emulator: EcrEmulator;
    emulatorPerTest((e) => (emulator = e), "app");

    const policy = writePolicyFile(`
- name: releases
  protected_period: 0
  protected_count: 0
  significant_tags: [prod]
  repositories: [app]
`);
    const run = (...extra: string[]) => runCli(["--config", policy, "--now", NOW, "--output", "json", "--apply", ...extra], awsEnv(emulator.endpoint));
    const survivors = () => emulator.registry.images("app").map((i) => i.digest).sort();

    /** An old index and the current `prod` one, two platform images each. */
    function seed() {
      const unit = (daysAgo: number, tags: string[]) => {
        const children = [0, 1].map(() => emulator.registry.putImage("app", { pushedAt: at(daysAgo) }).digest);
        return [emulator.registry.putImage("app", { tags, pushedAt: at(daysAgo), children }).digest, ...children];
      };
      return { old: unit(30, ["v1"]), current: unit(10, ["prod"]) };
    }

    it("control: with the answer as ECR gives it, the old unit goes whole and the current one stays", async () => {
      const { old, current } = seed();
      const out = await run();
      expect(out.code, out.stderr).to.equal(0);
      expect(survivors()).to.deep.equal(current.sort());
      expect(old).to.have.length(3);
    });

    it("swapped: nothing is deleted, exit 1, and the repository's error names the mismatch", async () => {
      const { old, current } = seed();
      emulator.faults.oddAnswers("ecr/BatchGetImage", new OddAnswers({ swapped: true }));
      const out = await run();
      expect(out.code, out.stderr).to.equal(1);
      expect(survivors()).to.deep.equal([...old, ...current].sort());
      const repository = JSON.parse(out.stdout).repositories[0];
      expect(repository.errors.map((e: { code: string }) => e.code)).to.deep.equal(["ManifestDigestMismatch"]);
      expect(out.stderr).to.match(/app: ManifestDigestMismatch: cannot read the repository's images: BatchGetImage answered sha256:[0-9a-f]{64} with a manifest whose digest is sha256:[0-9a-f]{64}: it is another image's/);
    });
  });
});
