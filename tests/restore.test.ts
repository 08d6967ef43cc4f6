/**
 * `ecr-cleanup restore` end to end (CLI → real SDK → the emulator): by digest, by tag, from a report, units whole,
 * --wait with ACTIVATING that turns ACTIVE after a delay, and a scheduled run afterwards that keeps what was restored.
 * moto has no UpdateImageStorageClass or image statuses: these tests run on the emulator only.
 */
import { expect } from "chai";
import type { EcrEmulator } from "./emulator/server";
import { AwsError } from "./emulator/protocol";
import { BY_DIGEST_ANSWERS, emulatorPerTestAnswering } from "./support/emulator-per-test";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { cosignTag } from "./support/report-lines";

const DAY = 86_400_000;

for (const answer of BY_DIGEST_ANSWERS) {
  describe(`ecr-cleanup restore (DescribeImages by digest answering ${answer === "every-status" ? "every status" : "active images only"})`, () => {
    let emulator: EcrEmulator;
    emulatorPerTestAnswering(answer, (e) => (emulator = e), "app");

    const restore = (...args: string[]) => runCli(["restore", ...args], awsEnv(emulator.endpoint));
    const statusOf = (digest: string) => emulator.registry.image("app", digest)?.status ?? "GONE";
    const archived = (daysAgo: number, tags: string[] = []) =>
      emulator.registry.putImage("app", { tags, pushedAt: new Date(Date.now() - daysAgo * DAY), status: "ARCHIVED", lastArchivedAt: new Date(Date.now() - DAY) }).digest;

    it("by digest: the image is ACTIVATING at once, ACTIVE after the restore's delay; without --wait it does not wait", async () => {
      emulator.registry.activationDelayMs = 60 * 60_000;
      const image = archived(40);
      const other = archived(41);
      const result = await restore("--repository", "app", "--digest", image, "--output", "json");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(image)).to.equal("ACTIVATING");
      expect(statusOf(other)).to.equal("ARCHIVED");
      expect(JSON.parse(result.stdout).images).to.deep.equal([{ repository: "app", digest: image, tags: [], asked: true, outcome: "restoring" }]);
      expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
    });

    it("by tag, with --wait: waits for ACTIVE", async () => {
      emulator.registry.activationDelayMs = 1_500;
      const image = archived(40, ["v1.2"]);
      const started = Date.now();
      const result = await restore("--repository", "app", "--tag", "v1.2", "--wait", "--timeout", "20s", "--output", "json");
      expect(result.code, result.stderr).to.equal(0);
      expect(Date.now() - started).to.be.at.least(1_500);
      expect(statusOf(image)).to.equal("ACTIVE");
      expect(JSON.parse(result.stdout).images[0]).to.include({ digest: image, outcome: "restored" });
    });

    it("--timeout at the limit (24d) waits for ACTIVE; past it (Node's timers fire at once past 24.8 days) a usage error naming the limit, nothing restored", async () => {
      emulator.registry.activationDelayMs = 1_500;
      // The first status check finds it ACTIVATING; the next one (15 s later) ACTIVE.
      const waited = archived(40);
      const result = await restore("--repository", "app", "--digest", waited, "--wait", "--timeout", "24d", "--output", "json");
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout).images[0]).to.include({ digest: waited, outcome: "restored" });
      const untouched = archived(41);
      for (const timeout of ["25d", "577h", `${24 * 86_400 + 1}s`, "4w"]) {
        const result = await restore("--repository", "app", "--digest", untouched, "--wait", "--timeout", timeout);
        expect(result.code, `${timeout}: ${result.stderr}`).to.equal(2);
        expect(result.stderr.split("\n")[0]).to.equal(`ecr-cleanup restore: --timeout can be at most 24d (restores take minutes), not ${timeout}`);
      }
      expect(statusOf(untouched)).to.equal("ARCHIVED");
      expect(emulator.calls.UpdateImageStorageClass).to.equal(1);
    });

    it("--wait past --timeout: exit 1, the image still ACTIVATING", async () => {
      emulator.registry.activationDelayMs = 60 * 60_000;
      const image = archived(40);
      const result = await restore("--repository", "app", "--digest", image, "--wait", "--timeout", "2s");
      expect(result.code).to.equal(1);
      expect(result.stderr).to.include("--timeout reached");
      expect(statusOf(image)).to.equal("ACTIVATING");
    });

    it("--wait with a status check that never answers: --timeout is kept (the check is abandoned then, not at its request deadline): exit 1, timed-out", async function () {
      this.timeout(60_000);
      emulator.registry.activationDelayMs = 60 * 60_000;
      const image = archived(40);
      let describes = 0;
      let stalled = 0;
      emulator.beforeOperation("DescribeImages", async () => {
        // The listing answers; every status check of the wait gets no answer at all.
        if (++describes === 1) return;
        stalled++;
        await new Promise(() => undefined);
      });
      const started = Date.now();
      // One attempt a call: without the abandon, the check ends at its 15 s request deadline instead.
      const result = await runCli(["restore", "--repository", "app", "--digest", image, "--wait", "--timeout", "2s", "--output", "json"], { ...awsEnv(emulator.endpoint), AWS_MAX_ATTEMPTS: "1" });
      const took = Date.now() - started;
      expect(result.code, result.stderr).to.equal(1);
      expect(JSON.parse(result.stdout).images).to.deep.equal([{ repository: "app", digest: image, tags: [], asked: true, outcome: "timed-out" }]);
      expect(result.stderr).to.include("--timeout reached");
      expect(stalled, "status checks sent").to.equal(1);
      expect(took, "ended well before the 15 s request deadline").to.be.below(12_000);
    });

    it("a unit whole: an archived index, once ACTIVE, has its platform manifests and signature restored too (--wait)", async () => {
      emulator.registry.activationDelayMs = 1_000;
      const amd = emulator.registry.putImage("app", { pushedAt: new Date(Date.now() - 40 * DAY - 2) }).digest;
      const arm = emulator.registry.putImage("app", { pushedAt: new Date(Date.now() - 40 * DAY - 1) }).digest;
      const index = emulator.registry.putImage("app", { pushedAt: new Date(Date.now() - 40 * DAY), children: [amd, arm], tags: ["v1"] }).digest;
      const signature = emulator.registry.putImage("app", { tags: [cosignTag(index)] }).digest;
      for (const d of [amd, arm, index, signature]) emulator.registry.archive("app", d);
      const result = await restore("--repository", "app", "--tag", "v1", "--wait", "--timeout", "30s", "--output", "json");
      expect(result.code, result.stderr).to.equal(0);
      expect([index, amd, arm, signature].map(statusOf)).to.deep.equal(["ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE"]);
    });

    it("a unit whole without --wait: the signature at once, the platform manifests once the index is readable (said on stderr)", async () => {
      emulator.registry.activationDelayMs = 60 * 60_000;
      const amd = emulator.registry.putImage("app", {}).digest;
      const index = emulator.registry.putImage("app", { children: [amd], tags: ["v1"] }).digest;
      const signature = emulator.registry.putImage("app", { tags: [cosignTag(index)] }).digest;
      for (const d of [amd, index, signature]) emulator.registry.archive("app", d);
      const result = await restore("--repository", "app", "--digest", index);
      expect(result.code, result.stderr).to.equal(0);
      expect([index, signature, amd].map(statusOf)).to.deep.equal(["ACTIVATING", "ACTIVATING", "ARCHIVED"]);
      expect(result.stderr).to.include("its platform manifests are known once it is ACTIVE");
    });

    it("from the JSON report of an --apply run: every image it archived; one deleted since is listed and skipped", async () => {
      emulator.registry.activationDelayMs = 60 * 60_000;
      const images = [40, 41, 42].map((d) => emulator.registry.putImage("app", { pushedAt: new Date(Date.now() - d * DAY) }).digest);
      emulator.registry.putImage("app", {});
      emulator.registry.putImage("app", {});
      const policy = writePolicyFile("- name: a\n  protected_period: 7d\n  protected_count: 2\n  significant_tags: '*'\n  action: archive\n");
      const applied = await runCli(["--config", policy, "--apply", "--output", "json"], awsEnv(emulator.endpoint));
      expect(applied.code, applied.stderr).to.equal(0);
      expect(images.map(statusOf)).to.deep.equal(["ARCHIVED", "ARCHIVED", "ARCHIVED"]);
      emulator.registry.removeImage("app", images[2]);
      const file = writePolicyFile(applied.stdout, "report.json");
      const result = await restore("--from-report", file, "--output", "json");
      expect(result.code, result.stderr).to.equal(0);
      expect(images.slice(0, 2).map(statusOf)).to.deep.equal(["ACTIVATING", "ACTIVATING"]);
      const lines = JSON.parse(result.stdout).images as { digest: string; outcome: string }[];
      expect(lines.find((l) => l.digest === images[2])).to.include({ outcome: "not-found" });
    });

    it("restored, then a scheduled run: kept (restored), not archived again", async () => {
      emulator.registry.activationDelayMs = 0;
      const old = emulator.registry.putImage("app", { pushedAt: new Date(Date.now() - 40 * DAY), status: "ARCHIVED", lastArchivedAt: new Date(Date.now() - 10 * DAY) }).digest;
      emulator.registry.putImage("app", {});
      emulator.registry.putImage("app", {});
      const result = await restore("--repository", "app", "--digest", old, "--wait", "--timeout", "10s");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(old)).to.equal("ACTIVE");
      const policy = writePolicyFile("- name: a\n  protected_period: 7d\n  protected_count: 2\n  significant_tags: '*'\n  action: archive\n");
      const run = await runCli(["--config", policy, "--apply", "--output", "json"], awsEnv(emulator.endpoint));
      expect(run.code, run.stderr).to.equal(0);
      expect(statusOf(old)).to.equal("ACTIVE");
      const line = JSON.parse(run.stdout).repositories[0].images.find((l: { digest: string }) => l.digest === old);
      expect(line).to.include({ action: "keep", reason: "restored" });
    });

    it("a digest that is not there, or a refused restore: exit 1 and said; usage errors: exit 2, nothing done", async () => {
      const image = archived(40);
      const missing = await restore("--repository", "app", "--digest", `sha256:${"0".repeat(64)}`);
      expect(missing.code).to.equal(1);
      emulator.beforeOperation("UpdateImageStorageClass", () => {
        throw new AwsError("ImageStorageClassUpdateNotSupportedException", "injected");
      });
      const refused = await restore("--repository", "app", "--digest", image);
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.include("ImageStorageClassUpdateNotSupportedException");
      for (const args of [[], ["--repository", "app"], ["--repository", "app", "--digest", image, "--tag", "x"], ["--repository", "app", "--digest", "nope"], ["--repository", "app", "--digest", image, "--timeout", "5m"]]) {
        const usage = await restore(...args);
        expect(usage.code, args.join(" ")).to.equal(2);
      }
      const notApply = writePolicyFile(JSON.stringify({ apply: false, repositories: [] }), "dry.json");
      expect((await restore("--from-report", notApply)).code).to.equal(2);
      expect(statusOf(image)).to.equal("ARCHIVED");
    });
    it("a restore whose answer was lost (the retry refused: the image is activating): restoring, exit 0", async () => {
      emulator.registry.activationDelayMs = 60 * 60_000;
      const image = archived(40);
      emulator.failNext("UpdateImageStorageClass", 1, "drop-after-acting");
      const result = await restore("--repository", "app", "--digest", image, "--output", "json");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(image)).to.equal("ACTIVATING");
      expect(JSON.parse(result.stdout).images).to.deep.equal([{ repository: "app", digest: image, tags: [], asked: true, outcome: "restoring" }]);
    });

    it("a restore whose answer was lost, with --wait: waits for ACTIVE", async () => {
      emulator.registry.activationDelayMs = 1_000;
      const image = archived(40);
      emulator.failNext("UpdateImageStorageClass", 1, "drop-after-acting");
      const result = await restore("--repository", "app", "--digest", image, "--wait", "--timeout", "20s", "--output", "json");
      expect(result.code, result.stderr).to.equal(0);
      expect(statusOf(image)).to.equal("ACTIVE");
      expect(JSON.parse(result.stdout).images[0]).to.include({ digest: image, outcome: "restored" });
    });
  });
}
