/**
 * Runs `work` over `items` with at most `limit` in flight; results keep the items' order. Once one fails, no other
 * starts: the answer is that failure, and work started after it would only hold the process (and its requests) open.
 */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const index = next++;
      try {
        results[index] = await work(items[index], index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * At most `size` holders at once; the others wait their turn, first come first served, except that those asking
 * `ahead` (a list's next page, whose continue token ages while it waits) are served before the rest.
 */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  private readonly waitingAhead: (() => void)[] = [];

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  async use<R>(work: () => Promise<R>, ahead = false): Promise<R> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((turn) => (ahead ? this.waitingAhead : this.waiting).push(turn));
    try {
      return await work();
    } finally {
      const next = this.waitingAhead.shift() ?? this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
