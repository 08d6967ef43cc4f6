/**
 * The function's grants against the AWS calls its bundle makes, so the two cannot drift apart: every SDK command
 * (or paginator) that a file in the Lambda bundle imports needs its IAM action in the function's policies, and every
 * action those policies grant is one the bundle calls. The bundle's files come from esbuild's own import graph, so a
 * CLI-only call (the CLI runs with the user's credentials) does not count. A new command without its grant, or a
 * grant nothing calls any more, fails here. And per repository: the engine runs a component's configuration against
 * the emulator, which refuses every call the role's documents do not allow on that repository, as IAM would.
 * moto enforces no IAM and has no archive: the emulator only.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { EcrCleanupPolicyArgs } from "../component";
import { BundleKind, packageRoot, readHandlerBundle } from "../component/bundle";
import { bundleOptions } from "../scripts/lambda-bundles";
import { sameFiles } from "./support/bundle-files";
import { validateConfig } from "../runtime/config/schema";
import { runCleanup } from "../runtime/engine/run";
import { globMatches } from "../runtime/planner/glob";
import { AwsError } from "./emulator/protocol";
import type { EcrEmulator } from "./emulator/server";
import { deploy, grants, RELEASES, T } from "./support/component-under-mocks";
import { emulatorPerTest } from "./support/emulator-per-test";
import { destroyAll, emulatorClients } from "./support/in-process";
import { ACCOUNT_ID, archiveFiles, PARTITION, Recorder, REGION } from "./support/pulumi-mocks";

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
  "client-sns": "sns",
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
      expect(called.filter((a) => !granted.includes(a)), "called but not granted").to.deep.equal([]);
      expect(granted.filter((a) => !called.includes(a) && !GRANTED_FOR_THE_RUNTIME.includes(a)), "granted but never called").to.deep.equal([]);
    });
  }
  describe("in each repository, every ECR call the engine makes is granted there", () => {
    const DAY = 86_400_000;
    const NOW = new Date("2026-06-01T00:00:00Z");
    const daysAgo = (days: number) => new Date(NOW.getTime() - days * DAY);
    const untagged = (repositories: string[], action?: string) => ({ name: action ?? "delete", repositories, significantTags: ["*"], protectedPeriod: "7d", protectedCount: 1, ...(action ? { action } : {}) });
    // shop: deletes only; media/web: archives only; both: governed by both (archive wins).
    const POLICIES = [untagged(["shop", "both"]), untagged(["media/*", "both"], "archive")];
    const SOURCES_OFF = { inUseEcs: false, inUseLambda: false, inUseEks: false, inUseAppRunner: false, inUseBatch: false };
    let emulator: EcrEmulator;
    emulatorPerTest((e) => (emulator = e), "shop", "media/web", "both");

    /** Old untagged images and a platform index (so BatchGetImage is called) in every repository, and an image archived 200 days ago. */
    function seed(): void {
      for (const repository of ["shop", "media/web", "both"]) {
        for (let i = 0; i < 3; i++) emulator.registry.putImage(repository, { pushedAt: daysAgo(30 + i) });
        const children = [0, 1].map((i) => emulator.registry.putImage(repository, { pushedAt: daysAgo(41 + i) }).digest);
        emulator.registry.putImage(repository, { pushedAt: daysAgo(40), children });
        emulator.registry.putImage(repository, { pushedAt: daysAgo(1) });
        emulator.registry.putImage(repository, { pushedAt: daysAgo(400), status: "ARCHIVED", lastArchivedAt: daysAgo(200) });
      }
    }

    /**
     * Deploys the component, then runs its configuration with the engine against the emulator, which refuses every
     * call the role's documents do not allow on that repository (AccessDeniedException, as IAM would).
     */
    async function runAsTheRole(args: Partial<EcrCleanupPolicyArgs>) {
      const { rec } = await deploy("as-role", { policies: POLICIES, dryRun: false, ...SOURCES_OFF, ...args });
      const documents = [rec.named("as-role-policy"), ...rec.ofType(T.managedPolicy)];
      const allowed = documents.flatMap((d) => grants(d));
      const calls: string[] = [];
      const denied: string[] = [];
      emulator.beforeOperation("*", ({ operation, input }) => {
        const repository = (input as { repositoryName?: string }).repositoryName;
        const resource = repository === undefined ? "*" : `arn:${PARTITION}:ecr:${REGION}:${ACCOUNT_ID}:repository/${repository}`;
        const action = `ecr:${operation}`;
        calls.push(`${action} ${repository ?? "*"}`);
        if (!allowed.some(([a, r]) => a === action && globMatches(r, resource))) {
          denied.push(`${action} ${resource}`);
          throw new AwsError("AccessDeniedException", `not authorized to perform: ${action} on resource: ${resource}`);
        }
      });
      const config = validateConfig(JSON.parse(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG), "ECR_CLEANUP_CONFIG");
      const clients = emulatorClients(emulator.endpoint, { maxAttempts: 1 });
      try {
        const report = await runCleanup({ config, now: NOW, apply: true, ...clients });
        const status = (repository: string) => emulator.registry.images(repository).map((i) => i.status ?? "deleted");
        return { report, denied, calls: [...new Set(calls)].sort(), status };
      } finally {
        destroyAll([clients.ecr]);
      }
    }

    it("archive and delete policies: deletes where a delete policy governs, archives where an archive policy does, nothing refused", async () => {
      seed();
      const { report, denied, calls } = await runAsTheRole({});
      expect(denied).to.deep.equal([]);
      expect(report.errors).to.deep.equal([]);
      const done = Object.fromEntries(report.repositories.map((r) => [r.repository, { deleted: r.deleted, archived: r.archived ?? 0 }]));
      // 3 old images and the index with its 2 platform manifests, in each repository; the archived ones stay.
      expect(done).to.deep.equal({ shop: { deleted: 6, archived: 0 }, "media/web": { deleted: 0, archived: 6 }, both: { deleted: 0, archived: 6 } });
      expect(calls).to.deep.equal([
        "ecr:BatchDeleteImage shop",
        "ecr:BatchGetImage both", "ecr:BatchGetImage media/web", "ecr:BatchGetImage shop",
        "ecr:DescribeImages both", "ecr:DescribeImages media/web", "ecr:DescribeImages shop",
        "ecr:DescribeRepositories *",
        "ecr:UpdateImageStorageClass both", "ecr:UpdateImageStorageClass media/web",
      ]);
    });

    it("with archiveDeleteAfter: expired archived images are deleted in every governed repository, the archive-only one included", async () => {
      seed();
      const { report, denied, calls } = await runAsTheRole({ archiveDeleteAfter: "180d" });
      expect(denied).to.deep.equal([]);
      expect(report.errors).to.deep.equal([]);
      const done = Object.fromEntries(report.repositories.map((r) => [r.repository, { deleted: r.deleted, archived: r.archived ?? 0 }]));
      expect(done).to.deep.equal({ shop: { deleted: 7, archived: 0 }, "media/web": { deleted: 1, archived: 6 }, both: { deleted: 1, archived: 6 } });
      expect(calls.filter((c) => c.startsWith("ecr:BatchDeleteImage"))).to.deep.equal(["ecr:BatchDeleteImage both", "ecr:BatchDeleteImage media/web", "ecr:BatchDeleteImage shop"]);
    });
  });
});
