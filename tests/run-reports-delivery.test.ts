/**
 * Delivering a run's report when attempts of the run repeat (Step Functions retries a task whose response was lost,
 * Lambda retries an asynchronous invocation under the same request id, an execution is redriven), with the in-memory
 * bucket and topic: every run that needs a notification gets at least one, and a second only if an attempt died
 * between publishing and recording it.
 */
import { expect } from "chai";
import type { RunReport } from "../runtime/engine/report";
import { summarize } from "../runtime/engine/report";
import { deliverReport, notifiedKey, reportKeys } from "../runtime/lambda/runReports";
import type { ReportOutlets } from "../runtime/lambda/reportOutlets";
import { memoryOutlets, MemoryOutlets } from "./support/memory-outlets";

const ENV = { ECR_CLEANUP_REPORTS_BUCKET: "reports", ECR_CLEANUP_NOTIFY_TOPIC: "arn:aws:sns:us-east-1:123456789012:t", ECR_CLEANUP_NOTIFY: "changes", AWS_REGION: "us-east-1" };
const RUN = { id: "run-1", functionName: "fn" };
const KEYS = reportKeys("2030-01-10T03:00:00.000Z", RUN.id);
const crash = () => Promise.reject(Object.assign(new Error("the runtime exited"), { name: "Sandbox.Crashed" }));

function deletedFive(): RunReport {
  return {
    apply: true, now: "2030-01-10T03:00:00.000Z", repositories: [], notGoverned: [], notReached: [], errors: [], warnings: [],
    summary: { ...summarize([], []), repositories: 1, toDelete: 5, deleted: 5 },
  };
}

/** The outlets with one call replaced. */
const replacing = (memory: MemoryOutlets, over: Partial<ReportOutlets>): (() => Promise<ReportOutlets>) => async () => ({ ...memory, ...over });
const keysIn = (memory: MemoryOutlets) => [...memory.objects.keys()].sort();

describe("run reports: an attempt repeated", () => {
  it("S3's answer to the report's write is lost (the SDK's retry of it refused, 412): the attempt knows its own report, writes the page and publishes", async () => {
    const memory = memoryOutlets();
    // As the SDK's retry sees it: the first write reached S3, the retry of it is refused.
    const lostAnswer = replacing(memory, { create: async (...args) => (await memory.create(...args), false) });
    const report = deletedFive();
    const delivered = await deliverReport(report, RUN, ENV, lostAnswer);
    expect(delivered).to.deep.include({ notified: true });
    expect(delivered.alreadyDelivered).to.equal(undefined);
    expect(memory.messages).to.have.length(1);
    expect(keysIn(memory)).to.deep.equal([`reports/${KEYS.html}`, `reports/${KEYS.json}`, `reports/${notifiedKey(KEYS.json)}`].sort());
    expect(report.warnings).to.deep.equal([]);
  });

  it("an attempt dies between writing the report and publishing: the next attempt writes the page and publishes, and one after that publishes nothing", async () => {
    const memory = memoryOutlets();
    const first = deletedFive();
    await deliverReport(first, RUN, ENV, replacing(memory, { put: crash, publish: crash })).catch(() => undefined);
    expect(keysIn(memory)).to.deep.equal([`reports/${KEYS.json}`]);
    expect(memory.messages).to.deep.equal([]);

    const retried = deletedFive();
    expect(await deliverReport(retried, RUN, ENV, async () => memory)).to.deep.include({ notified: true });
    expect(memory.messages).to.have.length(1);
    expect(keysIn(memory)).to.deep.equal([`reports/${KEYS.html}`, `reports/${KEYS.json}`, `reports/${notifiedKey(KEYS.json)}`].sort());
    expect(retried.warnings).to.deep.equal([
      `the run's report s3://reports/${KEYS.json} was written by an earlier attempt of this run that recorded no notification (it stopped before publishing, or could not publish): the report is left as it is, and this attempt writes the page and publishes the notification`,
    ]);

    const again = deletedFive();
    expect(await deliverReport(again, RUN, ENV, async () => memory)).to.deep.include({ notified: false, alreadyDelivered: true });
    expect(memory.messages).to.have.length(1);
  });

  it("an attempt whose publish failed (counted as a failure): the next attempt publishes", async () => {
    const memory = memoryOutlets();
    const first = deletedFive();
    expect(await deliverReport(first, RUN, ENV, replacing(memory, { publish: () => Promise.reject(Object.assign(new Error("Rate exceeded"), { name: "Throttling" })) }))).to.deep.include({ notified: false });
    expect(first.summary.failures).to.equal(1);
    expect(await deliverReport(deletedFive(), RUN, ENV, async () => memory)).to.deep.include({ notified: true });
    expect(memory.messages).to.have.length(1);
  });

  it("the earlier attempt's record cannot be read (HeadObject fails): publishes rather than risk no notification at all", async () => {
    const memory = memoryOutlets();
    await deliverReport(deletedFive(), RUN, ENV, async () => memory);
    memory.objects.delete(`reports/${notifiedKey(KEYS.json)}`); // as if that attempt died before recording
    const unreadable = replacing(memory, { metadata: () => Promise.reject(Object.assign(new Error("Slow Down"), { name: "SlowDown" })) });
    expect(await deliverReport(deletedFive(), RUN, ENV, unreadable)).to.deep.include({ notified: true });
    expect(memory.messages).to.have.length(2);
  });

  it("the notification's marker cannot be written: a warning says a retried step would publish again, and the run is not failed for it", async () => {
    const memory = memoryOutlets();
    const report = deletedFive();
    const noMarker = replacing(memory, { create: (bucket, key, ...rest) => (key.endsWith(".notified") ? Promise.reject(Object.assign(new Error("Access Denied"), { name: "AccessDenied" })) : memory.create(bucket, key, ...rest)) });
    expect(await deliverReport(report, RUN, ENV, noMarker)).to.deep.include({ notified: true });
    expect(report.summary.failures).to.equal(0);
    expect(report.warnings).to.deep.equal([`cannot record the run's notification in s3://reports/${notifiedKey(KEYS.json)} (Access Denied): a retried step of this run would publish it again`]);
  });
});
