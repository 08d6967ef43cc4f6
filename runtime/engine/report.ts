/** The run's report: what the renderers print, the Lambda logs, and the JSON output holds. */
import type { PlanMiss } from "../plan-file/narrow";
import type { Action, GroupMode, PolicyMode, PolicyVerdict, ReasonCode } from "../planner/types";
import { SERVER_FAULT } from "../shared/errors";
import type { StorageValue } from "./storageValue";

/** `journal-failed`: the CLI's `--journal` could not be written, so the run stopped before its next call. */
export type RunErrorKind = "api-error" | "delete-failed" | "archive-failed" | "cap-exceeded" | "missing-repository" | "in-use-unreadable" | "unknown-push-time" | "journal-failed";

export interface RunError {
  kind: RunErrorKind;
  repository?: string;
  policy?: string;
  digest?: string;
  /** AWS's error or failure code where there is one (`ImageReferencedByManifestList`, `AccessDeniedException`, ...). */
  code: string;
  message: string;
  /** Made from a server fault (HTTP 5xx): counts toward the run's failures in a row. Not in the JSON report. */
  [SERVER_FAULT]?: true;
}

/**
 * A unit this run archived in part before it stopped (a signal, the time limit): members archived, the images that
 * hold them still active, so pulling the unit fails until a run finishes it or a restore brings it back.
 */
export interface HalfArchivedUnit {
  /** The unit's top-level image (an index, or an image with signatures). */
  unit: string;
  /** The unit's images this run archived. */
  archived: string[];
  /** The unit's images planned for archive that it did not (the top-level image among them). */
  notArchived: string[];
}

export interface ImageLine {
  digest: string;
  tags: string[];
  pushedAt: string;
  /** As ECR reports it (for an index: the size of its largest platform manifest). */
  sizeBytes: number;
  /**
   * What this image counts for in `bytesToFree` and `bytesFreed`: its size, or 0 for an index (its platform
   * manifests, listed with it, carry the bytes). Absent in reports written before it was added.
   */
  countedBytes?: number;
  action: Action;
  reason: ReasonCode;
  /** Every policy that had an opinion about the image. */
  policies: PolicyVerdict[];
  /** For a member of a unit: the top-level image it is listed under (for `member-of-kept`: the kept image that holds it). */
  unitOf?: string;
  /** A safety rule kept what would otherwise have been deleted (its reason code says which). */
  keptBySafety?: boolean;
  /** In-use keeps: every workload that uses the image (or a member of its unit), sorted, unique; prefixed `ACCOUNT/REGION ` outside the registry's own. */
  workloads?: string[];
  /** How many more workloads use it than `workloads` names (it names at most 20). */
  moreWorkloads?: number;
  /** With --apply, for images planned for deletion: what ECR did. `unconfirmed`: sent, but neither listed as deleted nor as failed. */
  outcome?: "deleted" | "archived" | "failed" | "unconfirmed";
  failure?: { code: string; reason: string };
}

/** One group of a grouped policy as the report shows it. */
export interface ReportGroup extends Omit<GroupMode, "anchor"> {
  anchor?: { digest: string; tags: string[]; pushedAt: string; protectedFrom: string };
  /** Count mode: the group's images pushed since then are kept by the period (now less protected_period). */
  protectedFrom?: string;
}

/** A policy's mode as the report shows it (times as ISO-8601, like every time in the report). */
export interface ReportMode extends Omit<PolicyMode, "anchor" | "groups"> {
  /** Grouped mode: every group of the repository, by name. */
  groups?: ReportGroup[];
  /** `protectedFrom`: images pushed since then are kept by the period (the anchor's push time less protected_period). */
  anchor?: { digest: string; tags: string[]; pushedAt: string; protectedFrom: string };
  /** Anchor mode: where each release channel (an entry of significant_tags) stands; entries no image matches are in `unmatchedTags`. */
  channels?: { entry: string; digest: string; pushedAt: string }[];
  /** Untagged mode: untagged images pushed since then are kept by the period (now less protected_period). */
  protectedFrom?: string;
  /** How many top-level images this policy keeps and deletes, by reason. */
  keep: Record<string, number>;
  delete: Record<string, number>;
}

export interface RepositoryReport {
  repository: string;
  policies: string[];
  modes: ReportMode[];
  /**
   * The images the run deletes (or would), those a safety rule kept (members of kept units included), and the
   * top-level images such members are listed under. Images the policies simply keep are counted in `kept` (and per
   * policy in `modes`), so the report stays small at registry scale; with `--show kept` or `--show all` every
   * image is listed.
   */
  images: ImageLine[];
  /** Every kept image, by its reason code. */
  kept: Record<string, number>;
  /**
   * Images the policies' plan would delete that a rule held back in this run, by reason code (`cap-exceeded`,
   * `in-use-unknown`, `window-unknown`, and with --apply `changed-since-plan` and `member-of-kept` for a member
   * whose holder was not deleted). They are kept, so they are counted in `kept` as well. Absent: none.
   */
  withheld?: Record<string, number>;
  imagesScanned: number;
  toDelete: number;
  deleted: number;
  bytesToFree: number;
  bytesFreed: number;
  /**
   * Archive mode: images the run archives (or would), those it archived, and the standard-storage bytes they stop
   * using. Always set by the engine; optional for reports stored by an earlier version.
   */
  toArchive?: number;
  archived?: number;
  bytesToArchive?: number;
  bytesArchived?: number;
  capExceeded?: { cap: number; planned: number };
  errors: RunError[];
  /** Why deleting stopped early without a failure (a channel rolled back during the run). */
  notes?: string[];
  /** The run's time ran out before this repository was done (it is also listed in `notReached`: the next run continues it). */
  outOfTime?: boolean;
  /** Units the run archived in part before it stopped (a signal, the time limit): a run finishes them. Absent: none. */
  halfArchived?: HalfArchivedUnit[];
  /** `ecr-cleanup apply`: the images the plan file named that this run did not act on, and why. */
  notActedOn?: PlanMiss[];
}

/** `ecr-cleanup apply`: the plan file it applied. */
export interface AppliedPlan {
  file: string;
  createdAt: string;
  fingerprint: string;
  /** Repositories the plan names that are not governed now (gone, or never listed): nothing of theirs was acted on. */
  repositoriesNotFound: string[];
}

export interface Summary {
  repositories: number;
  imagesScanned: number;
  /** What the policies' plan deletes or archives before anything is withheld: `toDelete` + `toArchive` + every count in `withheld`. */
  planned?: number;
  /** The repositories' `withheld`, added up by reason code. (Both always set by summarize.) */
  withheld?: Record<string, number>;
  toDelete: number;
  deleted: number;
  bytesToFree: number;
  bytesFreed: number;
  /** Archive mode, as in RepositoryReport (always set by summarize). */
  toArchive?: number;
  archived?: number;
  bytesToArchive?: number;
  bytesArchived?: number;
  /** Archived images deleted (planned, in a dry run) because they were archived longer than delete_after. */
  archiveExpired?: number;
  /**
   * Images kept by a rule of spec section 4 (in use, units, the cap, unreadable sources, changes since the plan, ...),
   * by reason code: every `kept` count whose reason is a safety reason, `member-of-kept` included (every member of a
   * kept unit).
   */
  keptBySafety: Record<string, number>;
  failures: number;
  repositoriesSkipped: number;
  repositoriesNotReached: number;
  /** The monthly value of the deleted bytes (runtime/engine/storageValue.ts); absent where the region is not known. */
  storageValue?: StorageValue;
}

export interface RunReport {
  apply: boolean;
  now: string;
  /** Every policy's name in the file's order: the table numbers them `#1`, `#2`, ... Absent where the run does not know them. */
  policies?: string[];
  repositories: RepositoryReport[];
  /** Repositories in the registry that no policy governs: never touched. */
  notGoverned: string[];
  /** Governed repositories this run did not reach (a Lambda out of time), in the order they would have run. */
  notReached: string[];
  /** The first repository not reached: where the next run starts. */
  cursor?: string;
  /** Every error, including those also listed under their repository. */
  errors: RunError[];
  warnings: string[];
  summary: Summary;
  plan?: AppliedPlan;
  /** Told to stop (SIGINT, SIGTERM or SIGHUP): nothing was deleted or archived after that; the rest is kept as `interrupted`. */
  interrupted?: boolean;
  /** `--plan-out`: the plan file written and the SHA-256 of its bytes, to approve and pass to `apply --expect-sha256`. */
  planOut?: { file: string; sha256: string };
}

/** Reasons that mean a safety rule overrode a policy's delete. */
export const SAFETY_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  "in-use:ecs-task",
  "in-use:ecs-service",
  "in-use:lambda",
  "in-use:ecs-revision",
  "in-use:eks",
  "in-use:app-runner",
  "in-use:batch",
  "in-use-unknown",
  "member-of-kept",
  "changed-since-plan",
  "not-in-plan",
  "cap-exceeded",
  "unknown-push-time",
  "window-unknown",
  "unit-activating",
  "holder-unreadable",
  "restored",
  "member-not-archived",
  "out-of-time",
  "interrupted",
]);

/** A keep that a rule of spec section 4 made (as opposed to a policy's keep). */
export function isSafetyKeep(line: Pick<ImageLine, "action" | "reason" | "keptBySafety">): boolean {
  return line.action === "keep" && (line.keptBySafety === true || SAFETY_REASONS.has(line.reason) || line.reason.startsWith("in-use"));
}

export function summarize(repositories: RepositoryReport[], errors: RunError[], notReached = 0): Summary {
  const summary: Summary = {
    repositories: repositories.length,
    imagesScanned: 0,
    toDelete: 0,
    deleted: 0,
    bytesToFree: 0,
    bytesFreed: 0,
    planned: 0,
    withheld: {},
    toArchive: 0,
    archived: 0,
    bytesToArchive: 0,
    bytesArchived: 0,
    archiveExpired: 0,
    keptBySafety: {},
    failures: errors.length,
    repositoriesSkipped: repositories.filter((r) => r.capExceeded).length,
    repositoriesNotReached: notReached,
  };
  for (const repo of repositories) {
    summary.imagesScanned += repo.imagesScanned;
    summary.toDelete += repo.toDelete;
    summary.planned! += repo.toDelete;
    summary.deleted += repo.deleted;
    summary.bytesToFree += repo.bytesToFree;
    summary.bytesFreed += repo.bytesFreed;
    for (const [reason, n] of Object.entries(repo.withheld ?? {})) {
      summary.withheld![reason] = (summary.withheld![reason] ?? 0) + n;
      summary.planned! += n;
    }
    // `?? 0`: reports from a run before archive mode (fan-out's stored batches) lack these.
    summary.toArchive! += repo.toArchive ?? 0;
    summary.archived! += repo.archived ?? 0;
    summary.bytesToArchive! += repo.bytesToArchive ?? 0;
    summary.bytesArchived! += repo.bytesArchived ?? 0;
    summary.planned! += repo.toArchive ?? 0;
    for (const line of repo.images) {
      if (line.reason === "archived-expired" && line.action === "delete" && (line.outcome === undefined || line.outcome === "deleted")) summary.archiveExpired!++;
    }
    // Every line a safety rule kept, and every member of a kept unit (listed or not: a unit is kept whole).
    const add = (reason: string, n: number) => (summary.keptBySafety[reason] = (summary.keptBySafety[reason] ?? 0) + n);
    for (const line of repo.images) if (line.keptBySafety && line.reason !== "member-of-kept") add(line.reason, 1);
    if (repo.kept["member-of-kept"]) add("member-of-kept", repo.kept["member-of-kept"]);
  }
  return summary;
}

/** 0 when the run finished cleanly; 1 when something failed (exit 2 is decided before the run starts). */
export function exitCodeOf(report: RunReport): 0 | 1 {
  return report.errors.length ? 1 : 0;
}
