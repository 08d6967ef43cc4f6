/** What the in-use sources report: image references that workloads use, each with the kind of use and the workload. */
import type { SafetyKeepReason } from "../planner/types";

export type InUseReason = Extract<SafetyKeepReason, `in-use:${string}`>;

export interface ImageUse {
  /** The reference as the workload names it (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/repo:tag` or `...@sha256:…`). */
  image: string;
  /** The digest the workload actually runs, where the API says (ECS tasks and service revisions, Lambda's resolved URI). */
  digest?: string;
  reason: InUseReason;
  /** The call and field the reference was read from (`ECS DescribeTasks containers[].image`), for an error about it. */
  from?: string;
  /**
   * What uses it, for the report: `ecs service prod/web`, `ecs task arn:aws:ecs:…:task/…`, `lambda resize:3`.
   * The framework prefixes `ACCOUNT/REGION ` where that is not the registry's own.
   */
  workload: string;
}
