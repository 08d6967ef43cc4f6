/**
 * Builds the Lambda bundles when the package is built (`npm run build`, and so `prepare` for a git install): the
 * bytes a user deploys are the bytes the tests ran, whatever versions the user's lock file resolves. Minified
 * CommonJS for Node 22, everything bundled, no timestamps, no absolute paths, no metafile: the same sources give
 * the same bytes. The AWS SDK is bundled (not the runtime's copy), at the exact versions pinned in package.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { build } from "esbuild";
import { BUNDLE_FILE, BUNDLES, BundleKind, bundlePath, ESBUILD_TARGET, packageRoot } from "../component/bundle";

/**
 * Lambda gives a function its credentials in the environment, so the bundles take them from there only
 * (runtime/lambda/credentials.ts) rather than carry the SDK's whole default chain.
 */
export const BUNDLE_ALIASES = { "@aws-sdk/credential-provider-node": "./runtime/lambda/credentials.ts" };

/** Builds one handler bundle from the sources under `root`; returns its text. */
export async function buildHandlerBundle(root: string = packageRoot(), kind: BundleKind = "single"): Promise<string> {
  const entry = BUNDLES[kind].entry;
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

/** Writes every bundle where the component reads it (dist/lambda/). */
export async function writeLambdaBundles(root: string = packageRoot()): Promise<string[]> {
  const written: string[] = [];
  for (const kind of Object.keys(BUNDLES) as BundleKind[]) {
    const file = bundlePath(kind, root);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await buildHandlerBundle(root, kind));
    written.push(file);
  }
  return written;
}

if (require.main === module) {
  writeLambdaBundles().then(
    (files) => process.stderr.write(`lambda bundles: ${files.map((f) => f.slice(packageRoot().length + 1)).join(", ")}\n`),
    (err) => {
      process.stderr.write(`building the lambda bundles failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
