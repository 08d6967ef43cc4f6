/**
 * The plan file that `--plan-out` writes and `ecr-cleanup apply` reads (docs/plans.md): what a dry run would do, with
 * everything needed to plan again the same way (the policies and settings as written, `now`) and to notice that the
 * registry changed since (the images' tags and push times, the channel positions). Reading it checks, in this order,
 * that it is a plan, of a version this code knows, unchanged since written (its checksum), and exactly this shape.
 */
import * as z from "zod/mini";
import { describeIssues } from "../config/zodIssues";
import { checksumMatches } from "./checksum";

export const PLAN_FORMAT = "ecr-cleanup-plan";
export const PLAN_FORMAT_VERSION = 1;

/** One image the plan acts on. `action` is a string so that actions other than `delete` (archive) fit. */
export interface PlanImage {
  digest: string;
  tags: string[];
  /** ISO-8601; absent when ECR gave none (a member deleted with its unit). */
  pushedAt?: string;
  action: string;
}

/** Where one entry of a policy's significant_tags stood when the plan was made (`at` absent: no image carried it). */
export interface PlanChannel {
  policy: string;
  /** A grouped policy's channels stand per group. */
  group?: string;
  entry: string;
  at?: { digest: string; pushedAt: string };
}

export interface PlanRepository {
  repository: string;
  channels: PlanChannel[];
  /** Members the policies ordered because of their own tags (one that loses them shifts the counts). */
  taggedMembers: string[];
  images: PlanImage[];
}

export interface PlanBody {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_FORMAT_VERSION;
  /** The clock when the plan was written. */
  createdAt: string;
  registry: { account: string; region: string };
  /** The time the rules were evaluated at; apply plans again with it. */
  now: string;
  config: {
    /** The policy file the plan was made from, as named on the command line. */
    source: string;
    /** Of the validated policies and settings (runtime/config/fingerprint.ts). */
    fingerprint: string;
    /** The policy file's document as written (YAML read into JSON): validated again when the plan is applied. */
    document: unknown;
  };
  /** Every repository the dry run planned, sorted by name, with the images it would act on. */
  repositories: PlanRepository[];
}

export type PlanFile = PlanBody & { checksum: string };

const text = z.string();
const nonEmpty = z.string().check(z.minLength(1));
const isoTime = z.iso.datetime();
const digest = z.string().check(z.regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, { error: "must be a digest such as sha256:<hex>" }));
const fingerprint = z.string().check(z.regex(/^[0-9a-f]{64}$/, { error: "must be 64 hexadecimal digits" }));

const PLAN_SHAPE = z.strictObject({
  format: z.literal(PLAN_FORMAT),
  version: z.literal(PLAN_FORMAT_VERSION),
  createdAt: isoTime,
  registry: z.strictObject({ account: nonEmpty, region: nonEmpty }),
  now: isoTime,
  config: z.strictObject({ source: text, fingerprint, document: z.unknown() }),
  repositories: z.array(
    z.strictObject({
      repository: nonEmpty,
      channels: z.array(z.strictObject({ policy: text, group: z.optional(z.string()), entry: text, at: z.optional(z.strictObject({ digest, pushedAt: isoTime })) })),
      taggedMembers: z.array(digest),
      images: z.array(z.strictObject({ digest, tags: z.array(text), pushedAt: z.optional(isoTime), action: nonEmpty })),
    }),
  ),
  checksum: text,
});

/** Why a file is not a plan this code may apply. */
export class PlanUnreadable extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The plan in `text`, or a PlanUnreadable saying why it is none (the caller names the file). */
export function readPlan(text: string): PlanFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw new PlanUnreadable(`it is not a plan: not JSON (${(err as Error).message})`);
  }
  if (!isObject(raw) || raw.format !== PLAN_FORMAT) throw new PlanUnreadable(`it is not a plan: it has no "format": "${PLAN_FORMAT}"`);
  if (raw.version !== PLAN_FORMAT_VERSION) {
    throw new PlanUnreadable(`its format version ${JSON.stringify(raw.version)} is unknown to this ecr-cleanup, which reads version ${PLAN_FORMAT_VERSION}`);
  }
  if (typeof raw.checksum !== "string") throw new PlanUnreadable("it has no checksum");
  if (!checksumMatches(raw)) throw new PlanUnreadable("its checksum does not match its contents: the file was changed after it was written");
  const parsed = PLAN_SHAPE.safeParse(raw);
  if (!parsed.success) throw new PlanUnreadable(`it is not a valid plan: ${describeIssues(parsed.error)}`);
  const plan = parsed.data as PlanFile;
  checkUnique(plan);
  return plan;
}

/** A repository or an image named twice is not something this code writes: refused, not guessed at. */
function checkUnique(plan: PlanFile): void {
  const repositories = new Set<string>();
  for (const repo of plan.repositories) {
    if (repositories.has(repo.repository)) throw new PlanUnreadable(`it is not a valid plan: repository ${repo.repository} is listed twice`);
    repositories.add(repo.repository);
    const digests = new Set<string>();
    for (const image of repo.images) {
      if (digests.has(image.digest)) throw new PlanUnreadable(`it is not a valid plan: image ${image.digest} of repository ${repo.repository} is listed twice`);
      digests.add(image.digest);
    }
  }
}
