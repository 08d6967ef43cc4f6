/**
 * Rollback depth (`in-use:ecs-revision`): for every task-definition family with an ACTIVE revision, the images of its
 * newest `settings.in_use.ecs_revisions` ACTIVE revisions, by revision number, the newest included: what a rollback
 * to one of them needs. The families come from ListTaskDefinitionFamilies (status ACTIVE: "families that contain at
 * least one ACTIVE task definition revision"), each family's newest revisions from one ListTaskDefinitions call
 * (sort DESC, maxResults the depth); their images from DescribeTaskDefinition, shared with the services' reads.
 */
import { ECSClient, ListTaskDefinitionsCommand, paginateListTaskDefinitionFamilies } from "@aws-sdk/client-ecs";
import { answerOf, listIn, UntrustedAnswerError } from "../shared/answers";
import { PageTrail, trustedPages } from "../shared/pages";
import { mapConcurrent } from "../shared/pool";
import type { ImageUse } from "./types";

const FAMILIES_PAGE_SIZE = 100;
/** Families read at once: independent reads, bounded like the clusters. */
const FAMILIES_AT_ONCE = 8;

/** `family` and `revision` of a task definition ARN (`arn:aws:ecs:REGION:ACCOUNT:task-definition/web:5`). */
export function familyRevisionOf(arn: string): { family: string; revision: number } | undefined {
  const match = /:task-definition\/([^:/]+):(\d+)$/.exec(arn);
  return match ? { family: match[1], revision: Number(match[2]) } : undefined;
}

/** The ARNs of `family`'s newest `depth` ACTIVE revisions, newest first. */
async function newestRevisions(client: ECSClient, family: string, depth: number): Promise<string[]> {
  const found: { arn: string; revision: number }[] = [];
  const what = `ECS ListTaskDefinitions of family ${family}`;
  const trail = new PageTrail(what);
  let nextToken: string | undefined;
  // The reference calls familyPrefix "the full family name"; should a page still hold another family (a prefix
  // match), those are skipped and the listing goes on until `depth` revisions of this family are found.
  do {
    const out = await answerOf(what, client.send(new ListTaskDefinitionsCommand({ familyPrefix: family, status: "ACTIVE", sort: "DESC", maxResults: depth, nextToken })));
    for (const arn of listIn(out, "taskDefinitionArns", what)) {
      const parsed = familyRevisionOf(arn);
      if (parsed?.family === family) found.push({ arn, revision: parsed.revision });
    }
    nextToken = trail.next(out.nextToken);
  } while (nextToken && found.length < depth);
  // ListTaskDefinitionFamilies (status ACTIVE) named the family for its ACTIVE revision: none found is no answer.
  if (!found.length) throw new UntrustedAnswerError(`${what}: the answer's taskDefinitionArns name no ACTIVE revision of ${family}, which ECS ListTaskDefinitionFamilies listed as ACTIVE, so the answer cannot be used`);
  return found.sort((a, b) => b.revision - a.revision).slice(0, depth).map((r) => r.arn);
}

export async function revisionUses(client: ECSClient, depth: number, imagesOf: (arn: string) => Promise<string[]>): Promise<ImageUse[]> {
  if (depth <= 0) return [];
  const families: string[] = [];
  const pages = paginateListTaskDefinitionFamilies({ client, pageSize: FAMILIES_PAGE_SIZE }, { status: "ACTIVE" });
  for await (const page of trustedPages(pages, "ECS ListTaskDefinitionFamilies", { items: "families", token: "nextToken" })) families.push(...(page.families ?? []));
  const perFamily = await mapConcurrent(families, FAMILIES_AT_ONCE, async (family) => {
    const uses: ImageUse[] = [];
    for (const arn of await newestRevisions(client, family, depth)) {
      const { revision } = familyRevisionOf(arn)!;
      for (const image of await imagesOf(arn)) uses.push({ image, reason: "in-use:ecs-revision", from: `ECS DescribeTaskDefinition of ${arn} containerDefinitions[].image`, workload: `ecs task-definition ${family}:${revision}` });
    }
    return uses;
  });
  return perFamily.flat();
}
