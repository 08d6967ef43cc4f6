/**
 * Property: `ecr-cleanup apply` never deletes an image outside the plan file's list, nor one that a fresh plan made
 * just before it would keep, whatever happens to the registry between the plan and the apply (tags moved, added and
 * removed, images pushed and deleted, workloads started and stopped). With nothing changed, it deletes exactly the
 * plan's list. Against the emulator, through the CLI's own entry point.
 */
import { expect } from "chai";
import fc from "fast-check";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIo } from "../runtime/cli/io";
import { main } from "../runtime/cli/main";
import { loadConfigFile } from "../runtime/config/load";
import { runCleanup } from "../runtime/engine/run";
import type { PlanFile } from "../runtime/plan-file/format";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { writePolicyFile } from "./support/cli";
import { destroyAll, emulatorClients } from "./support/in-process";

const DAY = 86_400_000;
const NOW = "2026-01-01T00:00:00.000Z";
const MADE = new Date("2026-01-01T06:00:00.000Z");
const REPO = "app";
const TAGS = ["prod", "dev", "rc", "v1"] as const;
const daysBefore = (days: number) => new Date(Date.parse(NOW) - days * DAY);

type Mutation =
  | { kind: "move"; tag: (typeof TAGS)[number]; to: number }
  | { kind: "untag"; tag: (typeof TAGS)[number] }
  | { kind: "hotfix"; at: number }
  | { kind: "remove"; at: number }
  | { kind: "push"; age: number; tag?: (typeof TAGS)[number] }
  | { kind: "use"; at: number }
  | { kind: "stop-workloads" };

interface Scenario {
  ages: number[];
  /** Tag → index into ages (each tag on at most one image, as ECR has it). */
  tags: Partial<Record<(typeof TAGS)[number], number>>;
  policy: { anchored: boolean; periodDays: number; count: number };
  inUse: number[];
  mutations: Mutation[];
}

const tag = fc.constantFrom(...TAGS);
const scenario: fc.Arbitrary<Scenario> = fc
  .uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 3, maxLength: 14 })
  .chain((ages) => {
    const at = fc.integer({ min: 0, max: ages.length - 1 });
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ kind: fc.constant("move" as const), tag, to: at }),
      fc.record({ kind: fc.constant("untag" as const), tag }),
      fc.record({ kind: fc.constant("hotfix" as const), at }),
      fc.record({ kind: fc.constant("remove" as const), at }),
      fc.record({ kind: fc.constant("push" as const), age: fc.integer({ min: 0, max: 60 }), tag: fc.option(tag, { nil: undefined }) }),
      fc.record({ kind: fc.constant("use" as const), at }),
      fc.constant({ kind: "stop-workloads" as const }),
    );
    return fc.record({
      ages: fc.constant(ages),
      tags: fc.record({ prod: at, dev: at, rc: at, v1: at }, { requiredKeys: [] }),
      policy: fc.record({ anchored: fc.boolean(), periodDays: fc.integer({ min: 0, max: 20 }), count: fc.integer({ min: 0, max: 4 }) }),
      inUse: fc.uniqueArray(at, { maxLength: 2 }),
      mutations: fc.array(mutation, { maxLength: 4 }),
    });
  });

function quietIo(): CliIo & { out: string; err: string } {
  const io = { out: "", err: "", stderrIsTty: false, clock: () => MADE, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

describe("plans: apply never deletes outside the plan's list or the fresh plan's deletes (property, emulator)", function () {
  this.timeout(120_000);
  let emulator: EcrEmulator;
  const saved = { ...process.env };
  before(async () => {
    emulator = await startEcrEmulator();
    Object.assign(process.env, awsEnv(emulator.endpoint));
  });
  after(async () => {
    process.env = { ...saved };
    await emulator.stop();
  });

  const present = () => new Set(emulator.registry.images(REPO).map((i) => i.digest));
  let family = 0;
  function use(digest: string): void {
    if (!emulator.ecs.clusters().length) emulator.ecs.createCluster("prod");
    const definition = emulator.ecs.registerTaskDefinition(`f${++family}`, [{ name: "app", image: `${emulator.account}.dkr.ecr.us-east-1.amazonaws.com/${REPO}@${digest}` }]);
    emulator.ecs.runTask("prod", { taskDefinitionArn: definition });
  }

  function mutate(digests: string[], m: Mutation): void {
    const live = present();
    const target = (i: number) => (live.has(digests[i]) ? digests[i] : undefined);
    switch (m.kind) {
      case "move": {
        const to = target(m.to);
        if (to) emulator.registry.tag(REPO, m.tag, to);
        return;
      }
      case "untag":
        if (emulator.registry.image(REPO, m.tag)) emulator.registry.untag(REPO, m.tag);
        return;
      case "hotfix": {
        const to = target(m.at);
        if (to) emulator.registry.tag(REPO, `hotfix-${m.at}`, to);
        return;
      }
      case "remove": {
        const to = target(m.at);
        if (to) emulator.registry.removeImage(REPO, to);
        return;
      }
      case "push":
        emulator.registry.putImage(REPO, { pushedAt: daysBefore(m.age), tags: m.tag ? [m.tag] : [] });
        return;
      case "use": {
        const to = target(m.at);
        if (to) use(to);
        return;
      }
      case "stop-workloads":
        emulator.ecs.clear();
        return;
    }
  }

  it("holds for random registries and random changes between plan and apply", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ecr-cleanup-plan-prop-"));
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        emulator.registry.clear();
        emulator.ecs.clear();
        emulator.reset();
        emulator.registry.createRepository(REPO);
        const digests = s.ages.map((age) => emulator.registry.putImage(REPO, { pushedAt: daysBefore(age) }).digest);
        for (const [name, i] of Object.entries(s.tags)) emulator.registry.tag(REPO, name, digests[i!]);
        for (const i of s.inUse) use(digests[i]);
        const significant = s.policy.anchored ? "[prod, rc]" : "'*'";
        const config = writePolicyFile(`- {name: p, protected_period: ${s.policy.periodDays}, protected_count: ${s.policy.count}, significant_tags: ${significant}}\n`);

        const planPath = join(dir, `plan-${family}.json`);
        const made = quietIo();
        expect(await main(["--config", config, "--now", NOW, "--plan-out", planPath], made), made.err).to.equal(0);
        const plan: PlanFile = JSON.parse(readFileSync(planPath, "utf8"));
        const named = new Set(plan.repositories.flatMap((r) => r.images.map((i) => i.digest)));

        for (const m of s.mutations) mutate(digests, m);

        // What a plan made now would delete: the apply below lists the same registry.
        const clients = emulatorClients(emulator.endpoint);
        const fresh = await runCleanup({ config: await loadConfigFile(config), now: new Date(NOW), apply: false, ...clients });
        destroyAll(Object.values(clients));
        const freshDeletes = new Set(fresh.repositories.flatMap((r) => r.images.filter((i) => i.action === "delete").map((i) => i.digest)));

        const before = present();
        const applied = quietIo();
        applied.clock = () => new Date(MADE.getTime() + 3_600_000);
        const code = await main(["apply", planPath, "--config", config], applied);
        expect(code, applied.err).to.equal(0);
        const after = present();
        const deleted = [...before].filter((d) => !after.has(d));

        for (const digest of deleted) {
          expect(named.has(digest), `${digest} deleted but not in the plan`).to.equal(true);
          expect(freshDeletes.has(digest), `${digest} deleted but the fresh plan keeps it`).to.equal(true);
        }
        if (s.mutations.length === 0) expect(deleted.sort()).to.deep.equal([...named].sort());
      }),
      { numRuns: 40 },
    );
  });
});
