/**
 * The pure steps of carrying out a plan (runtime/engine/apply/): the order of the calls, what must hold before each,
 * the members to restore under a holder that changed, and the reading of a call's answer and of describing again.
 * Table-driven, exact expectations.
 */
import { expect } from "chai";
import { answeredDeletes } from "../runtime/engine/apply/deleteBatch";
import { archiveNotReady, checkBatches, deleteNotReady, membersByHolder, pendingHolders, wavesOf } from "../runtime/engine/apply/order";
import { membersToRestore } from "../runtime/engine/apply/restoreUnderHolders";
import { settledArchive, settledDeletes } from "../runtime/engine/apply/settle";
import type { Action, ImageDecision, ImageRecord } from "../runtime/planner/types";

const decision = (digest: string, action: Action, wave = 0, heldBy?: string[], reason: ImageDecision["reason"] = "untagged-expired"): ImageDecision => ({
  image: { digest, tags: [], sizeBytes: 1, pushedAt: 1 },
  action,
  reason,
  verdicts: [],
  wave,
  ...(heldBy ? { heldBy } : {}),
});
const digests = (list: readonly ImageDecision[]) => list.map((d) => d.image.digest);
const among = (...set: string[]) => (digest: string) => set.includes(digest);
const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });

describe("carrying out a plan: the pure steps", () => {
  describe("wavesOf", () => {
    const ds = [decision("a", "delete", 1), decision("b", "delete", 0), decision("c", "delete", 2), decision("d", "delete", 0)];
    for (const [order, expected] of [
      ["ascending", [["b", "d"], ["a"], ["c"]]],
      ["descending", [["c"], ["a"], ["b", "d"]]],
    ] as const) {
      it(`${order}: ${JSON.stringify(expected)}`, () => expect(wavesOf(ds, order).map(digests)).to.deep.equal(expected));
    }
    it("no decisions: no waves", () => expect(wavesOf([], "ascending")).to.deep.equal([]));
  });

  it("membersByHolder: each holder's members, in the decisions' order", () => {
    const ds = [decision("i", "archive"), decision("m1", "archive", 1, ["i"]), decision("s", "archive", 2, ["i", "m1"]), decision("m2", "archive", 1, ["i"])];
    const holds = membersByHolder(ds);
    expect([...holds].map(([h, ms]) => [h, digests(ms)])).to.deep.equal([["i", ["m1", "s", "m2"]], ["m1", ["s"]]]);
  });

  describe("deleteNotReady", () => {
    const cases: [string, ImageDecision, string[], string | undefined][] = [
      ["a top-level image", decision("a", "delete"), [], undefined],
      ["a member whose holder was deleted", decision("m", "delete", 1, ["i"]), ["i"], undefined],
      ["a member with one holder not deleted", decision("m", "delete", 1, ["i", "j"]), ["i"], "member-of-kept"],
      ["a member whose holder was not deleted", decision("m", "delete", 1, ["i"]), [], "member-of-kept"],
    ];
    for (const [name, d, deleted, expected] of cases) it(`${name}: ${expected ?? "ready"}`, () => expect(deleteNotReady(d, among(...deleted))).to.equal(expected));
  });

  describe("archiveNotReady", () => {
    const index = decision("i", "archive");
    const member = decision("m", "archive", 1, ["i"]);
    const holds = membersByHolder([index, member]);
    const archiving = new Map([index, member].map((d) => [d.image.digest, d]));
    const keptHolder = decision("k", "keep");
    const cases: [string, ImageDecision, string[], string[], string | undefined][] = [
      ["the index, its member archived", index, [], ["m"], undefined],
      ["the index, its member not archived", index, [], [], "member-not-archived"],
      ["the member, its holder to be archived", member, [], [], undefined],
      ["a member of an expired index deleted by this run", decision("x", "archive", 1, ["e"]), ["e"], [], undefined],
      ["a member of a holder that stays", decision("y", "archive", 1, [keptHolder.image.digest]), [], [], "member-of-kept"],
    ];
    for (const [name, d, deleted, archived, expected] of cases) {
      it(`${name}: ${expected ?? "ready"}`, () => expect(archiveNotReady(d, holds, archiving, among(...deleted), among(...archived))).to.equal(expected));
    }
  });

  describe("pendingHolders", () => {
    const index = decision("i", "archive");
    const manifest = decision("m", "archive", 1, ["i"]);
    const signature = decision("s", "archive", 2, ["m"]);
    const archiving = new Map([index, manifest, signature].map((d) => [d.image.digest, d]));
    it("transitively, every holder still to archive", () => expect(digests(pendingHolders(signature, archiving, among()))).to.deep.equal(["m", "i"]));
    it("not the ones archived already", () => expect(digests(pendingHolders(signature, archiving, among("m")))).to.deep.equal([]));
    it("not a holder kept since (its action is keep)", () => {
      const kept = new Map([...archiving].map(([k, d]) => [k, k === "i" ? { ...d, action: "keep" as const } : d]));
      expect(digests(pendingHolders(signature, kept, among()))).to.deep.equal(["m"]);
    });
    it("a holder this plan does not archive: none", () => expect(digests(pendingHolders(decision("x", "archive", 1, ["other"]), archiving, among()))).to.deep.equal([]));
  });

  describe("checkBatches", () => {
    const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => decision(`${prefix}${i}`, "delete"));
    it("at most 100 a batch", () => expect(checkBatches(many(250, "d"), () => []).map((b) => b.length)).to.deep.equal([100, 100, 50]));
    it("what each needs checked counts toward the 100, once per batch", () => {
      const holder = decision("h", "archive");
      expect(checkBatches(many(150, "m"), () => [holder]).map((b) => b.length)).to.deep.equal([99, 51]);
    });
    it("none: no batch", () => expect(checkBatches([], () => [])).to.deep.equal([]));
  });

  describe("membersToRestore", () => {
    const index = decision("i", "keep", 0, undefined, "changed-since-plan");
    const manifest = decision("m", "archive", 1, ["i"]);
    const signature = decision("s", "archive", 2, ["m"]);
    const other = decision("o", "archive", 1, ["j"]);
    const toArchive = [index, manifest, signature, other, decision("j", "archive")];
    const holds = membersByHolder(toArchive);
    const cases: [string, string[], [string, string][]][] = [
      ["members archived under a changed holder, transitively", ["m", "s", "o"], [["m", "i"], ["s", "i"]]],
      ["only what this run archived", ["s"], []],
      ["nothing archived", [], []],
    ];
    for (const [name, archived, expected] of cases) it(name, () => expect([...membersToRestore(toArchive, holds, among(...archived))]).to.deep.equal(expected));
  });

  describe("answeredDeletes", () => {
    it("deleted, refused by name, and silent: said nothing, ImageNotFound (described again: gone is this run's deletion), and both deleted and refused", () => {
      const answer = {
        deleted: new Set(["a", "f"]),
        failures: [
          { digest: "b", code: "ImageNotFound", reason: "Requested image not found" },
          { digest: "c", code: "ImageReferencedByManifestList", reason: "listed by sha256:i" },
          { digest: "e", code: "KmsError", reason: "" },
          { digest: "f", code: "KmsError", reason: "" },
        ],
      };
      expect(answeredDeletes(["a", "b", "c", "d", "e", "f"], answer)).to.deep.equal({
        verdicts: [
          { digest: "a", outcome: { outcome: "deleted" } },
          {
            digest: "c",
            outcome: { outcome: "failed", failure: { code: "ImageReferencedByManifestList", reason: "listed by sha256:i" } },
            error: { code: "ImageReferencedByManifestList", message: "ECR refused to delete c: ImageReferencedByManifestList (listed by sha256:i)" },
          },
          { digest: "e", outcome: { outcome: "failed", failure: { code: "KmsError", reason: "" } }, error: { code: "KmsError", message: "ECR refused to delete e: KmsError" } },
        ],
        silent: ["b", "d", "f"],
      });
    });
  });

  describe("settledDeletes", () => {
    const lost = awsError("TimeoutError");
    it("a silent answer: gone is deleted, still there is this image's failure", () => {
      expect(settledDeletes(["a", "b"], undefined, { present: new Set(["b"]) })).to.deep.equal([
        { digest: "a", outcome: { outcome: "deleted" } },
        {
          digest: "b",
          outcome: { outcome: "failed", failure: { code: "DeleteUnconfirmed", reason: "" } },
          error: { code: "DeleteUnconfirmed", message: "the delete call neither confirmed nor refused it for b, which is still there" },
        },
      ]);
    });
    it("a lost answer: gone is deleted, still there failed with the call's error (the repository's error says why)", () => {
      expect(settledDeletes(["a", "b"], lost, { present: new Set(["b"]) })).to.deep.equal([
        { digest: "a", outcome: { outcome: "deleted" } },
        { digest: "b", outcome: { outcome: "failed", failure: { code: "TimeoutError", reason: "the delete call failed (TimeoutError)" } } },
      ]);
    });
    it("describing again failed: unconfirmed, and said so", () => {
      expect(settledDeletes(["a"], lost, { error: awsError("ThrottlingException", "Rate exceeded") })).to.deep.equal([
        {
          digest: "a",
          outcome: { outcome: "unconfirmed", failure: { code: "ThrottlingException", reason: "the delete call failed (TimeoutError)" } },
          error: { code: "DeleteUnconfirmed", message: "the delete call failed (TimeoutError) for a, and describing it again failed (Rate exceeded): it may or may not be deleted" },
        },
      ]);
    });
  });

  describe("settledArchive", () => {
    const image = (status?: ImageRecord["status"]): ImageRecord => ({ digest: "a", tags: [], sizeBytes: 1, ...(status ? { status } : {}) });
    const refused = awsError("ImageStorageClassUpdateNotSupportedException", "not supported");
    const cases: [string, unknown, Map<string, ImageRecord> | undefined, unknown, unknown][] = [
      ["archived now, whatever the call answered", refused, new Map([["a", image("ARCHIVED")]]), undefined, "archived"],
      ["gone: deleted by someone since the re-check", undefined, new Map(), undefined, "vanished"],
      [
        "still active after a refusal: failed with the refusal",
        refused,
        new Map([["a", image()]]),
        undefined,
        {
          digest: "a",
          outcome: { outcome: "failed", failure: { code: "ImageStorageClassUpdateNotSupportedException", reason: "not supported" } },
          error: { code: "ImageStorageClassUpdateNotSupportedException", message: "ECR did not archive a: ImageStorageClassUpdateNotSupportedException (not supported)" },
        },
      ],
      [
        "answered another status and still active: unconfirmed archive, failed",
        undefined,
        new Map([["a", image()]]),
        undefined,
        {
          digest: "a",
          outcome: { outcome: "failed", failure: { code: "ArchiveUnconfirmed", reason: "ECR answered status unknown" } },
          error: { code: "ArchiveUnconfirmed", message: "ECR did not archive a: ArchiveUnconfirmed (ECR answered status unknown)" },
        },
      ],
      [
        "describing again failed: unconfirmed",
        undefined,
        undefined,
        awsError("ThrottlingException", "Rate exceeded"),
        {
          digest: "a",
          outcome: { outcome: "unconfirmed", failure: { code: "ThrottlingException", reason: "ECR answered status unknown" } },
          error: { code: "ThrottlingException", message: "ECR did not archive a: ThrottlingException (ECR answered status unknown)" },
        },
      ],
    ];
    for (const [name, callError, now, describeError, expected] of cases) it(name, () => expect(settledArchive("a", callError, now, describeError)).to.deep.equal(expected));
  });
});
