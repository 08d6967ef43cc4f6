/**
 * One model run: seed the emulator with a scenario, run the real engine (runCleanup, apply, concurrency 1) through
 * the real SDK while others change the registry at the start of each re-check and faults fire, check every delete
 * call against the oracle as it is made, then check the report against what the server really removed, and that a
 * clean second run converges.
 */
import { prepareValidation, validateConfig, type Config } from "../../runtime/config/schema";
import { destroyClients } from "../../runtime/ecr/client";
import type { RunReport } from "../../runtime/engine/report";
import { runCleanup } from "../../runtime/engine/run";
import { governs } from "../../runtime/planner/scope";
import type { SafetyKeepReason } from "../../runtime/planner/types";
import type { HookContext, RequestRecord } from "../emulator/faults";
import { isIndexMediaType } from "../emulator/manifests";
import type { ImageView } from "../emulator/registry";
import { startEcrEmulator, type EcrEmulator } from "../emulator/server";
import { emulatorClients } from "../support/in-process";
import { oracleDecisions, type Oracle } from "./oracle";
import { CHANNEL_TAGS, NOW, cosignTag, digestOf, labels, type Mutation, type Scenario, type StepFault } from "./scenario";

/** Attempts per SDK call: enough for a retry after a fault, few enough that a fault of count 3 exhausts them. */
export const MAX_ATTEMPTS = 3;

export interface Violation {
  /** For grouping: `oracle-keeps:<category>`, `not-active`, `holder-present`, `report-misses-deletion`, ... */
  kind: string;
  repository?: string;
  digest?: string;
  message: string;
}

export interface ModelResult {
  violations: Violation[];
  /** What others changed and which faults fired, in order. */
  log: string[];
  name(digest: string): string;
}

const COSIGN_TAG = /^sha256-([0-9a-f]{64})\.(sig|att|sbom)$/;
const isReferrerTag = (tag: string) => COSIGN_TAG.test(tag);

/**
 * Where each repository's re-checks start. Per repository, the engine (1) lists the images (DescribeImages without
 * imageIds, page after page: the pages after the first carry a nextToken) and reads its indexes (BatchGetImage),
 * plans, then (2) before every BatchDeleteImage reads again: either the whole repository (a new listing, without a
 * nextToken) or the candidates by imageIds and the tagged images (tagStatus TAGGED), whichever takes fewer calls.
 * A read starts a re-check when it is the repository's first read that is not part of (1), or its first read after a
 * BatchDeleteImage that is not the engine settling that call (describing by imageIds only digests the call named:
 * what is gone then is reported as deleted, so a change by others there would be a race no client can tell apart).
 * Only the hook of that read changes the repository: every read of the re-check comes after it, so the engine can
 * see the change; a change after its last read would be a race no client can see. Hooks run only for calls the
 * server serves (a call failed by an injected fault before acting does not count). With concurrency 1,
 * repositories are cleaned one after the other, so these per-repository states never interleave within a repository.
 */

/** Outcomes of attempts that never reached the service: the emulator ran neither the operation nor its hooks. */
const NOT_REACHED = new Set<string>(["throttle", "server-error", "drop-connection"]);

/**
 * Whether a served call is the SDK's retry of one whose answer was lost after it acted, perhaps after attempts that
 * never reached the service (a throttle between the two). `among` picks the log entries that may stand between.
 */
function repeatsLostAnswer(log: readonly RequestRecord[], operation: string, input: unknown, among: (r: RequestRecord) => boolean): boolean {
  const same = JSON.stringify(input);
  for (let i = log.length - 1; i >= 0; i--) {
    const r = log[i];
    if (!among(r)) continue;
    const sameCall = r.operation === operation && JSON.stringify(r.input) === same;
    if (sameCall && NOT_REACHED.has(r.outcome)) continue;
    return sameCall && r.outcome === "drop-after-acting";
  }
  return false;
}
export class RecheckTracker {
  private readonly listed = new Set<string>();
  private readonly started = new Set<string>();
  /** The digests of the repository's last delete call, until its next re-check starts. */
  private readonly afterDelete = new Map<string, ReadonlySet<string>>();
  /** Repositories whose settling description left an image out: a listing of every status confirms it (settling too). */
  private readonly confirming = new Set<string>();

  /** A served read of `repository`: true when it starts a re-check. `retried`: the SDK repeating a call whose answer was dropped. */
  read(repository: string, operation: string, input: Record<string, unknown>, retried = false, leavesOut: () => boolean = () => false): boolean {
    if (retried) return false;
    const ids = input.imageIds as { imageDigest?: string }[] | undefined;
    const lastCall = this.afterDelete.get(repository);
    if (lastCall) {
      const settling = operation === "DescribeImages" && ids !== undefined && ids.every((id) => id.imageDigest !== undefined && lastCall.has(id.imageDigest));
      if (settling) {
        // An image the description leaves out counts as gone only once a listing of every status confirms it.
        if (leavesOut()) this.confirming.add(repository);
        return false;
      }
      const filter = (input.filter ?? {}) as { imageStatus?: string };
      if (this.confirming.has(repository) && operation === "DescribeImages" && ids === undefined && filter.imageStatus === "ANY") {
        // The confirming listing: its first page, then the pages with a nextToken; another first page is a re-check's.
        if (input.nextToken !== undefined) return false;
        if (!this.confirmed.has(repository)) {
          this.confirmed.add(repository);
          return false;
        }
      }
      this.confirming.delete(repository);
      this.confirmed.delete(repository);
      this.afterDelete.delete(repository);
      return true;
    }
    if (this.started.has(repository)) return false;
    const filter = (input.filter ?? {}) as { tagStatus?: string };
    const listing = operation === "DescribeImages" && ids === undefined && filter.tagStatus !== "TAGGED";
    const planning = (listing && (!this.listed.has(repository) || input.nextToken !== undefined)) || operation === "BatchGetImage";
    if (listing) this.listed.add(repository);
    if (planning) return false;
    this.started.add(repository);
    return true;
  }

  /** Repositories whose confirming listing started (its later pages carry a nextToken). */
  private readonly confirmed = new Set<string>();

  /** A served BatchDeleteImage of `repository` (answered or not) that named `digests`. */
  deleted(repository: string, digests: readonly string[] = []): void {
    this.confirming.delete(repository);
    this.confirmed.delete(repository);
    this.started.add(repository);
    this.afterDelete.set(repository, new Set([...(this.afterDelete.get(repository) ?? []), ...digests]));
  }
}

const byPlannerOrder = (a: ImageView, b: ImageView) => b.pushedAt.getTime() - a.pushedAt.getTime() || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);

class ModelRun {
  readonly violations: Violation[] = [];
  readonly log: string[] = [];
  private readonly names: Map<string, string>;
  private readonly pulls = new Map<string, number>();
  private readonly inUse = new Map<string, Map<string, SafetyKeepReason>>();
  /** Every image of each repository as it last was (before the cleaner's delete calls and after each change). */
  private readonly lastSeen = new Map<string, Map<string, ImageView>>();
  /** Digests the cleaner has named in a delete call: others do not delete these (the cleaner's read-back would be theirs). */
  private readonly sent = new Set<string>();
  /** Digests the cleaner has sent an archive call for, per repository. */
  private readonly archiveCalls = new Map<string, Set<string>>();
  /** Digests the cleaner's archive calls archived (active when the call was served), and those its restores restored. */
  private readonly archivedByCleaner = new Set<string>();
  private readonly restoredByCleaner = new Set<string>();
  private readonly tracker = new RecheckTracker();
  private readonly deleteCalls = new Map<string, number>();
  private readonly rechecks = new Map<string, number>();
  private nextStep = 0;
  private pushes = 0;
  private clock = NOW + 3_600_000;

  constructor(
    readonly scenario: Scenario,
    readonly emulator: EcrEmulator,
    readonly config: Config,
  ) {
    this.names = labels(scenario);
    emulator.clock = () => new Date(this.clock);
  }

  name = (digest: string) => this.names.get(digest) ?? digest;

  /** Indexes seeded archived or activating: the cleaner plans without their manifests (a pull of them fails). */
  private get unreadableIndexes(): ReadonlySet<string> {
    return new Set(this.scenario.repos.flatMap((repo) => repo.images.filter((i) => i.kind === "index" && i.status !== "ACTIVE").map((i) => i.digest)));
  }

  seed(): void {
    const { registry, ecs } = this.emulator;
    registry.byDigestAnswer = this.scenario.byDigestAnswer;
    const host = `${this.emulator.account}.dkr.ecr.${this.emulator.region}.amazonaws.com`;
    for (const repo of this.scenario.repos) {
      registry.createRepository(repo.name);
      for (const image of repo.images) {
        registry.putImage(repo.name, {
          digest: image.digest,
          manifest: image.manifest,
          tags: image.tags,
          pushedAt: new Date(image.pushedAt),
          lastRecordedPullTime: image.lastPulledAt === undefined ? undefined : new Date(image.lastPulledAt),
          children: image.kind === "index" ? image.children : undefined,
          subjectDigest: image.kind === "referrer" ? image.subject : undefined,
          status: image.status,
          lastArchivedAt: image.lastArchivedAt === undefined ? undefined : new Date(image.lastArchivedAt),
        });
        if (image.lastPulledAt !== undefined) this.pulls.set(image.digest, image.lastPulledAt);
      }
      this.snapshot(repo.name);
    }
    ecs.createCluster("prod");
    this.scenario.inUse.forEach((use, k) => {
      const image = `${host}/${use.repository}@${use.digest}`;
      const definition = ecs.registerTaskDefinition(`model-${k}`, [{ name: "app", image }]);
      if (use.via === "task") ecs.runTask("prod", { taskDefinitionArn: definition, containers: [{ name: "app", image, imageDigest: use.digest }] });
      else ecs.createService("prod", { name: `svc-${k}`, taskDefinition: definition });
      const uses = this.inUse.get(use.repository) ?? new Map<string, SafetyKeepReason>();
      if (!uses.has(use.digest) || use.via === "task") uses.set(use.digest, use.via === "task" ? "in-use:ecs-task" : "in-use:ecs-service");
      this.inUse.set(use.repository, uses);
    });
  }

  private snapshot(repository: string): void {
    const seen = this.lastSeen.get(repository) ?? new Map<string, ImageView>();
    for (const image of this.emulator.registry.images(repository)) seen.set(image.digest, image);
    this.lastSeen.set(repository, seen);
  }

  /** The oracle on the current images plus every image deleted since the run started, as it last was. */
  oracle(repository: string): Oracle | undefined {
    const policies = this.config.policies.filter((p) => governs(p, repository));
    if (!policies.length) return undefined;
    const current = this.emulator.registry.images(repository);
    const present = new Set(current.map((i) => i.digest));
    const gone = [...(this.lastSeen.get(repository)?.values() ?? [])].filter((i) => !present.has(i.digest));
    return oracleDecisions(
      {
        repository,
        images: [...current.map((view) => ({ view, gone: false })), ...gone.map((view) => ({ view, gone: true }))],
        policies,
        now: NOW,
        inUse: this.inUse.get(repository) ?? new Map(),
        pulledAt: (digest) => this.pulls.get(digest),
        unreadableIndexes: this.unreadableIndexes,
        deleteAfterMs: this.config.settings.archive?.deleteAfterMs,
      },
      this.name,
    );
  }

  // ---- hooks ----

  install(): void {
    const onRead = (ctx: HookContext) => this.guard(() => this.onRead(ctx));
    this.emulator.beforeOperation("DescribeImages", onRead);
    this.emulator.beforeOperation("ListImages", onRead);
    this.emulator.beforeOperation("BatchGetImage", onRead);
    // Registered last: it sees the registry after any change made for this re-check.
    this.emulator.beforeOperation("BatchDeleteImage", (ctx) => this.guard(() => this.onDelete(ctx)));
    this.emulator.beforeOperation("UpdateImageStorageClass", (ctx) => this.guard(() => this.onArchive(ctx)));
  }

  /**
   * An archive call (one image): a plan made now must archive the image (not keep it, nor delete it: only delete
   * policies vote it out), the image must be active, and no image that holds it may be one the plan keeps (members
   * go first, only with their holders).
   */
  private onArchive(ctx: HookContext): void {
    const repository = ctx.input.repositoryName as string;
    const digest = (ctx.input.imageId as { imageDigest?: string } | undefined)?.imageDigest;
    const where = `${repository}'s archive call for ${digest ? this.name(digest) : "(no digest)"}`;
    this.log.push(where);
    // The SDK repeating a call whose answer was lost after it acted: the first attempt was checked.
    const same = JSON.stringify(ctx.input);
    if (repeatsLostAnswer(this.emulator.faults.log, ctx.operation, ctx.input, (r) => r.operation === ctx.operation && JSON.stringify(r.input) === same)) {
      this.log.push(`${where}: the SDK's retry of a call whose answer was lost`);
      return;
    }
    // A restore (STANDARD) undoes this run's archive of a member whose holder then changed: it removes nothing.
    if (ctx.input.targetStorageClass === "STANDARD" && digest) {
      this.log.push(`${where} restores it`);
      if (this.emulator.registry.image(repository, digest)?.status === "ARCHIVED") this.restoredByCleaner.add(digest);
      this.tracker.deleted(repository, [digest]);
      return;
    }
    if (ctx.input.targetStorageClass !== "ARCHIVE" || !digest) {
      this.violations.push({ kind: "archive-call", repository, message: `${where}: ${JSON.stringify(ctx.input)} is not an archive by digest` });
      return;
    }
    const oracle = this.oracle(repository);
    const decision = oracle?.decisions.get(digest);
    if (!decision) this.violations.push({ kind: "unknown-image", repository, digest, message: `${where}: the oracle does not know it` });
    else if (decision.action === "keep") {
      this.violations.push({ kind: `oracle-keeps:${decision.category}`, repository, digest, message: `${where}, which a plan made now keeps: ${decision.detail}${this.channels(oracle!)}` });
    } else if (decision.action === "delete") {
      this.violations.push({ kind: `oracle-deletes:${decision.category}`, repository, digest, message: `${where}, which a plan made now deletes (no archive policy votes it out): ${decision.detail}` });
    }
    const calls = this.archiveCalls.get(repository) ?? new Set<string>();
    this.archiveCalls.set(repository, calls.add(digest));
    const images = new Map(this.emulator.registry.images(repository).map((i) => [i.digest, i]));
    const image = images.get(digest);
    if (image && image.status !== "ACTIVE") this.violations.push({ kind: "not-active", repository, digest, message: `${where}, whose status is ${image.status}` });
    // The emulator archives an active image whatever the order (archiveOrder "any"), answer lost or not.
    if (image?.status === "ACTIVE") this.archivedByCleaner.add(digest);
    const keptHolders = image ? [...images.values()].filter((h) => h.digest !== digest && holds(h, image) && oracle?.decisions.get(h.digest)?.action === "keep") : [];
    if (keptHolders.length) {
      this.violations.push({ kind: "holder-kept", repository, digest, message: `${where} while ${keptHolders.map((h) => this.name(h.digest)).join(", ")}, which hold(s) it, stay(s)` });
    }
    this.snapshot(repository);
    // Describing this image again settles the call (like a delete's): not the start of a re-check.
    this.tracker.deleted(repository, [digest]);
  }

  /** A bug in the model must fail the test, not turn into a 500 the engine retries. */
  private guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.violations.push({ kind: "model-error", message: `the model itself failed: ${(err as Error).stack ?? err}` });
    }
  }

  private onRead(ctx: HookContext): void {
    const repository = ctx.input.repositoryName as string;
    // The emulator logs a request after its hooks: the repository's last entries are the previous call's attempts.
    const retried = repeatsLostAnswer(this.emulator.faults.log, ctx.operation, ctx.input, (r) => (r.input as { repositoryName?: string }).repositoryName === repository);
    const leavesOut = () => {
      const repo = this.emulator.registry.repository(repository);
      const ids = (ctx.input.imageIds ?? []) as { imageDigest?: string }[];
      const activeOnly = this.emulator.registry.byDigestAnswer === "active-only";
      return ids.some((id) => {
        const image = id.imageDigest === undefined ? undefined : repo?.images.get(id.imageDigest);
        return !image || (activeOnly && image.status !== "ACTIVE");
      });
    };
    if (!this.tracker.read(repository, ctx.operation, ctx.input, retried, leavesOut)) return;
    const recheck = (this.rechecks.get(repository) ?? 0) + 1;
    this.rechecks.set(repository, recheck);
    const step = this.scenario.steps[this.nextStep];
    if (!step) return;
    this.nextStep++;
    this.snapshot(repository);
    const touched = new Set<string>();
    const done: string[] = [];
    for (const mutation of step.mutations) {
      const what = this.mutate(repository, mutation, touched);
      if (what) done.push(what);
      this.snapshot(repository);
    }
    for (const fault of step.faults) {
      const what = this.arm(repository, fault);
      if (what) done.push(what);
    }
    const call = (this.deleteCalls.get(repository) ?? 0) + 1;
    this.log.push(`step ${this.nextStep}, at ${repository}'s re-check #${recheck} (${ctx.operation}), before its delete call #${call}: ${done.join("; ") || "nothing applicable"}`);
  }

  private onDelete(ctx: HookContext): void {
    const repository = ctx.input.repositoryName as string;
    const call = (this.deleteCalls.get(repository) ?? 0) + 1;
    this.deleteCalls.set(repository, call);
    const ids = (ctx.input.imageIds ?? []) as { imageDigest?: string; imageTag?: string }[];
    const digests = ids.flatMap((id) => (id.imageDigest ? [id.imageDigest] : []));
    const where = `${repository}'s delete call #${call} [${digests.map(this.name).join(", ")}]`;
    this.log.push(`${where}`);
    const oracle = this.oracle(repository);
    const images = new Map(this.emulator.registry.images(repository).map((i) => [i.digest, i]));
    for (const id of ids) {
      if (!id.imageDigest) {
        this.violations.push({ kind: "delete-by-tag", repository, message: `${where} names a tag (${id.imageTag}): deletion is by digest only` });
        continue;
      }
      const digest = id.imageDigest;
      const decision = oracle?.decisions.get(digest);
      const at = `${where} deletes ${this.name(digest)}`;
      if (!decision) {
        this.violations.push({ kind: "unknown-image", repository, digest, message: `${at}, which the oracle does not know (not governed, or never seen)` });
      } else if (decision.action === "keep") {
        this.violations.push({
          kind: `oracle-keeps:${decision.category}`,
          repository,
          digest,
          message: `${at}, which a plan made now keeps: ${decision.detail}${this.channels(oracle!)}`,
        });
      } else if (decision.action === "archive") {
        this.violations.push({ kind: `oracle-archives:${decision.category}`, repository, digest, message: `${at}, which a plan made now archives (an archive policy votes it out): ${decision.detail}` });
      }
      const image = images.get(digest);
      // Archived images are deleted only once expired (settings.archive.delete_after).
      if (image && image.status !== "ACTIVE" && decision?.category !== "archived-expired") {
        this.violations.push({ kind: "not-active", repository, digest, message: `${at}, whose status is ${image.status}` });
      }
      const holders = image ? [...images.values()].filter((h) => h.digest !== digest && holds(h, image)) : [];
      if (holders.length) {
        this.violations.push({
          kind: "holder-present",
          repository,
          digest,
          message: `${at} while ${holders.map((h) => `${this.name(h.digest)} (${h.status})`).join(", ")}, which hold(s) it, ${holders.length > 1 ? "are" : "is"} still there`,
        });
      }
    }
    this.snapshot(repository);
    for (const digest of digests) this.sent.add(digest);
    this.tracker.deleted(repository, digests);
  }

  /** Where the oracle's policies stand (anchor mode), to explain a keep. */
  private channels(oracle: Oracle): string {
    const anchors = oracle.plan.modes.map((m) =>
      m.mode === "anchor" ? `${m.policy}: anchor ${this.name(m.anchor!.digest)} [${m.anchor!.tags.join(", ")}]` : `${m.policy}: untagged mode`,
    );
    return anchors.length ? ` (now: ${anchors.join("; ")})` : "";
  }

  // ---- changes by others, resolved against the registry as it is now ----

  private ordered(repository: string): ImageView[] {
    return this.emulator.registry.images(repository).filter((i) => i.status === "ACTIVE").sort(byPlannerOrder);
  }

  /** Images someone would tag: not signatures and other referrers (their tags name their subject). */
  private taggable(images: ImageView[]): ImageView[] {
    return images.filter((i) => !i.subjectDigest && !i.tags.some(isReferrerTag));
  }

  private candidates(repository: string): ImageView[] {
    const oracle = this.oracle(repository);
    return this.ordered(repository).filter((i) => (oracle?.decisions.get(i.digest)?.action ?? "keep") !== "keep");
  }

  private holderOf(repository: string, tag: string): string | undefined {
    return this.emulator.registry.repository(repository)!.tags.get(tag);
  }

  private tag(repository: string, tag: string, target: ImageView, touched: Set<string>, verb: string): string | undefined {
    const from = this.holderOf(repository, tag);
    if (from === target.digest) return undefined;
    this.emulator.registry.tag(repository, tag, target.digest);
    touched.add(target.digest);
    if (from) touched.add(from);
    return `${verb} ${tag}${from ? ` from ${this.name(from)}` : ""} to ${this.name(target.digest)}`;
  }

  private mutate(repository: string, m: Mutation, touched: Set<string>): string | undefined {
    const { registry } = this.emulator;
    const pick = <T>(list: T[], n: number) => (list.length ? list[n % list.length] : undefined);
    switch (m.kind) {
      case "push": {
        const label = `push${++this.pushes}`;
        this.clock += 60_000;
        const pushedAt = new Date(this.clock);
        const named = (l: string) => {
          const digest = digestOf(repository, l);
          this.names.set(digest, `${repository}:${l}`);
          touched.add(digest);
          return digest;
        };
        for (const tag of m.tags) {
          const from = this.holderOf(repository, tag);
          if (from) touched.add(from);
        }
        const children = m.multiArch ? [1, 2].map((c) => registry.putImage(repository, { digest: named(`${label}.c${c}`), pushedAt }).digest) : undefined;
        if (children) {
          // An index's digest is its manifest's: the emulator makes the manifest from the children.
          const index = registry.putImage(repository, { tags: m.tags, pushedAt, children }).digest;
          this.names.set(index, `${repository}:${label}`);
          touched.add(index);
        } else {
          registry.putImage(repository, { digest: named(label), tags: m.tags, pushedAt });
        }
        return `push ${repository}:${label}${m.multiArch ? " (an index of two new platform images)" : ""}${m.tags.length ? ` [${m.tags.join(", ")}]` : ""}`;
      }
      case "retag": {
        const target = pick(this.taggable(this.ordered(repository)), m.to);
        return target && this.tag(repository, m.tag, target, touched, "move");
      }
      case "rollback": {
        const ordered = this.ordered(repository);
        const channels = CHANNEL_TAGS.filter((t) => {
          const holder = this.holderOf(repository, t);
          return holder !== undefined && ordered.some((i) => i.digest === holder);
        });
        const tag = pick(channels, m.channel);
        if (!tag) return undefined;
        const position = ordered.findIndex((i) => i.digest === this.holderOf(repository, tag));
        const target = pick(this.taggable(ordered.slice(position + 1)), m.by);
        return target && this.tag(repository, tag, target, touched, "roll back");
      }
      case "tag-candidate": {
        const target = pick(this.taggable(this.candidates(repository)), m.pick);
        return target && this.tag(repository, m.tag, target, touched, "put the tag");
      }
      case "untag": {
        const pairs = this.ordered(repository).flatMap((i) => i.tags.filter((t) => !isReferrerTag(t)).map((t) => [i, t] as const));
        const pair = pick(pairs, m.pick);
        if (!pair) return undefined;
        registry.untag(repository, pair[1]);
        touched.add(pair[0].digest);
        return `remove the tag ${pair[1]} from ${this.name(pair[0].digest)}`;
      }
      case "remove": {
        // As through the API: not an image an index still lists (ECR refuses), and not one the cleaner has sent.
        const listed = registry.repository(repository)!.listedBy;
        const deletable = (i: ImageView) => !listed.get(i.digest)?.size && !this.sent.has(i.digest) && !touched.has(i.digest);
        const pool = m.candidate ? this.candidates(repository) : registry.images(repository).sort(byPlannerOrder);
        const target = pick(pool.filter(deletable), m.pick);
        if (!target) return undefined;
        registry.removeImage(repository, target.digest);
        return `delete ${this.name(target.digest)}`;
      }
      case "archive": {
        // Archives of delete candidates: archiving a kept image changes the active set as a deletion does, and the
        // contract does not ask the cleaner to plan again after deletions by others.
        // Not one the cleaner has sent an archive call for: describing it again would read others' archive as its own.
        const sentToArchive = this.archiveCalls.get(repository) ?? new Set<string>();
        const target = pick(this.candidates(repository).filter((i) => !touched.has(i.digest) && !sentToArchive.has(i.digest)), m.pick);
        if (!target) return undefined;
        registry.archive(repository, target.digest);
        touched.add(target.digest);
        return `archive ${this.name(target.digest)}`;
      }
    }
  }

  private arm(repository: string, f: StepFault): string | undefined {
    if (f.kind === "next") {
      this.emulator.failNext(f.op, f.count, f.fault);
      return `fault: the next ${f.count} ${f.op} call(s) ${f.fault}`;
    }
    const candidates = this.candidates(repository);
    const target = candidates.length ? candidates[f.pick % candidates.length] : undefined;
    if (!target) return undefined;
    if (f.kind === "refuse") {
      this.emulator.failDigests(repository, [target.digest], "KmsError", "KMS key unavailable (injected)");
      return `fault: BatchDeleteImage refuses ${this.name(target.digest)} (KmsError)`;
    }
    this.emulator.leaveUnanswered(repository, [target.digest], { deletes: f.deletes });
    return `fault: BatchDeleteImage leaves ${this.name(target.digest)} out of its response, ${f.deletes ? "deleting it" : "leaving it in place"}`;
  }

  // ---- after the run ----

  /** Deletions and archives the oracle planned before the run, per repository: a repository over its cap must be left alone. */
  initialPlans(): Map<string, number> {
    const planned = new Map<string, number>();
    for (const repo of this.scenario.repos) {
      const oracle = this.oracle(repo.name);
      if (oracle) planned.set(repo.name, [...oracle.decisions.values()].filter((d) => d.action !== "keep").length);
    }
    return planned;
  }

  /** What each repository's delete calls removed, and what its archive calls archived (archives count toward the cap). */
  removedOrArchived(removed: Map<string, Set<string>>): Map<string, Set<string>> {
    const out = new Map([...removed].map(([repository, digests]) => [repository, new Set(digests)]));
    for (const [repository, digests] of this.archiveCalls) {
      const archived = this.emulator.registry.images(repository).filter((i) => i.status === "ARCHIVED" && digests.has(i.digest));
      const set = out.get(repository) ?? new Set<string>();
      for (const image of archived) set.add(image.digest);
      out.set(repository, set);
    }
    return out;
  }

  checkCaps(planned: Map<string, number>, removed: Map<string, Set<string>>): void {
    for (const [repository, count] of planned) {
      const caps = this.config.policies.filter((p) => governs(p, repository) && p.maxDeletions !== undefined).map((p) => p.maxDeletions!);
      if (!caps.length) continue;
      const cap = Math.min(...caps);
      const gone = removed.get(repository)?.size ?? 0;
      if ((count > cap && gone > 0) || gone > cap) {
        this.violations.push({
          kind: "cap",
          repository,
          message: `${repository}: the plan deleted or archived ${count} images, the cap is ${cap}, and the run deleted or archived ${gone}`,
        });
      }
    }
  }

  /** "The report always says what was deleted": every image a delete call removed, and only those. */
  checkReport(report: RunReport, removed: Map<string, Set<string>>): void {
    for (const repo of this.scenario.repos) {
      const lines = report.repositories.find((r) => r.repository === repo.name)?.images ?? [];
      const reported = new Set(lines.filter((l) => l.outcome === "deleted").map((l) => l.digest));
      const gone = removed.get(repo.name) ?? new Set<string>();
      for (const digest of gone) {
        if (reported.has(digest)) continue;
        const line = lines.find((l) => l.digest === digest);
        const says = line ? `${line.action} (${line.reason}${line.outcome ? `, outcome ${line.outcome}` : ""})` : "no line at all";
        this.violations.push({
          kind: `report-misses-deletion:${line ? `${line.reason}/${line.outcome ?? "no-outcome"}` : "no-line"}`,
          repository: repo.name,
          digest,
          message: `${repo.name}: the cleaner's delete calls removed ${this.name(digest)}, but the report says ${says}`,
        });
      }
      for (const digest of reported) {
        if (!gone.has(digest)) {
          this.violations.push({
            kind: "report-claims-deletion",
            repository: repo.name,
            digest,
            message: `${repo.name}: the report says ${this.name(digest)} was deleted, but no delete call removed it`,
          });
        }
      }
    }
  }

  /**
   * Archives and restores, as the report says them: every image the cleaner's archive calls archived (a lost answer
   * included) and did not restore is reported archived, and only those; every member it restored under a holder that
   * changed (a lost answer included) is said restored, its line `failed` with HolderChanged (the archive did not
   * stick), and none it restored is said to have failed to restore.
   */
  checkArchives(report: RunReport): void {
    const lines = report.repositories.flatMap((r) => r.images);
    const reported = new Set(lines.filter((l) => l.outcome === "archived").map((l) => l.digest));
    const stuck = (digest: string) => this.archivedByCleaner.has(digest) && !this.restoredByCleaner.has(digest);
    for (const digest of this.archivedByCleaner) {
      if (stuck(digest) && !reported.has(digest)) this.violations.push({ kind: "report-misses-archive", digest, message: `the cleaner's archive call archived ${this.name(digest)}, but the report does not say archived` });
    }
    for (const digest of reported) {
      if (!stuck(digest)) {
        const why = this.archivedByCleaner.has(digest) ? "the cleaner restored it since" : "no archive call archived it";
        this.violations.push({ kind: "report-claims-archive", digest, message: `the report says ${this.name(digest)} was archived, but ${why}` });
      }
    }
    for (const digest of this.restoredByCleaner) {
      const line = lines.find((l) => l.digest === digest);
      if (line?.outcome !== "failed" || line.failure?.code !== "HolderChanged") {
        this.violations.push({ kind: "report-restore-outcome", digest, message: `the cleaner restored ${this.name(digest)} under a holder that changed, but its line says ${line?.outcome ?? "nothing"} ${line?.failure?.code ?? ""}` });
      }
    }
    const errors = report.repositories.flatMap((r) => r.errors).filter((e) => e.kind === "archive-failed" && e.digest !== undefined);
    const saidRestored = new Set(errors.filter((e) => e.code === "HolderChanged").map((e) => e.digest!));
    const saidRestoreFailed = new Set(errors.filter((e) => e.code !== "HolderChanged" && e.message.includes("restoring")).map((e) => e.digest!));
    for (const digest of this.restoredByCleaner) {
      if (!saidRestored.has(digest)) {
        this.violations.push({ kind: "report-misses-restore", digest, message: `the cleaner restored ${this.name(digest)} under a holder that changed, but the report ${saidRestoreFailed.has(digest) ? "says restoring it failed" : "does not say so"}` });
      }
    }
    for (const digest of saidRestored) {
      if (!this.restoredByCleaner.has(digest)) this.violations.push({ kind: "report-claims-restore", digest, message: `the report says ${this.name(digest)} was restored, but no restore call restored it` });
    }
  }

  checkConvergence(clean: RunReport[], third: RunReport): void {
    // Failed by design: a repository over its cap, a policy naming a repository the scenario does not have.
    for (const error of clean.flatMap((run) => run.errors).filter((e) => e.kind !== "cap-exceeded" && e.kind !== "missing-repository")) {
      this.violations.push({ kind: `not-converged:${error.kind}`, repository: error.repository, message: `a clean run failed: ${error.code}: ${this.named(error.message)}` });
    }
    // A repository a clean run skipped for its cap stays failed by design, even when the dry run's plan fits under
    // the cap (the clean run's manifest reads refreshed its indexes' pull times, which keep_pulled_within reads).
    const capped = new Set(clean.flatMap((run) => run.repositories).filter((r) => r.capExceeded).map((r) => r.repository));
    for (const repo of third.repositories) {
      if (repo.capExceeded || capped.has(repo.repository) || (repo.toDelete === 0 && !repo.toArchive)) continue;
      const lines = repo.images.filter((l) => l.action !== "keep").map((l) => `${this.name(l.digest)} (${l.action}, ${l.reason})`);
      this.violations.push({
        kind: "not-converged:more-to-delete",
        repository: repo.repository,
        message: `after ${clean.length} clean run(s), a dry run of ${repo.repository} still deletes ${repo.toDelete} and archives ${repo.toArchive ?? 0}: ${lines.join(", ")}`,
      });
    }
  }

  /** Replaces digests in the engine's text by their labels. */
  named(text: string): string {
    return text.replace(/sha256:[0-9a-f]{64}/g, (d) => this.name(d));
  }
}

/** Whether `holder` holds `image`: an index listing it, or the subject of a referrer (OCI subject or cosign tag). */
function holds(holder: ImageView, image: ImageView): boolean {
  if (isIndexMediaType(holder.manifestMediaType) && holder.children.includes(image.digest)) return true;
  if (image.subjectDigest === holder.digest) return true;
  return image.tags.includes(cosignTag(holder.digest));
}

/** What each repository's delete calls really removed, from the emulator's record of every BatchDeleteImage. */
function removals(emulator: EcrEmulator): Map<string, Set<string>> {
  const removed = new Map<string, Set<string>>();
  for (const record of emulator.faults.removals) {
    const set = removed.get(record.repository) ?? new Set<string>();
    for (const digest of record.removed) set.add(digest);
    removed.set(record.repository, set);
  }
  return removed;
}

export async function runModel(scenario: Scenario): Promise<ModelResult> {
  const emulator = await startEcrEmulator();
  await prepareValidation(scenario.policies);
  const config = validateConfig(scenario.settings ? { policies: scenario.policies, settings: scenario.settings } : scenario.policies, "model");
  const model = new ModelRun(scenario, emulator, config);
  const clients = [emulatorClients(emulator.endpoint, { maxAttempts: MAX_ATTEMPTS })];
  const run = (apply: boolean) => runCleanup({ config, now: new Date(NOW), apply, ...clients[clients.length - 1], concurrency: 1 });
  try {
    model.seed();
    const planned = model.initialPlans();
    for (const f of scenario.initialFaults) emulator.failNext(f.op, f.count, f.fault);
    model.install();
    let report: RunReport | undefined;
    try {
      report = await run(true);
    } catch (err) {
      model.violations.push({ kind: "engine-threw", message: `runCleanup threw: ${(err as Error).stack ?? err}` });
    }
    const removed = removals(emulator);
    model.log.push(`the cleaner's delete calls removed: ${[...removed].map(([r, ds]) => `${r}: ${[...ds].map(model.name).join(", ") || "-"}`).join("; ") || "nothing"}`);
    if (report) {
      model.checkReport(report, removed);
      model.checkArchives(report);
      model.log.push(`the faulty run's errors: ${report.errors.map((e) => `${e.repository ?? ""} ${e.kind} ${e.code}`).join("; ") || "none"}`);
    }
    model.checkCaps(planned, model.removedOrArchived(removed));

    // Convergence: no faults, no hooks, fresh clients; apply again, then a dry run deletes nothing more.
    emulator.reset();
    clients.push(emulatorClients(emulator.endpoint, { maxAttempts: MAX_ATTEMPTS }));
    const clean = [await run(true)];
    // delete_after: an expiring holder's active members stay for the next run's policies (the planner's rule), so a
    // second clean run decides them.
    if (config.settings.archive?.deleteAfterMs !== undefined) clean.push(await run(true));
    const third = await run(false);
    model.checkConvergence(clean, third);
    return { violations: model.violations, log: model.log, name: model.name };
  } finally {
    for (const c of clients) destroyClients(c);
    await emulator.stop();
  }
}

/** A failure message: each violation, then what happened during the run. */
export function describeResult(result: ModelResult): string {
  const lines = ["violations:", ...result.violations.map((v) => `  - [${v.kind}] ${v.message}`), "what happened:", ...result.log.map((l) => `  ${l}`)];
  return lines.join("\n");
}
