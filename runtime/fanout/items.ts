/**
 * Fan-out mode's items: one per governed repository, written to S3 by the prepare step and read by the Distributed
 * Map's ItemReader, which hands them to the workers in batches. An item names only its run, its repository and its
 * position in the run's governed list (which orders the reports): everything a worker decides with comes from the
 * function's configuration and from the run the prepare step stored (runtime/fanout/storedRun.ts), never from
 * its event.
 */
export interface FanOutItem {
  /** The run (the execution's name): the folder in the bucket the worker reads the stored run from. */
  run: string;
  /** Position in the stored run's governed list (sorted by name). */
  index: number;
  repository: string;
}

export function itemsOf(run: string, governed: readonly string[]): FanOutItem[] {
  return governed.map((repository, index) => ({ run, index, repository }));
}
