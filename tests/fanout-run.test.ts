/**
 * Fan-out mode end to end, in-process (tests/support/fanout-harness.ts): the aggregated report must equal a
 * single-function run's on the same registry, batches retried after they deleted included.
 */
import { expect } from "chai";
import type { FanOutItem } from "../runtime/fanout/items";
import { runKeys } from "../runtime/fanout/keys";
import type { StoredRun } from "../runtime/fanout/storedRun";
import { captureLog, lambdaContext } from "./support/in-process";
import { scheduledEvent } from "./support/lambda-invoke";
import { BatchInvoker, CLOCK, fanOutHarness, fullReport, GOVERNED, repositoryLines, survivors } from "./support/fanout-harness";
import { memoryOutlets } from "./support/memory-outlets";

const runLines = (lines: any[]) => lines.filter((l) => l.type !== "repository" && l.type !== "delete-call" && !l._aws);
const metrics = (lines: any[]) => lines.filter((l) => l._aws).map(({ _aws, ...values }) => ({ ...values, metrics: _aws.CloudWatchMetrics }));
const withoutLineFields = ({ type, dryRun, now, ...report }: any) => report;
const imageCount = (emulator: { registry: { images(name: string): unknown[] } }) => GOVERNED.reduce((n, name) => n + emulator.registry.images(name).length, 0);
/** The digests of the governed repositories that are no longer in the registry, sorted. */
const goneSince = (before: Record<string, string[]>, emulator: Parameters<typeof survivors>[0]) => {
  const after = survivors(emulator);
  return GOVERNED.flatMap((name) => before[name].filter((digest) => !after[name].includes(digest))).sort();
};
const deletedIn = (report: { repositories: { images: { digest: string; outcome?: string }[] }[] }) =>
  report.repositories.flatMap((r) => r.images.filter((line) => line.outcome === "deleted").map((line) => line.digest)).sort();

/** A fan-out run's result is a single-function run's, with how many entries each of its (bounded) lists has. */
function expectSameResult({ counts, ...fanOut }: any, single: any) {
  expect(fanOut).to.deep.equal(single);
  expect(counts).to.deep.equal({ errors: single.errors.length, warnings: single.warnings.length, notReached: single.notReached.length });
}

describe("fan-out mode, run as the state machine runs it (emulator; moto for S3)", function () {
  const { registry, fanOutRun, singleRun } = fanOutHarness();

  it("a dry run: the aggregated report equals a single-function run's (same deletions, same summary, same log lines)", async () => {
    const { clients, emulator } = await registry();
    const single = await singleRun(clients, {});
    const fanOut = await fanOutRun(clients, {});

    expect(fanOut.simulator.record.states).to.deep.equal(["Prepare", "AnotherRunIsGoing", "Clean", "Aggregate"]);
    expect(fanOut.simulator.record.batches.map((b) => b.Items.map((i: FanOutItem) => i.repository))).to.deep.equal([
      ["app-a", "app-b"], ["app-c", "cap-x"], ["svc/api", "svc/web"],
    ]);
    expectSameResult(fanOut.result, single.result);
    expect(single.result.summary).to.include({ repositories: 6, repositoriesSkipped: 1, failures: 2, deleted: 0 });
    expect(single.result.summary.toDelete).to.be.greaterThan(20);
    expect(single.result.summary.keptBySafety).to.deep.include({ "in-use:ecs-task": 1, "cap-exceeded": 3 });
    expect(single.result.errors.map((e) => e.kind).sort()).to.deep.equal(["cap-exceeded", "missing-repository"]);

    // The same lines in the log group: the batches' repository lines, then the aggregate's run lines and metrics.
    expect(repositoryLines(fanOut.lines)).to.deep.equal(repositoryLines(single.lines));
    expect(runLines(fanOut.lines)).to.deep.equal(runLines(single.lines));
    expect(metrics(fanOut.lines)).to.deep.equal(metrics(single.lines));

    // The full report, deletions included, is the single run's.
    const report = await fullReport(fanOut);
    expect(report.repositories).to.deep.equal(repositoryLines(single.lines).map(withoutLineFields));
    expect(report.notGoverned).to.deep.equal(["other"]);
    expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
  });

  it("the prepare step takes the inventory once and stores it with the run; the items name only the run, a position and a repository", async () => {
    const { clients, emulator, inUse } = await registry();
    const fanOut = await fanOutRun(clients, {});
    expect(emulator.calls.ListClusters).to.equal(1);
    expect(emulator.calls.ListFunctions).to.equal(1);
    expect(emulator.calls.DescribeRepositories).to.equal(1);
    const items = await fanOut.store.get<FanOutItem[]>(runKeys(fanOut.run).items);
    expect(items).to.deep.equal(GOVERNED.map((repository, index) => ({ run: fanOut.run, index, repository })));
    const stored = await fanOut.store.get<StoredRun>(runKeys(fanOut.run).stored);
    expect(stored).to.deep.include({
      version: 2, run: fanOut.run, storedAt: CLOCK.toISOString(), now: "2030-01-10T03:00:00.000Z", apply: false, governed: GOVERNED, notGoverned: ["other"],
    });
    expect(stored.configFingerprint).to.match(/^[0-9a-f]{64}$/);
    // The task, and its task definition: the family's newest revision, a rollback target.
    const workloads = ["ecs task arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef", "ecs task-definition web:1"];
    expect(stored.inUse).to.deep.equal({ byRepository: [["app-b", { digests: [[inUse, "in-use:ecs-task", workloads]], tags: [] }]], unreadable: [] });
    // The states' payloads stay small: keys, not lists.
    for (const { payload } of fanOut.simulator.record.invocations) expect(Buffer.byteLength(JSON.stringify(payload))).to.be.below(256 * 1024);
  });

  it("dryRun: false deletes exactly what a single-function run deletes on an identical registry", async () => {
    const a = await registry();
    const b = await registry();
    expect(survivors(a.emulator)).to.deep.equal(survivors(b.emulator));
    const fanOut = await fanOutRun(a.clients, { dryRun: false });
    const single = await singleRun(b.clients, { dryRun: false });
    expectSameResult(fanOut.result, single.result);
    expect(single.result.summary.deleted).to.equal(single.result.summary.toDelete);
    expect(single.result.summary.deleted).to.be.greaterThan(20);
    expect(survivors(a.emulator)).to.deep.equal(survivors(b.emulator));
    expect(a.emulator.registry.images("app-b").map((i) => i.digest)).to.include(a.inUse);
    expect(repositoryLines(fanOut.lines)).to.deep.equal(repositoryLines(single.lines));
  });

  it("an in-use source that cannot be read: the stored run says which, every worker reads it, and nothing is deleted", async () => {
    const { clients, emulator } = await registry();
    emulator.failNext("ListClusters", 10, "server-error");
    const fanOut = await fanOutRun(clients, { dryRun: false });
    expect(fanOut.result.summary.deleted).to.equal(0);
    expect(fanOut.result.errors.map((e: { kind: string }) => e.kind)).to.include("in-use-unreadable");
    expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
    const stored = await fanOut.store.get<StoredRun>(runKeys(fanOut.run).stored);
    expect(stored.inUse.unreadable.map((u) => u.source)).to.deep.equal(["ecs"]);
    expect(fanOut.result.summary.keptBySafety["in-use-unknown"]).to.be.greaterThan(20);
  });

  it("a batch that fails is reported as an error naming its repositories, which count as not reached; the others are cleaned", async () => {
    const { clients } = await registry();
    const fanOut = await fanOutRun(clients, {}, {
      invokeBatch: (payload, batch, invoke) => (batch === 1 ? Promise.reject(Object.assign(new Error("Task timed out after 900.00 seconds"), { name: "Lambda.Unknown" })) : invoke(payload)),
    });
    expect(fanOut.simulator.record.states).to.deep.equal(["Prepare", "AnotherRunIsGoing", "Clean", "Aggregate"]);
    expect(fanOut.result.notReached).to.deep.equal(["app-c", "cap-x"]);
    expect(fanOut.result.summary).to.include({ repositories: 4, repositoriesNotReached: 2 });
    const batchError = fanOut.result.errors.find((e: { code: string }) => e.code === "Lambda.Unknown");
    expect(batchError?.message).to.equal("a batch of 2 repositories failed and was not cleaned (app-c, cap-x): Task timed out after 900.00 seconds");
    expect(repositoryLines(fanOut.lines).map((l) => l.repository)).to.deep.equal(["app-a", "app-b", "svc/api", "svc/web"]);
  });

  it("an execution that finds the run lock held by another run ends at once: no repository listed, nothing deleted", async () => {
    const { clients, emulator } = await registry();
    const fanOut = await fanOutRun(clients, { dryRun: false }, { lockHeldBy: "scheduled-run" });
    expect(fanOut.simulator.record.states).to.deep.equal(["Prepare", "AnotherRunIsGoing", "SkipOverlappingRun"]);
    expect(fanOut.simulator.record.invocations.map((i) => i.payload.phase)).to.deep.equal(["prepare"]);
    expect((fanOut.result as any).prepared).to.deep.include({ skipped: true });
    expect((fanOut.result as any).prepared.reason).to.match(/^another run is going: run "scheduled-run" holds the run lock since /);
    expect(fanOut.lines.filter((l) => l.type === "run-skipped")).to.have.length(1);
    expect(emulator.calls.DescribeRepositories ?? 0).to.equal(0);
    expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
    // The other run's lock is left as it was.
    expect(await fanOut.store.get<any>("lock/run.json")).to.include({ owner: "scheduled-run" });
  });

  it("a run takes the run lock and releases it at the end; a batch of a run whose lock was taken over deletes nothing", async () => {
    const { clients } = await registry();
    const done = await fanOutRun(clients, {});
    expect(await done.store.get<any>("lock/run.json")).to.include({ owner: done.run, released: true });

    const { clients: others, emulator } = await registry();
    const usurper = { owner: "usurper", takenAt: "2030-01-10T12:00:00.000Z", expiresAt: "2030-01-11T12:00:00.000Z" };
    // Another run takes the lock over (as after an expiry) while this one's batches run.
    const overtaken = await fanOutRun(others, { dryRun: false }, { beforeBatch: (store) => store.put("lock/run.json", usurper) });
    expect(emulator.calls.BatchDeleteImage ?? 0).to.equal(0);
    const refused = overtaken.result.errors.filter((e: { code: string }) => e.code === "BatchRefused");
    expect(refused.length).to.be.greaterThan(0);
    for (const e of refused) expect(e.message).to.match(/refused, nothing deleted: run run-\d+ does not hold the run lock: the run lock was taken over: run "usurper" holds/);
    // Its end leaves the usurper's lock alone, and says so.
    expect(await overtaken.store.get<any>("lock/run.json")).to.deep.equal(usurper);
    expect(overtaken.result.warnings).to.include("run lock: the run lock is not this run's: left as it is");
  });

  it("the failure path's release phase frees the lock of its own run only", async () => {
    const { clients } = await registry();
    const { handler, store } = await fanOutRun(clients, {});
    const held = { owner: "run-failed", takenAt: "2030-01-10T12:00:00.000Z", expiresAt: "2030-01-11T12:15:00.000Z" };
    await store.put("lock/run.json", held);
    expect(await handler({ phase: "release", run: "another-run" }, lambdaContext())).to.deep.equal({
      run: "another-run", released: false, reason: "run lock: the run lock is not this run's: left as it is",
    });
    expect(await store.get<any>("lock/run.json")).to.deep.equal(held);
    expect(await handler({ phase: "release", run: "run-failed" }, lambdaContext())).to.deep.equal({ run: "run-failed", released: true, reason: "" });
    expect(await store.get<any>("lock/run.json")).to.include({ owner: "run-failed", released: true });
  });

  describe("a batch retried after it deleted images: the aggregate counts every attempt's deletions", () => {
    const lambdaError = (message: string) => Object.assign(new Error(message), { name: "Lambda.ServiceException" });
    /** Runs the first batch twice, as Step Functions' Retry of a Lambda error would, the first attempt ending as `firstAttempt` says. */
    const retryFirstBatch = (firstAttempt: (payload: any, invoke: Parameters<BatchInvoker>[2]) => Promise<unknown>): BatchInvoker =>
      async (payload, batch, invoke) => {
        if (batch !== 0) return invoke(payload);
        await firstAttempt(payload, invoke).then(
          () => expect.fail("the first attempt must end in an error"),
          (err) => expect(err.name).to.be.oneOf(["Lambda.ServiceException", "Sandbox.Crashed"]),
        );
        return invoke(payload);
      };
    /** Dies in the middle of the batch: after app-a's delete call, the next repository's start throws (a crash). */
    const dyingAfterFirstDelete = (emulator: any) => lambdaContext(() => {
      if ((emulator.calls.BatchDeleteImage ?? 0) > 0) throw Object.assign(new Error("the runtime exited"), { name: "Sandbox.Crashed" });
      return 900_000;
    });
    const cases: [string, (emulator: any) => BatchInvoker][] = [
      ["the first attempt dies after deleting in its first repository", (emulator) => retryFirstBatch((payload, invoke) => invoke(payload, dyingAfterFirstDelete(emulator)))],
      // Finishes, but Step Functions never gets the response and invokes again.
      ["the first attempt finishes but its response is lost", () => retryFirstBatch(async (payload, invoke) => {
        await invoke(payload);
        throw lambdaError("the response was lost");
      })],
    ];
    for (const [what, invoker] of cases) {
      it(`${what}: the summary's deleted equals the images gone from the registry, as in a single-function run`, async () => {
        const a = await registry();
        const b = await registry();
        const before = imageCount(a.emulator);
        // One repository at a time, so the first attempt stops between app-a and app-b.
        const fanOut = await fanOutRun(a.clients, { dryRun: false, concurrency: 1 }, { invokeBatch: invoker(a.emulator) });
        const single = await singleRun(b.clients, { dryRun: false, concurrency: 1 });

        const gone = before - imageCount(a.emulator);
        expect(gone).to.be.greaterThan(20);
        expect(fanOut.result.summary.deleted).to.equal(gone);
        expectSameResult(fanOut.result, single.result);
        expect(survivors(a.emulator)).to.deep.equal(survivors(b.emulator));
        expect(a.emulator.registry.images("app-b").map((i) => i.digest)).to.include(a.inUse);
        // The report lists every image the run deleted, with its line.
        const report = await fullReport(fanOut);
        const deleted = report.repositories.flatMap((r) => r.images.filter((line) => line.outcome === "deleted").map((line) => line.digest)).sort();
        const single_ = repositoryLines(single.lines).flatMap((r) => r.images.filter((line: any) => line.outcome === "deleted").map((line: any) => line.digest)).sort();
        expect(deleted).to.deep.equal(single_);
      });
    }

    it("a batch whose only attempt dies after deleting: the batch is a failure, and what it deleted is still counted and listed", async () => {
      const a = await registry();
      const before = imageCount(a.emulator);
      const fanOut = await fanOutRun(a.clients, { dryRun: false, concurrency: 1 }, {
        invokeBatch: (payload, batch, invoke) => invoke(payload, batch === 0 ? dyingAfterFirstDelete(a.emulator) : undefined),
      });
      const gone = before - imageCount(a.emulator);
      expect(fanOut.result.summary.deleted).to.equal(gone);
      expect(fanOut.result.notReached).to.deep.equal(["app-a", "app-b"]);
      expect(fanOut.result.errors.map((e) => e.code)).to.include("Sandbox.Crashed");
      expect(fanOut.result.warnings).to.include("app-a: an attempt of its batch deleted images before it stopped; the repository was not cleaned to the end (it is listed as not reached)");
      const appA = (await fullReport(fanOut)).repositories.find((r) => r.repository === "app-a")!;
      expect(appA.deleted).to.be.greaterThan(0).and.equal(10 - a.emulator.registry.images("app-a").length);
      expect(appA.images.filter((line) => line.outcome === "deleted")).to.have.length(appA.deleted);
    });
  });

  describe("a run whose Map or aggregate step fails: the failure path still reports what its batches deleted, once", () => {
    const FAILED_RUN = ["Prepare", "AnotherRunIsGoing", "Clean", "ReportFailedRun", "ReleaseRunLock", "RunFailed"];
    const emf = (lines: any[]) => lines.filter((l) => l._aws);

    it("the Map fails (its ResultWriter cannot write) after every batch deleted: the report lists every deleted image, failed, and one notification says so", async () => {
      const a = await registry();
      const b = await registry();
      const before = survivors(a.emulator);
      const reports = memoryOutlets();
      const fanOut = await fanOutRun(a.clients, { dryRun: false }, { resultsUnwritable: true, reports });
      const single = await singleRun(b.clients, { dryRun: false });

      expect(fanOut.simulator.record.states).to.deep.equal(FAILED_RUN);
      expect(fanOut.failed?.error).to.equal("RunFailed");
      const gone = goneSince(before, a.emulator);
      expect(gone).to.have.length.greaterThan(20);
      // What a single-function run deletes on the same registry, every image of it in the report.
      expect(survivors(a.emulator)).to.deep.equal(survivors(b.emulator));
      const [report] = reports.jsonReports();
      expect(reports.jsonReports()).to.have.length(1);
      expect(deletedIn(report)).to.deep.equal(gone);
      expect(report.summary.deleted).to.equal(gone.length);
      expect(report.summary.deleted).to.equal(single.result.summary.deleted);
      expect(report.notReached).to.deep.equal([]);
      const failure = report.errors.find((e: any) => e.code === "States.ResultWriterFailed");
      expect(failure.message).to.match(new RegExp(`^the run failed \\(States\\.ResultWriterFailed: A Map state failed to write all results .*\\); this report is what its batches recorded in s3://${fanOut.deployment.fanOut!.bucket}/runs/${fanOut.run}/`));
      expect(report.summary.failures).to.equal(single.result.summary.failures + 1);
      // The failures alarm reads the Failures metric.
      expect(emf(fanOut.lines).filter((l) => "Failures" in l).map((l) => [l.Failures, l.ImagesDeleted])).to.deep.equal([[report.summary.failures, gone.length]]);
      expect(reports.messages).to.have.length(1);
      expect(reports.messages[0].subject).to.equal(`ecr-cleanup ecr-cleanup-test-function: ${gone.length} deleted, 0 archived, ${report.summary.failures} failures`);
      expect(reports.messages[0].message).to.include("Error: the run failed (States.ResultWriterFailed");
      // Then the lock is released, and a batch replayed after the run refuses.
      expect(await fanOut.store.get<any>("lock/run.json")).to.include({ owner: fanOut.run, released: true });
      expect(await fanOut.store.list(runKeys(fanOut.run).aggregated)).to.deep.equal([runKeys(fanOut.run).aggregated]);
    });

    it("the aggregate step dies before delivering, after a retried batch and a batch that died mid-way deleted: every deleted image listed, those repositories not reached", async () => {
      const a = await registry();
      const before = survivors(a.emulator);
      const reports = memoryOutlets();
      const lambdaError = (name: string, message: string) => Object.assign(new Error(message), { name });
      /** A context whose runtime dies at the first repository that starts after this attempt deleted something. */
      const dyingAfterItsFirstDelete = () => {
        const start = a.emulator.calls.BatchDeleteImage ?? 0;
        return lambdaContext(() => {
          if ((a.emulator.calls.BatchDeleteImage ?? 0) > start) throw lambdaError("Sandbox.Crashed", "the runtime exited");
          return 900_000;
        });
      };
      const fanOut = await fanOutRun(a.clients, { dryRun: false, concurrency: 1 }, {
        reports,
        invokeBatch: async (payload, batch, invoke) => {
          if (batch === 1) return invoke(payload, dyingAfterItsFirstDelete());
          if (batch !== 0) return invoke(payload);
          // Step Functions retries the first batch after its first attempt died.
          await invoke(payload, dyingAfterItsFirstDelete()).then(() => expect.fail("the first attempt must die"), () => undefined);
          return invoke(payload);
        },
        invokeStep: (payload, invoke) => (payload.phase === "aggregate" ? Promise.reject(lambdaError("Lambda.Unknown", "Task timed out after 900.00 seconds")) : invoke(payload)),
      });

      expect(fanOut.simulator.record.states).to.deep.equal(["Prepare", "AnotherRunIsGoing", "Clean", "Aggregate", "ReportFailedRun", "ReleaseRunLock", "RunFailed"]);
      const gone = goneSince(before, a.emulator);
      expect(gone).to.have.length.greaterThan(20);
      const [report] = reports.jsonReports();
      expect(deletedIn(report)).to.deep.equal(gone);
      expect(report.summary.deleted).to.equal(gone.length);
      // The second batch's only attempt died in app-c: what it deleted there is listed, and both its repositories are not reached.
      expect(report.notReached).to.deep.equal(["app-c", "cap-x"]);
      expect(report.repositories.find((r: any) => r.repository === "app-c").deleted).to.be.greaterThan(0).and.equal(10 - a.emulator.registry.images("app-c").length);
      expect(report.warnings).to.include("app-c: an attempt of its batch deleted images before it stopped; the repository was not cleaned to the end (it is listed as not reached)");
      expect(report.errors.map((e: any) => e.code)).to.include("Lambda.Unknown");
      expect(reports.messages).to.have.length(1);
    });

    it("a failed run whose stored run cannot be read: reported all the same, at the execution's scheduled time, the unreadable object named", async () => {
      const { clients } = await registry();
      const reports = memoryOutlets();
      const { handler, deployment } = await fanOutRun(clients, {}, { reports });
      reports.messages.length = 0;
      const input = scheduledEvent(deployment.scheduleInput, "2030-01-09T03:00:00Z");
      const { result }: any = await captureLog(() => handler({ phase: "failed", run: "run-gone", input, error: { Error: "States.ItemReaderFailed", Cause: "NoSuchKey" } }, lambdaContext()));
      expect(result.now).to.equal("2030-01-09T03:00:00.000Z");
      expect(result.errors.map((e: any) => e.code)).to.deep.equal(["States.ItemReaderFailed", "StoredRunUnreadable"]);
      expect(result.errors[1].message).to.match(new RegExp(`^the run's stored run cannot be used, so this report cannot name the repositories no batch reached \\(refused, nothing deleted: cannot read the stored run s3://${deployment.fanOut!.bucket}/runs/run-gone/run\\.json \\(NoSuchKey: `));
      expect(result.summary).to.include({ deleted: 0, failures: 2 });
      expect(result.report.json).to.match(/\/reports\/2030\/01\/09\/run-gone\.json$/);
      expect(reports.messages).to.have.length(1);
    });

    it("a failed run of 10,000 governed repositories and many errors: the step's result stays far under Step Functions' 256 KiB, the report in S3 has every entry", async () => {
      const { clients } = await registry();
      const reports = memoryOutlets();
      const { handler, store, run } = await fanOutRun(clients, {}, { reports });
      const stored = await store.get<StoredRun>(runKeys(run).stored);
      const governed = Array.from({ length: 10_000 }, (_, i) => `team-platform/service-${String(i).padStart(5, "0")}-images`);
      const errors = Array.from({ length: 2_000 }, (_, i) => ({ kind: "api-error", code: "AccessDeniedException", message: `repository ${governed[i]}: ${"denied ".repeat(300)}` }));
      await store.put(runKeys("run-big").stored, { ...stored, run: "run-big", governed, errors, warnings: errors.map((e) => e.message) });
      const { result }: any = await captureLog(() => handler({ phase: "failed", run: "run-big", input: {}, error: { Error: "States.ItemReaderFailed", Cause: "x".repeat(32_000) } }, lambdaContext()));

      expect(Buffer.byteLength(JSON.stringify(result))).to.be.below(128 * 1024);
      expect(result.counts).to.deep.equal({ errors: 2_001, warnings: 2_000 + stored.warnings.length, notReached: 10_000 });
      expect(result.summary).to.include({ repositoriesNotReached: 10_000, failures: 2_001 });
      expect(result.notReached).to.deep.equal(governed.slice(0, 20));
      expect(result.errors.map((e: any) => e.code)).to.deep.equal(Array(20).fill("AccessDeniedException"));
      expect(result.errors.every((e: any) => e.message.length <= 1000)).to.equal(true);
      const [report] = reports.jsonReports().filter((r) => r.notReached.length === 10_000);
      expect(report.errors).to.have.length(2_001);
      expect(report.errors.find((e: any) => e.code === "States.ItemReaderFailed").message).to.include("x".repeat(32_000));
      expect(result.report.json).to.match(/\/run-big\.json$/);
    });

    it("a step retried or re-run after it delivered publishes nothing more: one report, one notification per run", async () => {
      const { clients } = await registry();
      const reports = memoryOutlets();
      const fanOut = await fanOutRun(clients, { dryRun: false }, { reports });
      expect(fanOut.failed).to.equal(undefined);
      expect(reports.messages).to.have.length(1);
      const written = new Map(reports.objects);
      expect(written.size, "the report, its page and the notification's marker").to.equal(3);
      const key = [...written.keys()].find((k) => k.endsWith(".json"))!;

      // Step Functions retries the Aggregate task (its response was lost), then the failure path runs (it failed after all).
      const aggregate = fanOut.simulator.record.invocations.find((i) => i.payload.phase === "aggregate")!.payload;
      const retried: any = await captureLog(() => fanOut.handler(aggregate, lambdaContext()));
      const failed: any = await captureLog(() => fanOut.handler({ phase: "failed", run: fanOut.run, input: {}, error: { Error: "Lambda.Unknown", Cause: "lost" } }, lambdaContext()));
      expect(reports.messages).to.have.length(1);
      expect(reports.objects).to.deep.equal(written);
      for (const again of [retried.result, failed.result]) {
        expect(again.warnings).to.include(`the run's report s3://${key} was written by an earlier attempt of this run (a retried or re-run step): left as it is, and its notification not published again`);
        expect(again.report).to.deep.equal({ json: `s3://${key}`, html: `s3://${key.replace(/\.json$/, ".html")}` });
      }
      expect(retried.result.summary).to.deep.equal(fanOut.result.summary);
    });
  });
});
