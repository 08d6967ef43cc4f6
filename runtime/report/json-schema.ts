/**
 * The JSON report's shape (`--output json`, format version 1), as a zod schema: the source of the JSON Schema in
 * docs/json-report.schema.json (scripts/json-schema.ts writes it) and what the tests check the demo's report against.
 * Objects allow properties not listed here (the JSON Schema is the input form: no `additionalProperties: false`):
 * later versions add fields, never remove or change one without a new format version, and a reader ignores what it
 * does not know.
 */
import { z } from "zod";
import type { RunReport } from "../engine/report";
import { REPORT_FORMAT_VERSION } from "./json";

const count = z.number().int().min(0);
const bytes = count.describe("bytes, as ECR reports image sizes (compressed layers)");
const time = z.string().describe('ISO-8601 in UTC, or "unknown" where ECR gave no usable time');
const counts = z.record(z.string(), count).describe("a count per reason code");
const reason = z
  .string()
  .describe(
    "a reason code: anchor, newer-than-anchor, period, count, pulled (a policy keeps); untagged-expired, beyond-window, group-expired (a policy deletes); " +
      "in-use:<source>, in-use-unknown, member-of-kept, changed-since-plan, cap-exceeded, unknown-push-time, window-unknown, unit-activating, " +
      "holder-unreadable, out-of-time, interrupted (a safety rule keeps); member-of-deleted; untouched (no policy's business). New codes may be added.",
  );

const runError = z.object({
  kind: z.string().describe("api-error, delete-failed, archive-failed, cap-exceeded, missing-repository, in-use-unreadable, unknown-push-time, journal-failed, ..."),
  repository: z.string().optional(),
  policy: z.string().optional(),
  digest: z.string().optional(),
  code: z.string().describe("AWS's error or failure code where there is one"),
  message: z.string(),
});

const policyVerdict = z.object({
  policy: z.string(),
  verdict: z.enum(["keep", "delete"]),
  reason,
  group: z
    .string()
    .optional()
    .describe("a policy with group_by: the group that decided (for an image in several groups, the first by name that keeps it, else the first)"),
});

const imageLine = z.object({
  digest: z.string(),
  tags: z.array(z.string()),
  pushedAt: time,
  sizeBytes: bytes.describe("as ECR reports it; for an index, the size of its largest platform manifest"),
  countedBytes: bytes.optional().describe("what the image counts for in bytesToFree and bytesFreed: its size, 0 for an index"),
  action: z.enum(["keep", "delete", "archive"]),
  reason,
  policies: z.array(policyVerdict).describe("every policy that had an opinion about the image, by policy name"),
  unitOf: z.string().optional().describe("for a member of a unit: the digest of the top-level image it is listed under"),
  keptBySafety: z.boolean().optional().describe("a safety rule turned a delete into this keep"),
  workloads: z.array(z.string()).optional().describe("for an in-use keep: what uses the image (ecs service prod/web, lambda resize:3, ...), sorted; at most 20"),
  moreWorkloads: z.number().int().positive().optional().describe("how many more workloads use the image than workloads names"),
  outcome: z
    .enum(["deleted", "archived", "failed", "unconfirmed"])
    .optional()
    .describe("with --apply, for an image planned for deletion or archiving: what ECR did; absent: not reached"),
  failure: z.object({ code: z.string(), reason: z.string() }).optional(),
});

const anchorShown = z.object({
  digest: z.string(),
  tags: z.array(z.string()),
  pushedAt: time,
  protectedFrom: time.describe("images pushed since then are kept by the period"),
});

const group = z.object({
  group: z.string().describe("the text the capturing group of group_by matched"),
  mode: z.enum(["anchor", "count"]),
  anchor: anchorShown.optional().describe("anchor mode: the group's anchor"),
  protectedFrom: time.optional().describe("count mode: the group's images pushed since then are kept by the period (now less protected_period)"),
  kept: count.describe("the group's images the policy keeps"),
  deleted: count.describe("the group's images the policy deletes"),
});

const mode = z.object({
  policy: z.string(),
  mode: z.enum(["anchor", "untagged", "grouped"]).describe("grouped: a policy with group_by, which decides each group on its own (groups)"),
  groups: z.array(group).optional().describe("grouped mode: every group of the repository, by name"),
  anchor: z
    .object({
      digest: z.string(),
      tags: z.array(z.string()),
      pushedAt: time,
      protectedFrom: time.describe("images pushed since then are kept by the period"),
    })
    .optional(),
  channels: z
    .array(z.object({ entry: z.string(), digest: z.string(), pushedAt: time }))
    .optional()
    .describe("anchor mode: where each release channel (an entry of significant_tags) stands"),
  protectedFrom: time.optional().describe("untagged mode: untagged images pushed since then are kept by the period (now less protected_period)"),
  noSignificantTag: z.boolean().optional().describe("untagged mode because no image carries a significant tag (a typo?)"),
  unmatchedTags: z.array(z.string()).optional().describe("significant tags no image carries"),
  keep: counts.describe("what this policy alone keeps, by reason"),
  delete: counts.describe("what this policy alone deletes, by reason"),
});

/** A repository's and the run's archive counts (archive mode, spec section 6): absent when nothing archives. */
const archiveCounts = {
  toArchive: count.optional(),
  archived: count.optional(),
  bytesToArchive: bytes.optional(),
  bytesArchived: bytes.optional(),
};

const repository = z.object({
  repository: z.string(),
  policies: z.array(z.string()).describe("the policies that govern it, by name"),
  modes: z.array(mode),
  images: z.array(imageLine).describe("deletions, safety keeps (members of kept units too) and the images such members are listed under; with --show, every image"),
  kept: counts.describe("every kept image, by its reason"),
  withheld: counts.optional().describe("planned deletions a rule held back in this run (cap-exceeded, in-use-unknown, window-unknown, changed-since-plan, ...)"),
  imagesScanned: count,
  toDelete: count.describe("deletions planned and not withheld (with --apply: set out to delete)"),
  deleted: count,
  bytesToFree: bytes,
  bytesFreed: bytes,
  ...archiveCounts,
  capExceeded: z.object({ cap: count, planned: count }).optional(),
  errors: z.array(runError),
  notes: z.array(z.string()).optional().describe("why deleting stopped early without a failure"),
  halfArchived: z
    .array(z.object({ unit: z.string(), archived: z.array(z.string()), notArchived: z.array(z.string()) }))
    .optional()
    .describe("units the run archived in part before a signal or its time limit stopped it (members archived, the image holding them active): the next run finishes them"),
  notActedOn: z
    .array(z.object({ digest: z.string(), tags: z.array(z.string()), action: z.string(), why: z.string(), detail: z.string().optional() }))
    .optional()
    .describe("ecr-cleanup apply: the images the plan named that this run did not act on, and why"),
});

const summary = z.object({
  repositories: count,
  imagesScanned: count,
  planned: count.optional().describe("what the policies planned to delete or archive: toDelete + toArchive + every withheld count"),
  withheld: counts.optional(),
  toDelete: count,
  deleted: count,
  bytesToFree: bytes,
  bytesFreed: bytes,
  ...archiveCounts,
  archiveExpired: count.optional().describe("archived images deleted (in a dry run: to delete) because they were archived longer than delete_after"),
  keptBySafety: counts.describe("images kept by a safety rule, member-of-kept included"),
  failures: count,
  repositoriesSkipped: count,
  repositoriesNotReached: count,
  storageValue: z
    .object({
      usdPerMonth: z.number().describe("USD a month, to the cent: an upper bound, since images share layers that ECR bills once"),
      bytes: bytes.describe("the bytes valued: bytesFreed with --apply, bytesToFree in a dry run; archived bytes never count"),
      pricePerGbMonth: z.number().describe("USD per GB-month of standard storage"),
      region: z.string(),
      priceFrom: z.enum(["price-list", "setting", "default"]).describe("the price list in the code (with its source and date), settings.report.price_per_gb_month, or the usual price for a region the list lacks"),
    })
    .optional()
    .describe("what the deleted bytes are worth a month at the region's standard ECR storage price"),
});

export const jsonReportSchema = z
  .object({
    formatVersion: z.literal(REPORT_FORMAT_VERSION).describe("changes only for a change that would break a reader"),
    apply: z.boolean().describe("true: --apply (images were deleted); false: a dry run"),
    now: time.describe("the time the rules were evaluated at"),
    policies: z.array(z.string()).optional().describe("every policy's name in the file's order: the table's #1, #2, ..."),
    repositories: z.array(repository),
    notGoverned: z.array(z.string()).describe("repositories no policy governs: never touched"),
    notReached: z.array(z.string()).describe("governed repositories this run did not reach (out of time, or interrupted)"),
    cursor: z.string().optional().describe("the first repository not reached: where the next run starts"),
    errors: z.array(runError).describe("every error, those listed under their repository included"),
    warnings: z.array(z.string()),
    summary,
    plan: z
      .object({ file: z.string(), createdAt: time, fingerprint: z.string(), repositoriesNotFound: z.array(z.string()) })
      .optional()
      .describe("ecr-cleanup apply: the plan file it applied"),
    planOut: z
      .object({ file: z.string(), sha256: z.string().describe("the SHA-256 of the plan file's bytes, hex") })
      .optional()
      .describe("--plan-out: the plan file written, and its hash for `ecr-cleanup apply --expect-sha256`"),
    interrupted: z
      .boolean()
      .optional()
      .describe("the run was stopped by SIGINT, SIGTERM or SIGHUP: nothing was deleted or archived after that; what was not acted on is kept as interrupted"),
  })
  .describe("ecr-cleanup's JSON report (--output json)");

/** The report this schema describes is the engine's: a compile-time check that the two agree. */
export type JsonReport = z.infer<typeof jsonReportSchema>;
const _sameShape = (report: RunReport): JsonReport => ({ formatVersion: REPORT_FORMAT_VERSION, ...report });
void _sameShape;

/** The JSON Schema (draft 2020-12) of docs/json-report.schema.json. */
export function jsonSchemaDocument(): Record<string, unknown> {
  return z.toJSONSchema(jsonReportSchema, { target: "draft-2020-12", io: "input" }) as Record<string, unknown>;
}
