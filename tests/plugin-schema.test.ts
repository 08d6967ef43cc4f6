/**
 * The package as a Pulumi component plugin (PulumiPlugin.yaml): the schema that `pulumi package add` infers from
 * the TypeScript args, computed by Pulumi's own analyzer on the package as it ships, asserted whole (every arg,
 * every policy field, every output, with type, optionality, Input-ness and doc comment); and the Python and YAML
 * example programs checked against it, since neither can run here (no Pulumi CLI, no PyPI).
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { ECR_CLEANUP_POLICY_TYPE } from "../component";
import { ARG_KEYS } from "../component/validation";
import { inferredSchema, InferredSchema, PLUGIN_NAME, SchemaProperty } from "./support/inferred-schema";
import { packedFiles, ROOT } from "./support/packed-package";
import { Recorder, valueOf } from "./support/pulumi-mocks";

const POLICY_TYPE = `${PLUGIN_NAME}:index:RetentionPolicy`;

/** A schema property as a short type: `Input<…>` where the property takes outputs, `[]` for arrays, `map<…>`. */
function shape(p: SchemaProperty, inputs = true): string {
  let inner: string;
  if (p.$ref) inner = p.$ref.replace("#/types/", "");
  else if (p.type === "array") inner = `${shape(p.items!, inputs)}[]`;
  else if (p.type === "object" && p.additionalProperties) inner = `map<${shape(p.additionalProperties, inputs)}>`;
  else inner = p.type!;
  return p.plain || !inputs ? inner : `Input<${inner}>`;
}

/** Doc comments of an interface's properties or a class's public fields, whitespace collapsed. */
function docComments(file: string, declaration: string): Record<string, string> {
  const source = readFileSync(join(ROOT, file), "utf8");
  const start = source.indexOf(declaration);
  expect(start, `${declaration} in ${file}`).to.be.greaterThan(-1);
  const block = source.slice(start, source.indexOf("\n}\n", start));
  const docs: Record<string, string> = {};
  for (const m of block.matchAll(/\/\*\*([\s\S]*?)\*\/\s*\n\s*(?:public readonly )?(\w+)\??:/g)) {
    docs[m[2]] = m[1].replace(/^\s*\*\s?/gm, " ").replace(/\s+/g, " ").trim();
  }
  return docs;
}

const collapse = (text: string | undefined) => text?.replace(/\s+/g, " ").trim();

/** name → [shape, optional] */
type Table = Record<string, [string, boolean]>;

function table(properties: Record<string, SchemaProperty>): Table {
  return Object.fromEntries(Object.entries(properties).map(([name, p]) => [name, [shape(p), p.optional === true]]));
}

const EXPECTED_INPUTS: Table = {
  policies: [`${POLICY_TYPE}[]`, false],
  schedule: ["string", true],
  scheduleTimezone: ["string", true],
  missedRunAfter: ["string", true],
  dryRun: ["boolean", true],
  timeout: ["number", true],
  memorySize: ["number", true],
  architecture: ["string", true],
  logRetentionDays: ["number", true],
  alarmActions: ["Input<string>[]", true],
  okActions: ["Input<string>[]", true],
  tags: ["Input<map<Input<string>>>", true],
  excludeFromPullTime: ["boolean", true],
  concurrency: ["number", true],
  fanOut: ["boolean", true],
  fanOutConcurrency: ["number", true],
  fanOutBatchSize: ["number", true],
  reservedConcurrency: ["boolean", true],
  inUseEcs: ["boolean", true],
  inUseLambda: ["boolean", true],
  inUseEks: ["boolean", true],
  inUseAppRunner: ["boolean", true],
  inUseBatch: ["boolean", true],
  eksClusters: ["string[]", true],
  ecsRevisions: ["number", true],
  inUseRegions: ["string[]", true],
  inUseAccounts: [`${PLUGIN_NAME}:index:InUseAccount[]`, true],
  roleName: ["string", true],
  archiveKeepRestoredFor: ["string", true],
  archiveDeleteAfter: ["string", true],
  previewImpact: ["boolean", true],
  vpcSubnetIds: ["Input<string>[]", true],
  vpcSecurityGroupIds: ["Input<string>[]", true],
  reportBucket: ["Input<string>", true],
  reportRetentionDays: ["number", true],
  notify: ["string", true],
  reportPricePerGbMonth: ["number", true],
};

const EXPECTED_POLICY_FIELDS: Table = {
  name: ["string", false],
  significantTags: ["string[]", false],
  protectedPeriod: ["string", false],
  protectedCount: ["number", false],
  // Repository names take outputs of other resources (an aws.ecr.Repository's name), in every language.
  repositories: ["Input<string>[]", true],
  protectedRepositories: ["Input<string>[]", true],
  keepPulledWithin: ["string", true],
  maxDeletions: ["number", true],
  action: ["string", true],
  groupBy: ["string", true],
};

/** Outputs are Output<T> in every language: the schema marks them neither plain nor Input. */
const EXPECTED_OUTPUTS: Record<string, [string, boolean]> = {
  functionName: ["string", false],
  functionArn: ["string", false],
  roleArn: ["string", false],
  logGroupName: ["string", false],
  scheduleArn: ["string", false],
  alarmArns: ["map<string>", false],
  cursorParameterName: ["string", true],
  stateMachineArn: ["string", true],
  runsBucketName: ["string", true],
  reportsBucketName: ["string", false],
  reportsConsoleUrl: ["string", false],
  notificationTopicArn: ["string", true],
};

function outputTable(properties: Record<string, SchemaProperty>): Table {
  return Object.fromEntries(Object.entries(properties).map(([name, p]) => [name, [shape(p, false), p.optional === true]]));
}

const camel = (snake: string) => snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

describe("the component plugin and its inferred schema", function () {
  this.timeout(300_000);
  let schema: InferredSchema;
  before(async () => {
    schema = await inferredSchema();
  });

  it("ships PulumiPlugin.yaml (runtime nodejs), the analyzer's entry, its sources and tsconfig, and the built bundles", () => {
    expect(parse(readFileSync(join(ROOT, "PulumiPlugin.yaml"), "utf8"))).to.deep.equal({ runtime: "nodejs" });
    const files = packedFiles();
    for (const file of ["PulumiPlugin.yaml", "index.ts", "tsconfig.json", "component/args.ts", "LICENSE", "package.json", "dist/component/index.js", "dist/lambda/single/index.mjs", "dist/lambda/locked/index.mjs", "dist/lambda/fan-out/index.mjs"]) {
      expect(files, file).to.include(file);
    }
    expect(files.filter((f) => /^(tests|dist\/tests|examples|dist\/examples|scripts|dist\/scripts)\//.test(f))).to.deep.equal([]);
  });

  it("names the package and the component's type token as the component registers it", () => {
    expect(schema.name).to.equal("ecr-cleanup");
    expect(schema.version).to.equal(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
    expect(Object.keys(schema.resources)).to.deep.equal([ECR_CLEANUP_POLICY_TYPE]);
    expect(ECR_CLEANUP_POLICY_TYPE).to.equal("ecr-cleanup:index:EcrCleanupPolicy");
    expect(schema.resources[ECR_CLEANUP_POLICY_TYPE].isComponent).to.equal(true);
    expect(Object.keys(schema.types)).to.deep.equal([POLICY_TYPE, `${PLUGIN_NAME}:index:InUseAccount`]);
  });

  it("every arg, with its type, optionality, Input-ness and doc comment", () => {
    const resource = schema.resources[ECR_CLEANUP_POLICY_TYPE];
    expect(table(resource.inputProperties)).to.deep.equal(EXPECTED_INPUTS);
    expect(resource.requiredInputs).to.deep.equal(["policies"]);
    // The names the component accepts at run time (it refuses any other key) are the schema's.
    expect([...ARG_KEYS].sort()).to.deep.equal(Object.keys(resource.inputProperties).sort());
    const docs = docComments("component/args.ts", "export interface EcrCleanupPolicyArgs {");
    expect(Object.keys(docs)).to.deep.equal(Object.keys(EXPECTED_INPUTS));
    for (const [name, p] of Object.entries(resource.inputProperties)) {
      expect(collapse(p.description), name).to.equal(docs[name]);
      expect(p.description, name).to.match(/Defaults to [^]+\.$/);
    }
  });

  it("every policy field, with its type, optionality, Input-ness and doc comment", () => {
    const policy = schema.types[POLICY_TYPE];
    expect(policy.type).to.equal("object");
    expect(table(policy.properties)).to.deep.equal(EXPECTED_POLICY_FIELDS);
    expect(policy.required).to.deep.equal(["name", "protectedCount", "protectedPeriod", "significantTags"]);
    const docs = docComments("component/args.ts", "export interface RetentionPolicy {");
    expect(Object.keys(docs)).to.deep.equal(Object.keys(EXPECTED_POLICY_FIELDS));
    for (const [name, p] of Object.entries(policy.properties)) expect(collapse(p.description), name).to.equal(docs[name]);
  });

  it("every output, with its type, optionality and doc comment", () => {
    const resource = schema.resources[ECR_CLEANUP_POLICY_TYPE];
    expect(outputTable(resource.properties)).to.deep.equal(EXPECTED_OUTPUTS);
    for (const p of Object.values(resource.properties)) expect(p.plain).to.equal(undefined);
    expect(resource.required).to.deep.equal(Object.keys(EXPECTED_OUTPUTS).filter((k) => !EXPECTED_OUTPUTS[k][1]).sort());
    const docs = docComments("component/ecrCleanupPolicy.ts", "export class EcrCleanupPolicy ");
    expect(Object.keys(docs)).to.deep.equal(Object.keys(EXPECTED_OUTPUTS));
    for (const [name, p] of Object.entries(resource.properties)) expect(collapse(p.description), name).to.equal(docs[name]);
  });

  describe("the Python and YAML examples", () => {
    /** The policies of the TypeScript example as the function receives them (its mocks test runs it). */
    let tsPolicies: Promise<Record<string, unknown>[]> | undefined;
    const typeScriptPolicies = () => (tsPolicies ??= runTypeScriptExample());
    async function runTypeScriptExample(): Promise<Record<string, unknown>[]> {
      const rec = new Recorder();
      await rec.install();
      // Loaded afresh: another test file may have run (and cached) the program under its own mocks.
      delete require.cache[require.resolve("../examples/pulumi/index")];
      const program = require("../examples/pulumi/index") as Record<string, unknown>;
      // And left uncached, for the next test file that runs it.
      delete require.cache[require.resolve("../examples/pulumi/index")];
      for (const output of Object.values(program)) await valueOf(require("@pulumi/pulumi").output(output));
      const config = JSON.parse(rec.one("aws:lambda/function:Function").inputs.environment.variables.ECR_CLEANUP_CONFIG);
      // Repository names come from the repositories' outputs, with the mock's suffix.
      return config.policies.map((p: Record<string, unknown>) => {
        const names = (key: string) => (p[key] as string[] | undefined)?.map((n) => n.replace(/-0a1b2c3$/, ""));
        const out: Record<string, unknown> = { ...p };
        for (const key of ["repositories", "protected_repositories"]) if (p[key]) out[key] = names(key);
        return out;
      });
    }

    /** Checks an example's arguments against the schema: known names, required ones present, literal types right. */
    function checkAgainstSchema(where: string, args: Record<string, unknown>, properties: Record<string, SchemaProperty>, required: string[]): void {
      for (const [name, value] of Object.entries(args)) {
        const p = properties[name];
        expect(p, `${where}: ${name} is not in the schema`).to.not.equal(undefined);
        // A value computed at run time (config, an output): only its place in the schema can be checked.
        if (value === EXPRESSION) continue;
        const expected = p.type === "array" ? "array" : p.$ref ? "object" : p.type === "object" ? "object" : p.type;
        const actual = Array.isArray(value) ? "array" : typeof value;
        expect(actual, `${where}: ${name}`).to.equal(expected);
        if (Array.isArray(value) && p.items?.type) {
          for (const item of value) if (item !== EXPRESSION) expect(typeof item, `${where}: ${name} item`).to.equal(p.items.type);
          if (value.includes(EXPRESSION)) expect(p.items.plain, `${where}: ${name} items take outputs`).to.not.equal(true);
        }
      }
      for (const name of required) expect(args, `${where}: ${name} is required`).to.have.property(name);
    }

    it("Python: compiles, and every argument and policy field it passes is in the schema, with the TypeScript example's values", async () => {
      const file = join(ROOT, "examples/python/__main__.py");
      // py_compile, with the bytecode written outside the repository.
      const cfile = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-py-")), "__main__.pyc");
      const compile = spawnSync("python3", ["-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)", file, cfile], { encoding: "utf8" });
      expect(compile.status, compile.stderr).to.equal(0);
      const calls = pythonCalls(file);
      const resource = schema.resources[ECR_CLEANUP_POLICY_TYPE];
      const component = calls.filter((c) => c.callee === "ecr_cleanup.EcrCleanupPolicy");
      expect(component).to.have.length(1);
      const componentArgs = camelKeys(component[0].keywords);
      checkAgainstSchema("python EcrCleanupPolicy", componentArgs, resource.inputProperties, resource.requiredInputs);
      const policies = calls.filter((c) => c.callee === "ecr_cleanup.RetentionPolicyArgs");
      expect(policies).to.have.length(2);
      for (const p of policies) checkAgainstSchema("python RetentionPolicyArgs", camelKeys(p.keywords), schema.types[POLICY_TYPE].properties, schema.types[POLICY_TYPE].required);
      const used = outputsRead(file, "cleanup").map(camel);
      expect(used).to.have.length(4);
      for (const output of used) expect(resource.properties, output).to.have.property(output);
      // The same policies as the TypeScript example (repository names are the repositories' outputs).
      const literal = policies.map((p) => Object.fromEntries(Object.entries(p.keywords).map(([k, v]) => [k, Array.isArray(v) && v.includes(EXPRESSION) ? "<outputs>" : v])));
      expect(literal).to.deep.equal((await typeScriptPolicies()).map((p) => ({
        ...p, ...(p.repositories ? { repositories: "<outputs>" } : {}), ...(p.protected_repositories ? { protected_repositories: "<outputs>" } : {}),
      })));
    });

    it("YAML: every property and policy field it sets is in the schema, with the TypeScript example's values", async () => {
      const program = parse(readFileSync(join(ROOT, "examples/yaml/Pulumi.yaml"), "utf8"));
      expect(program.runtime).to.equal("yaml");
      const components = Object.entries(program.resources as Record<string, { type: string; properties: Record<string, unknown> }>).filter(([, r]) => r.type === ECR_CLEANUP_POLICY_TYPE);
      expect(components).to.have.length(1);
      const [name, component] = components[0];
      const resource = schema.resources[ECR_CLEANUP_POLICY_TYPE];
      const marked = markExpressions(component.properties) as Record<string, unknown>;
      checkAgainstSchema("yaml EcrCleanupPolicy", marked, resource.inputProperties, resource.requiredInputs);
      const policies = marked.policies as Record<string, unknown>[];
      for (const p of policies) checkAgainstSchema("yaml policy", p, schema.types[POLICY_TYPE].properties, schema.types[POLICY_TYPE].required);
      for (const [output, value] of Object.entries(program.outputs as Record<string, unknown>)) {
        const match = typeof value === "string" && value.match(/^\$\{(.+)\.(\w+)\}$/);
        if (match && match[1] === name) expect(resource.properties, output).to.have.property(match[2]);
      }
      // The same policies as the TypeScript example, with the repositories named by their outputs.
      const snake = (camelName: string) => camelName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      const asConfig = (component.properties.policies as Record<string, unknown>[]).map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [
        snake(k), Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x.replace(/^\$\{(.+)\.name\}$/, "$1") : x)) : v,
      ])));
      expect(asConfig).to.deep.equal(await typeScriptPolicies());
    });
  });
});

/** Stands for a value computed at run time (an output, a config read, a variable). */
const EXPRESSION = "<expression>";

function markExpressions(value: unknown): unknown {
  if (typeof value === "string" && /\$\{[^}]+\}/.test(value)) return EXPRESSION;
  if (Array.isArray(value)) return value.map(markExpressions);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markExpressions(v)]));
  return value;
}

function camelKeys(keywords: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(keywords).map(([k, v]) => [camel(k), v]));
}

interface PythonCall {
  callee: string;
  keywords: Record<string, unknown>;
}

/** Python's own parser (ast): every call with its keyword arguments; literals as values, anything else as EXPRESSION. */
function pythonCalls(file: string): PythonCall[] {
  const script = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
def value(node):
    if isinstance(node, (ast.List, ast.Tuple)):
        return [value(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {value(k): value(v) for k, v in zip(node.keys, node.values)}
    try:
        return ast.literal_eval(node)
    except Exception:
        return ${JSON.stringify(EXPRESSION)}
calls = []
for node in ast.walk(tree):
    if isinstance(node, ast.Call) and node.keywords:
        calls.append({"callee": ast.unparse(node.func), "keywords": {k.arg: value(k.value) for k in node.keywords if k.arg}})
print(json.dumps(calls))
`;
  const run = spawnSync("python3", ["-c", script, file], { encoding: "utf8" });
  expect(run.status, run.stderr).to.equal(0);
  return JSON.parse(run.stdout);
}

/** The attributes the program reads from a variable (the component's outputs). */
function outputsRead(file: string, variable: string): string[] {
  const script = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
print(json.dumps(sorted({n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == sys.argv[2]})))
`;
  const run = spawnSync("python3", ["-c", script, file, variable], { encoding: "utf8" });
  expect(run.status, run.stderr).to.equal(0);
  return JSON.parse(run.stdout);
}
