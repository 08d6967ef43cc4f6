/**
 * One read-only run of the engine for `previewImpact`: the CLI's dry run, in process, in-use sources included, its
 * report reduced to what the preview prints per repository. An in-use source that cannot be read makes the engine
 * keep everything (nothing may be deleted); the preview instead counts what the policies would delete with the
 * sources it could read, and says that those numbers are upper bounds.
 */
import type { Config } from "../runtime/config/schema";
import type { AwsClients } from "../runtime/ecr/client";
import { cleanRepositories, prepareRun } from "../runtime/engine/run";
import type { RepositoryReport } from "../runtime/engine/report";
import { governs } from "../runtime/planner/scope";
import type { ImpactRun, RepositoryImpact } from "./impactReport";

/** What decides a repository: the policies that govern it (in name order) and the settings. */
export function decidedBy(config: Config, repository: string): string {
  const policies = config.policies
    .filter((p) => governs(p, repository))
    .map(({ index: _index, ...policy }) => policy)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return JSON.stringify({ policies, settings: config.settings });
}

function impactOf(report: RepositoryReport, config: Config): RepositoryImpact {
  const decided = decidedBy(config, report.repository);
  const unreadable = report.errors.find((e) => e.kind === "api-error");
  if (unreadable) return { images: 0, bytes: 0, unreadable: unreadable.message, decidedBy: decided };
  if (report.capExceeded) {
    // Over its cap the plan keeps everything (reason cap-exceeded); the preview shows what it would have deleted.
    const capped = report.images.filter((line) => line.reason === "cap-exceeded");
    return { images: report.capExceeded.planned, bytes: capped.reduce((sum, line) => sum + line.sizeBytes, 0), capExceeded: report.capExceeded, decidedBy: decided };
  }
  // What the run would act on: deletions, and archives of `action: archive` policies.
  return { images: report.toDelete + (report.toArchive ?? 0), bytes: report.bytesToFree + (report.bytesToArchive ?? 0), deletedBytes: report.bytesToFree, decidedBy: decided };
}

export async function measureImpact(config: Config, clients: AwsClients, now: Date): Promise<ImpactRun> {
  const options = { config, now, apply: false, ...clients };
  const context = await prepareRun(options);
  const listing = context.errors.find((e) => e.kind === "api-error" && !e.repository);
  if (listing) return { repositories: new Map(), upperBound: [], registryError: listing.message, warnings: [] };
  const upperBound = context.errors.filter((e) => e.kind === "in-use-unreadable").map((e) => e.message.replace(/[:;] nothing is deleted in this run( \(ecr-cleanup doctor [^)]*\))?$/, ""));
  // Plan with what could be read: the engine would keep everything, the preview shows the policies' upper bound.
  const readable = { ...context, inventory: { ...context.inventory, failures: [] } };
  const { repositories } = await cleanRepositories(options, readable, context.governed);
  const warnings = [
    ...context.warnings,
    ...context.errors.filter((e) => e.kind === "missing-repository").map((e) => e.message),
  ];
  return { repositories: new Map(repositories.map((r) => [r.repository, impactOf(r, config)])), upperBound, warnings };
}
