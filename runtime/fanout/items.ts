/**
 * Fan-out mode's items: one per governed repository, written to S3 by the prepare step and read by the Distributed
 * Map's ItemReader, which hands them to the workers in batches. Each item carries everything a worker needs besides
 * the policies (which come from the function's environment, as in single-function mode): the run, its `now`, the
 * repository's slice of the in-use inventory, and whether an in-use source could not be read, so that workers never
 * read ECS or Lambda themselves.
 */
import type { RunContext } from "../engine/run";
import type { InUseInventory } from "../inuse/inventory";
import type { InUseReason } from "../inuse/types";

export interface InUseSlice {
  digests: [string, InUseReason][];
  tags: [string, InUseReason][];
}

export interface FanOutItem {
  /** The run (the execution's name): where the batch's report goes. */
  run: string;
  /** Position in the governed list (sorted by name): orders the batches' reports. */
  index: number;
  repository: string;
  /** The run's `now` (ISO-8601), the same for every item. */
  now: string;
  inUse: InUseSlice;
  /** An in-use source could not be read: nothing may be deleted in this run (spec section 4, rule 5). */
  inUseUnreadable: boolean;
}

export function itemsOf(run: string, context: RunContext, now: Date): FanOutItem[] {
  const inUseUnreadable = context.inventory.failures.length > 0;
  return context.governed.map((repository, index) => {
    const uses = context.inventory.byRepository.get(repository);
    return {
      run,
      index,
      repository,
      now: now.toISOString(),
      inUse: { digests: uses ? [...uses.digests] : [], tags: uses ? [...uses.tags] : [] },
      inUseUnreadable,
    };
  });
}

/** The inventory a worker plans its batch with: the items' slices, and a failure when any source was unreadable. */
export function inventoryOf(items: readonly FanOutItem[]): InUseInventory {
  const inventory: InUseInventory = { byRepository: new Map(), failures: [], disabled: [] };
  for (const item of items) {
    inventory.byRepository.set(item.repository, { digests: new Map(item.inUse.digests), tags: new Map(item.inUse.tags) });
  }
  if (items.some((item) => item.inUseUnreadable)) {
    // The run's error names the source (the aggregate step reports it); the worker only needs to know.
    inventory.failures.push({ source: "ecs", code: "InUseUnreadable", message: "an in-use source could not be read in this run's prepare step" });
  }
  return inventory;
}
