/**
 * Archive reads under both answers of DescribeImages by digest (ECR does not document whether it returns archived and
 * activating images): an image left out of such an answer counts as gone only once a listing of every status confirms
 * it. Each test runs against the emulator answering both ways (registry.byDigestAnswer). Emulator only (moto has no archive).
 */
import { expect } from "chai";
import type { EcrEmulator } from "./emulator/server";
import { BY_DIGEST_ANSWERS, emulatorPerTestAnswering } from "./support/emulator-per-test";
import { writePolicyFile } from "./support/cli";
import type { JsonLine } from "./support/report-lines";
import { at, linesByDigest, pushApp, pushAppUnit, runJson, statusInApp } from "./support/archive-app";

type Line = JsonLine & { outcome?: string; failure?: { code: string } };
type ErrorLine = { kind: string; digest?: string; code: string; message: string };

const policy = (action: "archive" | "delete", count = 2) => `
- name: ${action}r
  protected_period: 7d
  protected_count: ${count}
  significant_tags: '*'
  action: ${action}
`;
const withDeleteAfter = (yaml: string) => `policies:${yaml.replace(/^/gm, "  ")}\nsettings:\n  archive:\n    delete_after: 90d\n`;

for (const answer of BY_DIGEST_ANSWERS) {
  describe(`archive reads, DescribeImages by digest answering ${answer === "every-status" ? "every status" : "active images only"}`, () => {
    let emulator: EcrEmulator;
    emulatorPerTestAnswering(answer, (e) => (emulator = e), "app");

    const run = (file: string, ...extra: string[]) => runJson(emulator, file, ...extra);
    const statusOf = (digest: string) => statusInApp(emulator, digest);
    const lines = (stdout: string) => linesByDigest<Line>(stdout);
    const errors = (stdout: string) => JSON.parse(stdout).errors as ErrorLine[];
    const expiredArchived = () => emulator.registry.putImage("app", { pushedAt: at(200), status: "ARCHIVED", lastArchivedAt: at(120) }).digest;

    it("a delete call that neither confirms nor refuses an expired archived image it left in place: failed, not reported deleted", async () => {
      pushApp(emulator, 1);
      pushApp(emulator, 2);
      const expired = expiredArchived();
      emulator.leaveUnanswered("app", [expired], { deletes: false });
      const result = await run(writePolicyFile(withDeleteAfter(policy("delete"))), "--apply");
      expect(result.code).to.equal(1);
      expect(statusOf(expired)).to.equal("ARCHIVED");
      expect(lines(result.stdout).get(expired)).to.include({ outcome: "failed" });
      expect(errors(result.stdout).find((e) => e.digest === expired)).to.include({ kind: "delete-failed", code: "DeleteUnconfirmed" });
      expect(JSON.parse(result.stdout).summary).to.include({ deleted: 0 });
    });

    it("a delete call that deleted an expired archived image and left it out of its answer: reported deleted", async () => {
      pushApp(emulator, 1);
      pushApp(emulator, 2);
      const expired = expiredArchived();
      emulator.leaveUnanswered("app", [expired], { deletes: true });
      const result = await run(writePolicyFile(withDeleteAfter(policy("delete"))), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(expired)).to.equal("GONE");
      expect(lines(result.stdout).get(expired)).to.include({ outcome: "deleted", reason: "archived-expired" });
    });

    it("an archive call whose answer was lost, and whose retry ECR refused: counted archived, exit 0", async () => {
      pushApp(emulator, 1);
      pushApp(emulator, 2);
      const old = pushApp(emulator, 30);
      emulator.failNext("UpdateImageStorageClass", 1, "drop-after-acting");
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(old)).to.equal("ARCHIVED");
      expect(lines(result.stdout).get(old)).to.include({ outcome: "archived" });
      expect(JSON.parse(result.stdout).summary).to.include({ archived: 1 });
    });

    it("the expiry re-check of a repository large enough to be described by digest deletes the expired archived image", async function () {
      this.timeout(120_000);
      // 2,101 images and none tagged: describing the candidates and listing the tagged images (2 calls) is cheaper
      // than listing the whole repository again (3 pages), so the re-check describes by digest.
      for (let i = 0; i < 2_100; i++) emulator.registry.putImage("app", { pushedAt: at(1, i) });
      const expired = expiredArchived();
      const result = await run(writePolicyFile(withDeleteAfter(policy("delete", 3_000))), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(expired)).to.equal("GONE");
      expect(lines(result.stdout).get(expired)).to.include({ outcome: "deleted", reason: "archived-expired" });
      const described = emulator.faults.log.filter((r) => r.operation === "DescribeImages" && r.input.imageIds !== undefined);
      expect(described.length).to.be.greaterThan(0);
    });

    it("a member restored under a holder that changed, the restore's answer lost: said restored, not failed", async () => {
      emulator.registry.activationDelayMs = 3_600_000;
      pushApp(emulator, 1);
      pushApp(emulator, 2);
      const u = pushAppUnit(emulator, 40);
      let archives = 0;
      emulator.beforeOperation("UpdateImageStorageClass", ({ input }) => {
        if (input.targetStorageClass !== "ARCHIVE") return;
        // Someone tags the index while the cleaner archives its members; the first restore's answer is lost.
        if (++archives === 1) emulator.registry.tag("app", "rollback", u.index);
        if (archives === 3) emulator.failNext("UpdateImageStorageClass", 1, "drop-after-acting");
      });
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(statusOf(u.index)).to.equal("ACTIVE");
      for (const member of [u.amd, u.arm, u.signature]) expect(statusOf(member), member).to.equal("ACTIVATING");
      const restored = errors(result.stdout).filter((e) => e.code === "HolderChanged").map((e) => e.digest);
      expect(restored.sort()).to.deep.equal([u.amd, u.arm, u.signature].sort());
      expect(errors(result.stdout).filter((e) => e.message.includes("restoring") && e.message.includes("failed"))).to.deep.equal([]);
      // Not counted as archived: the archive was undone.
      for (const member of [u.amd, u.arm, u.signature]) {
        expect(lines(result.stdout).get(member), member).to.deep.include({ outcome: "failed", failure: { code: "HolderChanged", reason: `restored: ${u.index} changed` } });
      }
      expect(JSON.parse(result.stdout).summary.archived).to.equal(0);
    });
  });
}
