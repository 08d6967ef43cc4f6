/**
 * What a fan-out worker refuses (spec section 7): a batch event that is not exactly what the state machine sends,
 * a stored run that is missing, malformed, stale or from the future, a repository or position the prepare step did
 * not write, a function whose policies or dry-run switch changed since the prepare step, and a batch of a run already
 * aggregated. Each time the worker throws before any delete, every image of its repositories survives (the one a
 * RUNNING ECS task uses included), and the aggregate reports the batch as failed.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { runKeys } from "../runtime/fanout/keys";
import { CLOCK, fanOutHarness, FanOutOptions, GOVERNED, Registry, survivors } from "./support/fanout-harness";
import { captureLog, lambdaContext } from "./support/in-process";

const HOUR = 3_600_000;

/** Repositories that BatchDeleteImage was called on. */
function deleteCallsOn(emulator: Registry["emulator"]): string[] {
  const repositories: string[] = [];
  emulator.beforeOperation("BatchDeleteImage", (ctx) => void repositories.push(String(ctx.input.repositoryName)));
  return repositories;
}

async function rejection(work: Promise<unknown>): Promise<Error> {
  return work.then(() => expect.fail("the worker must refuse"), (err: Error) => err);
}

describe("fan-out mode: what a worker refuses (emulator; moto for S3)", function () {
  const { s3, registry, fanOutRun } = fanOutHarness();

  /** Runs fan-out with dryRun: false; expects the batches `refused` (0-based) to fail with BatchRefused and delete nothing. */
  async function expectRefused(options: FanOutOptions, refused: number[], reason: RegExp) {
    const reg = await registry();
    const before = survivors(reg.emulator);
    const calls = deleteCallsOn(reg.emulator);
    const fanOut = await fanOutRun(reg.clients, { dryRun: false }, options);
    const refusedRepositories = refused.flatMap((batch) => GOVERNED.slice(batch * 2, batch * 2 + 2));
    const after = survivors(reg.emulator);
    for (const repository of refusedRepositories) expect(after[repository], repository).to.deep.equal(before[repository]);
    expect(calls.filter((r) => refusedRepositories.includes(r))).to.deep.equal([]);
    expect(reg.emulator.registry.images("app-b").map((i) => i.digest)).to.include(reg.inUse);
    // The aggregate reports each refused batch as a failed one, its repositories as not reached.
    const errors = fanOut.result.errors.filter((e) => e.code === "BatchRefused");
    expect(errors).to.have.length(refused.length);
    for (const error of errors) expect(error.message).to.match(/^a batch of \d repositories failed and was not cleaned .*: refused, nothing deleted: /).and.match(reason);
    expect(fanOut.result.notReached).to.include.members(refusedRepositories);
    return { reg, fanOut };
  }

  describe("a hostile batch event, sent through the Map: refused, nothing of its repositories deleted, the other batches cleaned", () => {
    const tamper = (change: (payload: any) => any): FanOutOptions => ({ invokeBatch: (payload, batch, invoke) => invoke(batch === 0 ? change(payload) : payload) });
    const items = (payload: any, change: (item: any) => any) => ({ ...payload, Items: payload.Items.map(change) });
    const cases: [string, (payload: any) => any, RegExp][] = [
      ["an empty in-use slice in each item", (p) => items(p, (i) => ({ ...i, inUse: { digests: [], tags: [] }, inUseUnreadable: false })), /Items\.0: unexpected field\(s\) inUse, inUseUnreadable/],
      ["a forged now in each item", (p) => items(p, (i) => ({ ...i, now: "2031-06-01T00:00:00Z" })), /unexpected field\(s\) now/],
      ["an extra field in the event", (p) => ({ ...p, dryRun: false }), /unexpected field\(s\) dryRun/],
      ["an extra field in BatchInput", (p) => ({ ...p, BatchInput: { ...p.BatchInput, now: "2031-06-01T00:00:00Z" } }), /BatchInput: unexpected field\(s\) now/],
      ["a repository not in the run", (p) => ({ ...p, Items: [p.Items[0], { ...p.Items[1], repository: "other" }] }), /"other" is not one of the run's governed repositories/],
      ["an item at another position than the prepare step wrote", (p) => ({ ...p, Items: [{ ...p.Items[0], repository: "app-b" }, { ...p.Items[1], repository: "app-a" }] }), /item 0 \(app-b\) is not one the prepare step wrote/],
      ["a run that was never prepared", (p) => items(p, (i) => ({ ...i, run: "never-prepared" })), /cannot read the stored run/],
      ["a malformed run id", (p) => items(p, (i) => ({ ...i, run: "../run-1" })), /not a run id/],
      ["items of two runs", (p) => ({ ...p, Items: [p.Items[0], { ...p.Items[1], run: "run-other" }] }), /more than one run/],
      ["a repository twice", (p) => ({ ...p, Items: [p.Items[0], p.Items[0]] }), /twice/],
    ];
    for (const [what, change, reason] of cases) {
      it(what, async () => {
        const { fanOut } = await expectRefused(tamper(change), [0], reason);
        expect(fanOut.result.summary.deleted).to.be.greaterThan(0); // the untouched batches still cleaned
      });
    }
  });

  describe("a stored run that is stale, or from the future: every batch refused, nothing deleted", () => {
    it("older than the run's time limit (the state machine's TimeoutSeconds)", async () => {
      const { reg, fanOut } = await expectRefused({ workerClock: new Date(CLOCK.getTime() + 24 * HOUR + 1000) }, [0, 1, 2], /longer ago than the run's time limit \(86400 s\)/);
      expect(reg.emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
      expect(fanOut.result.summary.deleted).to.equal(0);
    });

    it("stored later than the worker's clock, beyond a minute's skew", async () => {
      const { reg } = await expectRefused({ workerClock: new Date(CLOCK.getTime() - 5 * 60_000) }, [0, 1, 2], /later than the clock/);
      expect(reg.emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
    });

    it("within the time limit, a batch still runs", async () => {
      const reg = await registry();
      const fanOut = await fanOutRun(reg.clients, { dryRun: false }, { workerClock: new Date(CLOCK.getTime() + 23 * HOUR) });
      expect(fanOut.result.errors.filter((e) => e.code === "BatchRefused")).to.deep.equal([]);
      expect(fanOut.result.summary.deleted).to.be.greaterThan(20);
    });
  });

  describe("a function changed since the prepare step: every batch refused, nothing deleted", () => {
    const cases: [string, (env: Record<string, string>) => Record<string, string>, RegExp][] = [
      ["its policies", (env) => ({ ...env, ECR_CLEANUP_CONFIG: env.ECR_CLEANUP_CONFIG.replace('"protected_count":2', '"protected_count":0') }), /policies or settings changed/],
      ["its dry-run switch", (env) => ({ ...env, ECR_CLEANUP_DRY_RUN: "true" }), /dry-run switch changed/],
      ["without the run's time limit", ({ ECR_CLEANUP_RUN_TIME_LIMIT_SECONDS: _, ...env }) => env, /ECR_CLEANUP_RUN_TIME_LIMIT_SECONDS must be/],
    ];
    for (const [what, workerEnv, reason] of cases) {
      it(what, async () => {
        const { reg } = await expectRefused({ workerEnv }, [0, 1, 2], reason);
        expect(reg.emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
      });
    }
  });

  describe("invoked directly, outside the Map: throws, nothing deleted", () => {
    it("a legitimate batch replayed after its run was aggregated", async () => {
      const reg = await registry();
      const fanOut = await fanOutRun(reg.clients, {});
      const calls = reg.emulator.calls.BatchDeleteImage ?? 0;
      const err = await rejection(captureLog(() => fanOut.handler(fanOut.simulator.record.batches[0], lambdaContext())));
      expect(err.name).to.equal("BatchRefused");
      expect(err.message).to.match(/already been aggregated: a batch after its end is a replay/);
      expect(reg.emulator.calls.BatchDeleteImage ?? 0).to.equal(calls);
    });

    it("a stored run that is not one the prepare step writes (or is missing)", async () => {
      const reg = await registry();
      const fanOut = await fanOutRun(reg.clients, {});
      const before = survivors(reg.emulator);
      const batch = (run: string) => ({ Items: [{ run, index: 0, repository: "app-a" }, { run, index: 1, repository: "app-b" }], BatchInput: { phase: "clean" } });
      const bucket = fanOut.deployment.fanOut!.bucket;
      const forged = { version: 1, run: "forged", storedAt: CLOCK.toISOString(), now: "2031-06-01T00:00:00Z", apply: true, governed: ["app-a", "app-b"], inUse: { byRepository: [], unreadable: [] } };
      await s3().send(new PutObjectCommand({ Bucket: bucket, Key: runKeys("forged").stored, Body: JSON.stringify(forged) }));
      for (const [run, reason] of [["forged", /is not one the prepare step writes: .*configFingerprint/], ["missing", /cannot read the stored run s3:\/\/.*\/runs\/missing\/run\.json/]] as const) {
        const err = await rejection(captureLog(() => fanOut.handler(batch(run), lambdaContext())));
        expect(err.name, run).to.equal("BatchRefused");
        expect(err.message, run).to.match(reason);
      }
      expect(survivors(reg.emulator)).to.deep.equal(before);
      expect(reg.emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
    });

    it("anything that is not one of the three phases' events", async () => {
      const reg = await registry();
      const fanOut = await fanOutRun(reg.clients, {});
      for (const event of [null, "clean", [], { scheduledTime: "2030-01-10T03:00:00Z" }, { phase: "clean" }, { BatchInput: { phase: "clean" }, Items: [] }]) {
        const err = await rejection(captureLog(() => fanOut.handler(event, lambdaContext())));
        expect(err.message, JSON.stringify(event)).to.match(/runs in fan-out mode|refused, nothing deleted/);
      }
      expect(reg.emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
    });
  });
});
