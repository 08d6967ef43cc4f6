/** The planner's vocabulary: what it reads about images and policies, and what it decides. No I/O here. */

/** One image as ECR lists it, reduced to what retention needs. Times are epoch milliseconds. */
export interface ImageRecord {
  digest: string;
  tags: string[];
  /** Undefined when ECR gave no usable push time: such an image is kept (`unknown-push-time`), never ordered. */
  pushedAt?: number;
  sizeBytes: number;
  lastPulledAt?: number;
  manifestMediaType?: string;
  artifactMediaType?: string;
  /** Digests this image's manifest lists (image index / manifest list), once read. */
  childDigests?: string[];
  /** An index whose manifest cannot be read (archived or being restored: a pull fails): any older image may be its child. */
  childrenUnknown?: boolean;
  /** The image an OCI referrer (signature, attestation, SBOM) refers to. */
  subjectDigest?: string;
  /** ECR's imageStatus; undefined means ACTIVE. Only active images are planned; every image counts as a holder. */
  status?: "ACTIVE" | "ARCHIVED" | "ACTIVATING";
  /** ECR's lastArchivedAt: when the image last moved to the archive storage class. */
  lastArchivedAt?: number;
  /** ECR's lastActivatedAt: when the image was last restored from the archive. */
  lastActivatedAt?: number;
}

/** An image with a known push time: what the policies order and decide. */
export type DatedImage = ImageRecord & { pushedAt: number };

/** A validated policy in its canonical form (the YAML's snake_case and the component's camelCase both end here). */
export interface Policy {
  /** Position in the file, from 0; used in error messages. */
  index: number;
  name: string;
  /** `"*"` means every tag (untagged mode); otherwise names or globs, one release channel each. */
  significantTags: "*" | string[];
  protectedPeriodMs: number;
  protectedCount: number;
  /** Names or globs governed; absent means "every repository not protected". */
  repositories?: string[];
  /** Names or globs never touched. */
  protectedRepositories?: string[];
  keepPulledWithinMs?: number;
  maxDeletions?: number;
  /** What the policy does with what it votes out: `archive` moves it to ECR's archive storage class. Absent: delete. */
  action?: "archive";
  /** `group_by`: a pattern (RE2 syntax) with one capturing group; the rule applies to each group of images separately. */
  groupBy?: string;
}

/** What keeps an image in use: the most immediate kind of use, and every workload that uses it (sorted, unique). */
export interface InUseMark {
  reason: SafetyKeepReason;
  workloads: string[];
}

/** Reasons a policy (or a safety rule) gives for its decision; the report shows them verbatim. */
export type PolicyKeepReason = "anchor" | "newer-than-anchor" | "period" | "count" | "pulled";
/** `group-expired`: a grouped policy in count mode deletes the group's images beyond its count and period. */
export type PolicyDeleteReason = "untagged-expired" | "beyond-window" | "group-expired";
export type SafetyKeepReason =
  | "in-use:ecs-task"
  | "in-use:ecs-service"
  | "in-use:lambda"
  | "in-use:ecs-revision"
  | "in-use:eks"
  | "in-use:app-runner"
  | "in-use:batch"
  | "in-use-unknown"
  | "member-of-kept"
  | "changed-since-plan"
  | "not-in-plan"
  | "cap-exceeded"
  | "unknown-push-time"
  | "window-unknown"
  | "unit-activating"
  | "holder-unreadable"
  | "restored"
  | "member-not-archived"
  | "out-of-time"
  | "interrupted";
/** No policy governing the repository had an opinion about this image (tagged images in untagged mode). */
export type NoDecisionReason = "untouched";
/** `archived-expired`: an archived image whose lastArchivedAt is older than settings.archive.delete_after. */
export type ReasonCode = PolicyKeepReason | PolicyDeleteReason | SafetyKeepReason | NoDecisionReason | "member-of-deleted" | "member-of-archived" | "archived-expired";

/** A policy's vote. */
export type Verdict = "keep" | "delete";
/** What happens to an image: `archive` moves it to ECR's archive storage class (a policy with action: archive voted it out). */
export type Action = Verdict | "archive";

/** What one policy said about one image. */
export interface PolicyVerdict {
  policy: string;
  verdict: Verdict;
  reason: PolicyKeepReason | PolicyDeleteReason;
  /** A grouped policy's group that decided: for an image in several groups, the first (by name) that keeps it, else the first. */
  group?: string;
}

/** How one policy read one repository. */
export interface PolicyMode {
  policy: string;
  /** `grouped`: a policy with group_by, which reads each group on its own (`groups`). */
  mode: "anchor" | "untagged" | "grouped";
  /** Anchor mode: the anchor image. */
  anchor?: { digest: string; tags: string[]; pushedAt: number };
  /** Untagged mode because no image carried a significant tag (a typo such as `prd` lands here). */
  noSignificantTag?: boolean;
  /** Anchor mode: significant entries no image matches (their channel has no position here). */
  unmatchedTags?: string[];
  /** Grouped: every group of the repository, by name, with its own mode and what the policy kept and deleted in it. */
  groups?: GroupMode[];
}

/** How a grouped policy read one group of a repository. */
export interface GroupMode {
  group: string;
  mode: "anchor" | "count";
  /** Anchor mode: the group's anchor. */
  anchor?: { digest: string; tags: string[]; pushedAt: number };
  /** The group's images the policy keeps and deletes (an image in several groups counts in each). */
  kept: number;
  deleted: number;
}

/** The final decision about one image of a repository. */
export interface ImageDecision {
  image: ImageRecord;
  action: Action;
  reason: ReasonCode;
  /** Every policy that had an opinion, sorted by policy name (so the report does not depend on policy order). */
  verdicts: PolicyVerdict[];
  /** For a member of a unit: the digest of the top-level image it is listed under. */
  unitOf?: string;
  /** For a member: every image of the repository that holds it (an index listing it, the subject it refers to). It is deleted only after all of them. */
  heldBy?: string[];
  /**
   * Delete wave: 0 for top-level images, then one more than the deepest image that holds it (an unreadable index this
   * plan deletes that may hold it counts as a holder), so an index always goes before its children.
   * Archives go the other way (deepest first: a unit's members before the images that hold them).
   */
  wave: number;
  /** A safety rule turned what would have been a delete into this keep (the report lists and counts these). */
  overridden?: boolean;
  /** In-use keeps: every workload that uses the image or a member of its unit (`ecs service prod/web`, `lambda resize:3`), sorted, unique. */
  workloads?: string[];
}

export interface RepositoryPlan {
  repository: string;
  /** Names of the policies that govern this repository, sorted. */
  policies: string[];
  modes: PolicyMode[];
  /** Every image, top-level images in the planner's order followed by nothing else; members follow their unit. */
  decisions: ImageDecision[];
  /** Set when a safety cap turned the whole repository's deletions into keeps. */
  capExceeded?: { cap: number; planned: number };
  /** Where each channel stood when the plan was made; re-checked before every delete call (a rollback widens the window). */
  channels: ChannelPosition[];
  /** Members the policies ordered because of their own tags: one that loses them leaves the order, and the counts shift. */
  taggedMembers: string[];
  /** Set when the repository cannot be planned safely (an image with a significant tag has no push time): nothing is deleted. */
  failure?: { code: string; message: string };
}

/** One entry of a policy's significant_tags and the image it stands at (none: no image carries a matching tag). */
export interface ChannelPosition {
  policy: string;
  /** A grouped policy's channels stand per group (anchor-mode groups only). */
  group?: string;
  entry: string;
  at?: { digest: string; pushedAt: number };
}
