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
  type Container,
  type Service,
  type Task,
} from "@aws-sdk/client-ecs";
import type { InUseSettings } from "../config/inUseSettings";
import { answerAbout, answerOf, listIn, nonEmptyListIn, UntrustedAnswerError } from "../shared/answers";
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
 * A task's containers. Every task has at least one: a task not being stopped (desired RUNNING or PENDING, as it was
 * listed) that names none says nothing about what it runs. A task stopping since it was listed may name none.
 */
export function taskContainers(task: Task, what: string): Container[] {
  const of = `${what}, task ${task.taskArn ?? "(no ARN)"}`;
  if (task.desiredStatus === "STOPPED") return listIn(task, "containers", of);
  return nonEmptyListIn(task, "containers", of);
}

async function taskUses(client: ECSClient, cluster: string): Promise<ImageUse[]> {
  const arns = await collect(paginateListTasks({ client, pageSize: LIST_PAGE_SIZE }, { cluster, desiredStatus: "RUNNING" }), `ECS ListTasks of cluster ${cluster}`, "taskArns");
  const uses: ImageUse[] = [];
  for (const batch of chunks(arns, DESCRIBE_TASKS_MAX)) {
    const what = `ECS DescribeTasks of cluster ${cluster}`;
    const out = await answerOf(what, client.send(new DescribeTasksCommand({ cluster, tasks: batch })));
    for (const task of describedIn(out, "tasks", what, { asked: batch, arnOf: (task) => task.taskArn, by: "id" })) {
      for (const container of taskContainers(task, what)) {
        if (container.image) uses.push({ image: container.image, digest: container.imageDigest, reason: "in-use:ecs-task", from: `${what} containers[].image`, workload: `ecs task ${task.taskArn ?? "(no ARN)"}` });
      }
    }
  }
  return uses;
}

/** A task definition's images, by ARN: described once per region, however many services and rollbacks name it. */
type ImagesOf = (taskDefinitionArn: string) => Promise<string[]>;

function taskDefinitionImages(client: ECSClient): ImagesOf {
  const described = new Map<string, Promise<string[]>>();
  return (arn) => {
    let images = described.get(arn);
    if (!images) {
      const what = `ECS DescribeTaskDefinition of ${arn}`;
      images = answerOf(what, client.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).then((out) => {
        const definition = out.taskDefinition ?? {};
        answerAbout(what, "taskDefinitionArn", arn, definition.taskDefinitionArn, namesTaskDefinition);
        return listIn(definition, "containerDefinitions", what).flatMap((c) => (c.image ? [c.image] : []));
      });
      described.set(arn, images);
    }
    return images;
  };
}

/**
 * The task definitions a service that is not INACTIVE runs or deploys: its own, its deployments' and its task
 * sets'. Every such service names one somewhere; an answer that names none says nothing about what it runs.
 */
export function serviceTaskDefinitions(service: Service, what: string): string[] {
  const arns = [service.taskDefinition, ...(service.deployments ?? []).map((d) => d.taskDefinition), ...(service.taskSets ?? []).map((t) => t.taskDefinition)];
  const named = arns.filter((arn): arn is string => !!arn);
  if (!named.length) {
    throw new UntrustedAnswerError(`${what}: service ${service.serviceArn ?? service.serviceName ?? "(no ARN)"} is ${service.status ?? "of no status"} but names no task definition (taskDefinition, deployments, taskSets), so what it runs is unknown and the answer cannot be used`);
  }
  return named;
}

async function serviceUses(client: ECSClient, cluster: string, imagesOf: ImagesOf): Promise<ImageUse[]> {
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
    for (const image of await imagesOf(arn)) for (const workload of workloads) uses.push({ image, reason: "in-use:ecs-service", from: `ECS DescribeTaskDefinition of ${arn} containerDefinitions[].image`, workload });
  }
  for (const batch of chunks([...revisionUsers.keys()], DESCRIBE_REVISIONS_MAX)) {
    const what = `ECS DescribeServiceRevisions of cluster ${cluster}`;
    const out = await answerOf(what, client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch })));
    for (const revision of describedIn(out, "serviceRevisions", what, { asked: batch, arnOf: (revision) => revision.serviceRevisionArn, by: "arn" })) {
      const workload = revisionUsers.get(revision.serviceRevisionArn ?? "") ?? `ecs service ${clusterName}/${lastPart(revision.serviceArn ?? "")}`;
      // A revision records the image of each of its containers: none says nothing about what the service pinned.
      for (const image of nonEmptyListIn(revision, "containerImages", `${what}, revision ${revision.serviceRevisionArn ?? "(no ARN)"}`)) {
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
    const imagesOf = taskDefinitionImages(client);
    const clusters = collect(paginateListClusters({ client, pageSize: LIST_PAGE_SIZE }, {}), "ECS ListClusters", "clusterArns");
    const [perCluster, revisions] = await Promise.all([
      clusters.then((arns) => mapConcurrent(arns, CLUSTERS_AT_ONCE, async (cluster) => [...(await taskUses(client, cluster)), ...(await serviceUses(client, cluster, imagesOf))])),
      revisionUses(client, settings.ecsRevisions, imagesOf),
    ]);
    return [...perCluster.flat(), ...revisions];
  } finally {
    client.destroy();
  }
}
