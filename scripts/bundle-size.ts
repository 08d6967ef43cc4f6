/**
 * Reports the shipped Lambda bundles' sizes (dist/lambda/KIND/, built by `npm run build`), raw and gzipped, every
 * file counted, and the single-function bundle's cold load: a fresh Node process importing the entry (which loads
 * the chunks it imports statically, not the in-use sources' chunks) against an empty Node process, and the same with
 * every chunk loaded, as a run with every source on loads them. Not a test (timings vary by machine):
 * `npm run bundle-size`, or `npm run bundle-size -- --json`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { BUNDLE_FILE, BUNDLES, BundleFiles, BundleKind, readHandlerBundle } from "../component/bundle";

const RUNS = 15;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Wall time of a fresh `node --input-type=module -e script`, in ms. */
function processMs(script: string, cwd: string): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd, stdio: ["ignore", "pipe", "inherit"] });
  if (run.status !== 0) throw new Error(`node -e failed: ${script}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The files `file` imports statically (`import … from "./x.mjs"`, `import "./x.mjs"`), transitively, itself included. */
export function staticallyLoaded(files: BundleFiles, file: string = BUNDLE_FILE, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const m of files[file].matchAll(/(?:\bfrom|\bimport)\s*"\.\/([^"]+\.mjs)"/g)) staticallyLoaded(files, m[1], seen);
  return seen;
}

export interface BundleSize {
  kind: BundleKind;
  files: number;
  rawBytes: number;
  gzipBytes: number;
}

/** The chunk that holds `group_by`'s engine (re2js), found by a message of its parser. */
export function regexEngineChunk(files: BundleFiles): string {
  const chunks = Object.keys(files).filter((file) => files[file].includes("error parsing regexp"));
  if (chunks.length !== 1) throw new Error(`expected one chunk holding re2js, found ${chunks.length}`);
  return chunks[0];
}

export interface BundleMeasure {
  node: string;
  sizes: BundleSize[];
  /** Single-function mode: group_by's engine, a chunk loaded only with group_by (what the deployed archive grows by). */
  regexEngine: { rawBytes: number; gzipBytes: number };
  /** Single-function mode: what loads with the entry (cold start), and its share of the raw bytes. */
  entryFiles: number;
  entryRawBytes: number;
  runs: number;
  emptyProcessMs: number;
  /** Importing the entry, less the empty process. */
  coldLoadMs: number;
  /** Importing every file of the bundle (every source on), less the empty process. */
  everySourceLoadMs: number;
}

const bytes = (files: BundleFiles, names: Iterable<string> = Object.keys(files)) => [...names].reduce((n, f) => n + Buffer.byteLength(files[f]), 0);

export function bundleSize(kind: BundleKind, files: BundleFiles = readHandlerBundle(kind)): BundleSize {
  const gzipBytes = Object.values(files).reduce((n, text) => n + gzipSync(text, { level: 9 }).length, 0);
  return { kind, files: Object.keys(files).length, rawBytes: bytes(files), gzipBytes };
}

export async function measureBundle(): Promise<BundleMeasure> {
  const files = readHandlerBundle("single");
  const dir = mkdtempSync(join(tmpdir(), "ecr-cleanup-bundle-"));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  const url = (file: string) => JSON.stringify(pathToFileURL(join(dir, file)).href);
  const entry = staticallyLoaded(files);
  const engine = files[regexEngineChunk(files)];
  const empty: number[] = [];
  const loaded: number[] = [];
  const everything: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    empty.push(processMs("", dir));
    loaded.push(processMs(`await import(${url(BUNDLE_FILE)})`, dir));
    everything.push(processMs(Object.keys(files).map((f) => `await import(${url(f)});`).join(""), dir));
  }
  return {
    node: process.version,
    sizes: (Object.keys(BUNDLES) as BundleKind[]).map((kind) => bundleSize(kind)),
    regexEngine: { rawBytes: Buffer.byteLength(engine), gzipBytes: gzipSync(engine, { level: 9 }).length },
    entryFiles: entry.size,
    entryRawBytes: bytes(files, entry),
    runs: RUNS,
    emptyProcessMs: median(empty),
    coldLoadMs: median(loaded) - median(empty),
    everySourceLoadMs: median(everything) - median(empty),
  };
}

async function main(): Promise<void> {
  const result = await measureBundle();
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const kb = (n: number) => `${(n / 1000).toFixed(1)} KB`;
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  process.stdout.write([
    `Lambda bundles, every file counted (Node ${result.node}):`,
    ...result.sizes.map((s) => `  ${s.kind.padEnd(8)} ${String(s.files).padStart(2)} files, ${kb(s.rawBytes)} raw (${s.rawBytes} bytes), ${kb(s.gzipBytes)} gzipped`),
    `single: group_by's engine (re2js, loaded only with group_by) is ${kb(result.regexEngine.rawBytes)} raw, ${kb(result.regexEngine.gzipBytes)} gzipped`,
    `single: the entry loads ${result.entryFiles} files, ${kb(result.entryRawBytes)}; medians of ${result.runs} runs:`,
    `  empty node process:                        ${ms(result.emptyProcessMs)}`,
    `  cold load, importing the entry:            +${ms(result.coldLoadMs)}`,
    `  every file loaded (every source on):       +${ms(result.everySourceLoadMs)}`,
    "",
  ].join("\n"));
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bundle-size: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
}
