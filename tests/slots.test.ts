/** Slots (runtime/shared/pool.ts): at most N holders at once, first come first served, a slot freed even when the work throws. */
import { expect } from "chai";
import { Slots } from "../runtime/shared/pool";

describe("Slots", () => {
  const cases: [number, number, number][] = [
    // slots, jobs, most at once
    [1, 4, 1],
    [2, 5, 2],
    [4, 3, 3],
    [0, 3, 1],
  ];
  for (const [size, jobs, most] of cases) {
    it(`${size} slots, ${jobs} jobs: at most ${most} at once, started in the order they came`, async () => {
      const slots = new Slots(size);
      let active = 0;
      let peak = 0;
      const started: number[] = [];
      await Promise.all(Array.from({ length: jobs }, (_, i) => slots.use(async () => {
        started.push(i);
        peak = Math.max(peak, ++active);
        await new Promise((r) => setImmediate(r));
        active--;
      })));
      expect(peak).to.equal(most);
      expect(started).to.deep.equal(Array.from({ length: jobs }, (_, i) => i));
    });
  }

  it("serves those asking ahead before the others waiting, each kind in the order they came", async () => {
    const slots = new Slots(1);
    const started: string[] = [];
    const job = (name: string, ahead = false) => slots.use(async () => {
      started.push(name);
      await new Promise((r) => setImmediate(r));
    }, ahead);
    await Promise.all([job("first"), job("a"), job("b"), job("next-1", true), job("c"), job("next-2", true)]);
    expect(started).to.deep.equal(["first", "next-1", "next-2", "a", "b", "c"]);
  });

  it("frees the slot of work that throws", async () => {
    const slots = new Slots(1);
    await slots.use(async () => { throw new Error("boom"); }).catch(() => undefined);
    expect(await slots.use(async () => "next")).to.equal("next");
  });
});
