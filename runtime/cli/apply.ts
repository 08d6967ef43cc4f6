/**
 * `ecr-cleanup apply PLAN`: acts on a reviewed plan, never on its word alone. It plans again from a fresh listing with
 * the plan's own policies, settings and `now` (in-use sources read fresh) and acts only on what both plans act on,
 * with every re-check before each delete call. It refuses (exit 2, nothing done) a file that is not a plan of a known
 * version with a matching checksum, one too old or from the future, one for another registry, and with --config one
 * made with other policies. The report says what the plan named that was not acted on, and why.
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { ConfigError, issueLines } from "../config/errors";
import { parsePolicyDuration } from "../config/duration";
import { configFingerprint } from "../config/fingerprint";
import { loadConfigFile } from "../config/load";
import { Config, prepareValidation, validateConfig } from "../config/schema";
import { createClients, destroyClients } from "../ecr/client";
import { AppliedPlan, exitCodeOf, RepositoryReport, RunReport } from "../engine/report";
import { cleanRepositories, prepareRun, RunOptions } from "../engine/run";
import { assembleReport } from "../engine/reportAssembly";
import { Admission, DEFAULT_MAX_AGE_MS, registryRefusal, timeOrConfigRefusal } from "../plan-file/admit";
import { PlanFile, PlanRepository, PlanUnreadable, readPlan } from "../plan-file/format";
import { Narrowed, narrowToPlan, PlanMiss } from "../plan-file/narrow";
import { errorText } from "../report/error-text";
import { escapeControls, escapeControlsPerLine } from "../report/escape";
import { renderJson } from "../report/json";
import { renderPlanSection } from "../report/plan-misses";
import { renderTable } from "../report/table";
import { fileArgument, flagError, regionAndConcurrency, UsageError } from "./args";
import { Acting, startActing } from "./acting";
import { decodeUtf8, FileProblem, readFileBytes } from "../shared/files";
import { sameFile } from "./plan-out";
import type { CliIo } from "./io";
import { progress } from "./progress";
import { missingSetup, resolvedRegion } from "./region";

export const APPLY_USAGE = `Usage: ecr-cleanup apply PLAN [--expect-sha256 HEX] [--max-age DURATION] [--config FILE] [--output table|json] [--journal FILE] [--region R] [--concurrency N]

  PLAN               a plan written by \`ecr-cleanup --config FILE --plan-out PLAN\` (a dry run)
  --expect-sha256 HEX  refuse PLAN unless the SHA-256 of its bytes is HEX (the hash --plan-out printed and a reviewer approved)
  --max-age D        refuse a plan made longer ago than D (such as 24h, 2d; default 24h)
  --config FILE      refuse the plan unless it was made with this policy file's policies and settings
  --output FORMAT    table (default) or json (one JSON document on stdout)
  --region R         AWS region (default: the SDK's chain); must be the plan's
  --concurrency N    repositories processed at once (default 8)
  --journal FILE     append one JSON line per delete, archive or restore call to FILE, on disk before the next call

It plans again from a fresh listing with the plan's policies and now, and deletes only what both plans delete.
SIGINT, SIGTERM or SIGHUP stops before the next delete or archive call and prints what was done; a second one exits at once.
Exit codes: 0 finished, 1 finished with failures, 2 refused or usage error (nothing deleted), 130 SIGINT, 143 SIGTERM, 129 SIGHUP.`;

export interface ApplyArgs {
  plan: string;
  maxAgeMs: number;
  maxAgeText: string;
  config?: string;
  output: "table" | "json";
  region?: string;
  concurrency?: number;
  /** The approved SHA-256 of the plan file's bytes (lower case). */
  expectSha256?: string;
  journal?: string;
}

/** `apply`'s flags. */
const APPLY_FLAGS = {
  "max-age": { type: "string" },
  "expect-sha256": { type: "string" },
  journal: { type: "string" },
  config: { type: "string" },
  output: { type: "string", default: "table" },
  region: { type: "string" },
  concurrency: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Flags of the dry run that apply does not take, with why. */
const APPLY_HINTS = {
  "--now": "apply uses the plan's own now (give --now to the dry run that writes the plan)",
};

export function parseApplyArgs(argv: string[]): ApplyArgs | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: APPLY_FLAGS,
    });
  } catch (err) {
    throw flagError(err, APPLY_FLAGS, APPLY_HINTS);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `apply takes one plan file, not ${positionals.length}` : "apply needs the plan file: ecr-cleanup apply PLAN");
  if (values.output !== "table" && values.output !== "json") throw new UsageError(`--output must be table or json, not ${values.output}`);
  const args: ApplyArgs = { plan: positionals[0], maxAgeMs: DEFAULT_MAX_AGE_MS, maxAgeText: "24h", output: values.output };
  if (values["max-age"] !== undefined) {
    const ms = parsePolicyDuration(values["max-age"]);
    if (typeof ms !== "number" || ms <= 0) throw new UsageError(`--max-age must be a duration such as 24h or 2d (a whole number and one unit of s, m, h, d, w), not ${values["max-age"]}`);
    args.maxAgeMs = ms;
    args.maxAgeText = values["max-age"];
  }
  if (values.config !== undefined) args.config = values.config;
  const hash = values["expect-sha256"];
  if (hash !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new UsageError(`--expect-sha256 must be a SHA-256 in hex (64 characters, as --plan-out prints it), not ${hash}`);
    args.expectSha256 = hash.toLowerCase();
  }
  if (values.journal !== undefined) args.journal = fileArgument("--journal", values.journal);
  return Object.assign(args, regionAndConcurrency(values));
}

/** Why a plan is refused; the message names the file. */
class Refusal extends Error {}

/**
 * The plan in the file, with its own policies validated again and matching its fingerprint. With `expectSha256`, the
 * file's bytes must have that hash before anything in them is read.
 */
async function readPlanFile(path: string, expectSha256: string | undefined): Promise<{ plan: PlanFile; config: Config }> {
  let plan: PlanFile;
  try {
    const bytes = await readFileBytes(path);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (expectSha256 !== undefined && sha256 !== expectSha256) {
      throw new Refusal(`its SHA-256 is ${sha256}, not ${expectSha256} (--expect-sha256): it is not the plan that was approved`);
    }
    plan = readPlan(decodeUtf8(bytes));
  } catch (err) {
    if (err instanceof FileProblem) throw new Refusal(`it cannot be read (${err.detail})`);
    if (err instanceof PlanUnreadable) throw new Refusal(err.message);
    throw err;
  }
  let config: Config;
  try {
    await prepareValidation(plan.config.document);
    config = validateConfig(plan.config.document, `${path} (the policies of ${plan.config.source})`, "snake");
  } catch (err) {
    if (err instanceof ConfigError) throw new Refusal(`its policies do not validate:\n${issueLines(err.source, err.issues)}`);
    throw err;
  }
  if (configFingerprint(config) !== plan.config.fingerprint) {
    throw new Refusal("its fingerprint is not that of the policies and settings it carries (made by another version of ecr-cleanup?)");
  }
  return { plan, config };
}

export async function applyCommand(argv: string[], io: CliIo): Promise<number> {
  const fail = (message: string): number => {
    io.stderr(`ecr-cleanup: ${message}\n`);
    return 2;
  };
  let args;
  try {
    args = parseApplyArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return fail(`${escapeControls(err.message)}\n\n${APPLY_USAGE}`);
    throw err;
  }
  if (args === "help") {
    io.stdout(`${APPLY_USAGE}\n`);
    return 0;
  }
  const file = args.plan;
  const refuse = (reason: string) => fail(`${escapeControls(file)}: refused, nothing was done: ${escapeControlsPerLine(reason)}`);

  let plan: PlanFile;
  let config: Config;
  try {
    ({ plan, config } = await readPlanFile(file, args.expectSha256));
  } catch (err) {
    if (err instanceof Refusal) return refuse(err.message);
    throw err;
  }
  const clock = io.clock();
  const admission: Admission = { clock, maxAgeMs: args.maxAgeMs, maxAgeText: args.maxAgeText };
  if (args.config !== undefined) {
    try {
      admission.configFingerprint = configFingerprint(await loadConfigFile(args.config));
      admission.configSource = args.config;
    } catch (err) {
      if (err instanceof ConfigError) return fail(`configuration error, nothing was done:\n${issueLines(err.source, err.issues, escapeControls, escapeControlsPerLine)}`);
      throw err;
    }
  }
  const early = timeOrConfigRefusal(plan, admission);
  if (early) return refuse(early);

  if (args.journal !== undefined) {
    const other = sameFile(args.journal, file) ? "the plan" : args.config !== undefined && sameFile(args.journal, args.config) ? "the policy file" : undefined;
    if (other) return fail(`--journal ${escapeControls(args.journal)} is ${other}: the journal would be appended to it; name another file`);
  }
  let acting: Acting;
  try {
    acting = startActing(io, "ecr-cleanup apply", args.journal);
  } catch (err) {
    if (err instanceof FileProblem) return fail(`--journal ${escapeControls(args.journal!)}: ${escapeControls(err.message)}; nothing was done`);
    throw err;
  }
  const clients = createClients({ region: args.region });
  try {
    const missing = await missingSetup(clients);
    if (missing) {
      fail(missing.message);
      return missing.exitCode;
    }
    const region = (await resolvedRegion(clients))!;
    const wrongRegion = registryRefusal(plan, { region });
    if (wrongRegion) return refuse(wrongRegion);

    const approved = new Map(plan.repositories.map((r) => [r.repository, r]));
    const narrowed = new Map<string, Narrowed>();
    const options: RunOptions = {
      config,
      now: new Date(plan.now),
      apply: true,
      ...clients,
      concurrency: args.concurrency,
      onPlanned: (fresh, policies) => narrowed.set(fresh.repository, narrowToPlan(fresh, approved.get(fresh.repository), policies)),
      onRepositoryDone: io.stderrIsTty ? progress(io.stderr, true) : undefined,
      signal: acting.signal,
      onDeleteCall: acting.onDeleteCall,
    };
    // Read-only: the repositories and the in-use inventory. The registry is checked before anything is deleted.
    const context = await prepareRun(options);
    // Repositories listed whose ARNs do not tell one account are refused as an empty registry is, whatever else went
    // wrong: with every in-use source off nothing else stops the run. Only a listing that failed (nothing governed) goes on.
    if (!context.registry && (context.governed.length > 0 || !context.errors.length)) {
      return refuse("the registry's account cannot be determined from its repositories (none listed, or their ARNs disagree), so it cannot be confirmed to be the plan's");
    }
    const wrongAccount = context.registry && registryRefusal(plan, context.registry);
    if (wrongAccount) return refuse(wrongAccount);

    const { repositories, notReached } = await cleanRepositories(options, context, context.governed);
    const report = assembleReport(options, context, repositories, notReached);
    describeAgainstPlan(report, file, plan, approved, narrowed);
    if (args.config === undefined) {
      // The checksum is no signature: whoever can edit the file can choose its policies and settings (in-use sources off).
      report.warnings.push(`the policies and settings of ${file} were not compared with a policy file: pass --config with the reviewed one, or an edited plan decides with its own`);
    }

    const signalExit = acting.finish(report);
    for (const warning of report.warnings) io.stderr(`ecr-cleanup: warning: ${escapeControls(warning)}\n`);
    for (const error of report.errors) io.stderr(`ecr-cleanup: error: ${errorText(error, true)}\n`);
    io.stdout(args.output === "json" ? renderJson(report) : renderTable(report, { width: io.tableWidth }) + "\n" + renderPlanSection(report, io.tableWidth));
    return signalExit ?? exitCodeOf(report);
  } finally {
    acting.close();
    destroyClients(clients);
  }
}

/** Why an image both plans acted on was still not deleted or archived (a re-check just before the call, a refused call). */
function afterRecheck(repo: RepositoryReport, digest: string): Pick<PlanMiss, "why" | "detail"> | undefined {
  const line = repo.images.find((l) => l.digest === digest);
  // Archived is acted on, as deleted is.
  if (line?.outcome === "deleted" || line?.outcome === "archived") return undefined;
  if (line?.outcome === "failed" || line?.outcome === "unconfirmed") return { why: `${line.action === "archive" ? "archive" : "delete"}-${line.outcome}`, detail: line.failure?.code };
  if (line?.action === "keep") return { why: line.reason, detail: "kept by the re-check just before the delete call" };
  return { why: "not-reached", detail: "the repository stopped before its turn (see its errors)" };
}

/** Adds to the report what the plan named and this run did not act on, per repository, and which repositories are gone. */
function describeAgainstPlan(report: RunReport, file: string, plan: PlanFile, approved: Map<string, PlanRepository>, narrowed: Map<string, Narrowed>): void {
  const seen = new Set<string>();
  for (const repo of report.repositories) {
    seen.add(repo.repository);
    const named = approved.get(repo.repository);
    if (!named) continue;
    const result = narrowed.get(repo.repository);
    const misses: PlanMiss[] = [];
    if (!result) {
      // The repository failed before it could be planned again: nothing of it was acted on.
      for (const { digest, tags, action } of named.images) misses.push({ digest, tags, action, why: "repository-failed", detail: "see the repository's errors" });
    } else {
      misses.push(...result.misses);
      const byDigest = new Map(named.images.map((image) => [image.digest, image]));
      for (const digest of result.approved) {
        const miss = afterRecheck(repo, digest);
        const { tags, action } = byDigest.get(digest)!;
        if (miss) misses.push({ digest, tags, action, ...miss });
      }
      if (result.windowChanged) {
        repo.notes = [...(repo.notes ?? []), `${result.windowChanged}: the plan was made for another window, so nothing in this repository is acted on (changed-since-plan); make a new plan`];
      }
    }
    if (misses.length) repo.notActedOn = misses;
  }
  const repositoriesNotFound = plan.repositories.map((r) => r.repository).filter((name) => !seen.has(name) && !report.notReached.includes(name));
  for (const name of repositoriesNotFound) {
    const count = approved.get(name)!.images.length;
    report.warnings.push(`${file} names repository ${name}, which is not governed now (deleted since the plan?): its ${count} planned image(s) were not acted on`);
  }
  const applied: AppliedPlan = { file, createdAt: plan.createdAt, fingerprint: plan.config.fingerprint, repositoriesNotFound };
  report.plan = applied;
}
