/**
 * The function's grants against the AWS calls its bundle makes, so the two cannot drift apart: every SDK command
 * (or paginator) that a file in the Lambda bundle imports needs its IAM action in the function's policies, and every
 * action those policies grant is one the bundle calls. The bundle's files come from esbuild's own import graph, so a
 * CLI-only call (the CLI runs with the user's credentials) does not count. A new command without its grant, or a
 * grant nothing calls any more, fails here.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { EcrCleanupPolicyArgs } from "../component";
import { BUNDLES, BundleKind, packageRoot, readHandlerBundle } from "../component/bundle";
import { bundleOptions } from "../scripts/lambda-bundles";
import { sameFiles } from "./support/bundle-files";
import { configJson, ResolvedPolicy } from "../component/policyConfig";
import { deploy, grants, RELEASES, T } from "./support/component-under-mocks";
import { archiveFiles, Recorder } from "./support/pulumi-mocks";

/** Every argument that turns a call on: helpers that add one add it here. */
// An archive policy beside the default one, so that every call the bundle can make is reachable.
const EVERY_SOURCE_ON: Partial<EcrCleanupPolicyArgs> = {
  inUseEcs: true,
  inUseLambda: true,
  policies: [RELEASES, { ...RELEASES, name: "archive releases", action: "archive" }],
};

/** The IAM prefix of each SDK client package. */
const SERVICE_PREFIX: Record<string, string> = {
  "client-apprunner": "apprunner",
  "client-batch": "batch",
  "client-ecr": "ecr",
  "client-ecs": "ecs",
  "client-eks": "eks",
  "client-lambda": "lambda",
  "client-s3": "s3",
  "client-sfn": "states",
  "client-ssm": "ssm",
  "client-sts": "sts",
};

/** Operations whose IAM action has another name (Service Authorization Reference), or none. */
const ACTION_OF_OPERATION: Record<string, string | null> = {
  "s3:ListObjectsV2": "s3:ListBucket",
  "s3:HeadObject": "s3:GetObject",
  // Needs no permission: anyone may ask who they are.
  "sts:GetCallerIdentity": null,
};

/** Granted but not called through the SDK: Lambda's runtime writes the function's logs with the role's credentials. */
const GRANTED_FOR_THE_RUNTIME = ["logs:CreateLogStream", "logs:PutLogEvents"];

/**
 * Called by the engine, but unreachable from the component while its policies cannot ask for it: archiving
 * (`action: archive`, `settings.archive`) is not among the fields the component writes to the function's
 * environment yet. The exception ends by itself: once the component writes `action`, this list is empty and the
 * grant is required.
 */
function notYetConfigurable(): string[] {
  const written = configJson([{ ...RELEASES, action: "archive" } as unknown as ResolvedPolicy]);
  return written.includes('"action"') ? [] : ["ecr:UpdateImageStorageClass"];
}

/** The files of the runtime that esbuild puts in the bundle of a handler (every chunk). */
async function bundledFiles(kind: BundleKind): Promise<string[]> {
  const result = await build({ ...bundleOptions(packageRoot(), kind), minify: false, metafile: true });
  return Object.keys(result.metafile!.inputs).filter((file) => file.startsWith("runtime/")).sort();
}

/** The IAM actions of the SDK commands and paginators a source file imports (type-only imports call nothing). */
export function actionsImportedBy(source: string): string[] {
  const actions: string[] = [];
  for (const m of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*"@aws-sdk\/(client-[a-z0-9-]+)"/g)) {
    if (m[1]) continue;
    const prefix = SERVICE_PREFIX[m[3]];
    if (!prefix) throw new Error(`no IAM prefix known for @aws-sdk/${m[3]}: add it to SERVICE_PREFIX`);
    for (const specifier of m[2].split(",").map((s) => s.trim()).filter(Boolean)) {
      if (specifier.startsWith("type ")) continue;
      const name = specifier.split(/\s+as\s+/)[0];
      const operation = name.endsWith("Command") ? name.slice(0, -"Command".length) : name.startsWith("paginate") ? name.slice("paginate".length) : undefined;
      if (!operation) continue;
      const key = `${prefix}:${operation}`;
      const action = key in ACTION_OF_OPERATION ? ACTION_OF_OPERATION[key] : key;
      if (action) actions.push(action);
    }
  }
  return actions;
}

async function calledActions(kind: BundleKind): Promise<string[]> {
  const root = packageRoot();
  const files = await bundledFiles(kind);
  expect(files.length, `files of ${kind}`).to.be.greaterThan(5);
  return [...new Set(files.flatMap((file) => actionsImportedBy(readFileSync(join(root, file), "utf8"))))].sort();
}

/** Every action the function's role is granted: its inline policy and its managed repository policies. */
function grantedActions(rec: Recorder, name: string): string[] {
  const documents = [rec.named(`${name}-policy`), ...rec.ofType(T.managedPolicy).filter((p) => p.name.startsWith(`${name}-repositories-`))];
  return [...new Set(documents.flatMap((d) => grants(d).map(([action]) => action)))].sort();
}

describe("IAM grants and the calls the function makes", function () {
  this.timeout(120_000);

  it("reads the commands and paginators a file imports, as IAM actions", () => {
    const source = `import { DescribeImagesCommand, ECRClient, paginateDescribeRepositories } from "@aws-sdk/client-ecr";
import type { ImageDetail } from "@aws-sdk/client-ecr";
import {
  GetObjectCommand,
  ListObjectsV2Command as List,
  type PutObjectCommandInput,
} from "@aws-sdk/client-s3";`;
    expect(actionsImportedBy(source).sort()).to.deep.equal(["ecr:DescribeImages", "ecr:DescribeRepositories", "s3:GetObject", "s3:ListBucket"]);
  });

  const modes: [string, BundleKind, Partial<EcrCleanupPolicyArgs>][] = [
    ["single-function", "single", { fanOut: false }],
    ["single-function without reserved concurrency (the run lock)", "locked", { fanOut: false, reservedConcurrency: false }],
    ["fan-out", "fanOut", { fanOut: true, reservedConcurrency: false }],
  ];
  for (const [mode, kind, args] of modes) {
    it(`${mode} mode: every call is granted, and every grant is called`, async () => {
      const called = await calledActions(kind);
      const name = `calls-${kind.toLowerCase()}`;
      const { rec } = await deploy(name, { ...EVERY_SOURCE_ON, ...args });
      // The grants are checked against the bundle this configuration deploys.
      expect(sameFiles(await archiveFiles(rec.one(T.fn).inputs.code), readHandlerBundle(kind)), "the deployed bundle").to.equal(true);
      const granted = grantedActions(rec, name);
      const unreachable = notYetConfigurable();
      expect(called.filter((a) => !granted.includes(a) && !unreachable.includes(a)), "called but not granted").to.deep.equal([]);
      expect(granted.filter((a) => !called.includes(a) && !GRANTED_FOR_THE_RUNTIME.includes(a)), "granted but never called").to.deep.equal([]);
    });
  }
});
