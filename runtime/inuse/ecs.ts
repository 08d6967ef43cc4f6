/**
 * Images that ECS uses, across every cluster of the region: containers of tasks whose desired status is
 * RUNNING (pending ones included), the task definitions of every service that is not INACTIVE (primary
 * and in-flight deployments, task sets), and the digests ECS pinned in the services' current revisions.
 * With rollback depth on (settings.in_use.ecs_revisions), the newest ACTIVE revisions of every family too
 * (ecsRevisions.ts). Each list is read once per run at the API's maximum page size, clusters and families at once.
 */
import {
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  paginateListClusters,
  paginateListServices,
  paginateListTasks,
  type ContainerDefinition,
  type ContainerImage,
  type Service,
  type ServiceRevision,
  type Task,
} from "@aws-sdk/client-ecs";
import type { InUseSettings } from "../config/inUseSettings";
import { answerAbout, answerOf, listIn, UntrustedAnswerError } from "../shared/answers";
import { chunks } from "../shared/chunks";
import { trustedPages } from "../shared/pages";
import { mapConcurrent } from "../shared/pool";
import { describedIn, lastPart, namesTaskDefinition } from "./ecsDescribed";
import { revisionUses } from "./ecsRevisions";
import type { Target } from "./targets";
import type { ImageUse } from "./types";

const LIST_PAGE_SIZE = 100;
const DESCRIBE_TASKS_MAX = 100;
const DESCRIBE_SERVICES_MAX = 10;
const DESCRIBE_REVISIONS_MAX = 20;
/** Clusters read at once: independent reads, bounded so that a large account does not meet ECS's rate limits at once. */
const CLUSTERS_AT_ONCE = 8;

/** Every ARN a listing's pages name in `field`; `list` says what errors call it. */
async function collect<P extends { nextToken?: unknown }, K extends keyof P>(pages: AsyncIterable<P>, list: string, field: K): Promise<string[]> {
  const out: string[] = [];
  for await (const page of trustedPages(pages, list, { items: field, token: "nextToken" })) out.push(...(page[field] as string[]));
  return out;
}

/**
 * A task's images: its containers', or, while a task waits for capacity (PROVISIONING, whose DescribeTasks answer
 * lists no containers yet, and AWS JSON may leave an empty list out), its task definition's. A task that names
 * neither says nothing about what it runs.
 */
export async function taskImages(task: Task, what: string, definitionOf: DefinitionOf): Promise<ImageUse[]> {
  const workload = `ecs task ${task.taskArn ?? "(no ARN)"}`;
  const containers = task.containers === undefined ? [] : listIn(task, "containers", `${what}, task ${task.taskArn ?? "(no ARN)"}`);
  if (containers.length) {
    return containers.flatMap((c) => (c.image ? [{ image: c.image, digest: c.imageDigest, reason: "in-use:ecs-task" as const, from: `${what} containers[].image`, workload }] : []));
  }
  if (task.desiredStatus === "STOPPED") return [];
  if (!task.taskDefinitionArn) {
    throw new UntrustedAnswerError(`${what}: task ${task.taskArn ?? "(no ARN)"} lists no containers and names no taskDefinitionArn, so what it runs is unknown and the answer cannot be used`);
  }
  const arn = task.taskDefinitionArn;
  return (await definitionOf(arn)).flatMap((c) => (c.image ? [{ image: c.image, reason: "in-use:ecs-task" as const, from: `ECS DescribeTaskDefinition of ${arn} containerDefinitions[].image`, workload }] : []));
}

async function taskUses(client: ECSClient, cluster: string, definitionOf: DefinitionOf): Promise<ImageUse[]> {
  const arns = await collect(paginateListTasks({ client, pageSize: LIST_PAGE_SIZE }, { cluster, desiredStatus: "RUNNING" }), `ECS ListTasks of cluster ${cluster}`, "taskArns");
  const uses: ImageUse[] = [];
  for (const batch of chunks(arns, DESCRIBE_TASKS_MAX)) {
    const what = `ECS DescribeTasks of cluster ${cluster}`;
    const out = await answerOf(what, client.send(new DescribeTasksCommand({ cluster, tasks: batch })));
    for (const task of describedIn(out, "tasks", what, { asked: batch, arnOf: (task) => task.taskArn, by: "id" })) uses.push(...(await taskImages(task, what, definitionOf)));
  }
  return uses;
}

/** A task definition's container definitions, by ARN: described once per region, however many services and rollbacks name it. */
type DefinitionOf = (taskDefinitionArn: string) => Promise<ContainerDefinition[]>;

function taskDefinitions(client: ECSClient): DefinitionOf {
  const described = new Map<string, Promise<ContainerDefinition[]>>();
  return (arn) => {
    let containers = described.get(arn);
    if (!containers) {
      const what = `ECS DescribeTaskDefinition of ${arn}`;
      containers = answerOf(what, client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).then((out) => {
        const definition = out.taskDefinition ?? {};
        answerAbout(what, "taskDefinitionArn", arn, definition.taskDefinitionArn, namesTaskDefinition);
        return listIn(definition, "containerDefinitions", what);
      });
      described.set(arn, containers);
    }
    return containers;
  };
}

const imagesIn = (containers: ContainerDefinition[]) => containers.flatMap((c) => (c.image ? [c.image] : []));

/**
 * The task definitions a service that is not INACTIVE runs or deploys: its own, its deployments' and its task
 * sets'. Every such service names one somewhere; an answer that names none says nothing about what it runs.
 */
export function serviceTaskDefinitions(service: Service, what: string): string[] {
  const arns = [service.taskDefinition, ...(service.deployments ?? []).map((d) => d.taskDefinition), ...(service.taskSets ?? []).map((t) => t.taskDefinition)];
  const named = arns.filter((arn): arn is string => !!arn);
  // A service of the EXTERNAL deployment controller names its task definitions in its task sets, and may have none
  // yet ("the task set fields will be null"): its tasks, if any, are read with the cluster's tasks.
  if (!named.length && service.deploymentController?.type === "EXTERNAL") return [];
  if (!named.length) {
    throw new UntrustedAnswerError(`${what}: service ${service.serviceArn ?? service.serviceName ?? "(no ARN)"} is ${service.status ?? "of no status"} but names no task definition (taskDefinition, deployments, taskSets), so what it runs is unknown and the answer cannot be used`);
  }
  return named;
}

/**
 * The images a service revision pinned: its containerImages. ECS resolves a tag to a digest unless a container's
 * versionConsistency is disabled; a revision that lists none is read as pinning nothing only when its task
 * definition's containers all have it disabled (AWS JSON may leave an empty list out), else it says nothing.
 */
export async function revisionImages(revision: ServiceRevision, what: string, definitionOf: DefinitionOf): Promise<ContainerImage[]> {
  const of = `${what}, revision ${revision.serviceRevisionArn ?? "(no ARN)"}`;
  const images = revision.containerImages === undefined ? [] : listIn(revision, "containerImages", of);
  if (images.length) return images;
  const containers = revision.taskDefinition ? await definitionOf(revision.taskDefinition) : [];
  if (containers.length && containers.every((c) => c.versionConsistency === "disabled")) return [];
  throw new UntrustedAnswerError(`${of}: the answer lists no containerImages for a revision whose task definition (${revision.taskDefinition ?? "none named"}) has a container ECS resolves to a digest, so the digest the service pinned is unknown and the answer cannot be used`);
}

async function serviceUses(client: ECSClient, cluster: string, definitionOf: DefinitionOf): Promise<ImageUse[]> {
  const arns = await collect(paginateListServices({ client, pageSize: LIST_PAGE_SIZE }, { cluster }), `ECS ListServices of cluster ${cluster}`, "serviceArns");
  const uses: ImageUse[] = [];
  // Task definition ARN, and service revision ARN, to the services that use it.
  const definitionUsers = new Map<string, Set<string>>();
  const revisionUsers = new Map<string, string>();
  const clusterName = lastPart(cluster);
  for (const batch of chunks(arns, DESCRIBE_SERVICES_MAX)) {
    const what = `ECS DescribeServices of cluster ${cluster}`;
    const out = await answerOf(what, client.send(new DescribeServicesCommand({ cluster, services: batch })));
    for (const service of describedIn(out, "services", what, { asked: batch, arnOf: (service) => service.serviceArn, by: "id" })) {
      if (service.status === "INACTIVE") continue;
      const workload = `ecs service ${clusterName}/${service.serviceName ?? lastPart(service.serviceArn ?? "")}`;
      for (const arn of serviceTaskDefinitions(service, what)) {
        if (!definitionUsers.has(arn)) definitionUsers.set(arn, new Set());
        definitionUsers.get(arn)!.add(workload);
      }
      for (const revision of service.currentServiceRevisions ?? []) if (revision.arn) revisionUsers.set(revision.arn, workload);
    }
  }
  for (const [arn, workloads] of definitionUsers) {
    for (const image of imagesIn(await definitionOf(arn))) for (const workload of workloads) uses.push({ image, reason: "in-use:ecs-service", from: `ECS DescribeTaskDefinition of ${arn} containerDefinitions[].image`, workload });
  }
  for (const batch of chunks([...revisionUsers.keys()], DESCRIBE_REVISIONS_MAX)) {
    const what = `ECS DescribeServiceRevisions of cluster ${cluster}`;
    const out = await answerOf(what, client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch })));
    for (const revision of describedIn(out, "serviceRevisions", what, { asked: batch, arnOf: (revision) => revision.serviceRevisionArn, by: "arn" })) {
      const workload = revisionUsers.get(revision.serviceRevisionArn ?? "") ?? `ecs service ${clusterName}/${lastPart(revision.serviceArn ?? "")}`;
      for (const image of await revisionImages(revision, what, definitionOf)) {
        if (image.image) uses.push({ image: image.image, digest: image.imageDigest, reason: "in-use:ecs-service", from: `${what} containerImages[].image`, workload });
      }
    }
  }
  return uses;
}

/** Every cluster's tasks and services, and the families' newest revisions, read at once; task definitions described once per region. */
export async function readEcsUses(target: Target, settings: InUseSettings): Promise<ImageUse[]> {
  const client = new ECSClient(target.config);
  try {
    const definitionOf = taskDefinitions(client);
    const imagesOf = async (arn: string) => imagesIn(await definitionOf(arn));
    const clusters = collect(paginateListClusters({ client, pageSize: LIST_PAGE_SIZE }, {}), "ECS ListClusters", "clusterArns");
    const [perCluster, revisions] = await Promise.all([
      clusters.then((arns) => mapConcurrent(arns, CLUSTERS_AT_ONCE, async (cluster) => [...(await taskUses(client, cluster, definitionOf)), ...(await serviceUses(client, cluster, definitionOf))])),
      revisionUses(client, settings.ecsRevisions, imagesOf),
    ]);
    return [...perCluster.flat(), ...revisions];
  } finally {
    client.destroy();
  }
}
