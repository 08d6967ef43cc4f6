/**
 * The ECS reads that in-use detection makes (AmazonEC2ContainerServiceV20141113, JSON 1.1), with the limits, defaults
 * and errors of the ECS API reference; where the reference is silent, comments say what was chosen. Error messages
 * quoted from real responses are marked "(real wording)".
 */
import type { EcsState, StoredCluster, StoredService, StoredServiceRevision, StoredTask, StoredTaskDefinition } from "./ecs";
import { paginate, where } from "./paging";
import { AwsError, epochSeconds, type Json, type JsonOperation, type RequestContext } from "./protocol";
import { int, list, oneOf, str } from "./validate";

export const ECS_TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113";

export interface EcsEnvironment {
  /** The state of the account the access key belongs to, in that region. */
  ecsFor(region: string, accessKeyId: string | undefined): EcsState;
}

const DESIRED_STATUS = ["RUNNING", "PENDING", "STOPPED"] as const;
const LAUNCH_TYPE = ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"] as const;
const SCHEDULING_STRATEGY = ["REPLICA", "DAEMON"] as const;
/** Seeded tasks and services run on Fargate, as REPLICA services. */
const LAUNCHED_AS = "FARGATE";
/** "This value can be between 1 and 100" for ListClusters, ListTasks and ListServices. */
const MAX_RESULTS = 100;
/** ListServices returns "up to 10 results" without maxResults; ListClusters and ListTasks up to 100. */
const LIST_SERVICES_DEFAULT = 10;

export function ecsOperations(env: EcsEnvironment): Record<string, JsonOperation> {
  /** The `cluster` parameter (name or ARN; "the default cluster is assumed" without it), which must exist. */
  function target(input: Json, ctx: RequestContext): { ecs: EcsState; cluster: StoredCluster } {
    const ecs = env.ecsFor(ctx.region, ctx.accessKeyId);
    const cluster = ecs.cluster(str(input, "cluster") ?? "default");
    // (real wording)
    if (!cluster) throw new AwsError("ClusterNotFoundException", "Cluster not found.");
    return { ecs, cluster };
  }

  /**
   * DescribeTasks and DescribeServices: `refs` (ids or names, or ARNs of `kind`) looked up in the request's cluster;
   * an unknown one is reported by its ARN (made from the cluster and the id when it was not one).
   */
  function describeInCluster<T>(
    input: Json,
    ctx: RequestContext,
    refs: string[],
    opts: { kind: string; key: string; items: (cluster: StoredCluster) => Map<string, T>; shape: (item: T, tags: boolean) => Json },
  ): Json {
    const tags = includesTags(input);
    const { ecs, cluster } = target(input, ctx);
    return describe(refs, (ref) => opts.items(cluster).get(inCluster(ecs, cluster, ref, opts.kind) ?? ""), (item) => opts.shape(item, tags), {
      key: opts.key,
      missingArn: (ref) => (ref.startsWith("arn:") ? ref : ecs.arn(`${opts.kind}/${cluster.name}/${ref}`)),
    });
  }

  return {
    ListClusters(input, ctx) {
      const pageOpts = paging(input);
      const ecs = env.ecsFor(ctx.region, ctx.accessKeyId);
      return arnPage("clusterArns", ecs.clusters(), { scope: `ListClusters/${ecs.region}`, ...pageOpts });
    },

    ListTasks(input, ctx) {
      const pageOpts = paging(input);
      // "The default status filter is RUNNING"; PENDING is accepted but matches nothing: ECS never sets it as a
      // desired status.
      const desiredStatus = oneOf(input, "desiredStatus", DESIRED_STATUS) ?? "RUNNING";
      const family = str(input, "family");
      const launchType = oneOf(input, "launchType", LAUNCH_TYPE);
      // Seeded tasks are on no container instance, started by no service and have no startedBy: these filters
      // match none of them.
      const unmatchable = ["containerInstance", "serviceName", "startedBy"].some((f) => str(input, f) !== undefined);
      const { cluster } = target(input, ctx);
      const tasks = where(
        cluster.tasks.values(),
        (t) => !unmatchable && t.desiredStatus === desiredStatus && (family === undefined || t.taskDefinition.family === family) && launchedAs(launchType),
      );
      const scope = `ListTasks/${cluster.arn}/${desiredStatus}/${family ?? ""}/${launchType ?? ""}/${unmatchable}`;
      return arnPage("taskArns", tasks, { scope, ...pageOpts });
    },

    DescribeTasks(input, ctx) {
      // (real wording for both limits)
      const refs = identifiers(input, "tasks", 100, "taskIds", "Tasks cannot be empty.");
      return describeInCluster(input, ctx, refs, { kind: "task", key: "tasks", items: (c) => c.tasks, shape: taskShape });
    },

    ListServices(input, ctx) {
      const { maxResults, ...pageOpts } = paging(input);
      const launchType = oneOf(input, "launchType", LAUNCH_TYPE);
      const schedulingStrategy = oneOf(input, "schedulingStrategy", SCHEDULING_STRATEGY);
      const { cluster } = target(input, ctx);
      // DRAINING and INACTIVE services are "no longer visible in the ListServices API operation".
      const services = where(
        cluster.services.values(),
        (s) => s.status === "ACTIVE" && launchedAs(launchType) && (schedulingStrategy ?? "REPLICA") === "REPLICA",
      );
      const scope = `ListServices/${cluster.arn}/${launchType ?? ""}/${schedulingStrategy ?? ""}`;
      return arnPage("serviceArns", services, { scope, maxResults: maxResults ?? LIST_SERVICES_DEFAULT, ...pageOpts });
    },

    DescribeServices(input, ctx) {
      // The limit's wording is real; the empty list's is modelled on DescribeTasks'.
      const refs = identifiers(input, "services", 10, "service names", "Services cannot be empty.");
      // DRAINING and INACTIVE services "can still be viewed with the DescribeServices API operation".
      return describeInCluster(input, ctx, refs, { kind: "service", key: "services", items: (c) => c.services, shape: serviceShape });
    },

    DescribeTaskDefinition(input, ctx) {
      const ref = str(input, "taskDefinition", { required: true })!;
      const tags = includesTags(input);
      const definition = env.ecsFor(ctx.region, ctx.accessKeyId).taskDefinition(ref);
      // (real wording) INACTIVE revisions are still described (the reference: "You can only describe INACTIVE task
      // definitions while an active task or service references them"; the emulator does not check the references).
      if (!definition) throw new AwsError("ClientException", "Unable to describe task definition.");
      return { taskDefinition: taskDefinitionShape(definition), tags: tags ? [] : undefined };
    },

    ListTaskDefinitionFamilies(input, ctx) {
      const pageOpts = paging(input);
      const familyPrefix = str(input, "familyPrefix");
      // "ACTIVE: families that contain at least one ACTIVE revision; INACTIVE: only INACTIVE revisions; ALL: both."
      const status = oneOf(input, "status", ["ACTIVE", "INACTIVE", "ALL"] as const) ?? "ACTIVE";
      const ecs = env.ecsFor(ctx.region, ctx.accessKeyId);
      const families = ecs.familyNames().filter((family) => {
        if (familyPrefix !== undefined && !family.startsWith(familyPrefix)) return false;
        const active = ecs.revisionsOf(family).some((d) => d.status === "ACTIVE");
        return status === "ALL" || (status === "ACTIVE" ? active : !active);
      });
      const page = paginate(() => families.map((family, i) => ({ family, i })), (f) => [f.i, f.family], {
        scope: `ListTaskDefinitionFamilies/${ecs.account}/${ecs.region}/${familyPrefix ?? ""}/${status}`,
        ...pageOpts,
      });
      return { families: page.items.map((f) => f.family), nextToken: page.nextToken };
    },

    ListTaskDefinitions(input, ctx) {
      const pageOpts = paging(input);
      // "The full family name to filter the ListTaskDefinitions results with": the revisions of that family only.
      const family = str(input, "familyPrefix");
      const status = oneOf(input, "status", ["ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"] as const) ?? "ACTIVE";
      const sort = oneOf(input, "sort", ["ASC", "DESC"] as const) ?? "ASC";
      const ecs = env.ecsFor(ctx.region, ctx.accessKeyId);
      // "Lexicographically by family name and in ascending numerical order by revision"; DESC reverses both.
      const all = ecs.familyNames().filter((f) => family === undefined || f === family)
        .flatMap((f) => ecs.revisionsOf(f).filter((d) => d.status === status));
      if (sort === "DESC") all.reverse();
      const page = paginate(() => all.map((d, i) => ({ d, i })), (x) => [x.i, x.d.arn], {
        scope: `ListTaskDefinitions/${ecs.account}/${ecs.region}/${family ?? ""}/${status}/${sort}`,
        ...pageOpts,
      });
      return { taskDefinitionArns: page.items.map((x) => x.d.arn), nextToken: page.nextToken };
    },

    DescribeServiceRevisions(input, ctx) {
      // "You can specify a maximum of 20 ARNs"; the messages are modelled on DescribeTasks'.
      const arns = identifiers(input, "serviceRevisionArns", 20, "serviceRevisionArns", "ServiceRevisionArns cannot be empty.");
      const ecs = env.ecsFor(ctx.region, ctx.accessKeyId);
      return describe(arns, (arn) => ecs.serviceRevision(arn), revisionShape, { key: "serviceRevisions", missingArn: (arn) => arn });
    },
  };
}

type PageOptions = { maxResults?: number; nextToken?: string; invalidToken: (token: string) => AwsError };

/** maxResults and nextToken, validated (ECS answers a token it did not issue with InvalidParameterException). */
function paging(input: Json): PageOptions {
  return {
    maxResults: int(input, "maxResults", 1, MAX_RESULTS),
    nextToken: str(input, "nextToken"),
    // (real wording)
    invalidToken: (token) => new AwsError("InvalidParameterException", `Invalid token ${token}`),
  };
}

/** A List* page: the ARNs of `items` (in creation order) under `key`, and the nextToken. */
function arnPage(key: string, items: Iterable<{ seq: number; arn: string }>, opts: PageOptions & { scope: string }): Json {
  const page = paginate(() => items, (item) => [item.seq, ""], opts);
  return { [key]: page.items.map((item) => item.arn), nextToken: page.nextToken };
}

/**
 * The Describe* pattern: each identifier found is described once (in request order), each unknown one is a
 * `failures[]` entry with reason MISSING, and the call itself succeeds.
 */
function describe<T>(
  refs: string[],
  find: (ref: string) => T | undefined,
  shape: (item: T) => Json,
  opts: { key: string; missingArn: (ref: string) => string },
): Json {
  const found: Json[] = [];
  const failures: Json[] = [];
  const seen = new Set<T>();
  for (const ref of refs) {
    const item = find(ref);
    if (item === undefined) failures.push({ arn: opts.missingArn(ref), reason: "MISSING" });
    else if (!seen.has(item)) {
      seen.add(item);
      found.push(shape(item));
    }
  }
  return { [opts.key]: found, failures };
}

/** A required list of identifiers with ECS's wording for an empty list and for too many items. */
function identifiers(input: Json, field: string, max: number, noun: string, emptyMessage: string): string[] {
  const items = list(input, field, 0, Number.MAX_SAFE_INTEGER, true)!;
  if (items.length === 0) throw new AwsError("InvalidParameterException", emptyMessage);
  if (items.length > max) throw new AwsError("InvalidParameterException", `${noun} can have at most ${max} items.`);
  return items.map((_, i) => str(items as unknown as Json, String(i), { required: true }, `${field}.${i + 1}.member`)!);
}

/** `include: ["TAGS"]`, the only value of TaskField, ServiceField and TaskDefinitionField. */
function includesTags(input: Json): boolean {
  const include = list(input, "include", 0, Number.MAX_SAFE_INTEGER) ?? [];
  return include.some((_, i) => oneOf(include as unknown as Json, String(i), ["TAGS"] as const, `include.${i + 1}.member`) === "TAGS");
}

function launchedAs(launchType: string | undefined): boolean {
  return launchType === undefined || launchType === LAUNCHED_AS;
}

/**
 * The task or service id of `ref` (an id, a name, or an ARN of `kind` in the long format `kind/CLUSTER/ID` or the
 * old `kind/ID`), if it can name something in `cluster`.
 */
function inCluster(ecs: EcsState, cluster: StoredCluster, ref: string, kind: string): string | undefined {
  const parts = ecs.resourceOf(ref, kind)?.split("/");
  if (!parts || parts.length > 2 || (parts.length === 2 && parts[0] !== cluster.name)) return undefined;
  return parts[parts.length - 1];
}

function taskShape(task: StoredTask, tags: boolean): Json {
  return {
    taskArn: task.arn,
    clusterArn: task.cluster.arn,
    taskDefinitionArn: task.taskDefinition.arn,
    desiredStatus: task.desiredStatus,
    lastStatus: task.lastStatus,
    launchType: LAUNCHED_AS,
    platformVersion: "1.4.0",
    platformFamily: "Linux",
    group: `family:${task.taskDefinition.family}`,
    version: 1,
    createdAt: epochSeconds(task.createdAt),
    containers: task.containers.map((c) => ({
      containerArn: c.arn,
      taskArn: task.arn,
      name: c.name,
      image: c.image,
      imageDigest: c.imageDigest,
      lastStatus: task.lastStatus,
    })),
    tags: tags ? [] : undefined,
  };
}

function serviceShape(service: StoredService, tags: boolean): Json {
  const active = service.status === "ACTIVE" ? 1 : 0;
  const createdAt = epochSeconds(service.createdAt);
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: service.cluster.arn,
    status: service.status,
    desiredCount: active,
    runningCount: active,
    pendingCount: 0,
    launchType: LAUNCHED_AS,
    platformVersion: "LATEST",
    platformFamily: "Linux",
    taskDefinition: service.taskDefinition,
    schedulingStrategy: "REPLICA",
    // Task sets belong to services with an EXTERNAL (or CODE_DEPLOY) deployment controller.
    deploymentController: { type: service.taskSets.length ? "EXTERNAL" : "ECS" },
    deployments: service.deployments.map((d) => ({
      id: d.id,
      status: d.status,
      taskDefinition: d.taskDefinition,
      desiredCount: d.status === "PRIMARY" ? active : 0,
      runningCount: d.status === "PRIMARY" ? active : 0,
      pendingCount: 0,
      launchType: LAUNCHED_AS,
      rolloutState: d.status === "PRIMARY" ? "COMPLETED" : undefined,
      createdAt: epochSeconds(d.createdAt),
      updatedAt: epochSeconds(d.createdAt),
    })),
    taskSets: service.taskSets.length
      ? service.taskSets.map((t, i) => ({
          id: t.id,
          taskSetArn: t.arn,
          serviceArn: service.arn,
          clusterArn: service.cluster.arn,
          status: i === 0 ? "PRIMARY" : "ACTIVE",
          taskDefinition: t.taskDefinition,
          launchType: LAUNCHED_AS,
          createdAt: epochSeconds(t.createdAt),
          updatedAt: epochSeconds(t.createdAt),
        }))
      : undefined,
    currentServiceRevisions: service.revisions.map((r) => ({ arn: r.arn, requestedTaskCount: active, runningTaskCount: active, pendingTaskCount: 0 })),
    events: [],
    loadBalancers: [],
    serviceRegistries: [],
    createdAt,
    tags: tags ? [] : undefined,
  };
}

function revisionShape(revision: StoredServiceRevision): Json {
  return {
    serviceRevisionArn: revision.arn,
    serviceArn: revision.service.arn,
    clusterArn: revision.service.cluster.arn,
    taskDefinition: revision.taskDefinition,
    containerImages: revision.containerImages.map((i) => ({ containerName: i.containerName, image: i.image, imageDigest: i.imageDigest })),
    launchType: LAUNCHED_AS,
    platformVersion: "1.4.0",
    platformFamily: "Linux",
    guardDutyEnabled: false,
    createdAt: epochSeconds(revision.createdAt),
  };
}

function taskDefinitionShape(definition: StoredTaskDefinition): Json {
  return {
    taskDefinitionArn: definition.arn,
    family: definition.family,
    revision: definition.revision,
    status: definition.status,
    containerDefinitions: definition.containers.map((c) => ({
      name: c.name,
      image: c.image,
      cpu: 0,
      essential: true,
      portMappings: [],
      environment: [],
      mountPoints: [],
      volumesFrom: [],
    })),
    volumes: [],
    placementConstraints: [],
    compatibilities: ["EC2", "FARGATE"],
    requiresCompatibilities: ["FARGATE"],
    networkMode: "awsvpc",
    cpu: "256",
    memory: "512",
    registeredAt: epochSeconds(definition.registeredAt),
  };
}
