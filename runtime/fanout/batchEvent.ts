/**
 * A worker's event, exactly as the Map's ItemBatcher builds it: `{"Items": [...], "BatchInput": {"phase": "clean"}}`,
 * each item `{"run", "index", "repository"}` of one run. Anything else (a field more, a `now`, an in-use slice, items
 * of two runs, a repository twice) is refused before the worker reads anything.
 */
import * as z from "zod/mini";
import type { FanOutItem } from "./items";
import { CLEAN, checkRunId } from "./keys";
import { refuse } from "./refusal";
import { describeIssues } from "../config/zodIssues";

const ITEM = z.strictObject({
  run: z.string(),
  index: z.int().check(z.nonnegative()),
  repository: z.string().check(z.minLength(1)),
});
const CLEAN_EVENT = z.strictObject({
  Items: z.array(ITEM).check(z.minLength(1)),
  BatchInput: z.strictObject({ phase: z.literal(CLEAN) }),
});

export interface Batch {
  run: string;
  items: FanOutItem[];
}

export function parseBatchEvent(event: unknown): Batch {
  const parsed = CLEAN_EVENT.safeParse(event);
  if (!parsed.success) {
    refuse(`the event is not a batch as the state machine sends it ({"Items": [{"run", "index", "repository"}, ...], "BatchInput": {"phase": "clean"}}): ${describeIssues(parsed.error)}`);
  }
  const items = parsed.data.Items;
  const run = items[0].run;
  try {
    checkRunId(run);
  } catch (err) {
    refuse((err as Error).message);
  }
  if (items.some((item) => item.run !== run)) refuse(`the batch's items name more than one run`);
  if (new Set(items.map((item) => item.index)).size !== items.length || new Set(items.map((item) => item.repository)).size !== items.length) {
    refuse("the batch names a position or a repository twice");
  }
  return { run, items };
}
