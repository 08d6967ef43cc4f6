/**
 * `ecr-cleanup doctor`'s checks: read-only calls that show whether a run with this configuration can do its work, in
 * every account and region its settings name, each with the exact remedy when it fails. Nothing is changed: the
 * delete and archive permissions are probed with a digest that cannot exist (ECR answers ImageNotFound when the call
 * is allowed, AccessDenied when it is not), and every list reads one page.
 */
import { AppRunnerClient, ListServicesCommand } from "@aws-sdk/client-apprunner";
import { BatchClient, DescribeJobDefinitionsCommand } from "@aws-sdk/client-batch";
import {
  BatchDeleteImageCommand, BatchGetImageCommand, DescribeImagesCommand, ECRClient, ListPullTimeUpdateExclusionsCommand, UpdateImageStorageClassCommand,
} from "@aws-sdk/client-ecr";
import { ECSClient, ListClustersCommand as ListEcsClustersCommand, ListTaskDefinitionFamiliesCommand } from "@aws-sdk/client-ecs";
import { EKSClient, ListClustersCommand as ListEksClustersCommand } from "@aws-sdk/client-eks";
import { LambdaClient, ListFunctionsCommand } from "@aws-sdk/client-lambda";
import type { Config } from "../../config/schema";
import { listRepositories, RepositoryInfo } from "../../ecr/listing";
import { ARCHIVE_IMAGE_ACTION, DELETE_IMAGE_ACTION, repositoryArn } from "../../iam/repositories";
import { listClusterNames, parseClusterSelector, readCluster } from "../../inuse/eks/source";
import { SOURCES } from "../../inuse/sources";
import { SdkConfig, Target, targetsOf } from "../../inuse/targets";
import { governs } from "../../planner/scope";
import { globMatches, isGlob } from "../../planner/glob";
import { errorCode, errorMessage, firstLine } from "../../shared/errors";
import { PageTrail } from "../../shared/pages";
import { mapConcurrent } from "../../shared/pool";
import type { Caller } from "../caller";
import { RepositoryTags, significantEntryChecks, tagChecks } from "./tags";

/** One line of the doctor's answer. */
export interface Check {
  /** What was checked: `credentials`, `repository`, `in-use:ecs`, `eks-cluster`, `delete`, … */
  check: string;
  /** Where: a repository, `ACCOUNT/REGION`, a cluster, a role. */
  target: string;
  status: "ok" | "fail" | "warn";
  /** What was found. */
  detail: string;
  /** What to do, when it is not ok. */
  remedy?: string;
}

/** A digest no image can have (64 zeros): the probes' answer says only whether the call is allowed. */
export const PROBE_DIGEST = `sha256:${"0".repeat(64)}`;
const AT_ONCE = 8;
const DENIED = new Set(["AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "UnrecognizedClientException", "UnauthorizedException"]);

const ok = (check: string, target: string, detail: string): Check => ({ check, target, status: "ok", detail });
const fail = (check: string, target: string, detail: string, remedy: string): Check => ({ check, target, status: "fail", detail, remedy });
const failure = (err: unknown) => `${errorCode(err)}: ${errorMessage(err)}`;

/** The IAM principal whose permissions the caller has: a user as is, an assumed role's session as its role. */
export function principalOf(callerArn: string): string {
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : callerArn;
}

/** The remedy for a denied action: the statement to add, from `ecr-cleanup iam-policy`. */
function grant(action: string, resource: string, principal: string): string {
  return `allow ${action} on ${resource} to ${principal} (ecr-cleanup iam-policy --config FILE prints every statement a run needs)`;
}

export interface DoctorContext {
  config: Config;
  caller: Caller;
  ecr: ECRClient;
  sdkConfig: SdkConfig;
}

/** The governed repositories' checks: the listing, each policy entry, then per governed repository what a run calls there. */
export async function repositoryChecks(ctx: DoctorContext): Promise<Check[]> {
  const { config, caller } = ctx;
  const principal = principalOf(caller.arn);
  const where = `${caller.accountId}/${caller.region}`;
  let repositories: RepositoryInfo[];
  try {
    repositories = await listRepositories(ctx.ecr);
  } catch (err) {
    const denied = DENIED.has(errorCode(err));
    return [fail("list-repositories", where, failure(err), denied ? grant("ecr:DescribeRepositories", "*", principal) : "check the region and the endpoint, then run doctor again")];
  }
  const checks: Check[] = [ok("list-repositories", where, `${repositories.length} ${repositories.length === 1 ? "repository" : "repositories"}`)];
  const names = repositories.map((r) => r.name);
  config.policies.forEach((policy, i) => {
    const label = `policy ${i + 1} (${policy.name})`;
    for (const entry of policy.repositories ?? []) {
      const matched = names.filter((n) => globMatches(entry, n)).length;
      if (!isGlob(entry)) {
        checks.push(matched ? ok("repository", entry, `${label}: exists`) : fail("repository", entry, `${label}: no repository ${entry} in ${where}`, `create it, or remove it from ${label}'s repositories`));
      } else {
        checks.push(matched ? ok("repository", entry, `${label}: matches ${matched}`) : { check: "repository", target: entry, status: "warn", detail: `${label}: the glob matches no repository in ${where}`, remedy: `check the glob for a typo` });
      }
    }
  });
  const deleteAfter = config.settings.archive?.deleteAfterMs !== undefined;
  const governed = repositories.filter((r) => config.policies.some((p) => governs(p, r.name)));
  const tagsOf = new Map<string, RepositoryTags>();
  const perRepository = await mapConcurrent(governed, AT_ONCE, async (repo) => {
    const policies = config.policies.filter((p) => governs(p, repo.name));
    const deletes = deleteAfter || policies.some((p) => p.action !== "archive");
    const archives = policies.some((p) => p.action === "archive");
    const probes = [
      await readProbe(ctx, repo.name, principal),
      ...(deletes ? [await deleteProbe(ctx, repo.name, principal)] : []),
      ...(archives ? [await archiveProbe(ctx, repo.name, principal)] : []),
    ];
    const tags = await tagChecks(ctx.ecr, repo.name, policies);
    tagsOf.set(repo.name, tags);
    return [...probes, ...tags.checks];
  });
  const entries = significantEntryChecks(config.policies, tagsOf, governs);
  return [...checks, ...perRepository.flat(), ...entries];
}

/** DescribeImages (one page of one image) and BatchGetImage of a digest that cannot exist (nothing is pulled). */
async function readProbe(ctx: DoctorContext, repository: string, principal: string): Promise<Check> {
  const arn = repositoryArn(ctx.caller, repository);
  for (const [action, call] of [
    ["ecr:DescribeImages", () => ctx.ecr.send(new DescribeImagesCommand({ repositoryName: repository, maxResults: 1 }))],
    ["ecr:BatchGetImage", () => ctx.ecr.send(new BatchGetImageCommand({ repositoryName: repository, imageIds: [{ imageDigest: PROBE_DIGEST }] }))],
  ] as const) {
    try {
      await call();
    } catch (err) {
      return fail("read", repository, `${action}: ${failure(err)}`, DENIED.has(errorCode(err)) ? grant(action, arn, principal) : "run doctor again; if it persists, check the repository");
    }
  }
  return ok("read", repository, "ecr:DescribeImages and ecr:BatchGetImage allowed");
}

/** BatchDeleteImage of a digest that cannot exist: ImageNotFound when allowed, AccessDenied when not. */
async function deleteProbe(ctx: DoctorContext, repository: string, principal: string): Promise<Check> {
  const arn = repositoryArn(ctx.caller, repository);
  try {
    const out = await ctx.ecr.send(new BatchDeleteImageCommand({ repositoryName: repository, imageIds: [{ imageDigest: PROBE_DIGEST }] }));
    const code = out.failures?.[0]?.failureCode;
    if (code === "ImageNotFound") return ok("delete", repository, `${DELETE_IMAGE_ACTION} allowed (probed with a digest that does not exist)`);
    return fail("delete", repository, `${DELETE_IMAGE_ACTION} of a digest that cannot exist answered ${code ?? "no failure"}`, "run doctor again; ECR should answer ImageNotFound");
  } catch (err) {
    return fail("delete", repository, `${DELETE_IMAGE_ACTION}: ${failure(err)}`, DENIED.has(errorCode(err)) ? `${grant(DELETE_IMAGE_ACTION, arn, principal)}; needed with --apply` : "run doctor again");
  }
}

/** UpdateImageStorageClass of a digest that cannot exist: ImageNotFoundException when allowed, AccessDenied when not. */
async function archiveProbe(ctx: DoctorContext, repository: string, principal: string): Promise<Check> {
  const arn = repositoryArn(ctx.caller, repository);
  try {
    await ctx.ecr.send(new UpdateImageStorageClassCommand({ repositoryName: repository, imageId: { imageDigest: PROBE_DIGEST }, targetStorageClass: "ARCHIVE" }));
    return fail("archive", repository, `${ARCHIVE_IMAGE_ACTION} of a digest that cannot exist succeeded`, "run doctor again; ECR should answer ImageNotFoundException");
  } catch (err) {
    if (errorCode(err) === "ImageNotFoundException") return ok("archive", repository, `${ARCHIVE_IMAGE_ACTION} allowed (probed with a digest that does not exist)`);
    return fail("archive", repository, `${ARCHIVE_IMAGE_ACTION}: ${failure(err)}`, DENIED.has(errorCode(err)) ? `${grant(ARCHIVE_IMAGE_ACTION, arn, principal)}; needed with --apply` : "run doctor again");
  }
}

/** Whether the caller is excluded from pull-time updates, when a policy keeps what was pulled recently. */
export async function pullTimeCheck(ctx: DoctorContext): Promise<Check[]> {
  if (!ctx.config.policies.some((p) => p.keepPulledWithinMs !== undefined)) return [];
  const principal = principalOf(ctx.caller.arn);
  const where = `${ctx.caller.accountId}/${ctx.caller.region}`;
  const excluded: string[] = [];
  try {
    // At most 100 exclusions per account: 1000 per page means one page, a few at most; a list that cannot be trusted fails the check.
    const trail = new PageTrail("ECR ListPullTimeUpdateExclusions", 10);
    let nextToken: string | undefined;
    do {
      const out = await ctx.ecr.send(new ListPullTimeUpdateExclusionsCommand({ maxResults: 1000, nextToken }));
      excluded.push(...(out.pullTimeUpdateExclusions ?? []));
      nextToken = trail.next(out.nextToken);
    } while (nextToken);
  } catch (err) {
    const denied = DENIED.has(errorCode(err));
    return [fail("pull-time-exclusion", where, `ecr:ListPullTimeUpdateExclusions: ${failure(err)}`, denied ? grant("ecr:ListPullTimeUpdateExclusions", "*", principal) : "run doctor again")];
  }
  if (excluded.includes(principal)) return [ok("pull-time-exclusion", where, `${principal} is excluded: its manifest reads do not count as pulls`)];
  return [fail(
    "pull-time-exclusion",
    where,
    `${principal} is not excluded from pull-time updates: reading index manifests (ecr:BatchGetImage) counts as a pull and keeps images that keep_pulled_within protects`,
    `aws ecr register-pull-time-update-exclusion --principal-arn ${principal} --region ${ctx.caller.region}`,
  )];
}

/** One page of each in-use source that is on, in every account and region; EKS: every cluster read through its API. */
export async function inUseChecks(ctx: DoctorContext): Promise<Check[]> {
  const { config, caller } = ctx;
  const inUse = config.settings.inUse;
  const targets = targetsOf(inUse, { account: caller.accountId, region: caller.region }, ctx.sdkConfig);
  const checks: Check[] = [];
  // Another account's role: assumed once, before its sources are read.
  const reachable: Target[] = [];
  const assumed = new Map<string, Check>();
  for (const target of targets) {
    if (!target.role) {
      reachable.push(target);
      continue;
    }
    let check = assumed.get(target.role.roleArn);
    if (!check) {
      try {
        await (target.config.credentials as () => Promise<unknown>)();
        check = ok("assume-role", target.role.roleArn, `assumed for account ${target.account}`);
      } catch (err) {
        check = fail("assume-role", target.role.roleArn, failure(err),
          `allow sts:AssumeRole on ${target.role.roleArn} to ${principalOf(caller.arn)}, and let the role's trust policy trust it${target.role.externalId ? ` with sts:ExternalId ${target.role.externalId}` : ""}`);
      }
      assumed.set(target.role.roleArn, check);
      checks.push(check);
    }
    if (check.status === "ok") reachable.push(target);
  }
  const perTarget = await mapConcurrent(reachable, AT_ONCE, (target) => sourceChecks(target, ctx));
  checks.push(...perTarget.flat());
  if (inUse.eks) checks.push(...(await eksClusterChecks(reachable, ctx)));
  return checks;
}

type Probe = (target: Target) => Promise<unknown>;

/** One page of each source's first list call (the reads after it are granted by the same statements). */
function probes(revisions: boolean): Record<"ecs" | "lambda" | "eks" | "appRunner" | "batch", [string, Probe][]> {
  const withClient = <C extends { destroy(): void }>(make: (t: Target) => C, send: (c: C) => Promise<unknown>): Probe => async (target) => {
    const client = make(target);
    try {
      return await send(client);
    } finally {
      client.destroy();
    }
  };
  return {
    ecs: [
      ["ecs:ListClusters", withClient((t) => new ECSClient(t.config), (c) => c.send(new ListEcsClustersCommand({ maxResults: 1 })))],
      ...(revisions ? [["ecs:ListTaskDefinitionFamilies", withClient((t) => new ECSClient(t.config), (c) => c.send(new ListTaskDefinitionFamiliesCommand({ maxResults: 1, status: "ACTIVE" })))] as [string, Probe]] : []),
    ],
    lambda: [["lambda:ListFunctions", withClient((t) => new LambdaClient(t.config), (c) => c.send(new ListFunctionsCommand({ MaxItems: 1 })))]],
    eks: [["eks:ListClusters", withClient((t) => new EKSClient(t.config), (c) => c.send(new ListEksClustersCommand({ maxResults: 1 })))]],
    appRunner: [["apprunner:ListServices", withClient((t) => new AppRunnerClient(t.config), (c) => c.send(new ListServicesCommand({ MaxResults: 1 })))]],
    batch: [["batch:DescribeJobDefinitions", withClient((t) => new BatchClient(t.config), (c) => c.send(new DescribeJobDefinitionsCommand({ maxResults: 1, status: "ACTIVE" })))]],
  };
}

const NOT_RESOLVED = new Set(["ENOTFOUND", "EAI_AGAIN"]);

async function sourceChecks(target: Target, ctx: DoctorContext): Promise<Check[]> {
  const inUse = ctx.config.settings.inUse;
  const where = `${target.account}/${target.region}`;
  const principal = target.role ? target.role.roleArn : principalOf(ctx.caller.arn);
  const checks: Check[] = [];
  for (const [flag, calls] of Object.entries(probes(inUse.ecsRevisions > 0)) as [keyof typeof SOURCES, [string, Probe][]][]) {
    const source = SOURCES[flag];
    const check = `in-use:${flag === "appRunner" ? "app-runner" : flag}`;
    if (!inUse[flag]) continue;
    let failed: Check | undefined;
    for (const [action, probe] of calls) {
      try {
        await probe(target);
      } catch (err) {
        const code = errorCode(err);
        const setting = `settings.in_use.${flag === "appRunner" ? "app_runner" : flag}: false`;
        const remedy = flag === "appRunner" && NOT_RESOLVED.has(code)
          ? `App Runner is not offered in ${target.region}: set ${setting} (the setting turns App Runner off in every region read), or leave ${target.region} out of settings.in_use.regions`
          : DENIED.has(code)
            ? `${grant(action, "*", principal)}${target.role ? ` in account ${target.account}` : ""}; or turn the ${source.label} source off (${setting})`
            : `run doctor again; a run fails closed while ${source.label} cannot be read (or turn it off: ${setting})`;
        failed = fail(check, where, `${action}: ${failure(err)}`, remedy);
        break;
      }
    }
    checks.push(failed ?? ok(check, where, `${calls.map(([a]) => a).join(", ")}: one page read`));
  }
  return checks;
}

/** Every cluster the run would read, read through its Kubernetes API with an EKS token (pods and workload lists). */
async function eksClusterChecks(targets: readonly Target[], ctx: DoctorContext): Promise<Check[]> {
  const selectors = ctx.config.settings.inUse.eksClusters?.map(parseClusterSelector);
  const principal = principalOf(ctx.caller.arn);
  const matched = new Set<string>();
  const perTarget = await mapConcurrent(targets, AT_ONCE, async (target) => {
    const eks = new EKSClient(target.config);
    const label = target.prefix ? `${target.prefix} ` : "";
    const eksTarget = { account: target.account, region: target.region, eks, label };
    try {
      let names: string[];
      try {
        names = await listClusterNames(eksTarget);
      } catch {
        return []; // reported by the in-use:eks check of this target
      }
      const chosen = names.filter((n) => {
        const hits = (selectors ?? []).filter((s) => s.name === n && (s.account === undefined || (s.account === target.account && s.region === target.region)));
        for (const hit of hits) matched.add(hit.text);
        return !selectors || hits.length > 0;
      });
      return await mapConcurrent(chosen, 4, async (name): Promise<Check> => {
        const cluster = `${label}${name}`;
        try {
          await readCluster(eksTarget, name, {});
          return ok("eks-cluster", cluster, "reached with an EKS token; pods and workloads listed");
        } catch (err) {
          const message = firstLine((err as Error)?.message ?? String(err));
          const who = target.role ? target.role.roleArn : principal;
          return fail("eks-cluster", cluster, errorCode(err), message.replaceAll("ROLE_ARN", who));
        }
      });
    } finally {
      eks.destroy();
    }
  });
  // A name that no account or region lists fails a run closed (a typo must not read nothing).
  const missing = (selectors ?? []).filter((s) => !matched.has(s.text)).map((s): Check => fail(
    "eks-cluster", s.text, `eks:ListClusters lists it in none of ${targets.map((t) => `${t.account}/${t.region}`).join(", ")}`,
    "correct the name or ARN in settings.in_use.eks_clusters, or add its region to settings.in_use.regions (its account to settings.in_use.accounts)",
  ));
  return [...perTarget.flat(), ...missing];
}
