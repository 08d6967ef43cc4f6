/**
 * The run as its prepare step stores it (`runs/<run>/run.json`): everything a worker decides with besides the
 * policies (which come from the function's environment), so that a worker's event names only its run and its
 * repositories. The bucket's policy lets only the function's role write it; a worker still checks its shape, and
 * refuses one it cannot read or that is not exactly this shape.
 */
import * as z from "zod/mini";
import type { RunContext } from "../engine/run";
import { ANY_REPOSITORY, type InUseInventory, IN_USE_SOURCES } from "../inuse/inventory";
import type { InUseReason } from "../inuse/types";
import { refuse } from "./refusal";
import type { JsonStore } from "./storage";
import { describeIssues } from "../config/zodIssues";
import { firstLine } from "../shared/errors";

export const STORED_RUN_VERSION = 2;

/** One digest or tag in use: the kind of use, and every workload that uses it. */
export type StoredUse = [string, InUseReason, string[]];

export interface InUseSlice {
  digests: StoredUse[];
  tags: StoredUse[];
}

export interface StoredRun {
  version: typeof STORED_RUN_VERSION;
  run: string;
  /** The prepare step's clock when it stored the run: a worker refuses a stored run older than the run's time limit. */
  storedAt: string;
  /** The run's `now` (ISO-8601): the schedule's time, never later than storedAt. */
  now: string;
  /** The dry-run switch the prepare step read (false: dry run). */
  apply: boolean;
  /** Of the policies and settings the prepare step read (runtime/config/fingerprint.ts). */
  configFingerprint: string;
  /** Governed repositories, sorted: the items' positions, and the order of the run's report. */
  governed: string[];
  notGoverned: string[];
  /** The run's own errors and warnings, for the aggregate step. */
  errors: RunContext["errors"];
  warnings: string[];
  inUse: {
    /** The in-use inventory, per repository that workloads use. */
    byRepository: [string, InUseSlice][];
    /** Sources that could not be read: then no worker deletes anything (spec section 4, rule 5). */
    unreadable: InUseInventory["failures"];
  };
}

const text = z.string();
const isoTime = z.iso.datetime();
const reason = z.string().check(z.regex(/^in-use:[a-z-]+$/)) as unknown as z.ZodMiniType<InUseReason>;
const uses = z.array(z.tuple([text, reason, z.array(text)]));
const source = z.enum(IN_USE_SOURCES as [string, ...string[]]);

const STORED_RUN = z.strictObject({
  version: z.literal(STORED_RUN_VERSION),
  run: text,
  storedAt: isoTime,
  now: isoTime,
  apply: z.boolean(),
  configFingerprint: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  governed: z.array(text),
  notGoverned: z.array(text),
  errors: z.array(z.looseObject({ kind: text, code: text, message: text })),
  warnings: z.array(text),
  inUse: z.strictObject({
    byRepository: z.array(z.tuple([text, z.strictObject({ digests: uses, tags: uses })])),
    unreadable: z.array(z.strictObject({ source, code: text, message: text })),
  }),
});

export function storedRunOf(
  run: string,
  context: RunContext,
  at: { now: Date; storedAt: Date },
  config: { apply: boolean; configFingerprint: string; warnings: string[] },
): StoredRun {
  return {
    version: STORED_RUN_VERSION,
    run,
    storedAt: at.storedAt.toISOString(),
    now: at.now.toISOString(),
    apply: config.apply,
    configFingerprint: config.configFingerprint,
    governed: context.governed,
    notGoverned: context.notGoverned,
    errors: context.errors,
    warnings: config.warnings,
    inUse: {
      byRepository: [...context.inventory.byRepository].map(([repository, u]) => [repository, {
        digests: [...u.digests].map(([digest, mark]): StoredUse => [digest, mark.reason as InUseReason, mark.workloads]),
        tags: [...u.tags].map(([tag, mark]): StoredUse => [tag, mark.reason as InUseReason, mark.workloads]),
      }]),
      unreadable: context.inventory.failures,
    },
  };
}

/** The run's stored run, or a refusal: missing, unreadable, not this shape, or another run's. */
export async function readStoredRun(store: JsonStore, key: string, run: string): Promise<StoredRun> {
  let raw: unknown;
  try {
    raw = await store.get<unknown>(key);
  } catch (err) {
    return refuse(`cannot read the stored run s3://${store.bucket}/${key} (${(err as Error).name}: ${firstLine((err as Error).message)})`);
  }
  const parsed = STORED_RUN.safeParse(raw);
  if (!parsed.success) return refuse(`the stored run s3://${store.bucket}/${key} is not one the prepare step writes: ${describeIssues(parsed.error)}`);
  const stored = parsed.data as StoredRun;
  if (stored.run !== run) return refuse(`the stored run s3://${store.bucket}/${key} is run ${JSON.stringify(stored.run)}, not ${run}`);
  return stored;
}

/** The inventory a worker plans `repositories` with: the stored slices, and the sources that could not be read. */
export function inventoryOf(stored: StoredRun, repositories: readonly string[]): InUseInventory {
  const wanted = new Set(repositories);
  const inventory: InUseInventory = { byRepository: new Map(), failures: [...stored.inUse.unreadable], disabled: [] };
  const marks = (list: StoredUse[]) => new Map(list.map(([key, reason, workloads]) => [key, { reason, workloads }]));
  for (const [repository, slice] of stored.inUse.byRepository) {
    // Digests kept in any repository (ANY_REPOSITORY) belong to every worker's slice.
    if (wanted.has(repository) || repository === ANY_REPOSITORY) inventory.byRepository.set(repository, { digests: marks(slice.digests), tags: marks(slice.tags) });
  }
  return inventory;
}
