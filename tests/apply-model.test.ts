/**
 * A model-based property of the whole apply path: random registries and policies, the real engine (runCleanup,
 * apply, concurrency 1) through the real SDK against the project's emulator, changes by others at the start of
 * each re-check and random faults (throttling, 500s, connections dropped before and after the server acted, refused
 * and unanswered images). Every delete call is checked as it is made: no image is deleted that a plan made at that
 * moment would keep or archive (tests/model/oracle.ts), nothing archived or activating unless expired
 * (settings.archive.delete_after), no member while a holder is there; every archive call likewise (nothing a plan
 * would keep or delete). Scenarios mix archive and delete policies, with and without delete_after.
 * Faults at the edges too: archive calls and restores whose answers are lost (drop-after-acting on
 * UpdateImageStorageClass), and an emulator that leaves archived and activating images out of DescribeImages by digest
 * (each scenario draws the answer). After the run: the report lists exactly what the server removed, archived and
 * restored, and a clean second run converges (two with delete_after: an expiring holder's active members are the next run's).
 *
 * ECR_CLEANUP_MODEL_RUNS sets the number of runs of the full property (default 100, and half as many for the smaller
 * one: when both pass, this file takes about 20 s on a 2-core machine); ECR_CLEANUP_MODEL_SEED replays a seed;
 * ECR_CLEANUP_MODEL_SHRINK=1 shrinks a failure to a small counterexample instead of stopping at the first one.
 * Against an engine that predates the hardening, the full property is expected to fail.
 */
import { expect } from "chai";
import fc from "fast-check";
import { RecheckTracker, describeResult, runModel } from "./model/run";
import { scenarioArb, type Features, type Scenario } from "./model/scenario";

const RUNS = Number(process.env.ECR_CLEANUP_MODEL_RUNS ?? 100);
const SEED = process.env.ECR_CLEANUP_MODEL_SEED === undefined ? undefined : Number(process.env.ECR_CLEANUP_MODEL_SEED);
const SHRINK = process.env.ECR_CLEANUP_MODEL_SHRINK === "1";

async function holds(s: Scenario): Promise<void> {
  const result = await runModel(s);
  if (result.violations.length) throw new Error(describeResult(result));
}

function check(features: Features, numRuns: number): Promise<void> {
  return fc.assert(fc.asyncProperty(scenarioArb(features), holds), { numRuns, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: !SHRINK });
}

describe("the apply path against a model (fast-check)", function () {
  this.timeout(0);

  it("the model changes a repository only at the first read of each re-check", () => {
    const tracker = new RecheckTracker();
    const reads = (repository: string, ...inputs: [string, Record<string, unknown>][]) => inputs.map(([op, input]) => tracker.read(repository, op, input));
    const listing = { filter: { tagStatus: "ANY", imageStatus: "ANY" } };
    const ids = (...digests: string[]) => ({ imageIds: digests.map((imageDigest) => ({ imageDigest })) });
    // Planning: the listing's pages and the index reads; then a re-check that lists the whole repository again.
    expect(reads("app", ["DescribeImages", listing], ["DescribeImages", { ...listing, nextToken: "t" }], ["BatchGetImage", {}], ["DescribeImages", listing], ["DescribeImages", { ...listing, nextToken: "t" }])).to.deep.equal([false, false, false, true, false]);
    // Or one that describes the candidates and lists the tagged images, in either order.
    expect(reads("web", ["DescribeImages", listing], ["DescribeImages", ids("sha256:a")], ["DescribeImages", { filter: { tagStatus: "TAGGED" } }])).to.deep.equal([false, true, false]);
    expect(reads("api", ["DescribeImages", listing], ["DescribeImages", { filter: { tagStatus: "TAGGED" } }], ["DescribeImages", ids("sha256:a")])).to.deep.equal([false, true, false]);
    // After a delete call (and its retry), describing its own digests settles it; the next other read starts the next re-check.
    tracker.deleted("app", ["sha256:a", "sha256:b"]);
    tracker.deleted("app", ["sha256:a", "sha256:b"]);
    expect(reads("app", ["DescribeImages", ids("sha256:b")], ["DescribeImages", ids("sha256:c")], ["DescribeImages", listing])).to.deep.equal([false, true, false]);
    expect(reads("web", ["DescribeImages", ids("sha256:c")])).to.deep.equal([false]);
  });

  it(`with no changes by others and no faults, deletes exactly what the plan deletes, reports it, and converges (${Math.max(10, Math.ceil(RUNS / 2))} runs)`, async () => {
    await check({ mutations: false, faults: false, taggedMembers: true, statuses: true }, Math.max(10, Math.ceil(RUNS / 2)));
  });

  it(`archive mode: never archives what a plan made at its archive call would keep, members only with their holders, and converges (${Math.max(10, Math.ceil(RUNS / 2))} runs)`, async () => {
    await check({ mutations: true, faults: true, taggedMembers: true, statuses: true, archive: true }, Math.max(10, Math.ceil(RUNS / 2)));
  });

  it(`archive and delete policies on one repository: archives what an archive policy votes out and none keeps, deletes what only delete policies vote out (${Math.max(10, Math.ceil(RUNS / 2))} runs)`, async () => {
    await check({ mutations: true, faults: true, taggedMembers: true, statuses: true, mixedActions: true }, Math.max(10, Math.ceil(RUNS / 2)));
  });

  it(`delete_after: deletes archived images once expired, never one in use or one whose holder stays, beside archive and delete policies (${Math.max(10, Math.ceil(RUNS / 2))} runs)`, async () => {
    await check({ mutations: true, faults: true, taggedMembers: true, statuses: true, mixedActions: true, deleteAfter: true }, Math.max(10, Math.ceil(RUNS / 2)));
  });

  it(`never deletes what a plan made at its delete call would keep, however others change the registry and the calls fail (${RUNS} runs: ECR_CLEANUP_MODEL_RUNS, default 100)`, async () => {
    await check({ mutations: true, faults: true, taggedMembers: true, statuses: true }, RUNS);
  });
});
