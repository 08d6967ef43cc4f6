/**
 * Answers that say success but are not an output fail closed: a 200 whose body is an error (`__type`, Lambda's rate
 * exceeded), `{}`, `null` or nothing, for every read whose answer decides what is kept, at any page or call. The run
 * deletes nothing that a correct run keeps; when the odd answer comes before the first delete call, it deletes
 * nothing at all; the report names the operation. The clients are made with the tool's own settings (CLIENT_SETTINGS),
 * so both checks are the ones users run: the answer check on every JSON client, and the list every page must carry.
 * ECS Describe calls' per-item failures other than MISSING fail the ECS source the same way, and so does an ECS Describe
 * answer that leaves an identifier it was asked about out of both its list and its failures, and a single-resource
 * answer about another resource than the one asked.
 */
import { expect } from "chai";
import fc from "fast-check";
import type { HttpRequest } from "@smithy/core/transport";
import { validateConfig } from "../runtime/config/schema";
import { exitCodeOf } from "../runtime/engine/report";
import { runCleanup } from "../runtime/engine/run";
import { errorShapeOf, isJsonOutput } from "../runtime/shared/answers";
import { ODD_ANSWER_KINDS, OddAnswers, RENAMED, type OddAnswer, type OddAnswerKind } from "./emulator/odd-answers";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { toolClients } from "./support/in-process";

const DAY = 86_400_000;
const NOW = new Date("2026-01-01T00:00:00.000Z");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const image = (digest: string) => `${REGISTRY}/app@${digest}`;

/** An operation whose answer decides what is kept, and how to seed it so that only its third item names images[0]. */
interface Read {
  operation: string;
  seed(emulator: EcrEmulator, images: string[]): Promise<void> | void;
}

const named = (i: number, images: string[]) => image(i === 2 ? images[0] : images[5]);

const seedTasks = (e: EcrEmulator, images: string[]) => {
  e.ecs.createCluster("prod");
  for (let i = 0; i < 3; i++) {
    e.ecs.registerTaskDefinition(`t${i}`, [{ name: "app", image: named(i, images) }]);
    e.ecs.runTask("prod", { taskDefinitionArn: `t${i}` });
  }
};
const seedServices = (e: EcrEmulator, images: string[]) => {
  e.ecs.createCluster("prod");
  for (let i = 0; i < 3; i++) {
    e.ecs.registerTaskDefinition(`s${i}`, [{ name: "app", image: named(i, images) }]);
    e.ecs.createService("prod", { name: `s${i}`, taskDefinition: `s${i}` });
  }
};
const seedRevisions = (e: EcrEmulator, images: string[]) => {
  e.ecs.createCluster("prod");
  for (let i = 0; i < 3; i++) {
    e.ecs.registerTaskDefinition(`r${i}`, [{ name: "app", image: named(i, images) }]);
    e.ecs.createService("prod", { name: `r${i}`, taskDefinition: `r${i}`, revisions: [{ containerImages: [{ containerName: "app", image: named(i, images) }] }] });
  }
};
const seedFamilies = (e: EcrEmulator, images: string[]) => {
  for (let i = 0; i < 3; i++) e.ecs.registerTaskDefinition(`f${i}`, [{ name: "app", image: named(i, images) }]);
};
const seedFunctions = (e: EcrEmulator, images: string[]) => {
  for (let i = 0; i < 3; i++) e.lambda.createFunction({ name: `fn${i}`, packageType: "Image", imageUri: named(i, images) });
};
const seedAppRunner = (e: EcrEmulator, images: string[]) => {
  for (let i = 0; i < 3; i++) e.appRunner.createService({ name: `web${i}`, image: named(i, images) });
};
const seedEks = async (e: EcrEmulator, images: string[]) => {
  for (let i = 0; i < 3; i++) (await e.eks.createCluster({ name: `k${i}` })).api.addPod({ name: "p", containers: [{ image: named(i, images) }] });
};

const READS: Read[] = [
  { operation: "ecr/DescribeRepositories", seed: seedTasks },
  { operation: "ecr/DescribeImages", seed: seedTasks },
  { operation: "ecr/BatchGetImage", seed: seedTasks },
  { operation: "ecs/ListClusters", seed: seedTasks },
  { operation: "ecs/ListTasks", seed: seedTasks },
  { operation: "ecs/DescribeTasks", seed: seedTasks },
  { operation: "ecs/ListServices", seed: seedServices },
  { operation: "ecs/DescribeServices", seed: seedServices },
  { operation: "ecs/DescribeServiceRevisions", seed: seedRevisions },
  { operation: "ecs/DescribeTaskDefinition", seed: seedServices },
  { operation: "ecs/ListTaskDefinitionFamilies", seed: seedFamilies },
  { operation: "ecs/ListTaskDefinitions", seed: seedFamilies },
  { operation: "lambda/ListFunctions", seed: seedFunctions },
  { operation: "lambda/GetFunction", seed: seedFunctions },
  { operation: "apprunner/ListServices", seed: seedAppRunner },
  { operation: "apprunner/DescribeService", seed: seedAppRunner },
  { operation: "batch/DescribeJobDefinitions", seed: (e, images) => {
    for (let i = 0; i < 3; i++) e.batch.registerJobDefinition(`job${i}`, { containerProperties: { image: named(i, images) } });
  } },
  { operation: "eks/ListClusters", seed: seedEks },
  { operation: "eks/DescribeCluster", seed: seedEks },
];

/** How errors name each single-resource read. */
const CALLS: Record<string, string> = {
  "ecs/DescribeTaskDefinition": "ECS DescribeTaskDefinition",
  "lambda/GetFunction": "Lambda GetFunction",
  "eks/DescribeCluster": "EKS DescribeCluster",
  "apprunner/DescribeService": "App Runner DescribeService",
};

const POLICY = validateConfig({ policies: [{ name: "newest", protected_period: 0, protected_count: 1, significant_tags: "*", repositories: ["app"] }] }, "test");


interface Outcome {
  removed: string[];
  /** The CLI's exit code for the run's report. */
  exitCode: 0 | 1;
  images: string[];
  errors: string;
  /** Whether the odd answer came before the first BatchDeleteImage call. */
  beforeDeletes: boolean;
  served: number;
}

/** One run with `read` answering oddly from its call `at` on, or on every later page (pages of 2 items for a paged read). */
async function run(read: Read, answer: OddAnswer, at: number | "later-pages", calls = Number.POSITIVE_INFINITY, config = POLICY): Promise<Outcome> {
  const emulator = await startEcrEmulator();
  const clients = toolClients(emulator.endpoint);
  try {
    emulator.registry.createRepository("app");
    // Oldest first: the policy keeps images[0] only because a workload names it; images[5], the newest, by the count.
    const images: string[] = [];
    for (let age = 6; age >= 1; age--) images.push(emulator.registry.putImage("app", { pushedAt: new Date(NOW.getTime() - age * DAY) }).digest);
    await read.seed(emulator, images);
    const odd = new OddAnswers(answer, at, 2, calls);
    emulator.faults.oddAnswers(read.operation, odd);
    const report = await runCleanup({ config, now: NOW, apply: true, ...clients });
    const log = emulator.faults.log;
    const firstOdd = log.findIndex((r) => r.outcome === "odd-answer");
    const firstDelete = log.findIndex((r) => r.operation === "BatchDeleteImage");
    return {
      removed: emulator.faults.removals.flatMap((r) => r.removed),
      exitCode: exitCodeOf(report),
      images,
      errors: JSON.stringify([report.errors, report.repositories.map((r) => r.errors)]),
      beforeDeletes: firstOdd >= 0 && (firstDelete < 0 || firstOdd < firstDelete),
      served: odd.served,
    };
  } finally {
    clients.ecr.destroy();
    await emulator.stop();
  }
}

/**
 * A repository of 10 images from 100 days ago, `latest`, 20 more, and one tagged `prod` 60 days ago (listed last): with `prod`
 * significant, it anchors its channel and keeps what came after it; a correct run deletes some of the 10 old ones only. DescribeImages answers 200 with an error body from call `at` on, or on every page
 * after the first (pages of 5), or never. Returns the digests deleted and the run's errors.
 */
async function anchorRun(at: number | "later-pages" | undefined): Promise<{ removed: string[]; errors: string }> {
  const emulator = await startEcrEmulator();
  const clients = toolClients(emulator.endpoint);
  try {
    const registry = emulator.registry;
    registry.createRepository("app");
    const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);
    for (let i = 0; i < 10; i++) registry.putImage("app", { pushedAt: new Date(daysAgo(100).getTime() + i * 1000) });
    registry.putImage("app", { tags: ["latest"], pushedAt: daysAgo(1) });
    for (let age = 59; age >= 2; age -= 3) registry.putImage("app", { pushedAt: daysAgo(age) });
    // Stored last: the emulator lists in the order stored, so `prod` is on the last page, with the newest untagged image.
    registry.putImage("app", { tags: ["prod"], pushedAt: daysAgo(60) });
    if (at !== undefined) emulator.faults.oddAnswers("ecr/DescribeImages", new OddAnswers({ kind: "error-body" }, at, 5));
    const config = validateConfig(
      { policies: [{ name: "releases", repositories: ["app"], protected_period: 7, protected_count: 1, significant_tags: ["prod", "latest"] }], settings: { in_use: { ecs: false, lambda: false, eks: false, app_runner: false, batch: false } } },
      "test",
    );
    const report = await runCleanup({ config, now: NOW, apply: true, ...clients });
    return { removed: emulator.faults.removals.flatMap((r) => r.removed).sort(), errors: JSON.stringify([report.errors, report.repositories.map((r) => r.errors)]) };
  } finally {
    clients.ecr.destroy();
    await emulator.stop();
  }
}

describe("answers that say success but are not an output", function () {
  this.timeout(600_000);

  describe("the answer check (2xx JSON bodies)", () => {
    const cases: [string, string, string | undefined][] = [
      ["an output", '{"clusterArns":[]}', undefined],
      ["an empty output", "{}", undefined],
      ["no body (left to the list check)", "", undefined],
      ["Lambda's GetFunction, whose output has a Code member", '{"Configuration":{},"Code":{"ImageUri":"x"}}', undefined],
      ["a JSON 1.1 error", '{"__type":"ServerException","message":"internal error"}', "an error body (ServerException: internal error)"],
      ["a JSON 1.1 error without a message", '{"__type":"com.amazonaws.ecs#ServerException"}', "an error body (com.amazonaws.ecs#ServerException)"],
      ["Lambda's rate exceeded", '{"Message":"Rate exceeded","Type":"User"}', "an error body (User: Rate exceeded)"],
      ["a code and a message", '{"code":"InternalFailure","message":"oops"}', "an error body (InternalFailure: oops)"],
      ["a Code and a Message", '{"Code":"InternalError","Message":"oops"}', "an error body (InternalError: oops)"],
      ["a message alone", '{"message":"Internal server error"}', "an error body (Internal server error)"],
      ["null", "null", "a body that is not a JSON object (null)"],
      ["a list", "[]", "a body that is not a JSON object ([])"],
      ["a string", '"ok"', 'a body that is not a JSON object ("ok")'],
      ["not JSON", "<html>502</html>", 'a body that is not JSON ("<html>502</html>")'],
    ];
    for (const [what, body, expected] of cases) {
      it(`${what}: ${expected ?? "used"}`, () => expect(errorShapeOf(body)).to.equal(expected));
    }

    const request = (headers: Record<string, string>, path = "/") => ({ headers, path, method: "POST", protocol: "https:", hostname: "h" }) as unknown as HttpRequest;
    const signed = (service: string) => `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`;
    const protocols: [string, HttpRequest, Record<string, string>, boolean][] = [
      ["ECR (JSON 1.1)", request({ "content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonEC2ContainerRegistry_V20150921.DescribeImages" }), {}, true],
      ["App Runner (JSON 1.0)", request({ "content-type": "application/x-amz-json-1.0" }), { "content-type": "application/x-amz-json-1.0" }, true],
      ["Lambda ListFunctions (REST-JSON)", request({ authorization: signed("lambda") }, "/2015-03-31/functions/"), { "content-type": "application/json" }, true],
      ["S3 GetObject of a JSON object", request({ authorization: signed("s3") }, "/bucket/runs/a.json"), { "content-type": "application/json" }, false],
      ["S3 PutObject (empty 200)", request({ authorization: signed("s3") }, "/bucket/key"), {}, false],
      ["SNS Publish (query, XML)", request({ "content-type": "application/x-www-form-urlencoded", authorization: signed("sns") }), { "content-type": "text/xml" }, false],
      ["STS (query, XML)", request({ "content-type": "application/x-www-form-urlencoded", authorization: signed("sts") }), { "content-type": "text/xml" }, false],
      ["CloudWatch (RPC v2 CBOR)", request({ "content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor" }), { "content-type": "application/cbor" }, false],
    ];
    for (const [what, req, headers, expected] of protocols) {
      it(`${what}: ${expected ? "checked" : "not read"}`, () => expect(isJsonOutput(req, { headers })).to.equal(expected));
    }
  });

  describe("a run", () => {
    it("Lambda ListFunctions answering 200 with Lambda's rate-exceeded body: the function's image stays, nothing deleted, the operation named", async () => {
      const out = await run(READS.find((r) => r.operation === "lambda/ListFunctions")!, { kind: "rate-exceeded" }, 0);
      expect(out.removed).to.deep.equal([]);
      expect(out.errors).to.include("Lambda ListFunctions").and.include("Rate exceeded");
    });

    it("ECR DescribeImages answering 200 with an error body at page 2: the repository fails, nothing in it deleted", async () => {
      const out = await run(READS.find((r) => r.operation === "ecr/DescribeImages")!, { kind: "error-body" }, 1);
      expect(out.removed).to.deep.equal([]);
      expect(out.errors).to.include("ECR DescribeImages of repository app").and.include("ServerException");
    });

    it("one 200 answer with an error body is retried like a server error: the next attempt's answer is used", async () => {
      const out = await run(READS.find((r) => r.operation === "lambda/ListFunctions")!, { kind: "error-body" }, 0, 1);
      expect(out.served).to.equal(1);
      expect(out.errors).to.equal("[[],[[]]]");
      expect(out.removed.sort()).to.deep.equal(out.images.slice(1, 5).sort());
    });

    it("ECR DescribeImages answering 200 with an error body on any later page: never more deleted than a correct run, nothing once it is seen", async () => {
      const clean = await anchorRun(undefined);
      expect(clean.removed).to.not.be.empty;
      expect(clean.errors).to.equal("[[],[[]]]");
      // Pages of 5: calls 0 to 6 list the repository for the plan, calls 7 on re-check it before the delete call.
      // Call 6 is the last page, which lists `prod`: without it, `latest` alone anchors and the images after `prod` look
      // stale. "later-pages": every page after the first, of the plan's listing and of the re-check's alike.
      const outs = new Map<number | string, { removed: string[]; errors: string }>();
      for (const at of ["later-pages", 1, 3, 6, 7, 9] as const) outs.set(at, await anchorRun(at));
      for (const [at, out] of outs) expect(out.removed.filter((d) => !clean.removed.includes(d)), `from call ${at} on: deleted but kept by a correct run`).to.deep.equal([]);
      for (const [at, out] of outs) {
        expect(out.removed, `from call ${at} on`).to.deep.equal([]);
        expect(out.errors, `from call ${at} on`).to.include("ECR DescribeImages of repository app").and.include("ServerException");
      }
    });

    it("ECS DescribeServices with failures other than MISSING: the service's image stays, nothing deleted, the failure named", async () => {
      const out = await run(READS.find((r) => r.operation === "ecs/DescribeServices")!, { failures: "INTERNAL_ERROR" }, 0);
      expect(out.removed).to.deep.equal([]);
      expect(out.errors).to.include("ECS DescribeServices").and.include("INTERNAL_ERROR");
    });

    for (const operation of ["ecs/DescribeTasks", "ecs/DescribeServiceRevisions"]) {
      it(`${operation} with failures other than MISSING: nothing deleted`, async () => {
        const out = await run(READS.find((r) => r.operation === operation)!, { failures: "INTERNAL_ERROR" }, 0);
        expect(out.served).to.equal(1);
        expect(out.removed).to.deep.equal([]);
        expect(out.errors).to.include(operation.replace("ecs/", "ECS ")).and.include("INTERNAL_ERROR");
      });
    }

    it("ECS DescribeServices with MISSING failures (services gone since they were listed): they run nothing, the run goes on", async () => {
      const out = await run(READS.find((r) => r.operation === "ecs/DescribeServices")!, { failures: "MISSING" }, 0);
      expect(out.errors).to.equal("[[],[[]]]");
      // images[0] stays all the same: its task definition family's newest revision names it (rollback depth).
      expect(out.removed.sort()).to.deep.equal(out.images.slice(1, 5).sort());
    });

    // Without rollback depth, the answers about the services (and their tasks) are all that keeps images[0].
    const NO_ROLLBACK = validateConfig(
      { policies: [{ name: "newest", protected_period: 0, protected_count: 1, significant_tags: "*", repositories: ["app"] }], settings: { in_use: { ecs_revisions: 0 } } },
      "test",
    );

    it("ECS DescribeServices answering 200 with no services and no failures for the services it was asked about: the service's image stays, nothing deleted, exit 1, the call and the services named", async () => {
      const out = await run(READS.find((r) => r.operation === "ecs/DescribeServices")!, { dropped: true }, 0, Number.POSITIVE_INFINITY, NO_ROLLBACK);
      expect(out.served).to.equal(1);
      expect(out.removed).to.deep.equal([]);
      expect(out.exitCode).to.equal(1);
      expect(out.errors).to.include("ECS DescribeServices of cluster arn:aws:ecs:us-east-1:123456789012:cluster/prod: 3 of the 3 asked for are in neither the answer's services nor its failures");
      for (const name of ["s0", "s1", "s2"]) expect(out.errors).to.include(`arn:aws:ecs:us-east-1:123456789012:service/prod/${name}`);
    });

    for (const operation of ["ecs/DescribeTasks", "ecs/DescribeServiceRevisions"]) {
      it(`${operation} answering 200 with its items in neither its list nor its failures: nothing deleted, exit 1, the call named`, async () => {
        const out = await run(READS.find((r) => r.operation === operation)!, { dropped: true }, 0, Number.POSITIVE_INFINITY, NO_ROLLBACK);
        expect(out.served).to.equal(1);
        expect(out.removed).to.deep.equal([]);
        expect(out.exitCode).to.equal(1);
        expect(out.errors).to.include(`${operation.replace("ecs/", "ECS ")} of cluster`).and.include("3 of the 3 asked for are in neither");
      });
    }

    for (const operation of Object.keys(RENAMED)) {
      it(`${operation} answering about another resource than the one asked: the in-use image stays, nothing deleted, exit 1, the call named`, async () => {
        const out = await run(READS.find((r) => r.operation === operation)!, { renamed: true }, 0, Number.POSITIVE_INFINITY, NO_ROLLBACK);
        expect(out.served).to.be.greaterThan(0);
        expect(out.removed).to.not.include(out.images[0]);
        expect(out.removed).to.deep.equal([]);
        expect(out.exitCode).to.equal(1);
        expect(out.errors).to.include(`${CALLS[operation]} of`).and.include("an answer about another resource cannot be used");
      });
    }

    it("generated: every read × every kind of odd answer × call position", async () => {
      const cases = fc.record({ read: fc.constantFrom(...READS), kind: fc.constantFrom<OddAnswerKind>(...ODD_ANSWER_KINDS), at: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant("later-pages" as const)) });
      await fc.assert(
        fc.asyncProperty(cases, async ({ read, kind, at }) => {
          const what = `${read.operation}, ${kind} ${at === "later-pages" ? "on every later page" : `from call ${at} on`}`;
          const out = await run(read, { kind }, at);
          const cleanDeletes = out.images.slice(1, 5);
          // Never an image a correct run keeps: images[0] (a workload names it) and images[5] (the newest).
          expect(out.removed.filter((d) => !cleanDeletes.includes(d)), `${what}: deleted but kept by a correct run`).to.deep.equal([]);
          if (out.served === 0) {
            expect(out.removed.sort(), `${what}: never served, a clean run`).to.deep.equal([...cleanDeletes].sort());
            return;
          }
          if (out.beforeDeletes) expect(out.removed, `${what}: deleted after an odd answer`).to.deep.equal([]);
          expect(out.errors, what).to.include(read.operation.split("/")[1]);
        }),
        { numRuns: 120 },
      );
    });
  });
});
