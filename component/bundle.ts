/**
 * Bundles the Lambda handler with esbuild while the Pulumi program runs, so there is no prebuilt artifact to go
 * stale (as CDK's aws-lambda-nodejs does). Paths come from the package's own location, never the cwd; the output
 * has no timestamps, no absolute paths and no metafile, so the same sources give the same bytes and
 * `pulumi preview` shows no diff. The AWS SDK is bundled (not the runtime's copy), at the exact versions pinned in
 * package.json.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { build } from "esbuild";

export const PACKAGE_NAME = "ecr-cleanup";
/** The handler's source, relative to the package root: single-function mode. */
export const HANDLER_ENTRY = "runtime/lambda/handler.ts";
/** Fan-out mode's handler (prepare, clean a batch, aggregate), with the S3 client the single-function bundle does without. */
export const FANOUT_HANDLER_ENTRY = "runtime/fanout/handler.ts";
/**
 * Lambda gives a function its credentials in the environment, so the bundles take them from there only
 * (runtime/lambda/credentials.ts) rather than carry the SDK's whole default chain.
 */
export const BUNDLE_ALIASES = { "@aws-sdk/credential-provider-node": "./runtime/lambda/credentials.ts" };
/** The file name in the archive, and the function's `handler` setting. */
export const BUNDLE_FILE = "index.js";
export const HANDLER = "index.handler";
/** The Lambda runtime the bundle targets; esbuild's target follows it. */
export const LAMBDA_RUNTIME = "nodejs22.x";
export const ESBUILD_TARGET = "node22";

/** The folder of this package's package.json, found by walking up from this file (in `component/` or `dist/component/`). */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === PACKAGE_NAME) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package.json above ${from}`);
  }
}

/** Builds a handler bundle: minified CommonJS for Node 22, everything bundled. Deterministic for the same sources. */
export async function buildHandlerBundle(root: string = packageRoot(), entry: string = HANDLER_ENTRY): Promise<string> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: BUNDLE_FILE,
    bundle: true,
    write: false,
    minify: true,
    format: "cjs",
    platform: "node",
    target: ESBUILD_TARGET,
    // ESM builds first: the SDK's dist-es tree-shakes far better than its CommonJS build.
    mainFields: ["module", "main"],
    alias: BUNDLE_ALIASES,
    sourcemap: false,
    metafile: false,
    legalComments: "none",
    logLevel: "silent",
  });
  if (result.outputFiles.length !== 1) throw new Error(`esbuild produced ${result.outputFiles.length} files for ${entry}`);
  return result.outputFiles[0].text;
}

/** The function's code: an archive of string assets (no temporary files), whose hash depends only on the bundle's bytes. */
export async function handlerArchive(root?: string, entry: string = HANDLER_ENTRY): Promise<pulumi.asset.AssetArchive> {
  return new pulumi.asset.AssetArchive({ [BUNDLE_FILE]: new pulumi.asset.StringAsset(await buildHandlerBundle(root, entry)) });
}
