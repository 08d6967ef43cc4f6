/**
 * Review of archive mode (helper review-archive): races between a unit's member calls and its holder's call, and
 * delete_after against images restored between the plan and the delete call. Emulator only (moto has no archive).
 */
import { expect } from "chai";
import type { EcrEmulator } from "./emulator/server";
import { BY_DIGEST_ANSWERS, emulatorPerTestAnswering } from "./support/emulator-per-test";
import { writePolicyFile } from "./support/cli";
import type { JsonLine } from "./support/report-lines";
import { at, linesByDigest, pushApp, pushAppUnit, runJson, statusInApp } from "./support/archive-app";


const policy = (action: "archive" | "delete") => `
- name: ${action}r
  protected_period: 7d
  protected_count: 2
  significant_tags: '*'
  action: ${action}
`;

for (const answer of BY_DIGEST_ANSWERS) {
  describe(`archive mode under review (DescribeImages by digest answering ${answer === "every-status" ? "every status" : "active images only"})`, () => {
    let emulator: EcrEmulator;
    emulatorPerTestAnswering(answer, (e) => (emulator = e), "app");

    const run = (file: string, ...extra: string[]) => runJson(emulator, file, ...extra);
    const push = (daysAgo: number, tags: string[] = []) => pushApp(emulator, daysAgo, tags);
    const statusOf = (digest: string) => statusInApp(emulator, digest);
    type Line = JsonLine & { outcome?: string };
    const lines = (stdout: string) => linesByDigest<Line>(stdout);

    const unit = (daysAgo: number) => pushAppUnit(emulator, daysAgo);

    it("an index tagged after its members were archived (a rollback onto it) stays pullable: its members are restored, and the run says so", async () => {
      push(1);
      push(2);
      const u = unit(40);
      // Someone tags the index while the cleaner archives its members (the first archive call of the run).
      emulator.beforeOperation("UpdateImageStorageClass", () => void emulator.registry.tag("app", "rollback", u.index), { once: true });
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(statusOf(u.index)).to.equal("ACTIVE");
      // A pull of the index needs its platform manifests: none may be left archived under an active index.
      for (const member of [u.amd, u.arm]) expect(statusOf(member), member).to.not.equal("ARCHIVED");
      expect(lines(result.stdout).get(u.index)).to.include({ action: "keep", reason: "changed-since-plan" });
      expect(result.code).to.equal(1);
      const errors = JSON.parse(result.stdout).errors as { kind: string; digest?: string; message: string }[];
      expect(errors.some((e) => e.message.includes(u.index) && /restor/.test(e.message)), JSON.stringify(errors)).to.equal(true);
    });

    it("delete_after: an expired archived image restored between the plan and the delete call is not deleted", async () => {
      push(1);
      push(2);
      const old = emulator.registry.putImage("app", { pushedAt: at(200), status: "ARCHIVED", lastArchivedAt: at(120) }).digest;
      // The plan lists the repository with DescribeImages; the restore lands before the re-check.
      emulator.beforeOperation("DescribeImages", (() => {
        let n = 0;
        return () => void (++n === 2 && emulator.registry.restore("app", old));
      })());
      const config = writePolicyFile(`policies:${policy("delete").replace(/^/gm, "  ")}\nsettings:\n  archive:\n    delete_after: 90d\n`);
      const result = await run(config, "--apply");
      expect(statusOf(old)).to.not.equal("GONE");
      expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
      expect(lines(result.stdout).get(old)).to.include({ action: "keep", reason: "changed-since-plan" });
    });

    it("an in-use source that cannot be read: nothing archived, and no expired archived image deleted (exit 1)", async () => {
      push(1);
      push(2);
      const old = push(40);
      const expired = emulator.registry.putImage("app", { pushedAt: at(200), status: "ARCHIVED", lastArchivedAt: at(120) }).digest;
      emulator.failNext("ListFunctions", 1000, "server-error");
      const config = writePolicyFile(`policies:${policy("archive").replace(/^/gm, "  ")}\nsettings:\n  archive:\n    delete_after: 90d\n`);
      const result = await run(config, "--apply");
      expect(result.code).to.equal(1);
      expect([statusOf(old), statusOf(expired)]).to.deep.equal(["ACTIVE", "ARCHIVED"]);
      expect(emulator.calls.UpdateImageStorageClass ?? 0).to.equal(0);
      expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
      expect(lines(result.stdout).get(expired)).to.include({ action: "keep", reason: "in-use-unknown" });
    });

    it("an active index that lists archived platform manifests (restored in part): kept, and the run warns that pulls of it fail", async () => {
      push(1);
      push(2);
      const amd = emulator.registry.putImage("app", { pushedAt: at(200), status: "ARCHIVED", lastArchivedAt: at(20) }).digest;
      const index = emulator.registry.putImage("app", { pushedAt: at(3), children: [amd], tags: ["v1"] }).digest;
      const result = await run(writePolicyFile(policy("archive")), "--apply");
      expect(result.code, result.stderr).to.equal(0);
      expect([statusOf(index), statusOf(amd)]).to.deep.equal(["ACTIVE", "ARCHIVED"]);
      expect(JSON.parse(result.stdout).warnings.join("\n")).to.include(`active index ${index} lists 1 archived image(s) (${amd})`);
    });
  });
}
