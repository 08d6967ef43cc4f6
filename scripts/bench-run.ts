/** One applied run of the engine against a seeded emulator, timed: what the registry and archive benchmarks measure. */
import { validateConfig } from "../runtime/config/schema";
import { createClients, destroyClients } from "../runtime/ecr/client";
import type { RunReport } from "../runtime/engine/report";
import { runCleanup } from "../runtime/engine/run";
import type { EcrEmulator } from "../tests/emulator/server";

/** The run's `now`: the seeded images are dated before it. */
export const BENCH_NOW = Date.parse("2026-01-01T00:00:00Z");

/**
 * Runs `policies` (the YAML's snake_case) with --apply through the SDK's standard chain pointed at the emulator,
 * then stops the emulator; throws on a run error. The emulator's call counts stay readable after it stops.
 */
export async function timedApply(emulator: EcrEmulator, policies: unknown[], concurrency?: number): Promise<{ report: RunReport; wallMs: number }> {
  process.env.AWS_ENDPOINT_URL = emulator.endpoint;
  process.env.AWS_REGION = "us-east-1";
  process.env.AWS_ACCESS_KEY_ID = "bench";
  process.env.AWS_SECRET_ACCESS_KEY = "bench";
  const clients = createClients();
  const config = validateConfig(policies, "benchmark");
  const started = performance.now();
  const report = await runCleanup({ config, now: new Date(BENCH_NOW), apply: true, ...clients, ...(concurrency === undefined ? {} : { concurrency }) });
  const wallMs = performance.now() - started;
  destroyClients(clients);
  await emulator.stop();
  if (report.errors.length) throw new Error(`benchmark run failed: ${JSON.stringify(report.errors[0])}`);
  return { report, wallMs };
}
