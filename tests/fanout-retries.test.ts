/**
 * Retried batches, without AWS: what a worker's attempt records of its deletions (and what it does when a record
 * cannot be written), how the aggregate step adds earlier attempts' deletions to a repository's report, and how the
 * failure path reports a run from those records alone when the Map's results are missing.
 */
import { expect } from "chai";
import type { ImageLine, RepositoryReport } from "../runtime/engine/report";
import { DeletionRecorder } from "../runtime/fanout/deletionRecords";
import { emptyReport, readEarlierDeletions, withEarlierDeletions } from "../runtime/fanout/earlierAttempts";
import { aggregateRun, BatchReport } from "../runtime/fanout/aggregate";
import { recordedOutcomes } from "../runtime/fanout/failedRun";
import type { RunError } from "../runtime/engine/report";
import type { JsonStore } from "../runtime/fanout/storage";

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const ATTEMPT = "0-123e4567-e89b-12d3-a456-426614174000";

function line(n: number, outcome?: ImageLine["outcome"]): ImageLine {
  return {
    digest: digest(n), tags: [], pushedAt: "2030-01-01T00:00:00.000Z", sizeBytes: 100 * n, action: "delete", reason: "untagged-expired",
    policies: [{ policy: "flush", verdict: "delete", reason: "untagged-expired" }], ...(outcome ? { outcome } : {}),
  };
}

function report(deleted: number[]): RepositoryReport {
  const images = deleted.map((n) => line(n, "deleted"));
  const bytes = images.reduce((sum, l) => sum + l.sizeBytes, 0);
  return { ...emptyReport("app"), policies: ["flush"], images, imagesScanned: 10, toDelete: deleted.length, deleted: deleted.length, bytesToFree: bytes, bytesFreed: bytes };
}

function memoryStore(failing: (key: string) => boolean = () => false): JsonStore & { objects: Map<string, unknown> } {
  const objects = new Map<string, unknown>();
  return {
    bucket: "runs-bucket",
    objects,
    get: async <T>(key: string) => objects.get(key) as T,
    put: async (key: string, value: unknown) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (failing(key)) throw Object.assign(new Error("Access Denied"), { name: "AccessDenied" });
      objects.set(key, value);
    },
    list: async (prefix: string) => [...objects.keys()].filter((key) => key.startsWith(prefix)).sort(),
  };
}

describe("fan-out mode: retried batches", () => {
  describe("a worker's deletion records", () => {
    it("one object per delete call and per repository it deleted in, keyed by attempt; all written once settled() resolves", async () => {
      const store = memoryStore();
      const recorder = new DeletionRecorder(store, "run-1", ATTEMPT, new Map([["app", 3]]));
      recorder.deleteCall({ repository: "app", deleted: [digest(1), digest(2)], failed: [] });
      recorder.deleteCall({ repository: "app", deleted: [digest(3)], failed: [{ digest: digest(4), code: "ImageReferencedByManifestList" }] });
      recorder.repositoryDone(report([1, 2, 3]));
      recorder.repositoryDone(report([])); // nothing deleted: nothing to record
      expect(store.objects.size, "the writes are asynchronous").to.equal(0);
      expect(await recorder.settled()).to.deep.equal([]);
      expect([...store.objects.keys()]).to.deep.equal([
        `runs/run-1/deletions/${ATTEMPT}/call-000001.json`,
        `runs/run-1/deletions/${ATTEMPT}/call-000002.json`,
        `runs/run-1/deletions/${ATTEMPT}/repository-3.json`,
      ]);
      expect(store.objects.get(`runs/run-1/deletions/${ATTEMPT}/call-000002.json`)).to.deep.equal({
        attempt: ATTEMPT, repository: "app", deleted: [digest(3)], failed: [{ digest: digest(4), code: "ImageReferencedByManifestList" }],
      });
      expect(store.objects.get(`runs/run-1/deletions/${ATTEMPT}/repository-3.json`)).to.deep.include({ repository: "app", bytesFreed: 600 });
    });

    it("a record that cannot be written is an error of its repository, never silent", async () => {
      const recorder = new DeletionRecorder(memoryStore((key) => key.endsWith("call-000001.json")), "run-1", ATTEMPT, new Map([["app", 0]]));
      recorder.deleteCall({ repository: "app", deleted: [digest(1)], failed: [] });
      const errors = await recorder.settled();
      expect(errors).to.have.length(1);
      expect(errors[0]).to.include({ kind: "api-error", repository: "app", code: "AccessDenied" });
      expect(errors[0].message).to.match(/^cannot record what this run deleted in s3:\/\/runs-bucket\/runs\/run-1\/deletions\/.*call-000001\.json \(Access Denied\)/);
    });
  });

  describe("the aggregate step adds what earlier attempts deleted", () => {
    it("an earlier attempt that finished the repository: its lines and bytes, counted as a single run counts them", () => {
      const warnings: string[] = [];
      const earlier = { digests: new Set([digest(1), digest(2)]), finished: [{ lines: [line(1, "deleted"), line(2, "deleted")], bytesFreed: 300 }] };
      const merged = withEarlierDeletions(report([5]), earlier, warnings);
      expect(merged).to.include({ deleted: 3, toDelete: 3, imagesScanned: 12, bytesFreed: 800, bytesToFree: 800 });
      expect(merged.images.map((l) => l.digest)).to.deep.equal([digest(5), digest(1), digest(2)]);
      expect(warnings).to.deep.equal([]);
    });

    it("an attempt that stopped in the middle of the repository: its digests counted, and named in a warning since their bytes are unknown", () => {
      const warnings: string[] = [];
      const merged = withEarlierDeletions(report([5]), { digests: new Set([digest(1), digest(2)]), finished: [] }, warnings);
      expect(merged).to.include({ deleted: 3, bytesFreed: 500 });
      expect(merged.images.map((l) => l.digest)).to.deep.equal([digest(5)]);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/^app: 2 image\(s\) deleted by an earlier attempt of its batch are counted in deleted; 2 of them are known by digest only/);
      expect(warnings[0]).to.include(digest(1));
    });

    it("each image once, however many attempts deleted it; bytes it cannot split make bytesFreed a lower bound", () => {
      const warnings: string[] = [];
      const earlier = { digests: new Set([digest(1), digest(5)]), finished: [{ lines: [line(1, "deleted"), line(5, "deleted")], bytesFreed: 600 }] };
      const merged = withEarlierDeletions(report([5]), earlier, warnings);
      expect(merged).to.include({ deleted: 2, bytesFreed: 500 });
      expect(merged.images.map((l) => l.digest)).to.deep.equal([digest(5), digest(1)]);
      expect(warnings).to.deep.equal(["app: 1 image(s) deleted by an earlier attempt of its batch are counted in deleted; bytesFreed is a lower bound"]);
    });

    it("what an earlier attempt archived: counted in archived and toArchive (as deletions are), with its lines and bytes", () => {
      const warnings: string[] = [];
      const archivedLine = { ...line(3, "archived"), action: "archive" as const };
      const earlier = { digests: new Set<string>(), archived: new Set([digest(3), digest(4)]), finished: [{ lines: [archivedLine], bytesFreed: 0, bytesArchived: 300 }] };
      const merged = withEarlierDeletions(report([5]), earlier, warnings);
      expect(merged).to.include({ deleted: 1, toDelete: 1, archived: 2, toArchive: 2, bytesArchived: 300, bytesToArchive: 300, bytesFreed: 500, imagesScanned: 12 });
      expect(merged.images.map((l) => l.digest)).to.deep.equal([digest(5), digest(3)]);
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/^app: 2 image\(s\) archived by an earlier attempt of its batch are counted in archived; 1 of them are known by digest only/);
    });

    it("a worker records its archive calls and the repository it archived in; the aggregate step reads them back", async () => {
      const store = memoryStore();
      const recorder = new DeletionRecorder(store, "run-1", ATTEMPT, new Map([["app", 0]]));
      recorder.deleteCall({ repository: "app", deleted: [], failed: [], archived: [digest(7)] });
      const archivedLine = { ...line(7, "archived"), action: "archive" as const };
      recorder.repositoryDone({ ...emptyReport("app"), images: [archivedLine], toArchive: 1, archived: 1, bytesToArchive: 700, bytesArchived: 700 });
      expect(await recorder.settled()).to.deep.equal([]);
      const earlier = (await readEarlierDeletions(store, "run-1", new Set())).get("app")!;
      expect([...earlier.digests]).to.deep.equal([]);
      expect([...earlier.archived!]).to.deep.equal([digest(7)]);
      expect(earlier.finished.map((f) => [f.lines.map((l) => l.digest), f.bytesArchived])).to.deep.equal([[[digest(7)], 700]]);
      expect(withEarlierDeletions(emptyReport("app"), earlier, [])).to.include({ archived: 1, toArchive: 1, bytesArchived: 700 });
    });

    it("nothing new: the report unchanged", () => {
      const original = report([1, 2]);
      expect(withEarlierDeletions(original, { digests: new Set([digest(1)]), finished: [] }, [])).to.equal(original);
    });
  });

  describe("the failure path: the run's outcomes from the batch records alone (no Map results)", () => {
    const attempt = (batch: number, id: string) => `${batch}-${id}-e89b-12d3-a456-426614174000`;
    const STORED = { now: "2030-01-10T03:00:00.000Z", apply: true, governed: ["app", "lib", "svc", "web"], notGoverned: [], errors: [], warnings: [] };
    const batchReport = (repositories: RepositoryReport[], notReached: string[] = []): Omit<BatchReport, "attempt"> => ({ repositories, notReached, warnings: [] });

    it("one report per batch, every other attempt's deletions added; what only a dead attempt reached listed and not reached; an unreadable record an error, the rest counted", async () => {
      const store = memoryStore();
      // Batch 0 ran twice: the attempt first in key order found app's images gone, the other had deleted them.
      const first = attempt(0, "00000000"), second = attempt(0, "ffffffff");
      await store.put(`runs/run-1/reports/${first}.json`, batchReport([{ ...emptyReport("app"), imagesScanned: 8 }]));
      await store.put(`runs/run-1/reports/${second}.json`, batchReport([report([1, 2])]));
      const deleter = new DeletionRecorder(store, "run-1", second, new Map([["app", 0]]));
      deleter.deleteCall({ repository: "app", deleted: [digest(1), digest(2)], failed: [] });
      deleter.repositoryDone(report([1, 2]));
      // Batch 1's only attempt died in lib after one delete call: no report, a call record.
      const dead = new DeletionRecorder(store, "run-1", attempt(1, "11111111"), new Map([["lib", 1]]));
      dead.deleteCall({ repository: "lib", deleted: [digest(3)], failed: [] });
      // Batch 2's only attempt left a record that is not one a worker writes, beside one that is.
      await store.put(`runs/run-1/deletions/${attempt(2, "22222222")}/call-000009.json`, { nonsense: true });
      const odd = new DeletionRecorder(store, "run-1", attempt(2, "22222222"), new Map([["svc", 2]]));
      odd.deleteCall({ repository: "svc", deleted: [digest(4)], failed: [] });
      // Not a batch report; and a key of another shape, ignored.
      await store.put(`runs/run-1/reports/${attempt(3, "33333333")}.json`, { repositories: "web" });
      await store.put("runs/run-1/reports/notes.txt", "not an attempt");
      expect(await Promise.all([deleter.settled(), dead.settled(), odd.settled()])).to.deep.equal([[], [], []]);

      const problems: RunError[] = [];
      const run = aggregateRun({ ...STORED, errors: problems }, await recordedOutcomes(store, "run-1", STORED.governed, (r) => r, problems));
      expect(run.repositories.map((r) => [r.repository, r.deleted, r.images.map((l) => l.digest)])).to.deep.equal([
        ["app", 2, [digest(1), digest(2)]],
        ["lib", 1, []],
        ["svc", 1, []],
      ]);
      expect(run.summary).to.include({ deleted: 4, bytesFreed: 300, failures: 2 });
      expect(run.notReached).to.deep.equal(["lib", "svc", "web"]);
      expect(problems.map((p) => p.message)).to.deep.equal([
        `s3://runs-bucket/runs/run-1/reports/${attempt(3, "33333333")}.json is not a batch report a worker writes`,
        `s3://runs-bucket/runs/run-1/deletions/${attempt(2, "22222222")}/call-000009.json is not a delete-call record a worker writes: what it records is in the function's delete-call lines`,
      ]);
    });

    it("no records at all (the Map failed before any batch ran): every governed repository not reached, nothing deleted", async () => {
      const problems: RunError[] = [];
      const run = aggregateRun(STORED, await recordedOutcomes(memoryStore(), "run-1", STORED.governed, (r) => r, problems));
      expect(run.summary).to.include({ deleted: 0, repositories: 0 });
      expect(run.notReached).to.deep.equal(STORED.governed);
      expect(problems).to.deep.equal([]);
    });

    it("reports it cannot list are an error of the run, and the deletion records still count", async () => {
      const store = memoryStore();
      const recorder = new DeletionRecorder(store, "run-1", ATTEMPT, new Map([["app", 0]]));
      recorder.deleteCall({ repository: "app", deleted: [digest(1)], failed: [] });
      await recorder.settled();
      const failing = { ...store, list: async (prefix: string) => (prefix.includes("/reports/") ? Promise.reject(Object.assign(new Error("Slow Down"), { name: "SlowDown" })) : store.list(prefix)) };
      const problems: RunError[] = [];
      const run = aggregateRun(STORED, await recordedOutcomes(failing, "run-1", STORED.governed, (r) => r, problems));
      expect(run.summary.deleted).to.equal(1);
      expect(problems).to.deep.equal([{ kind: "api-error", code: "SlowDown", message: "cannot list the batches' reports under s3://runs-bucket/runs/run-1/reports/ (Slow Down)" }]);
    });
  });
});
