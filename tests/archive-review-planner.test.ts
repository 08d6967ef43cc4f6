/** Planner table tests from the archive review (helper review-archive): what delete_after does under units. */
import { expect } from "chai";
import { planRepository } from "../runtime/planner/plan";
import type { ImageRecord, Policy } from "../runtime/planner/types";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1);
const digest = (name: string) => `sha256:${Buffer.from(name).toString("hex").padEnd(64, "0")}`;
const image = (name: string, age: number, extra: Partial<ImageRecord> = {}): ImageRecord => ({ digest: digest(name), tags: [], pushedAt: NOW - age * DAY, sizeBytes: 1, ...extra });
const archiver: Policy = { index: 0, name: "archiver", significantTags: "*", protectedPeriodMs: 7 * DAY, protectedCount: 2, action: "archive" };
const INDEX = "application/vnd.oci.image.index.v1+json";

function decisions(images: ImageRecord[]): Record<string, string> {
  const plan = planRepository({ repository: "app", images, policies: [archiver], now: NOW, archive: { keepRestoredForMs: 30 * DAY, deleteAfterMs: 90 * DAY } });
  return Object.fromEntries(plan.decisions.map((d) => [Buffer.from(d.image.digest.slice(7), "hex").toString().replace(/\0+$/, ""), `${d.action}:${d.reason}`]));
}

describe("archive review: delete_after under units", () => {
  it("an expired archived platform manifest of an active index that is archived now: left as it is (already archived), neither archived again nor deleted", () => {
    const child = image("child", 41, { status: "ARCHIVED", lastArchivedAt: NOW - 100 * DAY });
    const index = image("index", 40, { childDigests: [child.digest], manifestMediaType: INDEX });
    expect(decisions([image("f1", 1), image("f2", 2), child, index])).to.deep.equal({
      f1: "keep:count",
      f2: "keep:count",
      index: "archive:untagged-expired",
      child: "keep:untouched",
    });
  });

  it("an expired archived platform manifest of an index restored lately: kept with it", () => {
    const child = image("child", 200, { status: "ARCHIVED", lastArchivedAt: NOW - 100 * DAY });
    const index = image("index", 199, { childDigests: [child.digest], manifestMediaType: INDEX, lastActivatedAt: NOW - 5 * DAY });
    expect(decisions([image("f1", 1), image("f2", 2), child, index])).to.deep.equal({ f1: "keep:count", f2: "keep:count", index: "keep:restored", child: "keep:member-of-kept" });
  });

  it("an expired archived index whose manifest cannot be read, with an older image being restored (maybe its child): kept", () => {
    const index = image("index", 200, { status: "ARCHIVED", lastArchivedAt: NOW - 100 * DAY, childrenUnknown: true });
    expect(decisions([image("f1", 1), image("f2", 2), image("child", 201, { status: "ACTIVATING" }), index])).to.deep.equal({ f1: "keep:count", f2: "keep:count", index: "keep:unit-activating" });
    const restored = image("child", 201, { lastActivatedAt: NOW - 3 * DAY });
    expect(decisions([image("f1", 1), image("f2", 2), restored, index])).to.deep.equal({ f1: "keep:count", f2: "keep:count", child: "keep:restored", index: "keep:restored" });
    // A newer image cannot be its child: the index expires as usual.
    expect(decisions([image("f1", 1), image("f2", 2), image("later", 150, { status: "ACTIVATING" }), index])).to.deep.equal({ f1: "keep:count", f2: "keep:count", index: "delete:archived-expired" });
  });
});
