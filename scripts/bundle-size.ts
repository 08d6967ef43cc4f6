/**
 * Reports the shipped Lambda bundle's size (dist/lambda/handler.js, built by `npm run build`) (raw and gzipped) and its cold module-load time: the handler module required in
 * a fresh Node process, against an empty Node process. Not a test (timings vary by machine): `npm run bundle-size`,
 * or `npm run bundle-size -- --json`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BUNDLE_FILE, readHandlerBundle } from "../component/bundle";

const RUNS = 15;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time of a fresh `node -e script`, in ms. */
function processMs(script: string, cwd: string): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ["-e", script], { cwd, stdio: ["ignore", "pipe", "inherit"] });
  if (run.status !== 0) throw new Error(`node -e failed: ${script}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Time `require` of the bundle takes inside a fresh process, in ms (printed by the child itself). */
function requireMs(file: string, cwd: string): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const run = spawnSync(process.execPath, ["-e", script], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (run.status !== 0) throw new Error("the bundle failed to load");
  return Number(run.stdout);
}

export interface BundleMeasure {
  node: string;
  rawBytes: number;
  gzipBytes: number;
  runs: number;
  emptyProcessMs: number;
  processWithBundleMs: number;
  coldLoadMs: number;
  requireMs: number;
}

export async function measureBundle(): Promise<BundleMeasure> {
  const code = readHandlerBundle("single");
  const dir = mkdtempSync(join(tmpdir(), "ecr-cleanup-bundle-"));
  const file = join(dir, BUNDLE_FILE);
  writeFileSync(file, code);

  const empty: number[] = [];
  const loaded: number[] = [];
  const required: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    empty.push(processMs("", dir));
    loaded.push(processMs(`require(${JSON.stringify(file)})`, dir));
    required.push(requireMs(file, dir));
  }
  return {
    node: process.version,
    rawBytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code, { level: 9 }).length,
    runs: RUNS,
    emptyProcessMs: median(empty),
    processWithBundleMs: median(loaded),
    coldLoadMs: median(loaded) - median(empty),
    requireMs: median(required),
  };
}

async function main(): Promise<void> {
  const result = await measureBundle();
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  process.stdout.write([
    `Lambda bundle (${BUNDLE_FILE}), Node ${result.node}, medians of ${result.runs} runs`,
    `  size, raw:                      ${kib(result.rawBytes)} (${result.rawBytes} bytes)`,
    `  size, gzipped:                  ${kib(result.gzipBytes)} (${result.gzipBytes} bytes)`,
    `  empty node process:             ${ms(result.emptyProcessMs)}`,
    `  node process requiring it:      ${ms(result.processWithBundleMs)}`,
    `  cold load (difference):         ${ms(result.coldLoadMs)}`,
    `  require() inside the process:   ${ms(result.requireMs)}`,
    "",
  ].join("\n"));
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bundle-size: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
}
