/**
 * What must stay, under what production does to a registry (CLI → real SDK → the project's emulator): tagged
 * members, holders that stay, listings that repeat or lack push times, archived holders, channels rolled back
 * mid-run, an unknown registry, lost and silent delete responses, and one repository's failure.
 */
import { expect } from "chai";
import type { EcrEmulator } from "./emulator/server";
import { emulatorPerTest } from "./support/emulator-per-test";
import { AwsError } from "./emulator/protocol";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { cosignTag, JsonLine } from "./support/report-lines";

const DAY = 86_400_000;
const NOW = "2026-01-01T00:00:00.000Z";
const at = (daysAgo: number, ms = 0) => new Date(Date.parse(NOW) - daysAgo * DAY - ms);


describe("never delete what must stay (hardening), end to end", () => {
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "app");

  const run = (policy: string, ...extra: string[]) => runCli(["--config", policy, "--now", NOW, "--output", "json", ...extra], awsEnv(emulator.endpoint));
  const survivors = (repo = "app") => emulator.registry.images(repo).map((i) => i.digest).sort();
  const lines = (stdout: string, repo = "app"): Map<string, JsonLine> =>
    new Map((JSON.parse(stdout).repositories.find((r: { repository: string }) => r.repository === repo).images as JsonLine[]).map((l) => [l.digest, l]));
  const push = (daysAgo: number, tags: string[] = [], repo = "app") => emulator.registry.putImage(repo, { tags, pushedAt: at(daysAgo) }).digest;

  /** An index pushed `daysAgo` with two platform children; `platformTags` go on the second child (docker tag app:v1 app:prod on one platform). */
  function multiArch(daysAgo: number, tags: string[], platformTags: string[] = []) {
    const amd = emulator.registry.putImage("app", { pushedAt: at(daysAgo, 2) }).digest;
    const arm = emulator.registry.putImage("app", { pushedAt: at(daysAgo, 1), tags: platformTags }).digest;
    const index = emulator.registry.putImage("app", { tags, pushedAt: at(daysAgo), children: [amd, arm] }).digest;
    return { index, amd, arm };
  }

  const anchorPolicy = (extra = "") =>
    writePolicyFile(`
- name: releases
  protected_period: 5d
  protected_count: 0
  significant_tags: [prod, dev]
${extra}`);
  const untaggedPolicy = writePolicyFile(`
- name: untagged
  protected_period: 7d
  protected_count: 2
  significant_tags: '*'
`);

  describe("tagged members are images in their own right", () => {
    it("anchor mode: prod on a platform manifest is the channel's position; its old index and siblings stay", async () => {
      const newest = push(1, ["dev"]);
      const old = multiArch(40, ["v1"], ["prod"]);
      const older = [push(50), push(51), push(52)];
      const result = await run(anchorPolicy(), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      const anchor = JSON.parse(result.stdout).repositories[0].modes[0].anchor;
      expect(anchor).to.include({ digest: old.arm });
      // Kept: everything newer than the anchor (the index, its other child) and the anchor; older ones are beyond the window.
      expect(survivors()).to.deep.equal([newest, old.index, old.amd, old.arm].sort());
      expect(survivors()).to.not.include.members(older);
    });

    it("untagged mode: a tagged platform manifest stays when its untagged index and sibling go", async () => {
      const recent = [push(1), push(2)];
      const old = multiArch(60, [], ["prod"]);
      const result = await run(untaggedPolicy, "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(survivors()).to.deep.equal([...recent, old.arm].sort());
      const report = lines(result.stdout);
      expect(report.get(old.index)).to.include({ outcome: "deleted" });
      expect(report.get(old.amd)).to.include({ reason: "member-of-deleted", outcome: "deleted" });
    });

    it("a tagged member goes only when its own decisions say delete and its index goes", async () => {
      push(1, ["dev"]);
      push(2, ["prod"]);
      const old = multiArch(60, [], ["v0-arm"]);
      const result = await run(anchorPolicy(), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      // prod is the anchor; the old unit is beyond the window: its tagged member's own decision deletes it too.
      expect(survivors()).to.not.include.members([old.index, old.amd, old.arm]);
      expect(lines(result.stdout).get(old.arm)).to.include({ reason: "beyond-window", outcome: "deleted" });
    });
  });

  describe("a member goes only while every image that holds it went in this run", () => {
    /** An old unit: an index, two children, and a cosign signature of the second child (depth 2). */
    function signedPlatform() {
      const unit = multiArch(60, []);
      const signature = emulator.registry.putImage("app", { tags: [cosignTag(unit.arm)], pushedAt: at(60) }).digest;
      return { ...unit, signature };
    }

    it("a platform manifest that gains a tag mid-run stays, and so does its signature", async () => {
      push(1, ["prod"]);
      const unit = signedPlatform();
      // After the first delete call (the index), the children's wave starts with its re-check: tag the child before it.
      let deletes = 0;
      emulator.beforeOperation("BatchDeleteImage", () => void deletes++);
      emulator.beforeOperation("DescribeImages", () => {
        if (deletes === 1) emulator.registry.tag("app", "hotfix", unit.arm);
      });
      const result = await run(anchorPolicy(), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(survivors()).to.include.members([unit.arm, unit.signature]);
      expect(survivors()).to.not.include.members([unit.index, unit.amd]);
      const report = lines(result.stdout);
      expect(report.get(unit.arm)).to.include({ action: "keep", reason: "changed-since-plan" });
      expect(report.get(unit.signature)).to.include({ action: "keep", reason: "member-of-kept" });
    });

    it("a platform manifest whose delete is refused stays, and so does its signature; exit 1", async () => {
      push(1, ["prod"]);
      const unit = signedPlatform();
      emulator.failDigests("app", [unit.arm], "KmsError", "The KMS key is disabled");
      const result = await run(anchorPolicy(), "--apply");
      expect(result.code).to.equal(1);
      expect(survivors()).to.include.members([unit.arm, unit.signature]);
      expect(lines(result.stdout).get(unit.signature)).to.include({ action: "keep", reason: "member-of-kept" });
    });

    it("a member whose holder is archived (or being restored) stays", async () => {
      const recent = [push(1), push(2)];
      const archivedUnit = multiArch(60, []);
      emulator.registry.archive("app", archivedUnit.index);
      const result = await run(untaggedPolicy, "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(survivors()).to.deep.equal([...recent, archivedUnit.index, archivedUnit.amd, archivedUnit.arm].sort());
      // Its manifest cannot be read (an archived image cannot be pulled): any image pushed before it may be its child.
      expect(lines(result.stdout).get(archivedUnit.amd)).to.include({ action: "keep", reason: "holder-unreadable" });
    });
  });

  describe("listings are taken as sets of images", () => {
    it("a digest listed twice (across pages) takes one place in the order and in protected_count", async () => {
      const digests = Array.from({ length: 1500 }, (_, i) => push(1 + i / 100));
      // Between the listing's two pages the newest image is pushed again: it lands at the end, on the second page.
      emulator.beforeOperation(
        "DescribeImages",
        (ctx) => {
          if (!ctx.input.nextToken) return;
          const image = emulator.registry.image("app", digests[0])!;
          emulator.registry.removeImage("app", image.digest);
          emulator.registry.putImage("app", { manifest: image.manifest, pushedAt: image.pushedAt, sizeBytes: image.sizeBytes });
        },
        { once: true },
      );
      const policy = writePolicyFile(`
- name: keep 1000
  protected_period: 0
  protected_count: 1000
  significant_tags: '*'
`);
      const result = await run(policy);
      expect(result.code, result.stderr).to.equal(0);
      const summary = JSON.parse(result.stdout).summary;
      // 1500 distinct images: 1000 kept by count, 500 to delete (a duplicate taking a place would make it 499).
      expect(summary).to.include({ imagesScanned: 1500, toDelete: 500 });
      expect([...lines(result.stdout).keys()].sort()).to.deep.equal(digests.slice(1000).sort());
    });

    it("an image without a push time is kept and reported as unknown-push-time", async () => {
      const recent = [push(1), push(2)];
      const undated = emulator.registry.putImage("app", { pushedAt: new Date(Number.NaN) }).digest;
      // A push time too far out for a JavaScript Date (year 3,170,000): the SDK gives an Invalid Date.
      const outOfRange = emulator.registry.putImage("app", { pushedAt: { getTime: () => 1e17 } as Date }).digest;
      const old = push(60);
      const result = await run(untaggedPolicy, "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(survivors()).to.deep.equal([...recent, undated, outOfRange].sort());
      expect(survivors()).to.not.include(old);
      const report = lines(result.stdout);
      for (const digest of [undated, outOfRange]) expect(report.get(digest)).to.include({ action: "keep", reason: "unknown-push-time" });
    });

    it("an undated image with a significant tag: nothing is deleted in that repository, it fails by name, the others are cleaned", async () => {
      push(1, ["dev"]);
      emulator.registry.putImage("app", { tags: ["prod"], pushedAt: new Date(Number.NaN) });
      const old = push(60);
      emulator.registry.createRepository("other");
      push(1, [], "other");
      push(2, [], "other");
      const otherOld = push(60, [], "other");
      const result = await run(anchorPolicy(), "--apply");
      expect(result.code).to.equal(1);
      expect(survivors()).to.include(old);
      expect(survivors("other")).to.not.include(otherOld);
      const report = JSON.parse(result.stdout);
      expect(report.errors.map((e: { repository: string; code: string }) => [e.repository, e.code])).to.deep.equal([["app", "unknown-push-time"]]);
      expect(lines(result.stdout).get(old)).to.include({ action: "keep", reason: "window-unknown" });
    });
  });

  describe("changes by others during the run", () => {
    it("a channel rolled back to an older image before a delete call: nothing more is deleted there; exit 0, and the report says why", async () => {
      push(1, ["dev"]);
      push(5, ["prod"]);
      const old = Array.from({ length: 250 }, (_, i) => push(20 + i / 10));
      // After the first delete call, someone moves prod back to an old image that the first plan deletes later.
      let deletes = 0;
      emulator.beforeOperation("BatchDeleteImage", () => {
        deletes++;
      });
      emulator.beforeOperation("DescribeImages", () => {
        if (deletes === 1 && !emulator.registry.image("app", "prod")?.tags.includes("rolled")) {
          emulator.registry.tag("app", "prod", old[200]);
          emulator.registry.tag("app", "rolled", old[200]);
        }
      });
      const result = await run(anchorPolicy(), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(emulator.calls.BatchDeleteImage).to.equal(1);
      const report = JSON.parse(result.stdout);
      const repo = report.repositories[0];
      expect(repo.notes).to.have.length(1);
      expect(repo.notes[0]).to.match(/^channel prod of policy "releases" now stands at .*older than .*nothing more is deleted/);
      expect(report.summary.deleted).to.equal(100);
      expect(survivors()).to.include.members(old.slice(101));
    });

    it("an image archived since the plan is not deleted", async () => {
      push(1, ["prod"]);
      const old = [push(40), push(41), push(42)];
      let describes = 0;
      emulator.beforeOperation("DescribeImages", () => {
        if (++describes === 2) emulator.registry.archive("app", old[2]);
      });
      const result = await run(anchorPolicy(), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(survivors()).to.include(old[2]);
      expect(lines(result.stdout).get(old[2])).to.include({ action: "keep", reason: "changed-since-plan" });
    });
  });

  describe("what happened is what is reported", () => {
    it("an ImageNotFound for an image the re-check found (the SDK's retry after a lost response) is reported as deleted", async () => {
      push(1, ["prod"]);
      const old = [push(40), push(41), push(42)];
      // The first attempt deletes and its answer is lost; the SDK's retry then finds nothing to delete.
      emulator.beforeOperation(
        "BatchDeleteImage",
        () => {
          for (const digest of old) emulator.registry.removeImage("app", digest);
        },
        { once: true },
      );
      const result = await run(anchorPolicy(), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      const report = JSON.parse(result.stdout);
      expect(report.summary).to.include({ deleted: 3, failures: 0 });
      expect(report.summary.keptBySafety).to.deep.equal({});
      for (const digest of old.slice(1)) expect(lines(result.stdout).get(digest)).to.include({ outcome: "deleted" });
    });

    it("a delete call that fails after the server acted is followed by describing the images again: gone ones are deleted", async () => {
      push(1, ["prod"]);
      const old = [push(40), push(41), push(42)];
      const kept = push(43);
      // The server deletes two of them, then every attempt fails: the client never hears.
      emulator.beforeOperation("BatchDeleteImage", () => {
        for (const digest of old.slice(0, 2)) emulator.registry.removeImage("app", digest);
        throw new AwsError("ServerException", "Injected failure after acting", 500);
      });
      const result = await run(anchorPolicy(), "--apply");
      expect(result.code).to.equal(1);
      const report = lines(result.stdout);
      for (const digest of old.slice(0, 2)) expect(report.get(digest)).to.include({ outcome: "deleted" });
      expect(report.get(old[2])).to.include({ outcome: "failed" });
      expect(survivors()).to.include.members([old[2], kept]);
      expect(JSON.parse(result.stdout).summary.deleted).to.equal(2);
    });
  });

  describe("a delete call that neither confirms nor refuses an image", () => {
    for (const deletes of [true, false]) {
      it(`is followed by describing it again: ${deletes ? "gone, so reported as deleted (exit 0)" : "still there, so reported as failed (exit 1)"}`, async () => {
        push(1, ["prod"]);
        const old = [push(40), push(41), push(42)];
        emulator.faults.leaveUnanswered("app", [old[1]], { deletes });
        const result = await run(anchorPolicy(), "--apply");
        expect(result.code, result.stderr).to.equal(deletes ? 0 : 1);
        const report = lines(result.stdout);
        expect(report.get(old[1])).to.include({ outcome: deletes ? "deleted" : "failed" });
        expect(JSON.parse(result.stdout).summary.deleted).to.equal(deletes ? 3 : 2);
        expect(survivors().includes(old[1])).to.equal(!deletes);
      });
    }
  });

  describe("fail closed", () => {
    it("when the registry's account and region cannot be determined, nothing is deleted (exit 1)", async () => {
      const old = push(60);
      (emulator.registry.repository("app") as { arn: string }).arn = "not-an-arn";
      const result = await run(untaggedPolicy, "--apply");
      expect(result.code).to.equal(1);
      expect(survivors()).to.include(old);
      const report = JSON.parse(result.stdout);
      expect(report.errors.map((e: { kind: string; code: string }) => [e.kind, e.code])).to.deep.equal([["in-use-unreadable", "RegistryUnknown"]]);
    });
  });

  describe("one repository's problem never ends the run", () => {
    it("an index whose manifest cannot be parsed fails its repository by name; the others are cleaned; the JSON report is printed", async () => {
      const broken = multiArch(60, []);
      (emulator.registry.repository("app")!.images.get(broken.index) as { manifest: string }).manifest = "{not json";
      emulator.registry.createRepository("other");
      push(1, [], "other");
      push(2, [], "other");
      const otherOld = push(60, [], "other");
      const result = await run(untaggedPolicy, "--apply");
      expect(result.code).to.equal(1);
      const report = JSON.parse(result.stdout);
      expect(report.errors.map((e: { repository: string }) => e.repository)).to.deep.equal(["app"]);
      expect(survivors()).to.include.members([broken.index, broken.amd, broken.arm]);
      expect(survivors("other")).to.not.include(otherOld);
      expect(report.summary.deleted).to.equal(1);
    });
  });
});
