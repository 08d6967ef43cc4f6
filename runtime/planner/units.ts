/**
 * Groups a repository's images into units: a top-level image with the images that belong to it
 * (the platform manifests of an index, and the referrers that name it: OCI `subject` or cosign's
 * `sha256-<hex>.sig|.att|.sbom` tags). Policies decide for top-level images; members follow their unit.
 */
import { compareImages } from "./order";
import type { ImageRecord } from "./types";

const COSIGN_TAG = /^sha256-([0-9a-f]{64})\.(sig|att|sbom)$/;

/** A tag that names another image (a cosign signature, attestation or SBOM); never significant. */
export function isReferrerTag(tag: string): boolean {
  // The prefix first: nearly every tag is not one, and a regular expression a tag costs a million-image plan 0.1 s.
  return tag.startsWith("sha256-") && COSIGN_TAG.test(tag);
}

/** The digests an image says it belongs to, in this repository or not. */
function ownerDigests(image: ImageRecord): string[] {
  const owners: string[] = [];
  if (image.subjectDigest) owners.push(image.subjectDigest);
  for (const tag of image.tags) {
    const match = tag.startsWith("sha256-") ? COSIGN_TAG.exec(tag) : null;
    if (match) owners.push(`sha256:${match[1]}`);
  }
  return owners;
}

export interface Units {
  /** Images that belong to no other image of the repository. */
  topLevel: ImageRecord[];
  /** Every member of each top-level image's unit (transitively: a signature of a platform manifest too), by top-level digest. */
  members: Map<string, ImageRecord[]>;
  /** Images that belong to others but to no unit reachable from a top-level image (a reference cycle); kept. */
  orphans: ImageRecord[];
  /**
   * For members: the longest chain of owners above them within their unit (1 for an index's children).
   * Deleting in waves by depth deletes every index in an earlier call than its children, as ECR requires.
   */
  depth: Map<string, number>;
  /** For members: every image of the repository that holds them (indexes that list them, subjects they refer to). */
  holders: Map<string, string[]>;
}

export function buildUnits(images: readonly ImageRecord[]): Units {
  const members = new Map<string, ImageRecord[]>();
  const depth = new Map<string, number>();
  // Claimed (owner, member) pairs; most repositories hold no index and no referrer, and stop here.
  const claims: [string, string][] = [];
  for (const image of images) {
    for (const child of image.childDigests ?? []) claims.push([image.digest, child]);
    for (const owner of ownerDigests(image)) claims.push([owner, image.digest]);
  }
  const holders = new Map<string, string[]>();
  if (claims.length === 0) return { topLevel: [...images], members, orphans: [], depth, holders };

  const byDigest = new Map(images.map((image) => [image.digest, image]));
  // Edges from an image to the images that belong to it, both in this repository.
  const belongers = new Map<string, string[]>();
  const hasOwner = new Set<string>();
  for (const [owner, member] of claims) {
    if (owner === member || !byDigest.has(owner) || !byDigest.has(member)) continue;
    const list = belongers.get(owner);
    if (list?.includes(member)) continue;
    if (list) list.push(member);
    else belongers.set(owner, [member]);
    const held = holders.get(member);
    if (held) held.push(owner);
    else holders.set(member, [owner]);
    hasOwner.add(member);
  }

  for (const list of holders.values()) list.sort();
  const topLevel = images.filter((image) => !hasOwner.has(image.digest));
  const reached = new Set<string>();
  for (const top of topLevel) {
    if (!belongers.has(top.digest)) continue;
    const unit: ImageRecord[] = [];
    const seen = new Set([top.digest]);
    const stack = [...(belongers.get(top.digest) ?? [])];
    while (stack.length) {
      const digest = stack.pop()!;
      if (seen.has(digest)) continue;
      seen.add(digest);
      reached.add(digest);
      unit.push(byDigest.get(digest)!);
      stack.push(...(belongers.get(digest) ?? []));
    }
    members.set(top.digest, unit.sort(compareImages));
    assignDepths(top.digest, unit, belongers, depth);
  }
  const orphans = images.filter((image) => hasOwner.has(image.digest) && !reached.has(image.digest));
  return { topLevel, members, orphans, depth, holders };
}

/** Longest path from the top-level image, by relaxation: units are small and acyclic (content-addressed). */
function assignDepths(top: string, unit: readonly ImageRecord[], belongers: Map<string, string[]>, depth: Map<string, number>): void {
  const inUnit = new Set([top, ...unit.map((image) => image.digest)]);
  const local = new Map<string, number>([[top, 0]]);
  for (let round = 0; round < unit.length; round++) {
    let changed = false;
    for (const owner of inUnit) {
      const ownerDepth = local.get(owner);
      if (ownerDepth === undefined) continue;
      for (const member of belongers.get(owner) ?? []) {
        if (inUnit.has(member) && (local.get(member) ?? 0) < ownerDepth + 1) {
          local.set(member, ownerDepth + 1);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  // A member shared by several units goes after the deepest owner chain of any of them.
  for (const [digest, d] of local) if (digest !== top) depth.set(digest, Math.max(depth.get(digest) ?? 0, d));
}
