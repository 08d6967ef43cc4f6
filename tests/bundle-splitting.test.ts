/**
 * The Lambda bundles are split at each in-use source (spec section 4, issue 11's size budget): a cold start loads the
 * entry and what it imports statically, and each source's SDK client sits in a chunk that only that source's
 * `import()` reaches, so a source that is off costs no load time. Read from esbuild's own metafile of the shipped
 * build options.
 */
import { expect } from "chai";
import { build, type Metafile } from "esbuild";
import { BUNDLE_FILE, BundleKind, packageRoot } from "../component/bundle";
import { bundleFileName, bundleOptions } from "../scripts/lambda-bundles";

const SOURCE_CLIENTS = ["client-ecs", "client-lambda", "client-eks", "client-apprunner", "client-batch"];

interface Graph {
  /** Output file → the npm packages (`client-ecs`, …) of the SDK whose code it holds. */
  clients: Map<string, Set<string>>;
  /** What the entry loads with it: the files it imports statically, transitively. */
  loadedWithEntry: Set<string>;
  /** Output file → files it imports with `import()`. */
  dynamic: Map<string, string[]>;
}

async function graph(kind: BundleKind): Promise<Graph> {
  const root = packageRoot();
  const { metafile } = await build({ ...bundleOptions(root, kind), metafile: true });
  const outputs = (metafile as Metafile).outputs;
  const name = (path: string) => bundleFileName(root, path);
  const clients = new Map<string, Set<string>>();
  const staticImports = new Map<string, string[]>();
  const dynamic = new Map<string, string[]>();
  for (const [path, output] of Object.entries(outputs)) {
    const file = name(path);
    // re2js (group_by's regular expressions) is counted like a client: it too must load only when a policy needs it.
    clients.set(file, new Set(Object.keys(output.inputs).map((i) => /node_modules\/(?:@aws-sdk\/(client-[a-z0-9-]+)|(re2js))\//.exec(i)).filter((m) => !!m).map((m) => m![1] ?? m![2])));
    staticImports.set(file, output.imports.filter((i) => i.kind === "import-statement" && !i.external).map((i) => name(i.path)));
    dynamic.set(file, output.imports.filter((i) => i.kind === "dynamic-import" && !i.external).map((i) => name(i.path)));
  }
  const loadedWithEntry = new Set<string>();
  const visit = (file: string) => {
    if (loadedWithEntry.has(file)) return;
    loadedWithEntry.add(file);
    for (const next of staticImports.get(file) ?? []) visit(next);
  };
  visit(BUNDLE_FILE);
  return { clients, loadedWithEntry, dynamic };
}

describe("the Lambda bundles: each in-use source's client loads only when the source is on", function () {
  this.timeout(120_000);

  for (const [kind, own] of [["single", ["client-ecr", "client-ssm"]], ["locked", ["client-ecr", "client-s3", "client-ssm"]], ["fanOut", ["client-ecr", "client-s3"]]] as const) {
    it(`${kind}: the entry loads only ${own.join(", ")}; every source's client is in a chunk that only import() reaches`, async () => {
      const g = await graph(kind);
      const atStart = new Set([...g.loadedWithEntry].flatMap((file) => [...g.clients.get(file)!]));
      expect([...atStart].sort()).to.deep.equal([...own]);
      // The reports' clients load only when a run writes a report or publishes (runtime/lambda/runReports.ts); S3 is the entry's own in the other two.
      for (const client of [...SOURCE_CLIENTS, "client-sts", "re2js", "client-sns", ...(kind === "single" ? ["client-s3"] : [])]) {
        const holders = [...g.clients].filter(([, set]) => set.has(client)).map(([file]) => file);
        expect(holders, client).to.have.length(1);
        expect(g.loadedWithEntry.has(holders[0]), `${client} loads at cold start`).to.equal(false);
        expect([...g.dynamic.values()].some((targets) => targets.includes(holders[0])), `${client} is reached by import()`).to.equal(true);
      }
    });
  }
});
