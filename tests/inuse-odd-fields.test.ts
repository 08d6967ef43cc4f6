/**
 * In-use answers with odd but valid fields (from a review): each case rewrites one answer of ECS, Lambda, App Runner
 * or Batch so that it is JSON the SDK accepts, but leaves out (or mis-shapes) what names the image a workload uses.
 * Each run either keeps the image (images[0]) the workload uses, or fails the source closed: nothing deleted, and the
 * source's error names the call and the field.
 */
import { expect } from "chai";
import { validateConfig } from "../runtime/config/schema";
import { runCleanup } from "../runtime/engine/run";
import { OddAnswers } from "./emulator/odd-answers";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { toolClients } from "./support/in-process";
import { sourceUses } from "../runtime/inuse/appRunner";
import { revisionImages, serviceTaskDefinitions } from "../runtime/inuse/ecs";
import type { ContainerDefinition } from "@aws-sdk/client-ecs";
import { ANY_REPOSITORY, emptyInventory, indexUses, inUseDigests, oddReference } from "../runtime/inuse/inventory";
import { codeUses } from "../runtime/inuse/lambda";
import type { ImageUse } from "../runtime/inuse/types";

const DAY = 86_400_000;
const NOW = new Date("2026-01-01T00:00:00.000Z");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const byDigest = (digest: string, repo = "app") => `${REGISTRY}/${repo}@${digest}`;
type J = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Rewrites every answer of one operation with `edit`. */
class Rewrite extends OddAnswers {
  constructor(private readonly edit: (answer: J) => void) {
    super({ kind: "empty" });
  }
  override body(_list: string, output: unknown): string | undefined {
    this.requests++;
    const answer = JSON.parse(JSON.stringify(output)) as J;
    this.edit(answer);
    this.served++;
    return JSON.stringify(answer);
  }
}

const config = (inUse: Record<string, unknown> = { ecs_revisions: 0 }) =>
  validateConfig({ policies: [{ name: "newest", protected_period: 0, protected_count: 1, significant_tags: "*", repositories: ["app"] }], settings: { in_use: inUse } }, "test");

/**
 * Repository `app`: six images, oldest first; the policy keeps only the newest (images[5], tagged `prod`): images[0] is
 * kept only because a workload uses it. Returns what was deleted and the run's errors.
 */
async function run(seed: (e: EcrEmulator, images: string[]) => void, operation: string, edit: (answer: J) => void, inUse?: Record<string, unknown>) {
  const emulator = await startEcrEmulator();
  const clients = toolClients(emulator.endpoint);
  try {
    emulator.registry.createRepository("app");
    emulator.registry.createRepository("other");
    const images: string[] = [];
    for (let age = 6; age >= 1; age--) images.push(emulator.registry.putImage("app", { pushedAt: new Date(NOW.getTime() - age * DAY), tags: age === 1 ? ["prod"] : [] }).digest);
    seed(emulator, images);
    // REVIEW_CONTROL=1: the same run with every answer as the emulator gives it (the seed is right: images[0] stays).
    const odd = new Rewrite(process.env.REVIEW_CONTROL ? () => undefined : edit);
    emulator.faults.oddAnswers(operation, odd);
    const report = await runCleanup({ config: config(inUse), now: NOW, apply: true, ...clients });
    const errors = [...report.errors, ...report.repositories.flatMap((r) => r.errors)].map((e) => ({ kind: e.kind, code: e.code, message: e.message }));
    return { removed: emulator.faults.removals.flatMap((r) => r.removed), images, served: odd.served, errors };
  } finally {
    clients.ecr.destroy();
    await emulator.stop();
  }
}

type Outcome = Awaited<ReturnType<typeof run>>;

/** The image is kept as in use, and the run is otherwise as usual: images[1..4] deleted, no error. */
function expectProtected(out: Outcome) {
  expect(out.served, "the odd answer was served").to.be.greaterThan(0);
  expect(out.errors).to.deep.equal([]);
  expect(out.removed.slice().sort()).to.deep.equal(out.images.slice(1, 5).sort());
}

/** The source failed closed: nothing deleted, and one error, the untrusted answer, naming the call and field. */
function expectFailedClosed(out: Outcome, named: string) {
  expect(out.served, "the odd answer was served").to.be.greaterThan(0);
  expect(out.removed).to.deep.equal([]);
  expect(out.errors.map((e) => [e.kind, e.code])).to.deep.equal([["in-use-unreadable", "UntrustedAnswer"]]);
  expect(out.errors[0].message).to.include(named);
}

interface Case {
  title: string;
  seed: (e: EcrEmulator, images: string[]) => void;
  operation: string;
  edit: (answer: J) => void;
  inUse?: Record<string, unknown>;
  /** A text the source's error includes; absent when the image is protected instead. */
  failsWith?: string;
}

// Deployed when `prod` named images[0]; the tag has moved to images[5] since. Lambda runs images[0].
const lambdaByTag = (e: EcrEmulator, images: string[]) =>
  void e.lambda.createFunction({ name: "fn", packageType: "Image", imageUri: `${REGISTRY}/app:prod`, resolvedImageUri: byDigest(images[0]) });
const lambdaByDigest = (e: EcrEmulator, images: string[]) => void e.lambda.createFunction({ name: "fn", packageType: "Image", imageUri: byDigest(images[0]) });
const standaloneTask = (e: EcrEmulator, images: string[]) => {
  e.ecs.createCluster("prod");
  e.ecs.registerTaskDefinition("job", [{ name: "app", image: byDigest(images[0]) }]);
  e.ecs.runTask("prod", { taskDefinitionArn: "job" });
};
const service = (e: EcrEmulator, images: string[]) => {
  e.ecs.createCluster("prod");
  e.ecs.registerTaskDefinition("web", [{ name: "app", image: byDigest(images[0]) }]);
  e.ecs.createService("prod", { name: "web", taskDefinition: "web" });
};
const pinnedService = (e: EcrEmulator, images: string[]) => {
  e.ecs.createCluster("prod");
  e.ecs.registerTaskDefinition("web", [{ name: "app", image: `${REGISTRY}/app:prod` }]);
  e.ecs.createService("prod", { name: "web", taskDefinition: "web", revisions: [{ containerImages: [{ containerName: "app", image: `${REGISTRY}/app:prod`, imageDigest: images[0] }] }] });
};
const family = (e: EcrEmulator, images: string[]) => void e.ecs.registerTaskDefinition("f0", [{ name: "app", image: byDigest(images[0]) }]);
const appRunner = (e: EcrEmulator, images: string[]) => void e.appRunner.createService({ name: "web", image: byDigest(images[0]) });
const batch = (e: EcrEmulator, images: string[]) => void e.batch.registerJobDefinition("job", { containerProperties: { image: byDigest(images[0]) } });
const eachContainer = (edit: (c: J) => void) => (a: J) => a.tasks.forEach((t: J) => t.containers.forEach(edit));

const CASES: Case[] = [
  // ---------------- Lambda ----------------
  {
    title: "Lambda GetFunction without Code.ResolvedImageUri fails the source: the digest the function runs is unknown",
    seed: lambdaByTag, operation: "lambda/GetFunction", edit: (a) => delete a.Code.ResolvedImageUri,
    failsWith: "Lambda GetFunction of fn:$LATEST: the answer's Code.ResolvedImageUri is missing",
  },
  {
    title: "Lambda GetFunction whose Code.ResolvedImageUri is in another repository than Code.ImageUri protects the resolved image in its own repository",
    seed: lambdaByTag, operation: "lambda/GetFunction", edit: (a) => (a.Code.ImageUri = `${REGISTRY}/other:v1`),
  },
  {
    title: "Lambda ListFunctions entries without PackageType are read with GetFunction, which protects the image",
    seed: lambdaByDigest, operation: "lambda/ListFunctions", edit: (a) => a.Functions.forEach((f: J) => delete f.PackageType),
  },
  {
    title: "Lambda ListFunctions entries with PackageType `image` (not `Zip`) are read with GetFunction, which protects the image",
    seed: lambdaByDigest, operation: "lambda/ListFunctions", edit: (a) => a.Functions.forEach((f: J) => (f.PackageType = "image")),
  },
  // ---------------- ECS ----------------
  {
    // As a task waiting for capacity (PROVISIONING) is answered: its task definition names what it will run.
    title: "ECS DescribeTasks with a RUNNING task that lists no containers protects its task definition's images",
    seed: standaloneTask, operation: "ecs/DescribeTasks", edit: (a) => a.tasks.forEach((t: J) => (t.containers = [])),
  },
  {
    title: "ECS DescribeTasks with a RUNNING task without containers or taskDefinitionArn fails the source",
    seed: standaloneTask, operation: "ecs/DescribeTasks", edit: (a) => a.tasks.forEach((t: J) => { delete t.containers; delete t.taskDefinitionArn; }),
    failsWith: "lists no containers and names no taskDefinitionArn",
  },
  {
    title: "ECS DescribeTasks with a container whose image is a one-element list fails the source",
    seed: standaloneTask, operation: "ecs/DescribeTasks", edit: eachContainer((c) => (c.image = [c.image])),
    failsWith: "ECS DescribeTasks of cluster arn:aws:ecs:us-east-1:123456789012:cluster/prod containers[].image of ecs task",
  },
  {
    title: "ECS DescribeTasks with a container image with a leading space fails the source (not read as another registry)",
    seed: standaloneTask, operation: "ecs/DescribeTasks", edit: eachContainer((c) => (c.image = ` ${c.image}`)),
    failsWith: "which holds whitespace or a control character",
  },
  {
    title: "ECS DescribeServices with an ACTIVE service that names no taskDefinition, deployments or taskSets fails the source",
    seed: service, operation: "ecs/DescribeServices", edit: (a) => a.services.forEach((s: J) => { delete s.taskDefinition; delete s.deployments; delete s.taskSets; }),
    failsWith: "names no task definition (taskDefinition, deployments, taskSets)",
  },
  {
    title: "ECS DescribeServiceRevisions without containerImages fails the source: the digest the service pinned is unknown",
    seed: pinnedService, operation: "ecs/DescribeServiceRevisions", edit: (a) => a.serviceRevisions.forEach((r: J) => delete r.containerImages),
    failsWith: "the answer lists no containerImages for a revision whose task definition",
  },
  {
    title: "ECS ListTaskDefinitions (rollback depth) with no revision of a family ListTaskDefinitionFamilies called ACTIVE fails the source",
    seed: family, operation: "ecs/ListTaskDefinitions", edit: (a) => (a.taskDefinitionArns = []), inUse: { ecs_revisions: 1 },
    failsWith: "ECS ListTaskDefinitions of family f0: the answer's taskDefinitionArns name no ACTIVE revision of f0",
  },
  // ---------------- App Runner ----------------
  {
    title: "App Runner DescribeService without SourceConfiguration fails the source",
    seed: appRunner, operation: "apprunner/DescribeService", edit: (a) => delete a.Service.SourceConfiguration,
    failsWith: "App Runner DescribeService of web: the answer's Service.SourceConfiguration is missing",
  },
  {
    title: "App Runner DescribeService whose ImageRepository has no ImageIdentifier fails the source",
    seed: appRunner, operation: "apprunner/DescribeService", edit: (a) => delete a.Service.SourceConfiguration.ImageRepository.ImageIdentifier,
    failsWith: "App Runner DescribeService of web: the answer's Service.SourceConfiguration.ImageRepository has no ImageIdentifier",
  },
  {
    title: "App Runner ListServices with a summary without ServiceArn fails the source",
    seed: appRunner, operation: "apprunner/ListServices", edit: (a) => a.ServiceSummaryList.forEach((s: J) => delete s.ServiceArn),
    failsWith: "App Runner ListServices: a summary has no ServiceArn",
  },
  // ---------------- Batch ----------------
  {
    title: "Batch DescribeJobDefinitions with status `active` (not INACTIVE) is read, and protects the image",
    seed: batch, operation: "batch/DescribeJobDefinitions", edit: (a) => a.jobDefinitions.forEach((d: J) => (d.status = "active")),
  },
  {
    title: "Batch DescribeJobDefinitions with an ACTIVE definition that names no image anywhere fails the source",
    seed: batch, operation: "batch/DescribeJobDefinitions", edit: (a) => a.jobDefinitions.forEach((d: J) => delete d.containerProperties),
    failsWith: "Batch DescribeJobDefinitions: job definition",
  },
];

describe("in-use answers with odd fields: the image a workload uses is kept, or the source fails closed naming the call and field", function () {
  this.timeout(120_000);

  for (const c of CASES) {
    it(c.title, async () => {
      const out = await run(c.seed, c.operation, c.edit, c.inUse);
      if (c.failsWith === undefined) expectProtected(out);
      else expectFailedClosed(out, c.failsWith);
    });
  }
});

describe("in-use answer checks, one field at a time", () => {
  const D = `sha256:${"a".repeat(64)}`;
  const what = "Lambda GetFunction of fn:1";
  const fn = { FunctionName: "fn", Qualifier: "1" };

  // [case, Code, Configuration.PackageType, listed as Image, uses' images or the error's text]
  const lambdaCases: [string, J, string | undefined, boolean, string[] | string][] = [
    ["a .zip", { RepositoryType: "S3" }, "Zip", false, []],
    ["a .zip the listing called an image", { RepositoryType: "S3" }, "Zip", true, "names no image (Code.ImageUri)"],
    ["no Code, no PackageType", undefined, undefined, false, "names no image (Code.ImageUri)"],
    ["by tag, resolved", { ImageUri: `${REGISTRY}/app:prod`, ResolvedImageUri: `${REGISTRY}/app@${D}` }, "Image", true, [`${REGISTRY}/app@${D}`, `${REGISTRY}/app:prod`]],
    ["resolved alone", { ResolvedImageUri: `${REGISTRY}/app@${D}` }, "Image", true, [`${REGISTRY}/app@${D}`]],
    ["resolved missing", { ImageUri: `${REGISTRY}/app:prod` }, "Image", true, "Code.ResolvedImageUri is missing"],
    ["resolved by tag", { ImageUri: `${REGISTRY}/app:prod`, ResolvedImageUri: `${REGISTRY}/app:prod` }, "Image", true, "Code.ResolvedImageUri is"],
    ["resolved with a short digest", { ImageUri: "x", ResolvedImageUri: `${REGISTRY}/app@sha256:abc` }, "Image", true, "not an image by digest"],
    ["moto's doubled digest", { ImageUri: "x", ResolvedImageUri: `${REGISTRY}/app@sha256@${D}` }, "Image", true, "not an image by digest"],
  ];
  for (const [name, code, packageType, listedAsImage, expected] of lambdaCases) {
    it(`Lambda Code, ${name}: ${typeof expected === "string" ? "untrusted" : `${expected.length} uses`}`, () => {
      const uses = () => codeUses(what, code, packageType, { ...fn, listedAsImage });
      if (typeof expected === "string") expect(uses).to.throw(`${what}: `).with.property("message").that.includes(expected);
      else expect(uses().map((u) => u.image)).to.deep.equal(expected);
    });
  }

  // [case, SourceConfiguration, the image or the error's text]
  const appRunnerCases: [string, J, string | undefined][] = [
    ["a code repository", { CodeRepository: { RepositoryUrl: "https://example.com/app" } }, undefined],
    ["an image", { ImageRepository: { ImageIdentifier: `${REGISTRY}/app:prod` } }, `${REGISTRY}/app:prod`],
    ["both", { CodeRepository: {}, ImageRepository: { ImageIdentifier: `${REGISTRY}/app:prod` } }, `${REGISTRY}/app:prod`],
  ];
  for (const [name, source, image] of appRunnerCases) {
    it(`App Runner source, ${name}: ${image ?? "no image"}`, () => {
      expect(sourceUses("App Runner DescribeService of web", source, "web").map((u) => u.image)).to.deep.equal(image ? [image] : []);
    });
  }
  const appRunnerUntrusted: [string, J, string][] = [
    ["missing", undefined, "Service.SourceConfiguration is missing"],
    ["empty", {}, "names neither an ImageRepository nor a CodeRepository"],
    ["an image without its identifier", { ImageRepository: { ImageRepositoryType: "ECR" } }, "ImageRepository has no ImageIdentifier"],
  ];
  for (const [name, source, text] of appRunnerUntrusted) {
    it(`App Runner source, ${name}: untrusted`, () => {
      expect(() => sourceUses("App Runner DescribeService of web", source, "web")).to.throw(text).with.property("name", "UntrustedAnswer");
    });
  }

  it("an ECS service that names no task definition anywhere is untrusted; one named in a deployment is read; an EXTERNAL one without task sets runs none", () => {
    expect(() => serviceTaskDefinitions({ serviceArn: "arn:s", status: "ACTIVE", deployments: [], taskSets: [] }, "ECS DescribeServices")).to.throw("names no task definition");
    expect(serviceTaskDefinitions({ status: "DRAINING", deployments: [{ taskDefinition: "arn:td:1" }] }, "ECS DescribeServices")).to.deep.equal(["arn:td:1"]);
    expect(serviceTaskDefinitions({ status: "ACTIVE", deploymentController: { type: "EXTERNAL" }, taskSets: [] }, "ECS DescribeServices")).to.deep.equal([]);
  });

  describe("ECS service revisions without containerImages", () => {
    const definitions = (consistency: (string | undefined)[]) => async () => consistency.map((versionConsistency, i) => ({ name: `c${i}`, image: "x", versionConsistency }) as ContainerDefinition);
    const revision = { serviceRevisionArn: "arn:rev", taskDefinition: "arn:td:1" };
    const cases: [string, (string | undefined)[], string][] = [
      ["every container's versionConsistency disabled: pinned nothing", ["disabled", "disabled"], "[]"],
      ["one container resolved by ECS (the default)", ["disabled", undefined], "UntrustedAnswer"],
      ["every container enabled", ["enabled"], "UntrustedAnswer"],
      ["a task definition without containers", [], "UntrustedAnswer"],
    ];
    for (const [what, consistency, expected] of cases) {
      it(`${what}: ${expected}`, async () => {
        const out = await revisionImages(revision, "ECS DescribeServiceRevisions", definitions(consistency)).then((images) => JSON.stringify(images), (err: Error) => err.name);
        expect(out).to.equal(expected);
      });
    }
  });

  const use = (image: unknown): ImageUse => ({ image: image as string, reason: "in-use:ecs-task", from: "ECS DescribeTasks containers[].image", workload: "ecs task t" });
  // [reference, the error's text, or undefined for a reference]
  const referenceCases: [unknown, string | undefined][] = [
    [`${REGISTRY}/app:prod`, undefined],
    ["nginx", undefined],
    [[`${REGISTRY}/app:prod`], "ECS DescribeTasks containers[].image of ecs task t is a list"],
    [42, "is a number"],
    [null, "is null"],
    [` ${REGISTRY}/app:prod`, "holds whitespace or a control character"],
    [`${REGISTRY}/app:prod\n`, "holds whitespace or a control character"],
    [`${REGISTRY}/app\u0000:prod`, "holds whitespace or a control character"],
  ];
  for (const [image, text] of referenceCases) {
    it(`reference ${JSON.stringify(image)}: ${text ?? "a reference"}`, () => {
      const wrong = oddReference(use(image));
      if (text === undefined) expect(wrong).to.equal(undefined);
      else expect(wrong).to.include(text);
    });
  }

  it("the digest a workload runs is kept in any repository when its reference names another registry", () => {
    const index = indexUses([{ image: "docker.io/library/nginx:1", digest: "SHA256:AB", reason: "in-use:ecs-task", workload: "ecs task t" }], { account: "123456789012", region: "us-east-1" });
    expect([...index.keys()]).to.deep.equal([ANY_REPOSITORY]);
    expect([...index.get(ANY_REPOSITORY)!.digests.keys()]).to.deep.equal(["sha256:ab"]);
    expect(index.get(ANY_REPOSITORY)!.tags.size).to.equal(0);
    const inventory = { ...emptyInventory(), byRepository: index };
    const image = (digest: string) => ({ digest, tags: [] }) as unknown as Parameters<typeof inUseDigests>[2][number];
    expect([...inUseDigests(inventory, "app", [image("sha256:ab"), image("sha256:cd")]).keys()]).to.deep.equal(["sha256:ab"]);
  });
});
