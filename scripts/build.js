#!/usr/bin/env node
"use strict";
/**
 * `npm run build`: compiles only what changed (`tsc -b` with `incremental`: the build info in dist/ records what
 * was compiled), then makes sure dist/ holds nothing stale, so that an old output can never make a test pass:
 * - outputs whose source is gone (a deleted or renamed test or module) are removed;
 * - when an output is missing, or was written after the build info (edited by hand, copied in), the build info is
 *   dropped and everything is compiled again (`tsc -b` trusts its build info and would not notice).
 * Then the Lambda bundles (dist/lambda/, scripts/lambda-bundles.ts) are built again when any of their inputs is
 * newer than them: the runtime's sources, the bundling code, the installed packages.
 * Plain JavaScript, because it runs before anything is compiled.
 */
const { spawnSync } = require("node:child_process");
const { existsSync, readdirSync, rmSync, statSync } = require("node:fs");
const { join, relative, resolve, sep } = require("node:path");

const ROOT = resolve(__dirname, "..");
const DIST = join(ROOT, "dist");
const BUILD_INFO = join(DIST, "tsconfig.tsbuildinfo");
/** The folders tsconfig.json's `include` compiles (every `.ts` under them). */
const SOURCE_DIRS = ["runtime", "component", "tests", "examples", "scripts"];
const OUTPUT_SUFFIXES = [".js", ".js.map", ".d.ts", ".d.ts.map"];
/** The Lambda bundles: built by scripts/lambda-bundles.ts from the runtime's sources, not compiled by tsc. */
const BUNDLES = ["dist/lambda/single/index.mjs", "dist/lambda/locked/index.mjs", "dist/lambda/fan-out/index.mjs"].map((file) => join(ROOT, file));
const BUNDLE_INPUTS = ["runtime", "component/bundle.ts", "scripts/lambda-bundles.ts", "package-lock.json", "node_modules/.package-lock.json"];

function tsc() {
  const result = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-b", "tsconfig.json"], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules") yield* files(path);
    } else yield path;
  }
}

/** The source an output of dist/ was compiled from (`dist/a/b.js` from `a/b.ts`), or undefined for the build info. */
function sourceOf(output) {
  const rel = relative(DIST, output);
  if (output === BUILD_INFO) return undefined;
  const suffix = OUTPUT_SUFFIXES.find((s) => rel.endsWith(s));
  return suffix ? join(ROOT, `${rel.slice(0, -suffix.length)}.ts`) : join(ROOT, rel);
}

function sources() {
  return SOURCE_DIRS.flatMap((dir) => [...files(join(ROOT, dir))].filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")));
}

function removeOrphans() {
  for (const output of files(DIST)) {
    if (relative(DIST, output).startsWith(`lambda${sep}`)) continue;
    const source = sourceOf(output);
    if (source && !existsSync(source)) rmSync(output);
  }
}

/** True when every source has its output, none written after the build info. */
function outputsTrustworthy() {
  if (!existsSync(BUILD_INFO)) return false;
  const built = statSync(BUILD_INFO).mtimeMs;
  return sources().every((source) => {
    const output = join(DIST, `${relative(ROOT, source).slice(0, -".ts".length)}.js`);
    return existsSync(output) && statSync(output).mtimeMs <= built;
  });
}

function newest(path) {
  if (!existsSync(path)) return 0;
  if (!statSync(path).isDirectory()) return statSync(path).mtimeMs;
  return Math.max(0, ...[...files(path)].map((file) => statSync(file).mtimeMs));
}

function bundlesCurrent() {
  if (!BUNDLES.every((file) => existsSync(file))) return false;
  const built = Math.min(...BUNDLES.map((file) => statSync(file).mtimeMs));
  return BUNDLE_INPUTS.every((input) => newest(join(ROOT, input)) <= built);
}

tsc();
if (!outputsTrustworthy()) {
  process.stderr.write("build: dist/ has missing or altered outputs: compiling everything again\n");
  rmSync(BUILD_INFO, { force: true });
  tsc();
}
removeOrphans();
if (!bundlesCurrent()) {
  const result = spawnSync(process.execPath, [join(DIST, "scripts/lambda-bundles.js")], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
