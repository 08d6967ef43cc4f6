/**
 * Archive mode end to end (CLI → real SDK → the project's emulator): policies with `action: archive`, units archived
 * whole (members first), mixed policies, restored images, delete_after, in-use archived images, every failure code
 * of UpdateImageStorageClass, throttling, and runs cut off between calls.
 *
 * moto has no UpdateImageStorageClass, no imageStatus and no lastArchivedAt/lastActivatedAt: every test here would
 * belong in the moto suite too, and runs on the emulator (built from the API reference) only.
 */
import { expect } from "chai";
import type { EcrEmulator } from "./emulator/server";
import { AwsError } from "./emulator/protocol";
import { emulatorPerTest } from "./support/emulator-per-test";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import type { JsonLine } from "./support/report-lines";
import { at, DAY, linesByDigest, NOW, pushApp, pushAppUnit, runJson, statusInApp } from "./support/archive-app";


/** Untagged mode: keeps the 2 newest and untagged images younger than 7 days; votes out the other untagged ones. */
const policy = (action: "archive" | "delete", name = action === "archive" ? "archiver" : "deleter", extra = "") => `
- name: ${name}
  protected_period: 7d
  protected_count: 2
  significant_tags: '*'
  action: ${action}
${extra}`;

describe("archive mode, end to end", () => {
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "app");

  const run = (file: string, ...extra: string[]) => runJson(emulator, file, ...extra);
  const push = (daysAgo: number, tags: string[] = []) => pushApp(emulator, daysAgo, tags);
  const statusOf = (digest: string) => statusInApp(emulator, digest);
  const statuses = (digests: string[]) => digests.map(statusOf);
  type Line = JsonLine & { outcome?: string; failure?: { code: string }; policies: { policy: string }[] };
  const lines = (stdout: string) => linesByDigest<Line>(stdout);
  const archiveCalls = () => emulator.faults.log.filter((r) => r.operation === "UpdateImageStorageClass" && r.outcome === "ok").map((r) => (r.input.imageId as { imageDigest: string }).imageDigest);

  /** Two kept (the newest) and three voted out. */
  function repository() {
    const kept = [push(1), push(2)];
    const old = [push(30), push(31), push(32)];
    return { kept, old };
  }

  it("dry run shows ARCHIVE and changes nothing; --apply archives; a second run archives nothing more", async () => {
    const { kept, old } = repository();
    const file = writePolicyFile(policy("archive"));

    const dry = await run(file);
    expect(dry.code, dry.stderr).to.equal(0);
    const planned = lines(dry.stdout);
    for (const digest of old) expect(planned.get(digest)).to.include({ action: "archive", reason: "untagged-expired" });
    expect(JSON.parse(dry.stdout).summary).to.include({ toArchive: 3, archived: 0, toDelete: 0, bytesToArchive: 3 * 10 * 1024 * 1024 });
    expect(statuses([...kept, ...old])).to.deep.equal(["ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE"]);
    expect(emulator.calls.UpdateImageStorageClass ?? 0).to.equal(0);
    const table = await runCli(["--config", file, "--now", NOW], awsEnv(emulator.endpoint));
    expect(table.stdout).to.match(/ARCHIVE\s+untagged-expired/);
    expect(table.stdout).to.include("to archive:       3, 30.0 MiB out of standard storage");

    const applied = await run(file, "--apply");
    expect(applied.code, applied.stderr).to.equal(0);
    expect(statuses([...kept, ...old])).to.deep.equal(["ACTIVE", "ACTIVE", "ARCHIVED", "ARCHIVED", "ARCHIVED"]);
    for (const digest of old) expect(lines(applied.stdout).get(digest)).to.include({ action: "archive", outcome: "archived" });
    expect(JSON.parse(applied.stdout).summary).to.include({ toArchive: 3, archived: 3, bytesArchived: 3 * 10 * 1024 * 1024, deleted: 0 });
    expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
    expect(emulator.registry.images("app")).to.have.length(5);

    const again = await run(file, "--apply");
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.parse(again.stdout).summary).to.include({ toArchive: 0, archived: 0, toDelete: 0 });
    expect(emulator.calls.UpdateImageStorageClass).to.equal(3);
  });

  describe("units are archived whole, members first", () => {
    const unit = (daysAgo: number) => pushAppUnit(emulator, daysAgo);

    for (const order of ["any", "children-first"] as const) {
      it(`an index, its platform manifests and its signature (ECR accepting ${order === "any" ? "either order" : "members first only"})`, async () => {
        emulator.registry.archiveOrder = order;
        repository();
        const u = unit(40);
        const result = await run(writePolicyFile(policy("archive")), "--apply");
        expect(result.code, result.stderr).to.equal(0);
        expect(statuses([u.index, u.amd, u.arm, u.signature])).to.deep.equal(["ARCHIVED", "ARCHIVED", "ARCHIVED", "ARCHIVED"]);
        const calls = archiveCalls();
        // Every member before the index that holds it.
        for (const member of [u.amd, u.arm, u.signature]) expect(calls.indexOf(member)).to.be.lessThan(calls.indexOf(u.index));
        expect(lines(result.stdout).get(u.amd)).to.include({ action: "archive", reason: "member-of-archived", outcome: "archived", unitOf: u.index });
      });
    }

    it("an ECR that wants the index first refuses its members: reported, the index stays active and readable, nothing deleted", async () => {
      emulator.registry.archiveOrder = "index-first";
      const { old } = repository();
      const u = unit(40);
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code).to.equal(1);
      expect(statuses([u.index, u.amd, u.arm])).to.deep.equal(["ACTIVE", "ACTIVE", "ACTIVE"]);
      // A referrer is not listed by the index: ECR's index-first rule does not apply to it.
      expect(statusOf(u.signature)).to.equal("ARCHIVED");
      expect(statuses(old)).to.deep.equal(["ARCHIVED", "ARCHIVED", "ARCHIVED"]);
      const report = lines(result.stdout);
      expect(report.get(u.amd)).to.include({ outcome: "failed" });
      expect(report.get(u.amd)!.failure).to.include({ code: "ImageStorageClassUpdateNotSupportedException" });
      expect(report.get(u.index)).to.include({ action: "keep", reason: "member-not-archived" });
      const errors = JSON.parse(result.stdout).errors as { kind: string; digest: string }[];
      expect(errors.filter((e) => e.kind === "archive-failed").map((e) => e.digest).sort()).to.deep.equal([u.amd, u.arm].sort());
      expect(emulator.registry.images("app")).to.have.length(3 + 2 + 4);
    });

    it("a member shared with a kept index stays active; the archived index's other member goes", async () => {
      const shared = emulator.registry.putImage("app", { pushedAt: at(41) }).digest;
      const own = emulator.registry.putImage("app", { pushedAt: at(41, 1) }).digest;
      const old = emulator.registry.putImage("app", { pushedAt: at(40), children: [shared, own] }).digest;
      const keptIndex = emulator.registry.putImage("app", { pushedAt: at(1), children: [shared] }).digest;
      push(2);
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statuses([old, own, shared, keptIndex])).to.deep.equal(["ARCHIVED", "ARCHIVED", "ACTIVE", "ACTIVE"]);
    });

    it("a unit with a member being restored is left alone, and a unit restored lately is kept (restored)", async () => {
      repository();
      const activating = unit(40);
      emulator.registry.archive("app", activating.amd);
      emulator.registry.activationDelayMs = 3_600_000;
      emulator.registry.startRestore(emulator.registry.repository("app")!.images.get(activating.amd)!);
      const restored = unit(50);
      emulator.registry.restore("app", restored.index, new Date(Date.parse(NOW) - 10 * DAY));
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statuses([activating.index, activating.arm, activating.signature])).to.deep.equal(["ACTIVE", "ACTIVE", "ACTIVE"]);
      expect(statuses([restored.index, restored.amd, restored.arm, restored.signature])).to.deep.equal(["ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE"]);
      expect(lines(result.stdout).get(activating.index)).to.include({ action: "keep", reason: "unit-activating" });
      expect(lines(result.stdout).get(restored.index)).to.include({ action: "keep", reason: "restored" });
    });
  });

  describe("restored images", () => {
    it("kept for keep_restored_for (default 30 days) by lastActivatedAt, archived again after it", async () => {
      repository();
      const lately = push(60);
      const long = push(61);
      emulator.registry.restore("app", lately, at(29));
      emulator.registry.restore("app", long, at(31));
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statuses([lately, long])).to.deep.equal(["ACTIVE", "ARCHIVED"]);
      expect(lines(result.stdout).get(lately)).to.include({ action: "keep", reason: "restored", keptBySafety: true });
    });

    it("settings.archive.keep_restored_for changes the window", async () => {
      repository();
      const restored = push(60);
      emulator.registry.restore("app", restored, at(29));
      const file = writePolicyFile(`policies:${policy("archive").replace(/^/gm, "  ")}\nsettings:\n  archive:\n    keep_restored_for: 7d\n`);
      const result = await run(file, "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(restored)).to.equal("ARCHIVED");
    });
  });

  describe("mixed policies", () => {
    const both = (extraDeleter = "") => writePolicyFile(`${policy("archive", "archiver", "  repositories: [app]")}${policy("delete", "deleter", `  repositories: [app]\n${extraDeleter}`)}`);

    it("voted out by an archive policy and a delete policy: archived, never deleted", async () => {
      const { kept, old } = repository();
      const result = await run(both(), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statuses([...kept, ...old])).to.deep.equal(["ACTIVE", "ACTIVE", "ARCHIVED", "ARCHIVED", "ARCHIVED"]);
      expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
      expect(lines(result.stdout).get(old[0])!.policies.map((p: { policy: string }) => p.policy)).to.deep.equal(["archiver", "deleter"]);
    });

    it("kept by one policy: neither archived nor deleted; voted out only by the delete policy: deleted", async () => {
      const keptByArchiver = push(3); // the archiver's period (7d) keeps it; the deleter's (2d) does not
      const deletedOnly = push(8); // beyond both windows, but the archiver keeps 4 by count and the deleter 2
      push(1);
      push(1.5);
      const file = writePolicyFile(`
- name: archiver
  protected_period: 7d
  protected_count: 2
  significant_tags: '*'
  action: archive
  repositories: [nothing-else]
- name: deleter
  protected_period: 2d
  protected_count: 2
  significant_tags: '*'
  repositories: [app]
- name: archiver-here
  protected_period: 7d
  protected_count: 3
  significant_tags: '*'
  action: archive
  repositories: [app]
`);
      const result = await run(file, "--apply");
      expect(result.code, result.stderr).to.equal(1); // nothing-else does not exist
      expect(statusOf(keptByArchiver)).to.equal("ACTIVE");
      // archiver-here keeps the 3 newest (count): deletedOnly (4th) is voted out by both: archived.
      expect(statusOf(deletedOnly)).to.equal("ARCHIVED");
    });

    it("a delete-only repository next to an archive one: deletes there, archives here", async () => {
      emulator.registry.createRepository("other");
      const { old } = repository();
      const others = [30, 31, 1, 2].map((d) => emulator.registry.putImage("other", { pushedAt: at(d) }).digest);
      const file = writePolicyFile(`${policy("archive", "archiver", "  repositories: [app]")}${policy("delete", "deleter", "  repositories: [other]")}`);
      const result = await run(file, "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statuses(old)).to.deep.equal(["ARCHIVED", "ARCHIVED", "ARCHIVED"]);
      expect(others.map((d) => emulator.registry.image("other", d)?.status ?? "GONE")).to.deep.equal(["GONE", "GONE", "ACTIVE", "ACTIVE"]);
    });
  });

  describe("settings.archive.delete_after", () => {
    const withDeleteAfter = (days: string, action: "archive" | "delete" = "archive") =>
      writePolicyFile(`policies:${policy(action).replace(/^/gm, "  ")}\nsettings:\n  archive:\n    delete_after: ${days}\n`);
    const archived = (pushedDaysAgo: number, archivedDaysAgo: number, tags: string[] = []) =>
      emulator.registry.putImage("app", { pushedAt: at(pushedDaysAgo), tags, status: "ARCHIVED", lastArchivedAt: at(archivedDaysAgo) }).digest;

    it("is at least 90d: 89d is a configuration error and nothing is touched", async () => {
      repository();
      const result = await run(withDeleteAfter("89d"), "--apply");
      expect(result.code).to.equal(2);
      expect(result.stderr).to.include("delete_after").and.include("at least 90d");
      expect(emulator.calls.UpdateImageStorageClass ?? 0).to.equal(0);
    });

    it("archived 91 days ago: deleted (archived-expired); 89 days ago: stays archived", async () => {
      repository();
      const expired = archived(200, 91, ["v1"]);
      const young = archived(200, 89);
      const result = await run(withDeleteAfter("90d"), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(expired)).to.equal("GONE");
      expect(statusOf(young)).to.equal("ARCHIVED");
      expect(lines(result.stdout).get(expired)).to.include({ action: "delete", reason: "archived-expired", outcome: "deleted" });
      const summary = JSON.parse(result.stdout).summary;
      expect(summary).to.include({ deleted: 1, archiveExpired: 1, archived: 3 });
      // It was in archive storage already: deleting it frees no standard storage.
      expect(summary.bytesFreed).to.equal(0);
    });

    it("archived exactly 90 days ago is not older than 90d: it stays; a millisecond more and it goes", async () => {
      repository();
      const exactly = emulator.registry.putImage("app", { pushedAt: at(200), status: "ARCHIVED", lastArchivedAt: at(90) }).digest;
      const older = emulator.registry.putImage("app", { pushedAt: at(200), status: "ARCHIVED", lastArchivedAt: at(90, 1) }).digest;
      const result = await run(withDeleteAfter("90d"), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(exactly)).to.equal("ARCHIVED");
      expect(statusOf(older)).to.equal("GONE");
    });

    it("applies to every archived image of a governed repository, under a delete policy too; never outside them", async () => {
      emulator.registry.createRepository("ungoverned");
      const here = archived(200, 100);
      const there = emulator.registry.putImage("ungoverned", { pushedAt: at(200), status: "ARCHIVED", lastArchivedAt: at(100) }).digest;
      const file = writePolicyFile(`policies:${policy("delete", "deleter", "  repositories: [app]").replace(/^/gm, "  ")}\nsettings:\n  archive:\n    delete_after: 90d\n`);
      const result = await run(file, "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(here)).to.equal("GONE");
      expect(emulator.registry.image("ungoverned", there)?.status).to.equal("ARCHIVED");
    });

    it("not while a workload names the image: kept and reported (it cannot pull it)", async () => {
      const inUse = archived(200, 100, ["v1"]);
      emulator.ecs.createCluster("prod");
      const task = emulator.ecs.registerTaskDefinition("web", [{ name: "web", image: `${emulator.registry.repository("app")!.uri}@${inUse}` }]);
      emulator.ecs.runTask("prod", { taskDefinitionArn: task });
      const result = await run(withDeleteAfter("90d"), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(inUse)).to.equal("ARCHIVED");
      expect(lines(result.stdout).get(inUse)).to.include({ action: "keep", keptBySafety: true });
      expect(lines(result.stdout).get(inUse)!.reason).to.match(/^in-use:/);
      expect(JSON.parse(result.stdout).warnings.join("\n")).to.include(`archived image ${inUse} is named by a workload`);
    });

    it("an expired archived image that an unreadable archived index may hold waits until the index expires too", async () => {
      const child = archived(100, 95);
      const index = emulator.registry.putImage("app", { pushedAt: at(99), children: [child] }).digest;
      emulator.registry.archive("app", index, at(60));
      const first = await run(withDeleteAfter("90d"), "--apply");
      expect(first.code, first.stderr).to.equal(0);
      expect(statuses([child, index])).to.deep.equal(["ARCHIVED", "ARCHIVED"]);
      expect(lines(first.stdout).get(child)).to.include({ action: "keep", reason: "holder-unreadable" });

      emulator.registry.archive("app", index, at(92));
      const second = await run(withDeleteAfter("90d"), "--apply");
      expect(second.code, second.stderr).to.equal(0);
      expect(statuses([child, index])).to.deep.equal(["GONE", "GONE"]);
      const deletes = emulator.faults.log.filter((r) => r.operation === "BatchDeleteImage" && r.outcome === "ok").map((r) => (r.input.imageIds as { imageDigest: string }[]).map((id) => id.imageDigest));
      expect(deletes).to.deep.equal([[index], [child]]);
    });
  });

  describe("an archived index whose manifest cannot be read", () => {
    function archivedIndex(daysAgo: number) {
      const child = push(daysAgo + 1);
      const index = emulator.registry.putImage("app", { pushedAt: at(daysAgo), children: [child] }).digest;
      emulator.registry.archive("app", index, at(daysAgo - 1));
      return { child, index };
    }

    it("a delete policy keeps every active image pushed no later than it (holder-unreadable)", async () => {
      const { child } = archivedIndex(20);
      const older = push(30);
      const newer = push(10);
      push(1);
      push(2);
      const result = await run(writePolicyFile(policy("delete")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statuses([child, older, newer])).to.deep.equal(["ACTIVE", "ACTIVE", "GONE"]);
      expect(lines(result.stdout).get(child)).to.include({ action: "keep", reason: "holder-unreadable" });
    });

    it("an archive policy keeps them too: a member of an archived holder is left alone", async () => {
      const { child } = archivedIndex(20);
      const older = push(30);
      const newer = push(10);
      push(1);
      push(2);
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statuses([child, older, newer])).to.deep.equal(["ACTIVE", "ACTIVE", "ARCHIVED"]);
      expect(lines(result.stdout).get(child)).to.include({ action: "keep", reason: "holder-unreadable" });
    });
  });

  it("max_deletions counts archives and expiries", async () => {
    const { kept, old } = repository();
    emulator.registry.putImage("app", { pushedAt: at(200), status: "ARCHIVED", lastArchivedAt: at(100) });
    const file = writePolicyFile(`policies:${policy("archive", "archiver", "  max_deletions: 3").replace(/^/gm, "  ")}\nsettings:\n  archive:\n    delete_after: 90d\n`);
    const result = await run(file, "--apply");
    expect(result.code).to.equal(1);
    expect(JSON.parse(result.stdout).repositories[0].capExceeded).to.deep.equal({ cap: 3, planned: 4 });
    expect(statuses([...kept, ...old])).to.deep.equal(["ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE"]);
    expect(emulator.registry.images("app")).to.have.length(6);
  });

  describe("what ECR answers", () => {
    for (const code of ["ImageStorageClassUpdateNotSupportedException", "InvalidParameterException", "ValidationException", "ServerException", "RepositoryNotFoundException"]) {
      it(`${code} for one image: that image is reported failed (exit 1), the others archived`, async () => {
        const { old } = repository();
        emulator.beforeOperation("UpdateImageStorageClass", ({ input }) => {
          if ((input.imageId as { imageDigest: string }).imageDigest === old[1]) throw new AwsError(code, `injected ${code}`);
        });
        const result = await run(writePolicyFile(policy("archive")), "--apply");
        expect(result.code).to.equal(1);
        expect(statuses(old)).to.deep.equal(["ARCHIVED", "ACTIVE", "ARCHIVED"]);
        const line = lines(result.stdout).get(old[1])!;
        expect(line).to.include({ outcome: "failed" });
        expect(line.failure).to.include({ code });
        const error = (JSON.parse(result.stdout).errors as { kind: string; digest: string; code: string }[]).find((e) => e.digest === old[1]);
        expect(error).to.include({ kind: "archive-failed", code });
      });
    }

    it("ImageNotFoundException (deleted by someone since the re-check): not archived, not a failure", async () => {
      const { old } = repository();
      emulator.beforeOperation("UpdateImageStorageClass", ({ input }) => {
        const digest = (input.imageId as { imageDigest: string }).imageDigest;
        if (digest === old[0]) emulator.registry.removeImage("app", digest);
      });
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(lines(result.stdout).get(old[0])).to.include({ action: "keep", reason: "changed-since-plan" });
      expect(statuses(old.slice(1))).to.deep.equal(["ARCHIVED", "ARCHIVED"]);
    });

    it("an answer lost after ECR archived: the SDK's retry is refused as not supported, and the image counts as archived", async () => {
      const { old } = repository();
      emulator.failNext("UpdateImageStorageClass", 1, "drop-after-acting");
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statuses(old)).to.deep.equal(["ARCHIVED", "ARCHIVED", "ARCHIVED"]);
      expect([...lines(result.stdout).values()].filter((l) => l.outcome === "archived")).to.have.length(3);
    });

    it("an image tagged between plan and call is not archived (re-checked before each call)", async () => {
      const { old } = repository();
      // The first DescribeImages lists the repository for the plan; the second is the re-check before the calls.
      let describes = 0;
      emulator.beforeOperation("DescribeImages", () => void (++describes === 2 && emulator.registry.tag("app", "hotfix", old[2])));
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(old[2])).to.equal("ACTIVE");
      expect(lines(result.stdout).get(old[2])).to.include({ action: "keep", reason: "changed-since-plan" });
    });

    it("a throttling storm: every image archived, once, within the SDK's adaptive retry", async () => {
      const old = Array.from({ length: 40 }, (_, i) => push(30 + i));
      push(1);
      push(2);
      emulator.throttle("UpdateImageStorageClass", 40, 5);
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statuses(old).every((s) => s === "ARCHIVED")).to.equal(true);
      expect(emulator.calls.UpdateImageStorageClass).to.equal(40);
      expect(emulator.faults.injectedCount("throttle", "UpdateImageStorageClass")).to.be.greaterThan(0);
    });

    it("a run killed between archive calls: the next run finishes the unit, members before the index", async () => {
      const amd = emulator.registry.putImage("app", { pushedAt: at(40, 2) }).digest;
      const arm = emulator.registry.putImage("app", { pushedAt: at(40, 1) }).digest;
      const index = emulator.registry.putImage("app", { pushedAt: at(40), children: [amd, arm] }).digest;
      push(1);
      push(2);
      let calls = 0;
      let kill: (() => void) | undefined;
      emulator.beforeOperation("UpdateImageStorageClass", async () => {
        if (++calls === 2) {
          kill?.();
          await new Promise(() => undefined); // never answers: the process is gone
        }
      });
      const file = writePolicyFile(policy("archive"));
      const killed = await runCli(["--config", file, "--now", NOW, "--output", "json", "--apply"], awsEnv(emulator.endpoint), (child) => (kill = () => child.kill("SIGKILL")));
      expect(killed.signal).to.equal("SIGKILL");
      emulator.clearHooks();
      // The index is active and readable; one member may be archived already.
      expect(statusOf(index)).to.equal("ACTIVE");
      const again = await run(file, "--apply");
      expect(again.code, again.stderr).to.equal(0);
      expect(statuses([index, amd, arm])).to.deep.equal(["ARCHIVED", "ARCHIVED", "ARCHIVED"]);
    });
  });
});
