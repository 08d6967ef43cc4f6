/**
 * Loads a TypeScript Pulumi program the way Pulumi's Node.js language host does for `runtime: {name: nodejs,
 * options: {typescript: true}}` in a CommonJS project (@pulumi/pulumi's cmd/run/run.js): ts-node from the
 * project, else the one vendored in @pulumi/pulumi (7.0.1), with the project's own `typescript` compiler, the
 * project's tsconfig.json, and type checking on. Resources go to Pulumi's mocks. Not a test; started by
 * tests/pulumi-project.test.ts as `node pulumi-host.js PROJECT_DIR PROGRAM`. Prints one JSON line.
 */
import { join } from "node:path";

async function main(): Promise<void> {
  const [projectDir, program] = process.argv.slice(2);
  process.chdir(projectDir);
  // The language host's own helpers (marked internal): which ts-node and which compiler it would load.
  const tsutils = require("@pulumi/pulumi/tsutils") as {
    typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
    loadTypeScriptCompilerOptions(path: string): Record<string, unknown>;
  };
  const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
  const typescript = require(typescriptRequire) as { version: string };
  const tsnode = require(tsnodeRequire) as { register(options: unknown): void; VERSION: string };
  tsnode.register({
    compiler: typescriptRequire,
    project: "tsconfig.json",
    skipProject: false,
    compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...tsutils.loadTypeScriptCompilerOptions("tsconfig.json") },
  });

  const pulumi = await import("@pulumi/pulumi");
  const types: string[] = [];
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      types.push(args.type);
      const name = typeof args.inputs.name === "string" ? args.inputs.name : `${args.name}-0a1b2c3`;
      return { id: `${name}-id`, state: { ...args.inputs, name, arn: `arn:aws:mock:eu-west-1:123456789012:${name}` } };
    },
    call: (args) => {
      const answers: Record<string, Record<string, string>> = {
        "aws:index/getPartition:getPartition": { partition: "aws" },
        "aws:index/getRegion:getRegion": { region: "eu-west-1" },
        "aws:index/getCallerIdentity:getCallerIdentity": { accountId: "123456789012" },
      };
      if (!answers[args.token]) throw new Error(`unexpected invoke ${args.token}`);
      return answers[args.token];
    },
  }, "project", "stack", false);

  const exports = require(join(projectDir, program)) as Record<string, unknown>;
  await new Promise<void>((resolve) => pulumi.output(exports).apply(() => resolve()));
  process.stdout.write(`${JSON.stringify({ tsnode: tsnode.VERSION, tsnodeRequire, typescript: typescript.version, exports: Object.keys(exports), types })}\n`);
}

main().catch((err) => {
  process.stderr.write(`pulumi-host: ${err?.message ?? err}\n`);
  process.exitCode = 1;
});
