/**
 * The Lambda code the component deploys: the bundles built with the package (scripts/lambda-bundles.ts, run by
 * `npm run build` and so by `prepare`), read from dist/lambda/ and never rebuilt at `pulumi up`. So the code a
 * user deploys is the code the tests ran, however the package was installed and whatever the user's lock file
 * resolves. Paths come from the package's own location, never the cwd; the archive holds string assets only, so its
 * hash depends only on the bundle's bytes and `pulumi preview` shows no diff.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";

export const PACKAGE_NAME = "ecr-cleanup";

/**
 * The handlers: single-function mode; the same with the run lock and its S3 client (`reservedConcurrency: false`);
 * and fan-out mode's (prepare, clean a batch, aggregate), with the S3 client. Each is a folder of ES modules: the
 * entry `index.mjs` and the chunks it imports on demand (each in-use source's SDK client is one, loaded only when
 * the source is on).
 */
export const BUNDLES = {
  single: { entry: "runtime/lambda/handler.ts", dir: "dist/lambda/single" },
  locked: { entry: "runtime/lambda/lockedHandler.ts", dir: "dist/lambda/locked" },
  fanOut: { entry: "runtime/fanout/handler.ts", dir: "dist/lambda/fan-out" },
} as const;
export type BundleKind = keyof typeof BUNDLES;
/** A bundle's files by name (the entry and its chunks), in name order. */
export type BundleFiles = Record<string, string>;

/** The entry's file name in the archive (an ES module, as its `.mjs` tells Lambda), and the function's `handler`. */
export const BUNDLE_FILE = "index.mjs";
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

/** The folder of a handler's built bundle. */
export function bundleDir(kind: BundleKind, root: string = packageRoot()): string {
  return join(root, BUNDLES[kind].dir);
}

/** The prebuilt bundle's files; a clear error when the package was not built. */
export function readHandlerBundle(kind: BundleKind, root: string = packageRoot()): BundleFiles {
  const dir = bundleDir(kind, root);
  if (!existsSync(join(dir, BUNDLE_FILE))) {
    throw new Error(`the ${PACKAGE_NAME} package has no Lambda bundle at ${dir}: it was installed without being built (run \`npm run build\` in it)`);
  }
  const files: BundleFiles = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".mjs")).sort()) files[file] = readFileSync(join(dir, file), "utf8");
  return files;
}

/** The function's code: an archive of string assets (no temporary files), the prebuilt bundle's bytes. */
export function handlerArchive(kind: BundleKind, root?: string): pulumi.asset.AssetArchive {
  const files = readHandlerBundle(kind, root);
  return new pulumi.asset.AssetArchive(Object.fromEntries(Object.entries(files).map(([file, text]) => [file, new pulumi.asset.StringAsset(text)])));
}
