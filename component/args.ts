/**
 * The component's arguments, from which Pulumi infers the schema other languages use (PulumiPlugin.yaml): interfaces
 * with doc comments, no union types and no callbacks, `pulumi.Input<T>` where a value may come from another
 * resource. A duration is a string, `significantTags: ["*"]` means every tag.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_CONCURRENCY } from "../runtime/engine/run";
import { DEFAULT_NOTIFY } from "../runtime/lambda/notification";

/**
 * One retention policy: the camelCase mirror of a policy in the CLI's YAML file (spec section 2). Pulumi's schema
 * names the type after this interface (`ecr-cleanup:index:RetentionPolicy`; Python's class is `RetentionPolicyArgs`).
 */
export interface RetentionPolicy {
  /** Shown in every log line the policy decides; non-empty and unique among the policies. Defaults to none: required. */
  name: string;
  /**
   * Tag names or globs (`v*`, `release-?`) that mark a release channel; `["*"]` means every tag (untagged mode).
   * Defaults to none: required.
   */
  significantTags: string[];
  /** Protected window before the anchor (or before now, in untagged mode): a whole number and one unit of s, m, h, d, w, such as `"365d"`. Defaults to none: required. */
  protectedPeriod: string;
  /** Images that survive after the anchor (or the newest, in untagged mode) whatever their age; a whole number >= 0. Defaults to none: required. */
  protectedCount: number;
  /**
   * Names or globs of the repositories the policy governs, such as `repo.name` of an `aws.ecr.Repository`. Cannot
   * be combined with protectedRepositories. Defaults to every repository (the role then may delete in all of them).
   */
  repositories?: pulumi.Input<string>[];
  /** Names or globs the policy never touches; every other repository is governed. Defaults to none. */
  protectedRepositories?: pulumi.Input<string>[];
  /** Images pulled within this duration (at least `"1d"`) are kept. Defaults to not looking at pulls. */
  keepPulledWithin?: string;
  /** Safety cap: a repository whose plan deletes more images than this is skipped whole and reported. Defaults to no cap. */
  maxDeletions?: number;
  /**
   * What the policy does with the images it votes out: `"delete"`, or `"archive"` to move them to ECR's archive
   * storage class (restorable with `ecr-cleanup restore`; ECR charges archived images for at least 90 days; see
   * docs/archive.md). Defaults to `"delete"`.
   */
  action?: string;
  /**
   * A regular expression (RE2 syntax) with exactly one capturing group, matched against whole tags: the policy
   * applies its rule to each group of images separately (the group is the text the capturing group matched), such
   * as `"(.+)-[0-9a-f]{7,40}"` to keep the newest protectedCount builds of every branch. Images with no matching tag
   * are not this policy's business. Defaults to no groups: the rule applies to the whole repository.
   */
  groupBy?: string;
}

/** Another account whose workloads are read (`settings.in_use.accounts`): a role the function's role may assume there. */
export interface InUseAccount {
  /** The role's ARN, `arn:aws:iam::ACCOUNT:role/NAME`; it must trust the function's role (see roleName). Defaults to none: required. */
  roleArn: string;
  /** The external id the role's trust policy requires (STS AssumeRole's ExternalId). Defaults to none. */
  externalId?: string;
}
/** The TypeScript name the package exported first, kept for existing programs. */
export type RetentionPolicyArgs = RetentionPolicy;

export interface EcrCleanupPolicyArgs {
  /** The retention policies, validated with the CLI's validator (at least one). Defaults to none: required. */
  policies: RetentionPolicyArgs[];
  /**
   * When the cleaner runs: an EventBridge Scheduler expression, `rate(...)`, `cron(...)` or `at(...)`.
   * Defaults to `"rate(1 day)"`.
   */
  schedule?: string;
  /** The IANA time zone a `cron()` or `at()` schedule is read in, such as `"Europe/Paris"`. Defaults to `"UTC"`. */
  scheduleTimezone?: string;
  /**
   * For a `cron()` schedule, the longest interval between two runs (a duration such as `"24h"` or `"3d"`); the
   * missed-run alarm fires when no run started within it plus one hour. With `rate()` it overrides the rate's
   * interval. Defaults to the `rate()` interval, and to no missed-run alarm for `cron()` and `at()` schedules.
   */
  missedRunAfter?: string;
  /** Only report what would be deleted; set false once the report in the logs reads right. Defaults to true. */
  dryRun?: boolean;
  /** The function's timeout in seconds (120 to 900: it keeps its last 60 s to finish the batches in flight). Defaults to 900. */
  timeout?: number;
  /** The function's memory in MB (128 to 10240). Defaults to 512. */
  memorySize?: number;
  /** The function's instruction set, `"arm64"` or `"x86_64"`. Defaults to `"arm64"`. */
  architecture?: string;
  /** How long the function's log group keeps the reports, in days (a value CloudWatch Logs accepts). Defaults to 30. */
  logRetentionDays?: number;
  /** SNS topic ARNs notified when an alarm goes off. Defaults to none. */
  alarmActions?: pulumi.Input<string>[];
  /** SNS topic ARNs notified when an alarm returns to OK. Defaults to none. */
  okActions?: pulumi.Input<string>[];
  /** Tags for every child resource that takes tags (roles, function, log group, alarms). Defaults to none. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Registers the function's role as an ECR pull-time update exclusion, so the cleaner's own manifest reads never
   * make an image look recently pulled (an account holds at most 100 exclusions). Defaults to true.
   */
  excludeFromPullTime?: boolean;
  /**
   * Repositories one invocation cleans at once (1 to 256); all share the SDK's adaptive retry, so throttling slows the
   * run down rather than failing it. Defaults to 8, the CLI's default.
   */
  concurrency?: number;
  /**
   * Spreads each run over a Step Functions Distributed Map, for registries one invocation cannot clean within Lambda's
   * 15 minutes: the schedule starts a state machine that lists the repositories and takes the in-use inventory once,
   * then runs the function on batches of repositories, and assembles the run's report. Defaults to false (one
   * invocation per run, which resumes where the last one stopped).
   */
  fanOut?: boolean;
  /**
   * In fan-out mode, the batches cleaned at once (the Map's MaxConcurrency, and the function's reserved concurrency):
   * 1 to 900 with reservedConcurrency (Lambda keeps 100 of an account's default 1000 unreserved), 1 to 1000 without.
   * Defaults to 5.
   */
  fanOutConcurrency?: number;
  /** In fan-out mode, the repositories in one batch, that is one invocation of the function (1 to 1000). Defaults to 25. */
  fanOutBatchSize?: number;
  /**
   * Reserves the function's concurrency: 1 in single-function mode (so two runs never overlap), fanOutConcurrency in
   * fan-out mode (so the Map's batches always find room). Lambda keeps 100 of the account's concurrency unreserved,
   * so this needs an account concurrency of at least 101 (single-function mode) or fanOutConcurrency + 100; new
   * accounts can have as little as 10. `false` reserves nothing: single-function mode then keeps runs apart with a
   * run lock in an S3 bucket the component creates (`${name}-runs`), as fan-out mode always does. Defaults to true.
   */
  reservedConcurrency?: boolean;
  /**
   * Protects the images that ECS uses (running tasks, services, pinned revisions) and grants the role ECS reads.
   * Turn it off only in an account that runs no ECS; the report then says that source is off. Defaults to true.
   */
  inUseEcs?: boolean;
  /**
   * Protects the images that Lambda functions use (every published version) and grants the role Lambda reads.
   * Turn it off only in an account whose functions use no container images; the report says so. Defaults to true.
   */
  inUseLambda?: boolean;
  /**
   * Protects the images that EKS pods and workload templates use, in every cluster `eks:ListClusters` lists (or only
   * `eksClusters`), and grants the role the EKS reads. Defaults to true.
   */
  inUseEks?: boolean;
  /** Protects the images App Runner services deploy (matched by the tag they name) and grants the role App Runner reads. Defaults to true. */
  inUseAppRunner?: boolean;
  /** Protects the images of ACTIVE AWS Batch job definitions and grants the role the Batch read. Defaults to true. */
  inUseBatch?: boolean;
  /** Only these EKS clusters are read (names or ARNs); `settings.in_use.eks_clusters`. Defaults to every cluster ListClusters lists. */
  eksClusters?: string[];
  /**
   * Keeps the images of the newest this-many ACTIVE revisions of every task-definition family (rollback targets,
   * `in-use:ecs-revision`); 0 turns it off. Defaults to 2.
   */
  ecsRevisions?: number;
  /** Regions whose workloads are read besides the function's own (`settings.in_use.regions`). Defaults to the function's own region only. */
  inUseRegions?: string[];
  /**
   * Other accounts whose workloads are read, each through a role there (`settings.in_use.accounts`); the function's
   * role may assume exactly these roles. Defaults to none.
   */
  inUseAccounts?: InUseAccount[];
  /**
   * A fixed name for the function's IAM role, so that roles in other accounts (inUseAccounts) can trust it by ARN
   * before it exists. Defaults to a name Pulumi generates from the component's name.
   */
  roleName?: string;
  /**
   * How long an image someone restored (by its lastActivatedAt) is kept as `restored`, so that the next runs do not
   * archive it again: a duration such as `"30d"` (`settings.archive.keep_restored_for`). Defaults to `"30d"`.
   */
  archiveKeepRestoredFor?: string;
  /**
   * Deletes the archived images of the governed repositories, whoever archived them, once their lastArchivedAt is older
   * than this (`archived-expired`): a duration of at least `"90d"`, ECR's minimum storage charge
   * (`settings.archive.delete_after`). The role may then delete images in every governed repository.
   * Defaults to leaving archived images alone.
   */
  archiveDeleteAfter?: string;
  /**
   * During `pulumi preview` (and the preview of `pulumi up`), runs the cleaner read-only in the program's process with
   * the environment's AWS credentials (checked against the provider's account and region), for these policies and for
   * the policies the deployed function holds, and reports per repository as info diagnostics what each would delete
   * (`hello_world: 18 → 30 images (+12, 1.1 GiB)`); a policy change that takes a repository past its maxDeletions
   * fails the preview. Reading image index manifests counts as a pull (see docs/pulumi.md). Defaults to false.
   */
  previewImpact?: boolean;
  /**
   * Subnets the function runs in (with vpcSecurityGroupIds), so that it reaches EKS clusters whose API endpoint is
   * private; the role then gets the network-interface permissions Lambda needs, and the subnets need a NAT gateway
   * or VPC endpoints for the AWS calls (docs/eks.md). Defaults to none: the function runs outside any VPC.
   */
  vpcSubnetIds?: pulumi.Input<string>[];
  /** The function's security groups in the VPC (with vpcSubnetIds); the clusters' must let them in on 443. Defaults to none. */
  vpcSecurityGroupIds?: pulumi.Input<string>[];
  /**
   * An existing S3 bucket (its name) for the runs' reports, instead of the one the component creates: each run writes
   * `reports/<yyyy>/<mm>/<dd>/<run id>.json` and `.html` there, and the role may put objects under `reports/` only.
   * Its encryption, access and expiry are the bucket owner's. Defaults to a bucket the component creates (encrypted,
   * public access blocked, TLS only, expiring after reportRetentionDays).
   */
  reportBucket?: pulumi.Input<string>;
  /** How long the bucket the component creates keeps each run's report, in days (1 to 36500); not used with reportBucket. Defaults to 90. */
  reportRetentionDays?: number;
  /**
   * When a run publishes its summary to the component's SNS topic (notificationTopicArn): `"always"`, `"changes"`
   * (when the run deleted or archived something, or failed), `"failures"`, or `"never"` (no topic is created, and the
   * role may publish nothing). Defaults to `"changes"`.
   */
  notify?: string;
  /**
   * The storage price, in USD per GB-month, that the reports, notifications and preview value deleted bytes at
   * (`settings.report.price_per_gb_month`): a number above 0, such as a negotiated rate. Defaults to the region's
   * standard ECR storage price from the price list in the code (docs/component.md gives it with its date).
   */
  reportPricePerGbMonth?: number;
}

/** The arguments with their defaults applied. */
type UndefaultedArgs =
  | "missedRunAfter" | "alarmActions" | "okActions" | "tags" | "vpcSubnetIds" | "vpcSecurityGroupIds" | "eksClusters" | "inUseRegions" | "roleName"
  // Left out of the function's configuration unless given: the validator applies settings.archive's defaults.
  | "archiveKeepRestoredFor" | "archiveDeleteAfter"
  | "reportBucket" | "reportPricePerGbMonth";
export type ResolvedArgs = Required<Omit<EcrCleanupPolicyArgs, UndefaultedArgs>> & Pick<EcrCleanupPolicyArgs, UndefaultedArgs>;

export const DEFAULTS = {
  schedule: "rate(1 day)",
  scheduleTimezone: "UTC",
  dryRun: true,
  timeout: 900,
  memorySize: 512,
  architecture: "arm64",
  logRetentionDays: 30,
  excludeFromPullTime: true,
  concurrency: DEFAULT_CONCURRENCY,
  fanOut: false,
  fanOutConcurrency: 5,
  fanOutBatchSize: 25,
  reservedConcurrency: true,
  inUseEcs: true,
  inUseLambda: true,
  inUseEks: true,
  inUseAppRunner: true,
  inUseBatch: true,
  ecsRevisions: 2,
  inUseAccounts: [] as InUseAccount[],
  previewImpact: false,
  reportRetentionDays: 90,
  notify: DEFAULT_NOTIFY as string,
} as const;

export function withDefaults(args: EcrCleanupPolicyArgs): ResolvedArgs {
  const defined = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
  return { ...DEFAULTS, ...defined } as ResolvedArgs;
}
