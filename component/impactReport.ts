/**
 * What `previewImpact` says, from two read-only runs (the new policies and the deployed function's): one info line
 * per repository in the formats the spec fixes (`hello_world: 18 → 30 images (+12, 1.1 GiB)`, `(new)`,
 * `(unchanged)`), the repositories that leave the policies, the warnings, and the cap failures; and what the new
 * policies' deletions are worth a month. Pure: no I/O.
 */
import { StorageValue, storageValueText } from "../runtime/engine/storageValue";

/** What one read-only run found for one repository. */
export interface RepositoryImpact {
  /** Images the plan deletes or archives (members included); for a repository over its cap, what the plan would. */
  images: number;
  /** Bytes those images take, as ECR reports them. */
  bytes: number;
  /** The part of `bytes` the plan deletes (archived bytes are still billed). Absent: as `bytes`. */
  deletedBytes?: number;
  /** The plan exceeds the smallest maxDeletions of the policies governing it: the function would skip it whole. */
  capExceeded?: { cap: number; planned: number };
  /** The repository's images could not be read: no numbers. */
  unreadable?: string;
  /** A fingerprint of what decides this repository (its governing policies and the settings). */
  decidedBy: string;
}

/** One read-only run of a set of policies. */
export interface ImpactRun {
  /** By repository name: every repository the policies govern. */
  repositories: Map<string, RepositoryImpact>;
  /** Why every number of this run is only an upper bound (in-use sources that could not be read), if any. */
  upperBound: string[];
  /** The registry itself could not be listed: no numbers at all. */
  registryError?: string;
  /** The engine's own warnings (untagged-mode fallbacks, missing repositories, ...). */
  warnings: string[];
}

export interface ImpactDiagnostics {
  info: string[];
  warnings: string[];
  /** Repositories a policy change takes past their cap: the preview fails with these messages. */
  errors: string[];
}

const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"];

/** Binary units with one decimal: `512 B`, `1.0 KiB`, `1.1 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1023.95 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

const images = (n: number) => `${n} ${n === 1 ? "image" : "images"}`;

/** The line for a repository the new policies govern, against what the deployed ones do (undefined: not governed). */
export function repositoryLine(repository: string, after: RepositoryImpact, before: RepositoryImpact | undefined): string {
  if (!before) return `${repository}: ${images(after.images)} (new)`;
  if (before.images === after.images) return `${repository}: ${images(after.images)} (unchanged)`;
  const delta = after.images - before.images;
  return `${repository}: ${before.images} → ${images(after.images)} (${delta > 0 ? "+" : ""}${delta}, ${formatBytes(after.bytes)})`;
}

/** The line for a repository the deployed policies govern and the new ones do not. */
export function leavingLine(repository: string, before: RepositoryImpact): string {
  return `${repository}: ${before.images} → 0 images (no longer governed)`;
}

/**
 * Compares the new policies' run with the deployed policies' (undefined: nothing deployed yet). `component` names
 * the component in the messages that stand alone (errors and warnings).
 */
export function compareImpact(component: string, after: ImpactRun, before: ImpactRun | undefined): ImpactDiagnostics {
  const out: ImpactDiagnostics = { info: [], warnings: [], errors: [] };
  const prefix = `${component} previewImpact`;
  if (after.registryError) {
    out.warnings.push(`${prefix}: cannot list the registry's repositories (${after.registryError}): no numbers`);
    return out;
  }
  if (after.upperBound.length) {
    out.warnings.push(`${prefix}: ${after.upperBound.join("; ")}: every number of the new policies is an upper bound (an image in use would be kept)`);
  }
  if (before?.registryError) out.warnings.push(`${prefix}: the deployed policies could not be run (${before.registryError}): every repository is shown as new`);
  else if (before?.upperBound.length) out.warnings.push(`${prefix}: ${before.upperBound.join("; ")}: every number of the deployed policies is an upper bound`);
  const previous = before?.registryError ? undefined : before;
  const unreadable: string[] = [];
  for (const name of [...after.repositories.keys()].sort()) {
    const now = after.repositories.get(name)!;
    const then = previous?.repositories.get(name);
    if (now.unreadable) {
      unreadable.push(`${name} (${now.unreadable})`);
      continue;
    }
    if (then?.unreadable) {
      out.info.push(`${name}: ${images(now.images)} (the deployed policies' number is unknown: ${then.unreadable})`);
    } else {
      out.info.push(repositoryLine(name, now, then));
    }
    if (now.capExceeded) {
      const { cap, planned } = now.capExceeded;
      const over = `${name}: the plan deletes ${planned} images, more than maxDeletions ${cap}, so the function skips the repository whole`;
      if (!then || then.decidedBy !== now.decidedBy) {
        out.errors.push(`${component}: the new policies take repository ${over}: raise maxDeletions or change the policies`);
      } else {
        out.warnings.push(`${prefix}: with unchanged policies, repository ${over}`);
      }
    }
  }
  if (unreadable.length) out.warnings.push(`${prefix}: cannot read ${unreadable.join(", ")}: no numbers for ${unreadable.length === 1 ? "it" : "them"}`);
  for (const name of [...(previous?.repositories.keys() ?? [])].sort()) {
    if (after.repositories.has(name)) continue;
    const then = previous!.repositories.get(name)!;
    out.info.push(then.unreadable ? `${name}: no longer governed` : leavingLine(name, then));
  }
  for (const warning of after.warnings) out.warnings.push(`${prefix}: ${warning}`);
  return out;
}

/** The info line of what the new policies' deletions are worth a month; undefined when they delete nothing. */
export function valueLine(component: string, after: ImpactRun, value: (bytes: number) => StorageValue): string | undefined {
  let bytes = 0;
  for (const r of after.repositories.values()) if (!r.unreadable && !r.capExceeded) bytes += r.deletedBytes ?? r.bytes;
  if (!bytes) return undefined;
  return `${component} previewImpact: the new policies delete ${formatBytes(bytes)}, worth ${storageValueText(value(bytes))}`;
}
