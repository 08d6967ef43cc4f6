/**
 * Images that AWS Batch uses (`in-use:batch`): every ACTIVE job definition names images its next job pulls, in its
 * container properties, its ECS properties (task containers), its EKS properties (pod containers and init
 * containers), and per node range of a multi-node definition (container, ECS and EKS properties). Read with
 * DescribeJobDefinitions (status ACTIVE) at its maximum page size; one call per 100 definitions.
 */
import { BatchClient, type EcsProperties, type EksProperties, type JobDefinition, paginateDescribeJobDefinitions } from "@aws-sdk/client-batch";
import type { InUseSettings } from "../config/inUseSettings";
import { trustedPages } from "../shared/pages";
import type { Target } from "./targets";
import type { ImageUse } from "./types";

const PAGE_SIZE = 100;

function ecsImages(ecs: EcsProperties | undefined): (string | undefined)[] {
  return (ecs?.taskProperties ?? []).flatMap((task) => (task.containers ?? []).map((c) => c.image));
}

function eksImages(eks: EksProperties | undefined): (string | undefined)[] {
  const pod = eks?.podProperties;
  return [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])].map((c) => c.image);
}

/** Every image a job definition names, wherever its kind puts it. */
export function jobDefinitionImages(definition: JobDefinition): string[] {
  const images = [
    definition.containerProperties?.image,
    ...ecsImages(definition.ecsProperties),
    ...eksImages(definition.eksProperties),
    ...(definition.nodeProperties?.nodeRangeProperties ?? []).flatMap((range) => [range.container?.image, ...ecsImages(range.ecsProperties), ...eksImages(range.eksProperties)]),
  ];
  return [...new Set(images.filter((image): image is string => Boolean(image)))];
}

export async function readBatchUses(target: Target, _settings: InUseSettings): Promise<ImageUse[]> {
  const client = new BatchClient(target.config);
  try {
    const uses: ImageUse[] = [];
    const pages = paginateDescribeJobDefinitions({ client, pageSize: PAGE_SIZE }, { status: "ACTIVE" });
    for await (const page of trustedPages(pages, "Batch DescribeJobDefinitions", { items: "jobDefinitions", token: "nextToken" })) {
      for (const definition of page.jobDefinitions ?? []) {
        // The filter is the API's; a definition it lets through in another status protects nothing.
        if (definition.status !== undefined && definition.status !== "ACTIVE") continue;
        const workload = `batch ${definition.jobDefinitionName}:${definition.revision}`;
        for (const image of jobDefinitionImages(definition)) uses.push({ image, reason: "in-use:batch", workload });
      }
    }
    return uses;
  } finally {
    client.destroy();
  }
}
