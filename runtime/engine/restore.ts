/**
 * Restores archived images (UpdateImageStorageClass to STANDARD), units whole: the image, the members of its unit
 * (platform manifests, signatures), and the unit that holds it. An archived index's manifest cannot be read, so its
 * children are known only once it is ACTIVE: with `wait`, they are restored as soon as it is. Restoring deletes
 * nothing; waiting is optional (a restore takes "typically up to 20 minutes").
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import { listImages } from "../ecr/listing";
import { isIndex, readIndexChildren } from "../ecr/manifests";
import { describeAnyStatus } from "../ecr/describe";
import { restoreImage } from "../ecr/storageClass";
import { buildUnits } from "../planner/units";
import type { ImageRecord } from "../planner/types";
import { errorCode, errorMessage } from "../shared/errors";

/** What to restore: an image of a repository by digest or tag. */
export interface RestoreTarget {
  repository: string;
  digest?: string;
  tag?: string;
}

/** `interrupted`: told to stop (SIGINT, SIGTERM, SIGHUP) before its restore call. */
export type RestoreOutcome = "restoring" | "restored" | "already-active" | "activating" | "not-found" | "failed" | "timed-out" | "interrupted";

export interface RestoreLine {
  repository: string;
  digest: string;
  tags: string[];
  /** The image the user named, or the unit it belongs to. */
  asked: boolean;
  outcome: RestoreOutcome;
  failure?: { code: string; message: string };
}

export interface RestoreOptions {
  wait: boolean;
  timeoutMs: number;
  /** Between status checks while waiting. */
  pollMs: number;
  /** While waiting: images ACTIVE out of those restored. */
  onProgress?: (active: number, total: number) => void;
  sleep?: (ms: number) => Promise<void>;
  clock?: () => number;
  /** Told to stop (SIGINT, SIGTERM, SIGHUP in the CLI): no restore call starts after it, and waiting ends. */
  signal?: AbortSignal;
  /** After each restore call that ECR accepted (the CLI counts them for a second signal's line). */
  onRestoreCall?: (repository: string, digest: string) => void;
}

export interface RestoreReport {
  lines: RestoreLine[];
  /** Things the user should know (an index whose children wait for it to be ACTIVE). */
  notes: string[];
}

const MAX_ROUNDS = 8;
/** A status check started at the timeout still gets this long to answer (the last look before `timed-out`). */
const POLL_GRACE_MS = 1_000;

/** Aborted `ms` from now, or when `stop` is: what a status check is sent with. `dispose` clears the timer. */
function pollSignal(ms: number, stop: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, Math.max(0, ms));
  if (stop?.aborted) abort();
  else stop?.addEventListener("abort", abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      stop?.removeEventListener("abort", abort);
    },
  };
}
/** A pause that a signal cuts short. */
const pause = (signal: AbortSignal | undefined) => (ms: number) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });

export async function restoreImages(client: ECRClient, targets: readonly RestoreTarget[], options: RestoreOptions): Promise<RestoreReport> {
  const report: RestoreReport = { lines: [], notes: [] };
  const clock = options.clock ?? Date.now;
  const deadline = clock() + options.timeoutMs;
  const byRepository = new Map<string, RestoreTarget[]>();
  for (const target of targets) byRepository.set(target.repository, [...(byRepository.get(target.repository) ?? []), target]);
  for (const [repository, wanted] of byRepository) {
    if (options.signal?.aborted) {
      for (const target of wanted) report.lines.push({ repository, digest: target.digest ?? target.tag ?? "", tags: [], asked: true, outcome: "interrupted" });
      continue;
    }
    try {
      await restoreRepository(client, repository, wanted, options, report, deadline, clock);
    } catch (err) {
      for (const target of wanted) {
        report.lines.push({ repository, digest: target.digest ?? target.tag ?? "", tags: [], asked: true, outcome: "failed", failure: { code: errorCode(err), message: errorMessage(err) } });
      }
    }
  }
  return report;
}

async function restoreRepository(
  client: ECRClient,
  repository: string,
  wanted: readonly RestoreTarget[],
  options: RestoreOptions,
  report: RestoreReport,
  deadline: number,
  clock: () => number,
): Promise<void> {
  const lines = new Map<string, RestoreLine>();
  const asked = new Set<string>();
  const sleep = options.sleep ?? pause(options.signal);

  // Rounds: restore what the units known now hold; an archived index read once ACTIVE may add its children.
  for (let round = 0; ; round++) {
    const images = await listImages(client, repository);
    const byDigest = new Map(images.map((image) => [image.digest, image]));
    await readIndexChildren(client, repository, images.filter((image) => image.status === undefined && isIndex(image)));
    if (round === 0) {
      for (const target of wanted) {
        const image = target.digest !== undefined ? byDigest.get(target.digest) : images.find((i) => i.tags.includes(target.tag!));
        if (!image) {
          const named = target.digest ?? `tag ${target.tag}`;
          report.lines.push({ repository, digest: target.digest ?? target.tag ?? "", tags: [], asked: true, outcome: "not-found", failure: { code: "ImageNotFound", message: `${named} is not in ${repository}` } });
          continue;
        }
        asked.add(image.digest);
      }
    }
    const unit = unitsOf([...asked, ...lines.keys()], images);
    let started = 0;
    for (const digest of unit) {
      if (lines.has(digest)) continue;
      const image = byDigest.get(digest)!;
      const line: RestoreLine = { repository, digest, tags: image.tags, asked: asked.has(digest), outcome: "already-active" };
      lines.set(digest, line);
      if (image.status === "ACTIVATING") line.outcome = "activating";
      if (image.status !== "ARCHIVED") continue;
      if (options.signal?.aborted) {
        line.outcome = "interrupted";
        continue;
      }
      try {
        // A lost answer is described again (restoreImage): an image activating now is being restored.
        line.outcome = (await restoreImage(client, repository, digest)) === "ACTIVE" ? "restored" : "restoring";
        started++;
        options.onRestoreCall?.(repository, digest);
      } catch (err) {
        line.outcome = "failed";
        line.failure = { code: errorCode(err), message: errorMessage(err) };
      }
    }
    const unreadable = [...lines.values()].filter((l) => isIndex(byDigest.get(l.digest)!) && byDigest.get(l.digest)!.status !== undefined);
    if (!options.wait) {
      for (const line of unreadable) {
        report.notes.push(`${repository}: index ${line.digest} is being restored; its platform manifests are known once it is ACTIVE: use --wait, or run the same restore again then`);
      }
      break;
    }
    const waiting = () => [...lines.values()].filter((l) => l.outcome === "restoring" || l.outcome === "activating");
    while (waiting().length) {
      // Activating images may be left out of a description by digest: absence counts once a listing confirms it.
      // A check that does not answer is abandoned at the timeout (or a signal): --timeout is kept, not 2 minutes late.
      const check = pollSignal(deadline - clock() + POLL_GRACE_MS, options.signal);
      let now;
      try {
        now = await describeAnyStatus(client, repository, waiting().map((l) => l.digest), { abortSignal: check.signal });
      } catch (err) {
        if (!check.signal.aborted) throw err;
        if (!options.signal?.aborted) for (const line of waiting()) line.outcome = "timed-out";
        break;
      } finally {
        check.dispose();
      }
      for (const line of waiting()) {
        const status = now.get(line.digest)?.status;
        if (status === undefined && now.has(line.digest)) line.outcome = "restored";
        else if (!now.has(line.digest)) {
          line.outcome = "failed";
          line.failure = { code: "ImageNotFound", message: "the image was deleted while it was being restored" };
        }
      }
      const total = [...lines.values()].filter((l) => l.outcome !== "failed" && l.outcome !== "already-active").length;
      options.onProgress?.([...lines.values()].filter((l) => l.outcome === "restored").length, total);
      if (!waiting().length || options.signal?.aborted) break;
      if (clock() >= deadline) {
        for (const line of waiting()) line.outcome = "timed-out";
        break;
      }
      await sleep(Math.max(0, Math.min(options.pollMs, deadline - clock())));
    }
    // Another round only when an index became readable in this one (its children may be archived); nested indexes
    // take one round a level, bounded.
    if (!started || !unreadable.some((l) => l.outcome === "restored") || round >= MAX_ROUNDS || options.signal?.aborted) break;
  }
  report.lines.push(...lines.values());
}

/** The digests of every unit that holds or is any of `digests`: top-level images with all their members. */
function unitsOf(digests: readonly string[], images: readonly ImageRecord[]): string[] {
  const units = buildUnits(images);
  const out = new Set<string>();
  const wanted = new Set(digests);
  for (const top of units.topLevel) {
    const members = units.members.get(top.digest) ?? [];
    if (wanted.has(top.digest) || members.some((m) => wanted.has(m.digest))) {
      out.add(top.digest);
      for (const member of members) out.add(member.digest);
    }
  }
  // Images in reference cycles (orphans) are restored as named.
  for (const digest of digests) out.add(digest);
  return [...out];
}
