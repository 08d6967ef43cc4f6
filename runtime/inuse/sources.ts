/**
 * The in-use sources, one entry per `settings.in_use` flag, so that no flag exists without its source. Each entry
 * names what it reads (for the report and the permission hints) and loads its code, with its SDK client, only when
 * the source is on: `import()` inside the esbuild bundle defers the client's module until that call.
 */
import type { InUseSettings, SourceFlag } from "../config/inUseSettings";
import type { Target } from "./targets";
import type { ImageUse } from "./types";

/** What a source reads in one account and region: every use it finds, or it throws (the run then deletes nothing). */
export type SourceReader = (target: Target, settings: InUseSettings) => Promise<ImageUse[]>;

/**
 * A source read in every account and region at once, for a source whose settings name things that only some target
 * has (EKS clusters by plain name): a name no target lists fails the source instead of reading nothing. Its uses'
 * workloads carry their `ACCOUNT/REGION ` already.
 */
export type EverywhereReader = (targets: readonly Target[], settings: InUseSettings) => Promise<ImageUse[]>;

export interface SourceDefinition {
  flag: SourceFlag;
  /** As the report names it: "ECS", "App Runner". */
  label: string;
  /** The component arg that turns it off. */
  arg: string;
  /** The IAM actions it needs, for the message when one is denied (component/iam.ts grants exactly these). */
  actions: readonly string[];
  /** Loads the reader: one read per target, or one read given every target. */
  load: { perTarget: () => Promise<SourceReader> } | { everywhere: () => Promise<EverywhereReader> };
}

export const ECS_ACTIONS = [
  "ecs:DescribeServiceRevisions",
  "ecs:DescribeServices",
  "ecs:DescribeTaskDefinition",
  "ecs:DescribeTasks",
  "ecs:ListClusters",
  "ecs:ListServices",
  "ecs:ListTasks",
] as const;
/** Rollback depth (settings.in_use.ecs_revisions above 0) also lists the families and their newest revisions. */
export const ECS_REVISION_ACTIONS = ["ecs:ListTaskDefinitionFamilies", "ecs:ListTaskDefinitions"] as const;
export const LAMBDA_ACTIONS = ["lambda:GetFunction", "lambda:ListFunctions"] as const;
export const APP_RUNNER_ACTIONS = ["apprunner:DescribeService", "apprunner:ListServices"] as const;
export const BATCH_ACTIONS = ["batch:DescribeJobDefinitions"] as const;
export const EKS_ACTIONS = ["eks:DescribeCluster", "eks:ListClusters"] as const;

export const SOURCES: Readonly<Record<SourceFlag, SourceDefinition>> = {
  ecs: { flag: "ecs", label: "ECS", arg: "inUseEcs", actions: [...ECS_ACTIONS, ...ECS_REVISION_ACTIONS], load: { perTarget: () => import("./ecs").then((m) => m.readEcsUses) } },
  lambda: { flag: "lambda", label: "Lambda", arg: "inUseLambda", actions: LAMBDA_ACTIONS, load: { perTarget: () => import("./lambda").then((m) => m.readLambdaUses) } },
  eks: { flag: "eks", label: "EKS", arg: "inUseEks", actions: EKS_ACTIONS, load: { everywhere: () => import("./eks/reader").then((m) => m.readEksEverywhere) } },
  appRunner: {
    flag: "appRunner", label: "App Runner", arg: "inUseAppRunner", actions: APP_RUNNER_ACTIONS,
    load: { perTarget: () => import("./appRunner").then((m) => m.readAppRunnerUses) },
  },
  batch: { flag: "batch", label: "AWS Batch", arg: "inUseBatch", actions: BATCH_ACTIONS, load: { perTarget: () => import("./batch").then((m) => m.readBatchUses) } },
};
