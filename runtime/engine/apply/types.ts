/** What carrying out a repository's plan takes and gives back (runtime/engine/apply.ts), and the state it shares between its steps. */
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { RepositorySize } from "../../ecr/recheck";
import type { Policy, RepositoryPlan } from "../../planner/types";
import type { HalfArchivedUnit, ImageLine, RunError } from "../report";

/**
 * One delete, archive or restore call's outcome, reported as soon as it is known (the Lambda logs it and `--journal`
 * writes it, so a run cut off still tells). An archive or restore call is one image's UpdateImageStorageClass.
 */
export interface DeleteCallOutcome {
  repository: string;
  /** Digests this call deleted. */
  deleted: string[];
  /** Digests this call did not delete, with ECR's failure code (or the error that ended the call). */
  failed: { digest: string; code: string }[];
  /** Set for an archive call (UpdateImageStorageClass, one image): the digest archived, or none when it failed. */
  archived?: string[];
  /**
   * Set for a restore call (UpdateImageStorageClass to STANDARD, one image): a member this run archived under a holder
   * that then changed, restored (ACTIVATING or ACTIVE), or none when the restore failed.
   */
  restored?: string[];
}

export type DeleteCallListener = (outcome: DeleteCallOutcome) => void;

export type Outcome = Pick<ImageLine, "outcome" | "failure">;

export interface ApplyInput {
  client: ECRClient;
  plan: RepositoryPlan;
  policies: readonly Policy[];
  /** The plan's `now` (epoch ms): grouped policies decide again with it before each call. */
  now: number;
  size: RepositorySize;
  /** Whether a newer pull time of this image counts as a change since the plan. */
  watchPulls: (digest: string) => boolean;
  onDeleteCall?: DeleteCallListener;
  /** In a time-limited run: whether to stop before the next batch (the next run continues with this repository). */
  outOfTime?: () => boolean;
  /**
   * Told to stop (SIGINT, SIGTERM or SIGHUP in the CLI): no delete or archive call starts after it, the calls in flight finish,
   * and what was not acted on is kept as `interrupted`.
   */
  signal?: AbortSignal;
  /** UpdateImageStorageClass calls in flight at once in this repository. Defaults to ARCHIVE_CONCURRENCY. */
  archiveConcurrency?: number;
}

/** Archive calls in flight per repository: one image a call, so they run side by side within the SDK's adaptive retry. */
export const ARCHIVE_CONCURRENCY = 10;

export interface ApplyResult {
  /** Filled in as the calls return, so that what was deleted is known even if the repository fails later. */
  outcomes: Map<string, Outcome>;
  errors: RunError[];
  /** Why deleting stopped early without a failure (a channel rolled back, the run's time ran out). */
  notes: string[];
  /** Set when the run's time ran out before this repository was done: the next run starts with it. */
  outOfTime?: boolean;
  /** Units archived in part when the run stopped (a signal, the time limit), each also said in `notes`. */
  halfArchived?: HalfArchivedUnit[];
}

/** Why nothing more is deleted or archived in the repository in this run (each remaining decision is kept with it). */
export type StopReason = "changed-since-plan" | "out-of-time" | "interrupted";

/** One repository's apply as its steps share it: the input, the result filled in as calls return, and whether it stopped. */
export interface ApplyRun {
  readonly input: ApplyInput;
  readonly result: ApplyResult;
  readonly repository: string;
  /** The plan's images that carry tags: removing one makes the tagged listing of the next re-check shorter. */
  readonly taggedDigests: ReadonlySet<string>;
  stopped?: StopReason;
}

/** Whether this run deleted the image (its outcome so far). */
export const deletedByThisRun = (run: ApplyRun, digest: string) => run.result.outcomes.get(digest)?.outcome === "deleted";
/** Whether this run archived the image (its outcome so far). */
export const archivedByThisRun = (run: ApplyRun, digest: string) => run.result.outcomes.get(digest)?.outcome === "archived";

/** True once the run was told to stop (input.signal): from then on nothing more is deleted or archived here. */
export function interrupted(run: ApplyRun): boolean {
  if (!run.input.signal?.aborted) return false;
  if (!run.stopped) {
    run.stopped = "interrupted";
    run.result.notes.push("the run was interrupted: nothing more is deleted or archived in this repository (interrupted)");
  }
  return true;
}
