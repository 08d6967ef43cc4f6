/**
 * Builds the Lambda bundles when the package is built (`npm run build`, and so `prepare` for a git install): the
 * bytes a user deploys are the bytes the tests ran, whatever versions the user's lock file resolves. Minified ES
 * modules for Node 22, split at each `import()` so that an in-use source's SDK client loads only when the source is
 * on (CDK's aws-lambda-nodejs does the same with `splitting`); everything bundled, no timestamps, no absolute paths,
 * no metafile, chunks named by their content's hash: the same sources give the same bytes. The AWS SDK is bundled
 * (not the runtime's copy), at the exact versions pinned in package.json.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { build, type BuildOptions, type Plugin } from "esbuild";
import { BUNDLE_FILE, BUNDLES, BundleFiles, BundleKind, bundleDir, ESBUILD_TARGET, packageRoot } from "../component/bundle";

/**
 * Lambda gives a function its credentials in the environment, so the bundles take them from there only
 * (runtime/lambda/credentials.ts) rather than carry the SDK's whole default chain.
 */
export const BUNDLE_ALIASES = { "@aws-sdk/credential-provider-node": "./runtime/lambda/credentials.ts" };

/**
 * Left out of the bundles: `bowser` parses a browser's user agent; the SDK imports it only in its browser code path,
 * which Node never takes (a Node process that did would fail the call, never act on a wrong answer).
 */
export const BUNDLE_EXTERNALS = ["bowser"];

/** The SDK clients read only `version` from their package.json (for the user agent): the rest is 2 KB each of dead weight. */
const packageVersionOnly: Plugin = {
  name: "package-version-only",
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/ }, (args) => {
      const { name, version } = JSON.parse(readFileSync(args.path, "utf8"));
      return { contents: JSON.stringify({ name, version }), loader: "json" };
    });
  },
};

/** Where esbuild writes, in memory only (`write: false`): the files' names are relative to it. */
const OUT_DIR = "bundle-out";

/** The esbuild options of a handler's bundle (tests build with them too, adding a metafile). */
export function bundleOptions(root: string, kind: BundleKind): BuildOptions & { write: false } {
  return {
    absWorkingDir: root,
    entryPoints: { [BUNDLE_FILE.replace(/\.mjs$/, "")]: BUNDLES[kind].entry },
    outdir: OUT_DIR,
    outExtension: { ".js": ".mjs" },
    chunkNames: "[name]-[hash]",
    bundle: true,
    splitting: true,
    write: false,
    minify: true,
    format: "esm",
    platform: "node",
    target: ESBUILD_TARGET,
    // ESM builds first: the SDK's dist-es tree-shakes far better than its CommonJS build.
    mainFields: ["module", "main"],
    alias: BUNDLE_ALIASES,
    external: BUNDLE_EXTERNALS,
    plugins: [packageVersionOnly],
    sourcemap: false,
    metafile: false,
    legalComments: "none",
    logLevel: "silent",
  };
}

/** An output file's name in the bundle (`index.mjs`, `chunk-….mjs`), from the path esbuild gives it. */
export function bundleFileName(root: string, path: string): string {
  return relative(join(root, OUT_DIR), join(root, path)).split(sep).join("/");
}

/** Builds one handler bundle from the sources under `root`; returns its files. */
export async function buildHandlerBundle(root: string = packageRoot(), kind: BundleKind = "single"): Promise<BundleFiles> {
  const result = await build(bundleOptions(root, kind));
  const files: BundleFiles = {};
  for (const file of [...result.outputFiles].sort((a, b) => (a.path < b.path ? -1 : 1))) files[bundleFileName(root, relative(root, file.path))] = file.text;
  if (!files[BUNDLE_FILE]) throw new Error(`esbuild produced no ${BUNDLE_FILE} for ${BUNDLES[kind].entry}`);
  return files;
}

/** Writes every bundle where the component reads it (dist/lambda/KIND/), replacing what was there. */
export async function writeLambdaBundles(root: string = packageRoot()): Promise<string[]> {
  const written: string[] = [];
  rmSync(join(root, "dist/lambda"), { recursive: true, force: true });
  for (const kind of Object.keys(BUNDLES) as BundleKind[]) {
    const dir = bundleDir(kind, root);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(await buildHandlerBundle(root, kind))) writeFileSync(join(dir, file), text);
    written.push(dir);
  }
  return written;
}

if (require.main === module) {
  writeLambdaBundles().then(
    (dirs) => process.stderr.write(`lambda bundles: ${dirs.map((d) => d.slice(packageRoot().length + 1)).join(", ")}\n`),
    (err) => {
      process.stderr.write(`building the lambda bundles failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
