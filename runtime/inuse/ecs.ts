/**
 * Images that ECS uses, across every cluster of the region: containers of tasks whose desired status is
 * RUNNING (pending ones included), the task definitions of every service that is not INACTIVE (primary
 * and in-flight deployments, task sets), and the digests ECS pinned in the services' current revisions.
 * Each list is read once per run at the API's maximum page size.
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
} from "@aws-sdk/client-ecs";
import { chunks } from "../engine/chunks";
import type { ImageUse, SourceResult } from "./types";

const LIST_PAGE_SIZE = 100;
const DESCRIBE_TASKS_MAX = 100;
const DESCRIBE_SERVICES_MAX = 10;
const DESCRIBE_REVISIONS_MAX = 20;

async function collect<P>(pages: AsyncIterable<P>, pick: (page: P) => string[] | undefined): Promise<string[]> {
  const out: string[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

async function taskUses(client: ECSClient, cluster: string): Promise<ImageUse[]> {
  const arns = await collect(paginateListTasks({ client, pageSize: LIST_PAGE_SIZE }, { cluster, desiredStatus: "RUNNING" }), (p) => p.taskArns);
  const uses: ImageUse[] = [];
  for (const batch of chunks(arns, DESCRIBE_TASKS_MAX)) {
    const out = await client.send(new DescribeTasksCommand({ cluster, tasks: batch }));
    for (const task of out.tasks ?? []) {
      for (const container of task.containers ?? []) {
        if (container.image) uses.push({ image: container.image, digest: container.imageDigest, reason: "in-use:ecs-task" });
      }
    }
  }
  return uses;
}

async function serviceUses(client: ECSClient, cluster: string, taskDefinitions: Map<string, Promise<string[]>>): Promise<ImageUse[]> {
  const arns = await collect(paginateListServices({ client, pageSize: LIST_PAGE_SIZE }, { cluster }), (p) => p.serviceArns);
  const uses: ImageUse[] = [];
  const definitionArns = new Set<string>();
  const revisionArns = new Set<string>();
  for (const batch of chunks(arns, DESCRIBE_SERVICES_MAX)) {
    const out = await client.send(new DescribeServicesCommand({ cluster, services: batch }));
    for (const service of out.services ?? []) {
      if (service.status === "INACTIVE") continue;
      for (const arn of [service.taskDefinition, ...(service.deployments ?? []).map((d) => d.taskDefinition), ...(service.taskSets ?? []).map((t) => t.taskDefinition)]) {
        if (arn) definitionArns.add(arn);
      }
      for (const revision of service.currentServiceRevisions ?? []) if (revision.arn) revisionArns.add(revision.arn);
    }
  }
  for (const arn of definitionArns) {
    if (!taskDefinitions.has(arn)) {
      taskDefinitions.set(
        arn,
        client
          .send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))
          .then((out) => (out.taskDefinition?.containerDefinitions ?? []).flatMap((c) => (c.image ? [c.image] : []))),
      );
    }
    for (const image of await taskDefinitions.get(arn)!) uses.push({ image, reason: "in-use:ecs-service" });
  }
  for (const batch of chunks([...revisionArns], DESCRIBE_REVISIONS_MAX)) {
    const out = await client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: batch }));
    for (const revision of out.serviceRevisions ?? []) {
      for (const image of revision.containerImages ?? []) {
        if (image.image) uses.push({ image: image.image, digest: image.imageDigest, reason: "in-use:ecs-service" });
      }
    }
  }
  return uses;
}

export async function readEcsUses(client: ECSClient): Promise<SourceResult> {
  const clusters = await collect(paginateListClusters({ client, pageSize: LIST_PAGE_SIZE }, {}), (p) => p.clusterArns);
  // Task definitions are shared between services and clusters: describe each once per run.
  const taskDefinitions = new Map<string, Promise<string[]>>();
  const uses: ImageUse[] = [];
  for (const cluster of clusters) {
    uses.push(...(await taskUses(client, cluster)), ...(await serviceUses(client, cluster, taskDefinitions)));
  }
  return { source: "ecs", uses };
}
