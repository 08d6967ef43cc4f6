/**
 * What the model test generates: registries (images with push-time ties, channel tags, image indexes with shared and
 * tagged children, cosign signatures and OCI referrers, statuses, pull times), policies, in-use digests, faults
 * before the run, and the steps applied at the start of each re-check (changes by others, and faults armed for the
 * delete call that follows). Changes are abstract ("move a channel tag to an older image", "the 3rd delete
 * candidate"): they are resolved against the registry as it is when they happen (see run.ts).
 */
import fc from "fast-check";
import type { FaultKind } from "../emulator/faults";
import { MediaTypes, makeImageManifest, makeIndexManifest, sha256Digest } from "../emulator/manifests";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const NOW = Date.UTC(2026, 0, 1);

/** Tags of the registries; the first six can be channel positions of the policies' entries. */
export const TAGS = ["prod", "rc", "dev", "v1", "v2", "latest", "build-7"] as const;
export const CHANNEL_TAGS: readonly string[] = TAGS.slice(0, 6);
const ENTRIES = ["prod", "rc", "dev", "v*", "latest", "prd"];
const REPOSITORIES = ["app", "team/api", "web"];

export type Status = "ACTIVE" | "ARCHIVED" | "ACTIVATING";

export interface ImageSpec {
  /** `app:a3` (image), `app:x1` (index), `app:x1.c2` (platform child), `app:s1` (signature), `app:o1` (OCI referrer). */
  label: string;
  digest: string;
  kind: "image" | "index" | "child" | "sig" | "referrer";
  pushedAt: number;
  tags: string[];
  /** Digests: an index's children, or the subject of a signature or referrer. */
  children?: string[];
  subject?: string;
  /** Indexes and their children: the manifest, whose sha256 is the digest (the cleaner checks an index's). */
  manifest?: string;
  lastPulledAt?: number;
  status: Status;
  /** ARCHIVED images: when, for settings.archive.delete_after. */
  lastArchivedAt?: number;
}

export interface RepoSpec {
  name: string;
  /** In seeding order: children before their index, subjects before their referrers. */
  images: ImageSpec[];
}

export type RawPolicy = Record<string, unknown>;

export type Mutation =
  | { kind: "push"; tags: string[]; multiArch: boolean }
  | { kind: "retag"; tag: string; to: number }
  | { kind: "rollback"; channel: number; by: number }
  | { kind: "tag-candidate"; tag: string; pick: number }
  | { kind: "untag"; pick: number }
  | { kind: "remove"; pick: number; candidate: boolean }
  | { kind: "archive"; pick: number };

export type StepFault =
  | { kind: "next"; op: "BatchDeleteImage" | "DescribeImages" | "UpdateImageStorageClass"; fault: FaultKind; count: number }
  | { kind: "refuse"; pick: number }
  | { kind: "unanswered"; pick: number; deletes: boolean };

export interface Step {
  mutations: Mutation[];
  faults: StepFault[];
}

export interface InitialFault {
  op: string;
  fault: FaultKind;
  count: number;
}

export interface Scenario {
  repos: RepoSpec[];
  /**
   * How the emulator answers DescribeImages by digest for archived and activating images (ECR does not document it):
   * described like any image, or left out as not found. Drawn at random, so every property runs both ways.
   */
  byDigestAnswer: "every-status" | "active-only";
  policies: RawPolicy[];
  /** The YAML's `settings:` (settings.archive.delete_after), when the scenario has any. */
  settings?: Record<string, unknown>;
  inUse: { repository: string; digest: string; via: "task" | "service" }[];
  initialFaults: InitialFault[];
  steps: Step[];
}

export interface Features {
  /** Changes by others at the start of re-checks. */
  mutations: boolean;
  /** Faults before the run and armed at re-checks. */
  faults: boolean;
  /** Platform children carrying tags of their own (spec section 3). */
  taggedMembers: boolean;
  /** Images seeded ARCHIVED or ACTIVATING. */
  statuses: boolean;
  /** Every policy of the scenario archives instead of deleting (`action: archive`). */
  archive?: boolean;
  /** Each policy archives or deletes (`action: archive` one time in two): archive and delete policies on one repository. */
  mixedActions?: boolean;
  /**
   * settings.archive.delete_after (90d), and images seeded ARCHIVED 60 to 120 days ago: some expire. Not with
   * archived indexes, whose children the cleaner cannot read (the expiry of what they may hold is not modelled).
   */
  deleteAfter?: boolean;
}

export const DELETE_AFTER_DAYS = 90;

const FAULT_KINDS: FaultKind[] = ["throttle", "server-error", "drop-connection", "drop-after-acting"];

/** Ages in half days (push-time ties are frequent), up to 30 days before NOW; times in whole seconds. */
const age = fc.integer({ min: 0, max: 60 });
const at = (halfDays: number) => NOW - halfDays * 12 * HOUR;
/** `arb` one time in `n`, undefined otherwise. */
const oneIn = <T>(n: number, arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: n - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const pulled = oneIn(3, fc.integer({ min: 0, max: 12 }));
/** Days since an image was archived: around delete_after (90d) one time in two, so that its boundary is tried often. */
const archivedDaysAgo = fc.oneof(fc.integer({ min: 60, max: 120 }), fc.integer({ min: 88, max: 92 }));

const repoShape = (features: Features) =>
  fc.record({
    base: fc.array(fc.record({ age, pulled }), { minLength: 1, maxLength: 10 }),
    indexes: fc.array(
      fc.record({
        age,
        pulled,
        children: fc.array(fc.record({ shared: oneIn(4, fc.nat()), older: fc.integer({ min: 0, max: 1 }) }), {
          minLength: 1,
          maxLength: 3,
        }),
      }),
      { maxLength: 3 },
    ),
    referrers: fc.array(fc.record({ subject: fc.nat(), oci: fc.boolean(), later: fc.integer({ min: 0, max: 2 }) }), { maxLength: 3 }),
    // The owner of each tag of TAGS (an image or an index), or none.
    tagOwners: fc.array(fc.option(fc.nat(), { nil: undefined, freq: 2 }), { minLength: TAGS.length, maxLength: TAGS.length }),
    memberTags: features.taggedMembers
      ? fc.array(fc.record({ tag: fc.constantFrom<string>(...TAGS), child: fc.nat() }), { maxLength: 2 })
      : fc.constant<{ tag: string; child: number }[]>([]),
    statuses: features.statuses
      ? fc.array(
        fc.record({ pick: fc.nat(), status: fc.constantFrom<Status>("ARCHIVED", "ACTIVATING"), archivedDaysAgo }),
        { maxLength: features.deleteAfter ? 3 : 1 },
      )
      : fc.constant<{ pick: number; status: Status; archivedDaysAgo: number }[]>([]),
  });

type RepoShape = typeof repoShape extends (f: Features) => fc.Arbitrary<infer T> ? T : never;

export const digestOf = (repository: string, label: string) => sha256Digest(`model/${repository}/${label}`);
export const cosignTag = (subject: string) => `${subject.replace(":", "-")}.sig`;

/** Gives an image its manifest, and the digest ECR would compute from it. */
function contentAddressed(spec: ImageSpec, manifest: string): void {
  spec.manifest = manifest;
  spec.digest = sha256Digest(manifest);
}

function buildRepo(name: string, shape: RepoShape, features: Features): RepoSpec {
  const images: ImageSpec[] = [];
  const make = (label: string, kind: ImageSpec["kind"], pushedAt: number, lastPulled?: number): ImageSpec => {
    const spec: ImageSpec = { label: `${name}:${label}`, digest: digestOf(name, label), kind, pushedAt, tags: [], status: "ACTIVE" };
    if (lastPulled !== undefined) spec.lastPulledAt = NOW - lastPulled * DAY;
    images.push(spec);
    return spec;
  };
  const taggable: ImageSpec[] = shape.base.map((b, i) => make(`a${i + 1}`, "image", at(b.age), b.pulled));
  const children: ImageSpec[] = [];
  shape.indexes.forEach((x, i) => {
    const mine: ImageSpec[] = [];
    x.children.forEach((c, k) => {
      // ECR accepts an index only once its children are in the repository, and re-pushing a digest keeps its first
      // push time (aws/containers-roadmap#2746): a shared child is never newer than an index that lists it.
      const sharable = children.filter((child) => child.pushedAt <= at(x.age));
      const shared = c.shared !== undefined && sharable.length ? sharable[c.shared % sharable.length] : undefined;
      let child = shared;
      if (!child) {
        child = make(`x${i + 1}.c${k + 1}`, "child", at(x.age + c.older));
        contentAddressed(child, makeImageManifest({ mediaType: MediaTypes.dockerManifest, seed: child.label, layerSize: 10 * 1024 * 1024 }));
        children.push(child);
      }
      if (!mine.some((m) => m.digest === child.digest)) mine.push(child);
    });
    const index = make(`x${i + 1}`, "index", at(x.age), x.pulled);
    index.children = mine.map((child) => child.digest);
    const descriptors = mine.map((child) => ({ digest: child.digest, mediaType: MediaTypes.dockerManifest, size: Buffer.byteLength(child.manifest!, "utf8") }));
    // Annotated with its label: two indexes of the same children would otherwise be one image (one digest).
    const manifest = JSON.parse(makeIndexManifest(MediaTypes.ociIndex, descriptors)) as Record<string, unknown>;
    contentAddressed(index, JSON.stringify({ ...manifest, annotations: { "org.opencontainers.image.ref.name": index.label } }));
    taggable.push(index);
  });
  shape.tagOwners.forEach((owner, t) => {
    if (owner !== undefined && taggable.length) taggable[owner % taggable.length].tags.push(TAGS[t]);
  });
  // A tag is on one image of a repository: a member's tag is taken from whichever image had it.
  for (const { tag, child } of shape.memberTags) {
    if (!children.length) continue;
    for (const image of images) image.tags = image.tags.filter((t) => t !== tag);
    children[child % children.length].tags.push(tag);
  }
  shape.referrers.forEach((r, i) => {
    const subjects = images.filter((image) => image.kind !== "sig" && image.kind !== "referrer");
    if (!subjects.length) return;
    const subject = subjects[r.subject % subjects.length];
    const referrer = make(`${r.oci ? "o" : "s"}${i + 1}`, r.oci ? "referrer" : "sig", Math.min(NOW, subject.pushedAt + r.later * HOUR));
    referrer.subject = subject.digest;
    if (!r.oci) referrer.tags.push(cosignTag(subject.digest));
  });
  // Under delete_after, no archived index (see Features.deleteAfter); an archived image was pushed before it was archived.
  const statusable = features.deleteAfter ? images.filter((i) => i.kind !== "index") : images;
  for (const { pick, status, archivedDaysAgo } of shape.statuses) {
    if (!statusable.length) continue;
    const image = statusable[pick % statusable.length];
    image.status = status;
    if (status === "ARCHIVED" && features.deleteAfter) {
      image.lastArchivedAt = NOW - archivedDaysAgo * DAY;
      image.pushedAt = Math.min(image.pushedAt, image.lastArchivedAt - DAY);
    }
  }
  return { name, images };
}

const duration = fc.oneof(
  fc.integer({ min: 0, max: 7 }).map((d) => `${d}d`),
  fc.integer({ min: 0, max: 48 }).map((h) => `${h}h`),
);

const policyShape = fc.record({
  significantTags: fc.oneof({ weight: 1, arbitrary: fc.constant("*") }, { weight: 4, arbitrary: fc.uniqueArray(fc.constantFrom(...ENTRIES), { minLength: 1, maxLength: 3 }) }),
  period: duration,
  count: fc.integer({ min: 0, max: 3 }),
  scope: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.record({ repositories: fc.uniqueArray(fc.constantFrom(...REPOSITORIES, "team/*"), { minLength: 1, maxLength: 2 }) }) },
    { weight: 1, arbitrary: fc.record({ protected_repositories: fc.uniqueArray(fc.constantFrom(...REPOSITORIES), { minLength: 1, maxLength: 1 }) }) },
  ),
  keepPulled: oneIn(3, fc.integer({ min: 1, max: 8 }).map((d) => `${d}d`)),
  cap: oneIn(5, fc.integer({ min: 0, max: 8 })),
  archives: fc.boolean(),
  // group_by: version lines, every tag its own group, builds by name; a retag or untag by others moves an image
  // between groups, which the re-check before each delete call must notice.
  groupBy: oneIn(4, fc.constantFrom("(v)[0-9]", "(.+)", "([a-z]+)-[0-9]", "(?:(v)[0-9])?[a-z0-9-]*")),
});

const policiesOf = (features: Features): fc.Arbitrary<RawPolicy[]> => fc.array(policyShape, { minLength: 1, maxLength: 3 }).map((shapes) =>
  shapes.map((p, i) => ({
    name: `p${i}`,
    significant_tags: p.significantTags,
    protected_period: p.period,
    protected_count: p.count,
    ...p.scope,
    ...(p.keepPulled ? { keep_pulled_within: p.keepPulled } : {}),
    ...(p.cap !== undefined ? { max_deletions: p.cap } : {}),
    ...(p.groupBy !== undefined ? { group_by: p.groupBy } : {}),
    ...(features.archive || (features.mixedActions && p.archives) ? { action: "archive" } : {}),
  })),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("push" as const), tags: fc.subarray(["prod", "dev", "rc", "build-9"], { maxLength: 2 }), multiArch: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("retag" as const), tag: fc.constantFrom(...TAGS), to: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("rollback" as const), channel: fc.nat(), by: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("tag-candidate" as const), tag: fc.constantFrom(...TAGS, "hotfix"), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("untag" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), pick: fc.nat(), candidate: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("archive" as const), pick: fc.nat() }) },
);

const faultKind = fc.constantFrom(...FAULT_KINDS);
const stepFault: fc.Arbitrary<StepFault> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("next" as const),
      // UpdateImageStorageClass: archive calls, and the restores of members under a holder that changed; a
      // drop-after-acting fault loses the answer of a call that took effect.
      op: fc.constantFrom("BatchDeleteImage" as const, "BatchDeleteImage" as const, "DescribeImages" as const, "UpdateImageStorageClass" as const),
      fault: faultKind,
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("refuse" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unanswered" as const), pick: fc.nat(), deletes: fc.boolean() }) },
);

const initialFault: fc.Arbitrary<InitialFault> = fc.record({
  op: fc.constantFrom("DescribeRepositories", "DescribeImages", "BatchGetImage", "ListTasks", "BatchDeleteImage", "UpdateImageStorageClass"),
  fault: faultKind,
  count: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 2 }) }, { weight: 1, arbitrary: fc.constant(3) }),
});

export function scenarioArb(features: Features): fc.Arbitrary<Scenario> {
  const step: fc.Arbitrary<Step> = fc.record({
    mutations: features.mutations ? fc.array(mutation, { maxLength: 3 }) : fc.constant<Mutation[]>([]),
    faults: features.faults ? fc.array(stepFault, { maxLength: 2 }) : fc.constant<StepFault[]>([]),
  });
  return fc
    .record({
      names: fc.shuffledSubarray(REPOSITORIES, { minLength: 1, maxLength: 3 }),
      shapes: fc.array(repoShape(features), { minLength: 3, maxLength: 3 }),
      policies: policiesOf(features),
      inUse: fc.array(fc.record({ repo: fc.nat(), image: fc.nat(), via: fc.constantFrom("task" as const, "service" as const) }), { maxLength: 2 }),
      initialFaults: features.faults ? fc.array(initialFault, { maxLength: 2 }) : fc.constant<InitialFault[]>([]),
      steps: features.mutations || features.faults ? fc.array(step, { maxLength: 4 }) : fc.constant<Step[]>([]),
      byDigestAnswer: fc.constantFrom("every-status" as const, "active-only" as const),
    })
    .map(({ names, shapes, policies, inUse, initialFaults, steps, byDigestAnswer }) => {
      const repos = names.sort().map((name, i) => buildRepo(name, shapes[i], features));
      const used = inUse.flatMap(({ repo, image, via }) => {
        const images = repos[repo % repos.length].images;
        return images.length ? [{ repository: repos[repo % repos.length].name, digest: images[image % images.length].digest, via }] : [];
      });
      const scenario: Scenario = { repos, byDigestAnswer, policies, inUse: used, initialFaults, steps: steps.filter((s) => s.mutations.length || s.faults.length) };
      if (features.deleteAfter) scenario.settings = { archive: { delete_after: `${DELETE_AFTER_DAYS}d` } };
      return Object.assign(scenario, { [fc.toStringMethod]: () => describeScenario(scenario) });
    });
}

// ---- a readable account of a scenario ----

/** Digest -> label for every seeded image (the run adds the images others push). */
export function labels(s: Scenario): Map<string, string> {
  return new Map(s.repos.flatMap((r) => r.images.map((i) => [i.digest, i.label] as [string, string])));
}

const days = (ms: number) => {
  const d = (NOW - ms) / DAY;
  return d === 0 ? "now" : `${Number.isInteger(d) ? d : d.toFixed(1)}d ago`;
};

export function describeImage(i: ImageSpec, name: (d: string) => string): string {
  const parts = [i.label, i.kind];
  const tags = i.tags.map((t) => (t.endsWith(".sig") ? `sig-tag(${name(`sha256:${t.slice(7, -4)}`)})` : t));
  if (tags.length) parts.push(`[${tags.join(", ")}]`);
  parts.push(`pushed ${days(i.pushedAt)}`);
  if (i.children) parts.push(`children ${i.children.map(name).join(", ")}`);
  if (i.subject) parts.push(`subject ${name(i.subject)}`);
  if (i.lastPulledAt !== undefined) parts.push(`pulled ${days(i.lastPulledAt)}`);
  if (i.status !== "ACTIVE") parts.push(i.status);
  if (i.lastArchivedAt !== undefined) parts.push(`archived ${days(i.lastArchivedAt)}`);
  return parts.join(" ");
}

export function describeScenario(s: Scenario): string {
  const names = labels(s);
  const name = (d: string) => names.get(d) ?? d;
  const lines = [`now ${new Date(NOW).toISOString()}`, `DescribeImages by digest answers ${s.byDigestAnswer === "every-status" ? "every status" : "active images only"}`, "registry:"];
  for (const repo of s.repos) {
    lines.push(`  ${repo.name}:${repo.images.length ? "" : " (empty)"}`);
    for (const image of repo.images) lines.push(`    ${describeImage(image, name)}`);
  }
  lines.push("policies:");
  for (const p of s.policies) lines.push(`  - ${JSON.stringify(p)}`);
  if (s.settings) lines.push(`settings: ${JSON.stringify(s.settings)}`);
  if (s.inUse.length) lines.push(`in use: ${s.inUse.map((u) => `${name(u.digest)} (ECS ${u.via})`).join(", ")}`);
  if (s.initialFaults.length) lines.push(`faults before the run: ${s.initialFaults.map((f) => `${f.op} ${f.fault} x${f.count}`).join(", ")}`);
  s.steps.forEach((step, k) => {
    const what = [...step.mutations.map((m) => JSON.stringify(m)), ...step.faults.map((f) => JSON.stringify(f))];
    lines.push(`step ${k + 1} (at the start of the re-check #${k + 1}): ${what.join("; ")}`);
  });
  return lines.join("\n");
}
