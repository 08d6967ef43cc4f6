/** `--plan-out FILE`: a dry run that also writes its plan (runtime/plan-file/format.ts), for `ecr-cleanup apply`. */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { configFingerprint } from "../config/fingerprint";
import { validateConfig } from "../config/schema";
import type { RunReport } from "../engine/report";
import { cleanRepositories, prepareRun, RunOptions } from "../engine/run";
import { assembleReport } from "../engine/reportAssembly";
import { sealPlan } from "../plan-file/checksum";
import { PLAN_FORMAT, PLAN_FORMAT_VERSION, PlanBody, PlanRepository } from "../plan-file/format";
import { recordRepository } from "../plan-file/record";

export interface PlanOut {
  path: string;
  /** The policy file, as named on the command line, and its document as written. */
  source: string;
  document: unknown;
  clock: Date;
}

export interface PlannedRun {
  report: RunReport;
  /** Why no plan was written (the run's report is still complete). */
  planError?: string;
  /** What the written plan acts on, and the SHA-256 of the file's bytes (for `apply --expect-sha256`). */
  written?: { images: number; repositories: number; sha256: string };
}

/** True when two paths name one file: the same path, or a symbolic or hard link to it. */
export function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false;
  }
}

export async function dryRunWithPlan(options: RunOptions, out: PlanOut): Promise<PlannedRun> {
  if (options.apply) throw new Error("a plan is written by a dry run only");
  const recorded: PlanRepository[] = [];
  // A plan left from an earlier run must not pass for this one's if this one cannot write its own.
  await rm(out.path, { force: true });
  const context = await prepareRun(options);
  const { repositories, notReached } = await cleanRepositories({ ...options, onPlanned: (plan) => recorded.push(recordRepository(plan)) }, context, context.governed);
  const report = assembleReport(options, context, repositories, notReached);
  if (!context.registry) {
    return { report, planError: "the registry's account and region cannot be determined from its repositories (none could be listed, or their ARNs disagree)" };
  }
  const fingerprint = configFingerprint(options.config);
  const body: PlanBody = {
    format: PLAN_FORMAT,
    version: PLAN_FORMAT_VERSION,
    createdAt: out.clock.toISOString(),
    registry: context.registry,
    now: options.now.toISOString(),
    config: { source: out.source, fingerprint, document: out.document },
    repositories: recorded.sort((a, b) => (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : 0)),
  };
  let bytes: Buffer;
  try {
    const text = JSON.stringify(sealPlan(body), null, 2) + "\n";
    bytes = Buffer.from(text, "utf8");
    // What apply will read: the document through JSON must validate to the very same policies and settings.
    const again = validateConfig(JSON.parse(text).config.document, out.source, "snake");
    if (configFingerprint(again) !== fingerprint) return { report, planError: "the policy file does not read the same once written as JSON" };
  } catch (err) {
    return { report, planError: `the plan cannot be written as JSON: ${(err as Error).message}` };
  }
  // Written whole or not at all: a plan cut short by a full disk must not be left where CI picks it up.
  const partial = `${out.path}.${process.pid}.partial`;
  try {
    await writeFile(partial, bytes, { flag: "w" });
    await rename(partial, out.path);
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    return { report, planError: `cannot write ${out.path}: ${(err as Error).message}` };
  }
  // The hash of exactly the bytes written: what a reviewer approves and `apply --expect-sha256` compares.
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  report.planOut = { file: out.path, sha256 };
  return { report, written: { images: recorded.reduce((n, r) => n + r.images.length, 0), repositories: recorded.filter((r) => r.images.length).length, sha256 } };
}
