/**
 * The emulator's ECS state for one account and region: clusters, task definitions, tasks, services and their
 * revisions. Pure data, no HTTP: tests seed and inspect it directly (records handed out are live), and
 * ecs-operations.ts serves it with the API's rules. ARNs are in the formats of the ECS API reference (the long
 * task and service ARN format, with the cluster name).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { arnPartition } from "./protocol";

/** Task.desiredStatus: ECS only ever sets RUNNING or STOPPED (PENDING is a lastStatus, never a desired status). */
export type TaskDesiredStatus = "RUNNING" | "STOPPED";
/** Task.lastStatus, the task lifecycle states of the ECS developer guide. */
export type TaskLastStatus =
  | "PROVISIONING"
  | "PENDING"
  | "ACTIVATING"
  | "RUNNING"
  | "DEACTIVATING"
  | "STOPPING"
  | "DEPROVISIONING"
  | "STOPPED";
export type ServiceStatus = "ACTIVE" | "DRAINING" | "INACTIVE";

/** A container of a running task: `image` as the task definition names it, `imageDigest` as ECS resolved it. */
export interface EcsContainer {
  name: string;
  image: string;
  imageDigest?: string;
}

/** ContainerImage of a service revision: the digest ECS pinned when the revision was deployed. */
export interface ServiceRevisionImage {
  containerName: string;
  image: string;
  imageDigest?: string;
}

export interface StoredCluster {
  readonly name: string;
  readonly arn: string;
  readonly seq: number;
  /** By task id. */
  readonly tasks: Map<string, StoredTask>;
  /** By service name. */
  readonly services: Map<string, StoredService>;
}

export interface StoredTaskDefinition {
  readonly family: string;
  readonly revision: number;
  readonly arn: string;
  readonly containers: readonly { readonly name: string; readonly image: string }[];
  status: "ACTIVE" | "INACTIVE";
  readonly registeredAt: Date;
}

export interface StoredTask {
  readonly id: string;
  readonly arn: string;
  readonly cluster: StoredCluster;
  readonly taskDefinition: StoredTaskDefinition;
  desiredStatus: TaskDesiredStatus;
  lastStatus: TaskLastStatus;
  containers: (EcsContainer & { readonly arn: string })[];
  readonly createdAt: Date;
  readonly seq: number;
}

export interface StoredDeployment {
  readonly id: string;
  status: "PRIMARY" | "ACTIVE" | "INACTIVE";
  taskDefinition: string;
  readonly createdAt: Date;
}

export interface StoredTaskSet {
  readonly id: string;
  readonly arn: string;
  taskDefinition: string;
  readonly createdAt: Date;
}

export interface StoredServiceRevision {
  readonly arn: string;
  readonly service: StoredService;
  readonly taskDefinition: string;
  readonly containerImages: ServiceRevisionImage[];
  readonly createdAt: Date;
}

export interface StoredService {
  readonly name: string;
  readonly arn: string;
  readonly cluster: StoredCluster;
  /** Only ACTIVE services are listed by ListServices; DescribeServices shows all three. */
  status: ServiceStatus;
  taskDefinition?: string;
  deployments: StoredDeployment[];
  /** Task sets: the service then uses the EXTERNAL deployment controller. */
  taskSets: StoredTaskSet[];
  /** The service's current revisions (Service.currentServiceRevisions). */
  revisions: StoredServiceRevision[];
  readonly createdAt: Date;
  readonly seq: number;
}

export interface RunTaskSeed {
  /** ARN, `family:revision` or `family` (its latest ACTIVE revision) of a registered task definition. */
  taskDefinitionArn: string;
  desiredStatus?: TaskDesiredStatus;
  /** Defaults to RUNNING, or STOPPED when the desired status is STOPPED. */
  lastStatus?: TaskLastStatus;
  /** Defaults to the task definition's containers, without digests. */
  containers?: EcsContainer[];
  /** The task's id (32 hex digits, the last part of its ARN). Defaults to a random one. */
  id?: string;
}

export interface CreateServiceSeed {
  name: string;
  status?: ServiceStatus;
  /**
   * A task definition reference; a registered one is stored as its ARN, anything else as given (so that a service
   * can point at a definition that DescribeTaskDefinition does not know).
   */
  taskDefinition?: string;
  /** Defaults to one PRIMARY deployment of `taskDefinition` (none when the service has task sets). */
  deployments?: { status: StoredDeployment["status"]; taskDefinition: string }[];
  taskSets?: { taskDefinition: string }[];
  /** Each becomes one of the service's current revisions, of `taskDefinition` unless it names its own. */
  revisions?: { taskDefinition?: string; containerImages: ServiceRevisionImage[] }[];
}

/** Cluster, service and task definition family names: "up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens". */
export const ECS_NAME = /^[a-zA-Z0-9_-]{1,255}$/;

export class EcsState {
  private readonly clusterMap = new Map<string, StoredCluster>();
  private readonly families = new Map<string, StoredTaskDefinition[]>();
  private readonly revisionMap = new Map<string, StoredServiceRevision>();
  private seq = 0;

  constructor(
    readonly account: string,
    readonly region: string,
    /** The emulator clock: creation and registration times come from it. */
    readonly now: () => Date,
  ) {}

  /** `arn:PARTITION:ecs:REGION:ACCOUNT:<resource>`. */
  arn(resource: string): string {
    return `arn:${arnPartition(this.region)}:ecs:${this.region}:${this.account}:${resource}`;
  }

  /**
   * The resource part of one of this account's and region's ECS ARNs of `kind` (`cluster`, `task`, ...), the
   * identifier itself when it is not an ARN, undefined for an ARN of another kind, account or region.
   */
  resourceOf(identifier: string, kind: string): string | undefined {
    if (!identifier.startsWith("arn:")) return identifier;
    const prefix = this.arn(`${kind}/`);
    return identifier.startsWith(prefix) ? identifier.slice(prefix.length) : undefined;
  }

  createCluster(name: string): StoredCluster {
    if (!ECS_NAME.test(name)) throw new Error(`not an ECS cluster name: ${name}`);
    if (this.clusterMap.has(name)) throw new Error(`cluster ${name} already exists`);
    const cluster: StoredCluster = { name, arn: this.arn(`cluster/${name}`), seq: ++this.seq, tasks: new Map(), services: new Map() };
    this.clusterMap.set(name, cluster);
    return cluster;
  }

  /** By name or ARN. */
  cluster(identifier: string): StoredCluster | undefined {
    const name = this.resourceOf(identifier, "cluster");
    return name === undefined ? undefined : this.clusterMap.get(name);
  }

  /** In creation order. */
  clusters(): StoredCluster[] {
    return [...this.clusterMap.values()];
  }

  /** Registers the next revision of `family` (1 for a new family) and returns its ARN. */
  registerTaskDefinition(family: string, containers: { name: string; image: string }[]): string {
    if (!ECS_NAME.test(family)) throw new Error(`not a task definition family: ${family}`);
    const revisions = this.families.get(family) ?? [];
    const revision = revisions.length + 1;
    revisions.push({
      family,
      revision,
      arn: this.arn(`task-definition/${family}:${revision}`),
      containers: containers.map((c) => ({ name: c.name, image: c.image })),
      status: "ACTIVE",
      registeredAt: this.now(),
    });
    this.families.set(family, revisions);
    return revisions[revision - 1].arn;
  }

  /** Every family name, sorted (as ListTaskDefinitionFamilies and ListTaskDefinitions order them). */
  familyNames(): string[] {
    return [...this.families.keys()].sort();
  }

  /** A family's revisions, oldest first. */
  revisionsOf(family: string): StoredTaskDefinition[] {
    return [...(this.families.get(family) ?? [])];
  }

  /** DeregisterTaskDefinition: the revision becomes INACTIVE (rollback depth no longer counts it). */
  deregisterTaskDefinition(arn: string): void {
    const definition = this.taskDefinition(arn);
    if (!definition) throw new Error(`no task definition ${arn}`);
    definition.status = "INACTIVE";
  }

  /** By ARN, `family:revision`, or `family` alone: its latest ACTIVE revision (DescribeTaskDefinition's rules). */
  taskDefinition(identifier: string): StoredTaskDefinition | undefined {
    const ref = this.resourceOf(identifier, "task-definition");
    if (ref === undefined) return undefined;
    const colon = ref.lastIndexOf(":");
    const revisions = this.families.get(colon < 0 ? ref : ref.slice(0, colon)) ?? [];
    if (colon < 0) return revisions.filter((d) => d.status === "ACTIVE").pop();
    const revision = ref.slice(colon + 1);
    return /^[1-9][0-9]*$/.test(revision) ? revisions[Number(revision) - 1] : undefined;
  }

  runTask(clusterName: string, seed: RunTaskSeed): StoredTask {
    const cluster = this.mustGetCluster(clusterName);
    const definition = this.taskDefinition(seed.taskDefinitionArn);
    if (!definition) throw new Error(`no task definition ${seed.taskDefinitionArn}`);
    const id = seed.id ?? randomBytes(16).toString("hex");
    const desiredStatus = seed.desiredStatus ?? "RUNNING";
    const task: StoredTask = {
      id,
      arn: this.arn(`task/${cluster.name}/${id}`),
      cluster,
      taskDefinition: definition,
      desiredStatus,
      lastStatus: seed.lastStatus ?? (desiredStatus === "STOPPED" ? "STOPPED" : "RUNNING"),
      containers: (seed.containers ?? definition.containers.map((c): EcsContainer => ({ ...c }))).map((c) => ({
        ...c,
        arn: this.arn(`container/${cluster.name}/${id}/${randomUUID()}`),
      })),
      createdAt: this.now(),
      seq: ++this.seq,
    };
    cluster.tasks.set(id, task);
    return task;
  }

  createService(clusterName: string, seed: CreateServiceSeed): StoredService {
    const cluster = this.mustGetCluster(clusterName);
    if (!ECS_NAME.test(seed.name)) throw new Error(`not an ECS service name: ${seed.name}`);
    if (cluster.services.has(seed.name)) throw new Error(`service ${seed.name} already exists in cluster ${cluster.name}`);
    const now = this.now();
    const arn = this.arn(`service/${cluster.name}/${seed.name}`);
    const definition = seed.taskDefinition === undefined ? undefined : this.definitionRef(seed.taskDefinition);
    const deployments =
      seed.deployments ?? (definition !== undefined && !seed.taskSets?.length ? [{ status: "PRIMARY" as const, taskDefinition: definition }] : []);
    const service: StoredService = {
      name: seed.name,
      arn,
      cluster,
      status: seed.status ?? "ACTIVE",
      taskDefinition: definition,
      deployments: deployments.map((d) => ({
        id: `ecs-svc/${longId()}`,
        status: d.status,
        taskDefinition: this.definitionRef(d.taskDefinition),
        createdAt: now,
      })),
      taskSets: (seed.taskSets ?? []).map((t) => {
        const id = `ecs-svc/${longId()}`;
        const taskSetArn = this.arn(`task-set/${cluster.name}/${seed.name}/${id}`);
        return { id, arn: taskSetArn, taskDefinition: this.definitionRef(t.taskDefinition), createdAt: now };
      }),
      revisions: [],
      createdAt: now,
      seq: ++this.seq,
    };
    for (const r of seed.revisions ?? []) {
      const revision: StoredServiceRevision = {
        arn: this.arn(`service-revision/${cluster.name}/${seed.name}/${longId()}`),
        service,
        taskDefinition: r.taskDefinition === undefined ? (definition ?? "") : this.definitionRef(r.taskDefinition),
        containerImages: r.containerImages.map((i) => ({ ...i })),
        createdAt: now,
      };
      service.revisions.push(revision);
      this.revisionMap.set(revision.arn, revision);
    }
    cluster.services.set(seed.name, service);
    return service;
  }

  serviceRevision(arn: string): StoredServiceRevision | undefined {
    return this.revisionMap.get(arn);
  }

  /** Removes every cluster, task definition, task and service. */
  clear(): void {
    this.clusterMap.clear();
    this.families.clear();
    this.revisionMap.clear();
  }

  private mustGetCluster(name: string): StoredCluster {
    const cluster = this.cluster(name);
    if (!cluster) throw new Error(`no cluster ${name}`);
    return cluster;
  }

  /** The ARN of a registered task definition, or the reference as given. */
  private definitionRef(ref: string): string {
    return this.taskDefinition(ref)?.arn ?? ref;
  }
}

/** Deployment, task set and service revision ids are 19-digit numbers in ECS's examples. */
function longId(): string {
  return (10n ** 18n + (randomBytes(8).readBigUInt64BE() % (9n * 10n ** 18n))).toString();
}
