/**
 * The in-use inventory, read once per run from every source that is on, in every account and region
 * (targets.ts), all reads at once, and sorted by repository. A source that cannot be read somewhere is recorded as
 * a failure that names the source, the account and region, and what to grant or turn off: the engine then
 * deletes nothing in that run (spec section 4, rule 5).
 */
import { inUseKey, type InUseSettings, SOURCE_FLAGS, type SourceFlag } from "../config/inUseSettings";
import { UntrustedAnswerError } from "../shared/answers";
import { errorCode, errorMessage } from "../shared/errors";
import type { ImageRecord, InUseMark } from "../planner/types";
import { ecrRegistryOf, parseImageReference, RegistryId } from "./reference";
import { SOURCES } from "./sources";
import { type SdkConfig, type Target, targetsOf, targetText } from "./targets";
import type { ImageUse, InUseReason } from "./types";

export interface RepositoryUses {
  /** Lower-case digests. */
  digests: Map<string, InUseMark>;
  tags: Map<string, InUseMark>;
}

/**
 * Where a failure to know what is in use comes from: a source, an account whose role cannot be assumed, or the
 * registry's own identity (references could not be matched).
 */
export type InUseSource = SourceFlag | "account" | "registry";
export const IN_USE_SOURCES: readonly InUseSource[] = [...SOURCE_FLAGS, "account", "registry"];

export interface InUseFailure {
  source: InUseSource;
  code: string;
  /** Says what could not be read where, and how to grant it or turn the source off. */
  message: string;
}

export interface InUseInventory {
  byRepository: Map<string, RepositoryUses>;
  failures: InUseFailure[];
  /** Sources turned off in settings.in_use; the report says so. */
  disabled: SourceFlag[];
}

export function emptyInventory(): InUseInventory {
  return { byRepository: new Map(), failures: [], disabled: [] };
}

// When several workloads use one image, the report names the most immediate kind of use first.
const PRIORITY: InUseReason[] = ["in-use:ecs-task", "in-use:eks", "in-use:ecs-service", "in-use:lambda", "in-use:app-runner", "in-use:batch", "in-use:ecs-revision"];

const rank = (reason: InUseMark["reason"]) => {
  const i = PRIORITY.indexOf(reason as InUseReason);
  return i < 0 ? PRIORITY.length : i;
};

/** A mark being built: workloads in a set, since one image (a sidecar) may be used by tens of thousands of pods. */
interface MarkBuilder {
  reason: InUseMark["reason"];
  workloads: Set<string>;
}

/** Marks keyed by digest or tag, merged as they come (the more immediate reason wins, workloads accumulate), sorted once at the end. */
class MarkIndex {
  private readonly marks = new Map<string, MarkBuilder>();

  add(key: string, reason: InUseMark["reason"], workloads: Iterable<string>): void {
    const current = this.marks.get(key);
    if (!current) {
      this.marks.set(key, { reason, workloads: new Set(workloads) });
      return;
    }
    if (rank(reason) < rank(current.reason)) current.reason = reason;
    for (const workload of workloads) current.workloads.add(workload);
  }

  build(): Map<string, InUseMark> {
    return new Map([...this.marks].map(([key, mark]) => [key, { reason: mark.reason, workloads: [...mark.workloads].sort() }]));
  }
}

/**
 * The key under which a digest is filed whose reference names no repository of this registry (another registry, or a
 * spelling of this one not recognised): a workload runs that digest, so every repository's listing is matched against it.
 * No repository name contains `*`.
 */
export const ANY_REPOSITORY = "*";

/** Files each use under its repository; references into other registries (accounts, regions) do not count, their digests do. */
export function indexUses(uses: readonly ImageUse[], registry: RegistryId): Map<string, RepositoryUses> {
  const building = new Map<string, { digests: MarkIndex; tags: MarkIndex }>();
  const entryOf = (repository: string) => {
    let entry = building.get(repository);
    if (!entry) building.set(repository, (entry = { digests: new MarkIndex(), tags: new MarkIndex() }));
    return entry;
  };
  for (const use of uses) {
    // Digests are keyed in lower case, since they compare case-insensitively (`@sha256:ABC…` is ECR's `sha256:abc…`).
    const runs = use.digest?.toLowerCase();
    const ref = parseImageReference(use.image);
    const host = ref && ecrRegistryOf(ref.host);
    if (!ref || !host || host.account !== registry.account || host.region !== registry.region) {
      // The digest the workload runs is known whatever its reference says: kept in any repository that holds it.
      if (runs) entryOf(ANY_REPOSITORY).digests.add(runs, use.reason, [use.workload]);
      continue;
    }
    const entry = entryOf(ref.repository);
    // Both the digest the workload runs and the tag it names are protected: the tag may have moved since.
    for (const digest of new Set([ref.digest, runs])) if (digest) entry.digests.add(digest, use.reason, [use.workload]);
    if (ref.tag) entry.tags.add(ref.tag, use.reason, [use.workload]);
  }
  return new Map([...building].map(([repository, entry]) => [repository, { digests: entry.digests.build(), tags: entry.tags.build() }]));
}

/**
 * What is wrong with a use's reference, or undefined: a reference that is not a string, or that holds whitespace or
 * a control character, is no image reference a runtime pulls; read as one it would name "another registry", and the
 * image it meant would go unprotected.
 */
export function oddReference(use: ImageUse): string | undefined {
  const where = `${use.from ?? use.reason} of ${use.workload}`;
  if (typeof use.image !== "string") return `${where} is ${use.image === null ? "null" : `a ${Array.isArray(use.image) ? "list" : typeof use.image}`} (${JSON.stringify(use.image)?.slice(0, 120)}), not an image reference`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(use.image)) return `${where} is ${JSON.stringify(use.image)}, which holds whitespace or a control character, not an image reference`;
  if (use.digest !== undefined && typeof use.digest !== "string") return `the digest beside ${where} is a ${typeof use.digest}, not a digest`;
  return undefined;
}

/** `uses`, once every reference in them is one (oddReference); else an UntrustedAnswerError that fails the source. */
export function checkedUses(uses: ImageUse[]): ImageUse[] {
  for (const use of uses) {
    const wrong = oddReference(use);
    if (wrong) throw new UntrustedAnswerError(`${wrong}, so the answer cannot be used`);
  }
  return uses;
}

/**
 * The repository's in-use images, keyed by their digests exactly as the listing spells them (the planner
 * looks them up so); digests matched case-insensitively, tags resolved against the listing.
 */
export function inUseDigests(inventory: InUseInventory, repository: string, images: readonly ImageRecord[]): Map<string, InUseMark> {
  const uses = inventory.byRepository.get(repository);
  const anywhere = inventory.byRepository.get(ANY_REPOSITORY);
  if (!uses && !anywhere) return new Map();
  // The inventory's keys are lower case already (indexUses), but a fan-out worker's come from stored items.
  const lowered = new MarkIndex();
  for (const [digest, mark] of [...(uses?.digests ?? []), ...(anywhere?.digests ?? [])]) lowered.add(digest.toLowerCase(), mark.reason, mark.workloads);
  const byDigest = lowered.build();
  const result = new MarkIndex();
  for (const image of images) {
    const mark = byDigest.get(image.digest.toLowerCase());
    if (mark) result.add(image.digest, mark.reason, mark.workloads);
    for (const tag of image.tags) {
      const byTag = uses?.tags.get(tag);
      if (byTag) result.add(image.digest, byTag.reason, byTag.workloads);
    }
  }
  return result.build();
}

const ACCESS_DENIED = /AccessDenied|UnauthorizedOperation|NotAuthorized|Forbidden|UnrecognizedClient|InvalidClientTokenId|ExpiredToken/i;

/**
 * The failure of one source in one target (or, for a source read everywhere at once, in the target its error
 * names): what, where, why, and what to do about it.
 */
export function sourceFailure(flag: SourceFlag, target: Target | undefined, err: unknown): InUseFailure {
  const source = SOURCES[flag];
  const code = errorCode(err);
  const off = `or turn the source off with settings.in_use.${inUseKey(flag, "snake")}: false (component arg ${source.arg}: false)`;
  // A Kubernetes 401/403 is the cluster's access (its message says how to grant it), not the source's IAM actions.
  const remedyGiven = (err as { remedyGiven?: unknown } | undefined)?.remedyGiven === true;
  const fix = !remedyGiven && ACCESS_DENIED.test(code)
    ? `grant ${source.actions.join(", ")} to the credentials the cleaner runs with${target?.role ? ` in role ${target.role.roleArn}` : ""}, ${off}`
    : `fix what is named above, ${off}`;
  const message = errorMessage(err);
  // A source read everywhere at once names the account and region in its own messages ("EKS cluster …").
  const where = target ? `${source.label} in ${targetText(target)}: ` : message.startsWith(source.label) ? "" : `${source.label}: `;
  return { source: flag, code, message: `${where}${message}; ${fix}` };
}

function accountFailure(target: Target, err: unknown): InUseFailure {
  const role = target.role!;
  return {
    source: "account",
    code: errorCode(err),
    message:
      `cannot assume role ${role.roleArn} to read account ${target.account}: ${errorMessage(err)}; allow the cleaner's credentials sts:AssumeRole on it, ` +
      `let the role trust them${role.externalId === undefined ? "" : " with this external id"}, or remove it from settings.in_use.accounts`,
  };
}

/** Prefixes the workload with the target's `ACCOUNT/REGION` where that is not the registry's own. */
function placed(uses: readonly ImageUse[], target: Target): ImageUse[] {
  return target.prefix ? uses.map((use) => ({ ...use, workload: `${target.prefix} ${use.workload}` })) : [...uses];
}

export interface InUseReadOptions {
  /** The SDK settings the sources' clients start from (endpoint, retries; credentials in tests). */
  sdkConfig: SdkConfig;
}

/** Reads every source that is on in every target, all at once; each source once per target per run. */
export async function readInUse(settings: InUseSettings, registry: RegistryId, options: InUseReadOptions): Promise<InUseInventory> {
  const inventory = emptyInventory();
  const on: SourceFlag[] = [];
  for (const flag of SOURCE_FLAGS) {
    if (!settings[flag]) inventory.disabled.push(flag);
    else on.push(flag);
  }
  if (!on.length) return inventory;
  const targets = targetsOf(settings, registry, options.sdkConfig);
  // A role that cannot be assumed fails its account's targets once, not once per source and region.
  const reachable = await Promise.all(
    targets.map(async (target) => {
      if (!target.role || typeof target.config.credentials !== "function") return true;
      try {
        await target.config.credentials();
        return true;
      } catch (err) {
        return err;
      }
    }),
  );
  const reads: Promise<ImageUse[]>[] = [];
  const seenAccounts = new Set<string>();
  const read = (flag: SourceFlag, target: Target | undefined, uses: () => Promise<ImageUse[]>) =>
    reads.push(uses().then(checkedUses).catch((err) => {
      inventory.failures.push(sourceFailure(flag, target, err));
      return [];
    }));
  const reached = targets.filter((target, i) => {
    if (reachable[i] === true) return true;
    if (!seenAccounts.has(target.role!.roleArn)) inventory.failures.push(accountFailure(target, reachable[i]));
    seenAccounts.add(target.role!.roleArn);
    return false;
  });
  for (const flag of on) {
    const { load } = SOURCES[flag];
    if ("everywhere" in load) read(flag, undefined, async () => (await load.everywhere())(reached, settings));
    else for (const target of reached) read(flag, target, async () => placed(await (await load.perTarget())(target, settings), target));
  }
  const uses = (await Promise.all(reads)).flat();
  // Failures in a fixed order (sources, then targets), whatever order the reads finished in.
  inventory.failures.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  inventory.byRepository = indexUses(uses, registry);
  return inventory;
}
