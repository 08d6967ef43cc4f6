/**
 * Images that AWS Batch uses (`in-use:batch`): every ACTIVE job definition names images its next job pulls, in its
 * container properties, its ECS properties (task containers), its EKS properties (pod containers and init
 * containers), and per node range of a multi-node definition (container, ECS and EKS properties). Read with
 * DescribeJobDefinitions (status ACTIVE) at its maximum page size; one call per 100 definitions.
 */
import { BatchClient, type EcsProperties, type EksProperties, type JobDefinition, paginateDescribeJobDefinitions } from "@aws-sdk/client-batch";
import type { InUseSettings } from "../config/inUseSettings";
import { UntrustedAnswerError } from "../shared/answers";
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

/**
 * A definition's images; every kind names at least one (containerProperties.image, a node range's container, ECS
 * task containers or EKS pod containers each carry one), so a definition that names none is no answer.
 */
function definitionImages(definition: JobDefinition): string[] {
  const images = jobDefinitionImages(definition);
  if (!images.length) {
    const name = definition.jobDefinitionArn ?? `${definition.jobDefinitionName}:${definition.revision}`;
    throw new UntrustedAnswerError(
      `Batch DescribeJobDefinitions: job definition ${name} is ${definition.status ?? "of no status"} but names no image (containerProperties, nodeProperties.nodeRangeProperties, ecsProperties.taskProperties[].containers, eksProperties.podProperties containers or initContainers), so the answer cannot be used`,
    );
  }
  return images;
}

export async function readBatchUses(target: Target, _settings: InUseSettings): Promise<ImageUse[]> {
  const client = new BatchClient(target.config);
  try {
    const uses: ImageUse[] = [];
    const pages = paginateDescribeJobDefinitions({ client, pageSize: PAGE_SIZE }, { status: "ACTIVE" });
    for await (const page of trustedPages(pages, "Batch DescribeJobDefinitions", { items: "jobDefinitions", token: "nextToken" })) {
      for (const definition of page.jobDefinitions ?? []) {
        // The filter is the API's; only a definition it lets through as INACTIVE (deregistered) runs no next job.
        if (definition.status === "INACTIVE") continue;
        const workload = `batch ${definition.jobDefinitionName}:${definition.revision}`;
        for (const image of definitionImages(definition)) uses.push({ image, reason: "in-use:batch", from: "Batch DescribeJobDefinitions image", workload });
      }
    }
    return uses;
  } finally {
    client.destroy();
  }
}
