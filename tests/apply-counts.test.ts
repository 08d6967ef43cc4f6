/**
 * `ecr-cleanup apply`'s summary counts, as the table says them (the real bin against the emulator): `planned` is what
 * the fresh plan with the plan's policies deletes, and what apply holds back from it (an image changed since the
 * plan, one the plan did not name) is `withheld`, so that `planned = withheld + deleted` the first time and again.
 */
import { expect } from "chai";
import { BatchGetImageCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { emulatorPerTest } from "./support/emulator-per-test";

const DAY = 86_400_000;
const NOW = "2026-01-01T00:00:00.000Z";
const POLICY = `
policies:
  - name: releases
    protected_period: 10
    protected_count: 3
    significant_tags: [prod, dev]
settings:
  in_use: { ecs: false, lambda: false, eks: false, app_runner: false, batch: false }
`;

/** The summary's lines from `planned` to `failures`, as the table prints them. */
function counts(table: string): string[] {
  const lines = table.split("\n");
  const from = lines.findIndex((line) => line.startsWith("  planned:"));
  return lines.slice(from, lines.findIndex((line) => line.startsWith("  failures:")) + 1);
}

describe("ecr-cleanup apply: planned, withheld and deleted add up", function () {
  this.timeout(60_000);
  let emulator: EcrEmulator;
  emulatorPerTest((em) => (emulator = em));

  it("an image retagged since the plan is withheld (changed-since-plan), in the first apply and the second", async () => {
    // Days 1..60, dev on day 2, prod on day 20: the policy keeps days 1..30 and deletes days 31..60 (30 images).
    emulator.registry.createRepository("hello_world");
    const digests: string[] = [];
    for (let age = 60; age >= 1; age--) {
      const tags = age === 2 ? ["dev"] : age === 20 ? ["prod"] : [];
      digests[age] = emulator.registry.putImage("hello_world", { tags, pushedAt: new Date(Date.parse(NOW) - age * DAY) }).digest;
    }
    const env = awsEnv(emulator.endpoint);
    const config = writePolicyFile(POLICY);
    const plan = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-counts-")), "plan.json");
    const dry = await runCli(["--config", config, "--now", NOW, "--plan-out", plan], env);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(counts(dry.stdout)).to.deep.equal(["  planned:          30 by the policies", "  withheld:         0", "  to delete:        30, 300.0 MiB to free", "  failures:         0"]);

    // Between plan and apply, day 45's image gains a tag through the API (PutImage of its own manifest).
    const ecr = new ECRClient({ endpoint: emulator.endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    try {
      const got = await ecr.send(new BatchGetImageCommand({ repositoryName: "hello_world", imageIds: [{ imageDigest: digests[45] }] }));
      await ecr.send(new PutImageCommand({ repositoryName: "hello_world", imageManifest: got.images![0].imageManifest!, imageTag: "hotfix" }));
    } finally {
      ecr.destroy();
    }

    const first = await runCli(["apply", plan, "--config", config], env);
    expect(first.code, first.stderr).to.equal(0);
    expect(counts(first.stdout)).to.deep.equal([
      "  planned:          30 by the policies",
      "  withheld:         1 (changed-since-plan 1): kept in this run",
      "  deleted:          29 of 29, 290.0 MiB freed",
      "  kept by safety:   changed-since-plan 1",
      "  failures:         0",
    ]);
    const second = await runCli(["apply", plan, "--config", config], env);
    expect(second.code, second.stderr).to.equal(0);
    expect(counts(second.stdout)).to.deep.equal([
      "  planned:          1 by the policies",
      "  withheld:         1 (changed-since-plan 1): kept in this run",
      "  deleted:          0 of 0, 0 B freed",
      "  kept by safety:   changed-since-plan 1",
      "  failures:         0",
    ]);
    expect(emulator.registry.images("hello_world").map((i) => i.digest).sort()).to.deep.equal([...digests.slice(1, 31), digests[45]].sort());
  });
});
