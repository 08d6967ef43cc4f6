/**
 * Single-function mode without reserved concurrency (`reservedConcurrency: false`): the run lock keeps runs apart.
 * 20 invocations start at once against the ECR emulator and the S3 object emulator: one run cleans, the 19 others
 * delete nothing and say who holds the lock; the lock is released at the end, so the next run goes ahead.
 */
import { expect } from "chai";
import type { S3Client } from "@aws-sdk/client-s3";
import { createHandler, HandlerResult } from "../runtime/lambda/handler";
import { LOCK_KEY, releaseLock, takeLock } from "../runtime/lock/runLock";
import { S3Objects } from "./emulator/s3-objects";
import type { EcrEmulator } from "./emulator/server";
import { emulatorPerTest } from "./support/emulator-per-test";
import { captureLog, destroyAll, emulatorClients, lambdaContext, s3ClientFor } from "./support/in-process";

const CLOCK = new Date("2030-06-01T12:00:00.000Z");
const DAY = 86_400_000;
const CONFIG = JSON.stringify({ policies: [{ name: "flush", significant_tags: "*", protected_period: "7d", protected_count: 2 }] });
const BUCKET = "lock-bucket";

describe("single-function mode with the run lock", function () {
  this.timeout(60_000);
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "app");
  let s3Objects: S3Objects;
  let s3: S3Client;
  beforeEach(async () => {
    s3Objects = await new S3Objects({ writeLatencyMs: 5 }).start();
    s3 = s3ClientFor(s3Objects.endpoint);
  });
  afterEach(async () => {
    s3.destroy();
    await s3Objects.stop();
  });

  function handlerFor(clients: ReturnType<typeof emulatorClients>) {
    return createHandler({
      env: () => ({ ECR_CLEANUP_CONFIG: CONFIG, ECR_CLEANUP_DRY_RUN: "false", ECR_CLEANUP_LOCK_BUCKET: BUCKET }),
      clients: () => clients,
      ssm: () => {
        throw new Error("no cursor in this test");
      },
      runLock: (bucket) => ({
        take: (owner, lifetimeMs) => takeLock({ s3, bucket }, owner, lifetimeMs, () => CLOCK),
        release: (lock) => releaseLock({ s3, bucket }, lock, () => CLOCK),
      }),
      clock: () => CLOCK,
    });
  }

  it("of 20 invocations that start together, one runs; the others delete nothing and report who holds the lock", async () => {
    const old = Array.from({ length: 12 }, (_, i) => emulator.registry.putImage("app", { pushedAt: new Date(CLOCK.getTime() - (30 + i) * DAY) }).digest);
    const clients = emulatorClients(emulator.endpoint);
    // The winner's run lasts long enough for every other start to find its lock; runs that start after it ends may
    // take the lock in turn (they would not overlap it), so the listing is held up and counted.
    let running = 0;
    let mostAtOnce = 0;
    emulator.beforeOperation("DescribeRepositories", async () => {
      mostAtOnce = Math.max(mostAtOnce, ++running);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      running--;
    });
    try {
      const handler = handlerFor(clients);
      const { result, lines } = await captureLog(() =>
        Promise.all(Array.from({ length: 20 }, (_, i) => handler({ scheduledTime: CLOCK.toISOString() }, { ...lambdaContext(), awsRequestId: `request-${i}` }))));
      const ran = result.filter((r: HandlerResult) => !r.skipped);
      const skipped = result.filter((r: HandlerResult) => r.skipped);
      expect(ran).to.have.length(1);
      expect(skipped).to.have.length(19);
      expect(mostAtOnce).to.equal(1);
      // protected_count 2 of 12 untagged images older than the period: 10 deleted, once.
      expect(ran[0].summary.deleted).to.equal(10);
      expect(emulator.calls.BatchDeleteImage).to.equal(1);
      for (const r of skipped) {
        expect(r.summary).to.include({ deleted: 0, repositories: 0 });
        expect(r.skipped).to.match(/^another run is going: run "request-\d+" holds the run lock since 2030-06-01T12:00:00.000Z \(it expires at 2030-06-01T12:16:00.000Z\)$|kept changing/);
      }
      expect(lines.filter((l) => l.type === "run-skipped")).to.have.length(19);
      expect(emulator.registry.images("app").length).to.equal(old.length + 0 - 10);
      // Released at the end: the next run takes it.
      expect(JSON.parse(s3Objects.objects.get(`${BUCKET}/${LOCK_KEY}`)!.body)).to.include({ released: true });
      const next = await captureLog(() => handler({}, { ...lambdaContext(), awsRequestId: "next" }));
      expect(next.result.skipped).to.equal(undefined);
    } finally {
      destroyAll(Object.values(clients));
    }
  });

  it("a run whose lock expired and was taken over leaves the new holder's lock alone at its end", async () => {
    const clients = emulatorClients(emulator.endpoint);
    try {
      const handler = handlerFor(clients);
      // The usurper overwrites the lock during the run (as a taker after an expiry would).
      emulator.beforeOperation("DescribeRepositories", () => {
        s3Objects.objects.set(`${BUCKET}/${LOCK_KEY}`, { body: JSON.stringify({ owner: "usurper", takenAt: CLOCK.toISOString(), expiresAt: "2030-06-02T00:00:00.000Z" }), etag: '"usurped"', lastModified: CLOCK });
      });
      const { result, lines } = await captureLog(() => handler({}, { ...lambdaContext(), awsRequestId: "slow" }));
      expect(result.skipped).to.equal(undefined);
      expect(JSON.parse(s3Objects.objects.get(`${BUCKET}/${LOCK_KEY}`)!.body)).to.include({ owner: "usurper" });
      expect(lines.some((l) => l.type === "warning" && /taken over after it expired/.test(l.message))).to.equal(true);
    } finally {
      destroyAll(Object.values(clients));
    }
  });
});
