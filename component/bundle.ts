/**
 * The Lambda code the component deploys: the bundles built with the package (scripts/lambda-bundles.ts, run by
 * `npm run build` and so by `prepare`), read from dist/lambda/ and never rebuilt at `pulumi up`. So the code a
 * user deploys is the code the tests ran, however the package was installed and whatever the user's lock file
 * resolves. Paths come from the package's own location, never the cwd; the archive holds one string asset, so its
 * hash depends only on the bundle's bytes and `pulumi preview` shows no diff.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";

export const PACKAGE_NAME = "ecr-cleanup";

/**
 * The handlers: single-function mode; the same with the run lock and its S3 client (`reservedConcurrency: false`);
 * and fan-out mode's (prepare, clean a batch, aggregate), with the S3 client.
 */
export const BUNDLES = {
  single: { entry: "runtime/lambda/handler.ts", file: "dist/lambda/handler.js" },
  locked: { entry: "runtime/lambda/lockedHandler.ts", file: "dist/lambda/locked-handler.js" },
  fanOut: { entry: "runtime/fanout/handler.ts", file: "dist/lambda/fanout-handler.js" },
} as const;
export type BundleKind = keyof typeof BUNDLES;

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

/** Where the built bundle of a handler is. */
export function bundlePath(kind: BundleKind, root: string = packageRoot()): string {
  return join(root, BUNDLES[kind].file);
}

/** The prebuilt bundle's text; a clear error when the package was not built. */
export function readHandlerBundle(kind: BundleKind, root: string = packageRoot()): string {
  const file = bundlePath(kind, root);
  if (!existsSync(file)) {
    throw new Error(`the ${PACKAGE_NAME} package has no Lambda bundle at ${file}: it was installed without being built (run \`npm run build\` in it)`);
  }
  return readFileSync(file, "utf8");
}

/** The function's code: an archive of one string asset (no temporary files), the prebuilt bundle's bytes. */
export function handlerArchive(kind: BundleKind, root?: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ [BUNDLE_FILE]: new pulumi.asset.StringAsset(readHandlerBundle(kind, root)) });
}
