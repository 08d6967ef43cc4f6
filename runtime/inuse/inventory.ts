/**
 * The in-use inventory, read once per run from every enabled source and sorted by repository. A source
 * that cannot be read is recorded as a failure: the engine then deletes nothing in that run.
 */
import type { ECSClient } from "@aws-sdk/client-ecs";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { Settings } from "../config/schema";
import { errorCode, errorMessage } from "../engine/errors";
import type { ImageRecord } from "../planner/types";
import { readEcsUses } from "./ecs";
import { readLambdaUses } from "./lambda";
import { ecrRegistryOf, parseImageReference, RegistryId } from "./reference";
import type { ImageUse, InUseReason, SourceResult } from "./types";

export interface InUseClients {
  ecs?: ECSClient;
  lambda?: LambdaClient;
}

interface RepositoryUses {
  digests: Map<string, InUseReason>;
  tags: Map<string, InUseReason>;
}

/** Where a failure to know what is in use comes from: a source, or the registry's own identity (references cannot be matched). */
export type InUseSource = "ecs" | "lambda" | "registry";

export interface InUseInventory {
  byRepository: Map<string, RepositoryUses>;
  failures: { source: InUseSource; code: string; message: string }[];
  /** Sources turned off in settings.in_use; the report says so. */
  disabled: ("ecs" | "lambda")[];
}

// When several workloads use one image, the report names the most immediate use.
const PRIORITY: InUseReason[] = ["in-use:ecs-task", "in-use:ecs-service", "in-use:lambda"];

function record(map: Map<string, InUseReason>, key: string, reason: InUseReason): void {
  const current = map.get(key);
  if (!current || PRIORITY.indexOf(reason) < PRIORITY.indexOf(current)) map.set(key, reason);
}

/** Files each use under its repository; references into other registries (accounts, regions) do not count. */
export function indexUses(uses: readonly ImageUse[], registry: RegistryId): Map<string, RepositoryUses> {
  const byRepository = new Map<string, RepositoryUses>();
  for (const use of uses) {
    const ref = parseImageReference(use.image);
    const host = ref && ecrRegistryOf(ref.host);
    if (!ref || !host || host.account !== registry.account || host.region !== registry.region) continue;
    let entry = byRepository.get(ref.repository);
    if (!entry) byRepository.set(ref.repository, (entry = { digests: new Map(), tags: new Map() }));
    // Both the digest the workload runs and the tag it names are protected: the tag may have moved since.
    // Digests are keyed in lower case, since they compare case-insensitively (`@sha256:ABC…` is ECR's `sha256:abc…`).
    for (const digest of [ref.digest, use.digest]) if (digest) record(entry.digests, digest.toLowerCase(), use.reason);
    if (ref.tag) record(entry.tags, ref.tag, use.reason);
  }
  return byRepository;
}

/**
 * The repository's in-use images, keyed by their digests exactly as the listing spells them (the planner
 * looks them up so); digests matched case-insensitively, tags resolved against the listing.
 */
export function inUseDigests(inventory: InUseInventory, repository: string, images: readonly ImageRecord[]): Map<string, InUseReason> {
  const uses = inventory.byRepository.get(repository);
  const result = new Map<string, InUseReason>();
  if (!uses) return result;
  // The inventory's keys are lower case already (indexUses), but a fan-out worker's come from stored items.
  const byDigest = new Map<string, InUseReason>();
  for (const [digest, reason] of uses.digests) record(byDigest, digest.toLowerCase(), reason);
  for (const image of images) {
    const reason = byDigest.get(image.digest.toLowerCase());
    if (reason) record(result, image.digest, reason);
    for (const tag of image.tags) {
      const byTag = uses.tags.get(tag);
      if (byTag) record(result, image.digest, byTag);
    }
  }
  return result;
}

export async function readInUse(settings: Settings, clients: InUseClients, registry: RegistryId): Promise<InUseInventory> {
  const inventory: InUseInventory = { byRepository: new Map(), failures: [], disabled: [] };
  const reads: Promise<SourceResult>[] = [];
  const sources: ("ecs" | "lambda")[] = [];
  for (const source of ["ecs", "lambda"] as const) {
    if (!settings.inUse[source]) {
      inventory.disabled.push(source);
      continue;
    }
    sources.push(source);
    if (source === "ecs") reads.push(clients.ecs ? readEcsUses(clients.ecs) : Promise.reject(new Error("no ECS client")));
    else reads.push(clients.lambda ? readLambdaUses(clients.lambda) : Promise.reject(new Error("no Lambda client")));
  }
  const results = await Promise.allSettled(reads);
  const uses: ImageUse[] = [];
  results.forEach((result, i) => {
    if (result.status === "fulfilled") uses.push(...result.value.uses);
    else {
      inventory.failures.push({ source: sources[i], code: errorCode(result.reason), message: errorMessage(result.reason) });
    }
  });
  inventory.byRepository = indexUses(uses, registry);
  return inventory;
}
