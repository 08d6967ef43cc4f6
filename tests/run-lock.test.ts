/**
 * The run lock (runtime/lock/runLock.ts) under concurrent starts: against the S3 object emulator (atomic conditional
 * writes, S3's 412 and 409 answers) with 20 runs starting at once, and against moto for the same answers one at a
 * time (moto's threaded server does not serialise concurrent conditional writes, so the concurrent cases run on the
 * emulator only).
 */
import { expect } from "chai";
import { S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
import { HeldLock, LOCK_KEY, LockPlace, releaseLock, stillHeld, takeLock } from "../runtime/lock/runLock";
import { S3Objects } from "./emulator/s3-objects";
import { s3ClientFor } from "./support/in-process";
import { motoForSuite } from "./support/moto-suite";

const BUCKET = "runs";
const HOUR = 3_600_000;
const owners = (n: number) => Array.from({ length: n }, (_, i) => `run-${i}`);

function lockBody(emulator: S3Objects): Record<string, unknown> {
  return JSON.parse(emulator.objects.get(`${BUCKET}/${LOCK_KEY}`)!.body);
}

describe("run lock", function () {
  this.timeout(30_000);

  for (const writeLatencyMs of [0, 25]) {
    describe(`on the S3 emulator${writeLatencyMs ? `, writes in flight for ${writeLatencyMs} ms (409 ConditionalRequestConflict)` : ""}`, () => {
      let emulator: S3Objects;
      let s3: S3Client;
      let place: LockPlace;
      beforeEach(async () => {
        emulator = await new S3Objects({ writeLatencyMs }).start();
        s3 = s3ClientFor(emulator.endpoint);
        place = { s3, bucket: BUCKET };
      });
      afterEach(async () => {
        s3.destroy();
        await emulator.stop();
      });

      it("of 20 runs that start at once, exactly one takes the lock; the others are told who holds it", async () => {
        const results = await Promise.all(owners(20).map((owner) => takeLock(place, owner, HOUR)));
        const winners = results.filter((r) => r.taken);
        expect(winners).to.have.length(1);
        const winner = (winners[0] as { lock: HeldLock }).lock.owner;
        expect(lockBody(emulator).owner).to.equal(winner);
        for (const r of results.filter((x) => !x.taken)) {
          expect((r as { reason: string }).reason).to.match(new RegExp(`^another run is going: run "${winner}" holds the run lock since .* \\(it expires at .*\\)$|kept changing`));
        }
        if (writeLatencyMs) expect(emulator.log.some((l) => l.status === 409), "409s were answered").to.equal(true);
        else expect(emulator.log.filter((l) => l.method === "PUT" && l.status === 412).length).to.be.greaterThan(0);
      });

      it("of 20 runs that find the same expired lock, exactly one takes it over (If-Match on its ETag)", async () => {
        let now = new Date("2030-01-01T00:00:00Z");
        const crashed = await takeLock(place, "crashed", HOUR, () => now);
        expect(crashed.taken).to.equal(true);
        // Not yet expired: nobody takes it.
        now = new Date("2030-01-01T00:59:59Z");
        expect((await takeLock(place, "early", HOUR, () => now)).taken).to.equal(false);
        now = new Date("2030-01-01T01:00:00Z");
        const results = await Promise.all(owners(20).map((owner) => takeLock(place, owner, HOUR, () => now)));
        expect(results.filter((r) => r.taken)).to.have.length(1);
        expect(lockBody(emulator).owner).to.not.equal("crashed");
        // The crashed run, were it still going, would find it lost and delete nothing; its release leaves the new lock.
        const old = (crashed as { lock: HeldLock }).lock;
        expect(await stillHeld(place, old)).to.deep.include({ held: false });
        expect((await stillHeld(place, old) as { reason: string }).reason).to.match(/^the run lock was taken over: run "run-\d+" holds/);
        const before = emulator.objects.get(`${BUCKET}/${LOCK_KEY}`)!.etag;
        expect(await releaseLock(place, old)).to.deep.include({ released: false });
        expect(emulator.objects.get(`${BUCKET}/${LOCK_KEY}`)!.etag).to.equal(before);
      });

      it("a released lock is taken by the next run; a release by its holder frees it, a second release does nothing", async () => {
        const first = await takeLock(place, "first", HOUR);
        if (!first.taken) throw new Error(first.reason);
        expect(await stillHeld(place, first.lock)).to.deep.equal({ held: true });
        expect(await releaseLock(place, first.lock)).to.deep.equal({ released: true });
        expect(lockBody(emulator)).to.include({ owner: "first", released: true });
        expect(await stillHeld(place, first.lock)).to.deep.equal({ held: false, reason: "the run lock was released: this run has ended" });
        const results = await Promise.all(owners(20).map((owner) => takeLock(place, owner, HOUR)));
        expect(results.filter((r) => r.taken)).to.have.length(1);
        expect(await releaseLock(place, first.lock)).to.deep.include({ released: false });
        expect(lockBody(emulator).released).to.equal(undefined);
      });

      it("a retried step of the run that holds the lock keeps it (same owner, same ETag)", async () => {
        const first = await takeLock(place, "exec-1", HOUR);
        const again = await takeLock(place, "exec-1", HOUR);
        expect(again).to.deep.equal(first);
      });
    });
  }

  describe("on moto (one request at a time)", () => {
    const aws = motoForSuite();
    let s3: S3Client;
    before(async () => {
      s3 = s3ClientFor(aws.moto.endpoint);
      await s3.send(new CreateBucketCommand({ Bucket: "moto-runs" }));
    });
    after(() => s3?.destroy());

    it("moto agrees: If-None-Match refuses a second taker, If-Match takes over an expired lock and refuses a stale release", async () => {
      const place = { s3, bucket: "moto-runs" };
      let now = new Date("2030-01-01T00:00:00Z");
      const first = await takeLock(place, "a", HOUR, () => now);
      if (!first.taken) throw new Error(first.reason);
      const second = await takeLock(place, "b", HOUR, () => now);
      expect(second).to.deep.include({ taken: false });
      now = new Date("2030-01-01T02:00:00Z");
      const takeover = await takeLock(place, "c", HOUR, () => now);
      expect(takeover.taken).to.equal(true);
      expect(await releaseLock(place, first.lock)).to.deep.include({ released: false });
      expect(await stillHeld(place, (takeover as { lock: HeldLock }).lock)).to.deep.equal({ held: true });
      expect(await releaseLock(place, (takeover as { lock: HeldLock }).lock)).to.deep.equal({ released: true });
    });
  });
});
