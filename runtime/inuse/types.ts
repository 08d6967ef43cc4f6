/** What the in-use sources report: image references that workloads use, each with the source that uses it. */
import type { SafetyKeepReason } from "../planner/types";

export type InUseReason = Extract<SafetyKeepReason, `in-use:${string}`>;

export interface ImageUse {
  /** The reference as the workload names it (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/repo:tag` or `...@sha256:…`). */
  image: string;
  /** The digest the workload actually runs, where the API says (ECS tasks and service revisions, Lambda's resolved URI). */
  digest?: string;
  reason: InUseReason;
}

export interface SourceResult {
  source: "ecs" | "lambda";
  uses: ImageUse[];
}
