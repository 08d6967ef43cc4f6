/**
 * `npm run emulator`: the demo registry (the same one `npm run demo` uses) on a fixed local port, left running, so
 * that plan, apply, restore and your own policy files can be tried by hand against it. Prints the environment to
 * export; Ctrl-C stops it. The port: `--port N` or ECR_CLEANUP_EMULATOR_PORT (0 picks a free one), default 4577.
 * `--latency MS` delays every answer (default 0), to watch a run or interrupt one.
 */
import { parseArgs } from "node:util";
import { startEcrEmulator } from "../../tests/emulator/server";
import { seedDemoRegistry } from "./registry";

export const DEFAULT_PORT = 4577;
const REGION = "us-east-1";

function wholeNumber(text: string, what: string, most: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > most) throw new Error(`${what} must be a whole number from 0 to ${most}, not ${text}`);
  return n;
}

function options(): { port: number; latencyMs: number } {
  const { values } = parseArgs({ options: { port: { type: "string" }, latency: { type: "string" } }, strict: true });
  return {
    port: wholeNumber(values.port ?? process.env.ECR_CLEANUP_EMULATOR_PORT ?? String(DEFAULT_PORT), "the port", 65535),
    // A delay before every answer, so that a run is slow enough to watch, or to press Ctrl-C in the middle of.
    latencyMs: wholeNumber(values.latency ?? "0", "--latency (milliseconds)", 60_000),
  };
}

async function main(): Promise<void> {
  const { port, latencyMs } = options();
  const emulator = await startEcrEmulator({ port, region: REGION });
  emulator.faults.setLatency(latencyMs);
  seedDemoRegistry(emulator, new Date());
  process.stderr.write(
    `ECR emulator with the demo registry on ${emulator.endpoint} (127.0.0.1 only): hello_world, payments-api, web-frontend, some_ignored_repository.\n` +
      "In another shell, export these lines, then for instance:\n" +
      "  npx ecr-cleanup --config examples/policies.yaml --plan-out plan.json\n" +
      "  npx ecr-cleanup apply plan.json --config examples/policies.yaml\n" +
      "It keeps its state until stopped (Ctrl-C); start it again for a fresh registry.\n",
  );
  // stderr first, so that whoever reads stdout's exports knows the registry is seeded: stdout holds only what to paste.
  process.stdout.write(
    [
      `export AWS_ENDPOINT_URL=${emulator.endpoint}`,
      `export AWS_REGION=${REGION}`,
      "export AWS_ACCESS_KEY_ID=demo",
      "export AWS_SECRET_ACCESS_KEY=demo",
      "",
    ].join("\n"),
  );
  const stop = () => {
    emulator.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err) => {
  const inUse = (err as NodeJS.ErrnoException).code === "EADDRINUSE";
  process.stderr.write(`npm run emulator: ${(err as Error).message}${inUse ? " (pick another: npm run emulator -- --port N)" : ""}\n`);
  process.exitCode = inUse ? 2 : 1;
});
