/**
 * Multi-arch images and signatures end to end (CLI → SDK → emulator): an image index, its platform
 * manifests and its signatures form one unit that is kept whole or deleted whole, index first.
 */
import { expect } from "chai";
import type { EcrEmulator } from "./emulator/server";
import { emulatorPerTest } from "./support/emulator-per-test";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { cosignTag, JsonLine } from "./support/report-lines";

const DAY = 86_400_000;
const NOW = "2026-01-01T00:00:00.000Z";
const at = (daysAgo: number) => new Date(Date.parse(NOW) - daysAgo * DAY);


describe("multi-arch images and signatures, end to end", () => {
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "app");

  /** An index with two platform children and a cosign signature, pushed `daysAgo`. */
  function multiArch(daysAgo: number, tags: string[], sharedChild?: string) {
    const amd = emulator.registry.putImage("app", { pushedAt: at(daysAgo) });
    const arm = sharedChild ?? emulator.registry.putImage("app", { pushedAt: at(daysAgo) }).digest;
    const index = emulator.registry.putImage("app", { tags, pushedAt: at(daysAgo), children: [amd.digest, arm] });
    const signature = emulator.registry.putImage("app", { tags: [cosignTag(index.digest, "sig")], pushedAt: at(daysAgo) });
    return { index: index.digest, children: [amd.digest, arm], signature: signature.digest };
  }

  const policy = writePolicyFile(`
- name: releases
  protected_period: 0
  protected_count: 0
  significant_tags: [prod]
  repositories: [app]
`);
  const run = (...extra: string[]) => runCli(["--config", policy, "--now", NOW, "--output", "json", ...extra], awsEnv(emulator.endpoint));
  const survivors = () => emulator.registry.images("app").map((i) => i.digest).sort();

  it("keeps a kept index whole, and deletes a deleted one whole, index first, in an order ECR accepts", async () => {
    const old = multiArch(30, ["v1"]);
    const current = multiArch(10, ["prod"]);

    const dry = await run();
    expect(dry.code, dry.stderr).to.equal(0);
    const repo = JSON.parse(dry.stdout).repositories[0];
    const byDigest = new Map((repo.images as JsonLine[]).map((l) => [l.digest, l]));
    // The report lists deletions and safety keeps; the kept index is the policy's anchor, listed because its
    // members (kept with it: member-of-kept) are listed under it.
    expect(repo.modes[0].anchor.digest).to.equal(current.index);
    expect(byDigest.get(current.index)).to.include({ action: "keep", reason: "anchor", countedBytes: 0 });
    // Bytes to free count the platform manifests and the signature, not the index (ECR repeats their size on it).
    const sizeOf = (digest: string) => emulator.registry.image("app", digest)!.sizeBytes;
    expect(repo.bytesToFree).to.equal([...old.children, old.signature].reduce((sum, d) => sum + sizeOf(d), 0));
    // Members of a unit the policy keeps are kept by the unit rule: listed under their index, and counted as safety keeps.
    for (const member of [...current.children, current.signature]) {
      expect(byDigest.get(member)).to.include({ action: "keep", reason: "member-of-kept", unitOf: current.index, countedBytes: sizeOf(member) });
    }
    expect(repo.kept).to.deep.equal({ anchor: 1, "member-of-kept": 3 });
    expect(JSON.parse(dry.stdout).summary.keptBySafety).to.deep.equal({ "member-of-kept": 3 });
    expect(byDigest.get(old.index)).to.include({ action: "delete", reason: "beyond-window" });
    for (const member of [...old.children, old.signature]) {
      expect(byDigest.get(member)).to.include({ action: "delete", reason: "member-of-deleted", unitOf: old.index });
    }

    const applied = await run("--apply");
    expect(applied.code, applied.stderr).to.equal(0);
    expect(survivors()).to.deep.equal([current.index, ...current.children, current.signature].sort());
    // The index went in an earlier call than its children (ECR refuses the reverse with ImageReferencedByManifestList).
    const calls = emulator.faults.log
      .filter((r) => r.operation === "BatchDeleteImage")
      .map((r) => (r.input.imageIds as { imageDigest: string }[]).map((id) => id.imageDigest).sort());
    expect(calls).to.deep.equal([[old.index], [...old.children, old.signature].sort()]);
    // Only indexes were read with BatchGetImage: one call per run (the dry run, then --apply).
    const reads = emulator.faults.log.filter((r) => r.operation === "BatchGetImage");
    expect(reads.map((r) => (r.input.imageIds as { imageDigest: string }[]).map((id) => id.imageDigest).sort())).to.deep.equal([
      [old.index, current.index].sort(),
      [old.index, current.index].sort(),
    ]);
  });

  it("a platform manifest shared with a kept index stays", async () => {
    const shared = emulator.registry.putImage("app", { pushedAt: at(30) }).digest;
    const old = multiArch(30, ["v1"], shared);
    const current = multiArch(10, ["prod"], shared);
    const applied = await run("--apply");
    expect(applied.code, applied.stderr).to.equal(0);
    expect(survivors()).to.deep.equal([current.index, ...current.children, current.signature].sort());
    expect(survivors()).to.include(shared);
    expect(survivors()).not.to.include(old.index);
  });
});
