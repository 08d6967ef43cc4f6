/**
 * Lists that cannot be trusted fail closed, generated over (list × kind of bad page × page position): a page that
 * promises more without a usable new token (missing while Kubernetes says items remain, empty, not a string, the
 * token it was asked with, a token of an earlier page, or fresh tokens without end). An in-use list that cannot be
 * trusted deletes nothing in the run, and the image that only a later page names survives; an ECR listing that
 * cannot be trusted fails its repository, nothing in it deleted. No run loops: the odd list is asked for a bounded
 * number of pages (ECR_CLEANUP_MAX_PAGES shortens the bound to 20 here).
 */
import { expect } from "chai";
import fc from "fast-check";
import type { S3Client } from "@aws-sdk/client-s3";
import { validateConfig } from "../runtime/config/schema";
import { s3Store } from "../runtime/fanout/storage";
import { runCleanup } from "../runtime/engine/run";
import { MAX_PAGES, maxPages, MAX_PAGES_ENV, PageTrail, UntrustedListError } from "../runtime/shared/pages";
import { ODD_PAGE_KINDS, OddPages, type OddPageKind } from "./emulator/odd-pages";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { destroyAll, emulatorClients } from "./support/in-process";

const DAY = 86_400_000;
const NOW = new Date("2026-01-01T00:00:00.000Z");
const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const TEST_MAX_PAGES = 20;
/** Requests the emulator serves an odd list before it answers 500: far above what the bound allows. */
const CAP = 1000;

/** A list and how to seed it so that only its last page names `protected` (an image of repository app). */
interface OddList {
  name: string;
  seed(emulator: EcrEmulator, images: string[]): Promise<void> | void;
  /** Where the odd pages go: an AWS list (`service/operation`), or every list of the cluster's API server. */
  apply(emulator: EcrEmulator, odd: OddPages): void;
  /** An in-use list (the run deletes nothing) or the repository's own listing (the repository fails). */
  inUse: boolean;
}

const image = (digest: string) => `${REGISTRY}/app@${digest}`;
const aws = (list: string) => (emulator: EcrEmulator, odd: OddPages) => emulator.faults.oddPages(list, odd);

const LISTS: OddList[] = [
  { name: "ecr/DescribeImages", inUse: false, seed: () => undefined, apply: aws("ecr/DescribeImages") },
  {
    name: "ecs/ListClusters",
    inUse: true,
    seed: (e, images) => {
      for (let i = 0; i < 3; i++) {
        e.ecs.createCluster(`c${i}`);
        e.ecs.registerTaskDefinition(`t${i}`, [{ name: "app", image: image(i === 2 ? images[0] : images[5]) }]);
        e.ecs.runTask(`c${i}`, { taskDefinitionArn: `t${i}` });
      }
    },
    apply: aws("ecs/ListClusters"),
  },
  {
    name: "ecs/ListTasks",
    inUse: true,
    seed: (e, images) => {
      e.ecs.createCluster("prod");
      for (let i = 0; i < 3; i++) {
        e.ecs.registerTaskDefinition(`t${i}`, [{ name: "app", image: image(i === 2 ? images[0] : images[5]) }]);
        e.ecs.runTask("prod", { taskDefinitionArn: `t${i}` });
      }
    },
    apply: aws("ecs/ListTasks"),
  },
  {
    name: "ecs/ListServices",
    inUse: true,
    seed: (e, images) => {
      e.ecs.createCluster("prod");
      for (let i = 0; i < 3; i++) {
        e.ecs.registerTaskDefinition(`s${i}`, [{ name: "app", image: image(i === 2 ? images[0] : images[5]) }]);
        e.ecs.createService("prod", { name: `s${i}`, taskDefinition: `s${i}` });
      }
    },
    apply: aws("ecs/ListServices"),
  },
  {
    name: "ecs/ListTaskDefinitionFamilies",
    inUse: true,
    seed: (e, images) => {
      for (let i = 0; i < 3; i++) e.ecs.registerTaskDefinition(`f${i}`, [{ name: "app", image: image(i === 2 ? images[0] : images[5]) }]);
    },
    apply: aws("ecs/ListTaskDefinitionFamilies"),
  },
  {
    name: "lambda/ListFunctions",
    inUse: true,
    seed: (e, images) => {
      for (let i = 0; i < 3; i++) e.lambda.createFunction({ name: `fn${i}`, packageType: "Image", imageUri: image(i === 2 ? images[0] : images[5]) });
    },
    apply: aws("lambda/ListFunctions"),
  },
  {
    name: "apprunner/ListServices",
    inUse: true,
    seed: (e, images) => {
      for (let i = 0; i < 3; i++) e.appRunner.createService({ name: `web${i}`, image: image(i === 2 ? images[0] : images[5]) });
    },
    apply: aws("apprunner/ListServices"),
  },
  {
    name: "batch/DescribeJobDefinitions",
    inUse: true,
    seed: (e, images) => {
      for (let i = 0; i < 3; i++) e.batch.registerJobDefinition(`job${i}`, { containerProperties: { image: image(i === 2 ? images[0] : images[5]) } });
    },
    apply: aws("batch/DescribeJobDefinitions"),
  },
  {
    name: "eks/ListClusters",
    inUse: true,
    seed: async (e, images) => {
      for (let i = 0; i < 3; i++) (await e.eks.createCluster({ name: `k${i}` })).api.addPod({ name: "p", containers: [{ image: image(i === 2 ? images[0] : images[5]) }] });
    },
    apply: aws("eks/ListClusters"),
  },
  {
    name: "kubernetes lists",
    inUse: true,
    seed: async (e, images) => {
      const cluster = await e.eks.createCluster({ name: "prod" });
      for (let i = 0; i < 3; i++) cluster.api.addPod({ name: `p${i}`, containers: [{ image: image(i === 2 ? images[0] : images[5]) }] });
    },
    apply: (e, odd) => {
      e.eks.cluster("prod")!.api.oddPages = odd;
    },
  },
];

/** An AWS list has no other sign of more than its token: a missing token is its last page, by the API's definition. */
const kindsFor = (list: OddList): OddPageKind[] => (list.name === "kubernetes lists" ? [...ODD_PAGE_KINDS] : ODD_PAGE_KINDS.filter((k) => k !== "missing"));

const POLICY = validateConfig({ policies: [{ name: "newest", protected_period: 0, protected_count: 1, significant_tags: "*", repositories: ["app"] }] }, "test");

/** One run with `list` odd from page `at` on: nothing deleted, the later page's image kept, the failure reported. */
async function runCase(list: OddList, kind: OddPageKind, at: number): Promise<void> {
  const emulator = await startEcrEmulator();
  const clients = emulatorClients(emulator.endpoint, { maxAttempts: 1 });
  try {
    emulator.registry.createRepository("app");
    // Oldest first: the policy keeps images[0] only because a later page names it; images[5], the newest, by the count.
    const images: string[] = [];
    for (let age = 6; age >= 1; age--) images.push(emulator.registry.putImage("app", { pushedAt: new Date(NOW.getTime() - age * DAY) }).digest);
    await list.seed(emulator, images);
    // Items per page: the in-use lists span 3 pages; the repository's 6 images too.
    const odd = new OddPages(kind, at, list.inUse ? 1 : 2, CAP);
    list.apply(emulator, odd);
    const report = await runCleanup({ config: POLICY, now: NOW, apply: true, ...clients });
    const what = `${list.name}, ${kind} at page ${at}`;
    const alive = new Set(emulator.registry.images("app").map((i) => i.digest));
    // Each list of the odd source stops within the bound (a Kubernetes source reads its lists several at once).
    expect(odd.requests, `${what}: pages asked`).to.be.at.most(TEST_MAX_PAGES * 10);
    expect(emulator.faults.removals, `${what}: deleted`).to.deep.equal([]);
    expect(alive.has(images[0]), `${what}: the image only a later page names`).to.equal(true);
    const errors = JSON.stringify([report.errors, report.repositories.map((r) => r.errors)]);
    expect(errors, what).to.match(/cannot be trusted|not a string|UntrustedList|SerializationException|Expected string/);
  } finally {
    destroyAll([clients.ecr]);
    await emulator.stop();
  }
}

describe("lists that cannot be trusted fail closed", function () {
  this.timeout(600_000);
  const saved = process.env[MAX_PAGES_ENV];
  before(() => {
    process.env[MAX_PAGES_ENV] = String(TEST_MAX_PAGES);
  });
  after(() => {
    if (saved === undefined) delete process.env[MAX_PAGES_ENV];
    else process.env[MAX_PAGES_ENV] = saved;
  });

  describe("the rule", () => {
    const trail = (tokens: unknown[], more: boolean[] = []) => {
      const t = new PageTrail("L", 5);
      return tokens.map((token, i) => t.next(token, more[i] ?? false));
    };
    it("follows usable new tokens, and ends at an absent or null one", () => {
      expect(trail(["a", "b", undefined])).to.deep.equal(["a", "b", undefined]);
      expect(trail([null])).to.deep.equal([undefined]);
    });
    const bad: [string, unknown[], boolean[], RegExp][] = [
      ["no token while more follow", [undefined], [true], /page 1 says more items follow but gives no token/],
      ["an empty token", ["a", ""], [], /page 2 gives an empty next token/],
      ["a number", [7], [], /not a string \(number 7\)/],
      ["a list", [["a"]], [], /not a string \(a list\)/],
      ["an object", [{}], [], /not a string \(an object\)/],
      ["the same token twice", ["a", "a"], [], /page 2 gives the same next token as the page before it/],
      ["a token seen before", ["a", "b", "a"], [], /page 3 gives a next token that an earlier page gave/],
      ["more pages than the bound", ["a", "b", "c", "d", "e"], [], /page 5 still says more follows after 5 pages/],
    ];
    for (const [what, tokens, more, message] of bad) {
      it(`fails on ${what}`, () => {
        expect(() => trail(tokens, more)).to.throw(UntrustedListError, message);
      });
    }
    it(`the bound is ${MAX_PAGES} pages in production; ${MAX_PAGES_ENV} can only lower it`, () => {
      expect(MAX_PAGES).to.equal(10_000);
      expect([maxPages({}), maxPages({ [MAX_PAGES_ENV]: "20" }), maxPages({ [MAX_PAGES_ENV]: "10001" }), maxPages({ [MAX_PAGES_ENV]: "x" })]).to.deep.equal([10_000, 20, 10_000, 10_000]);
    });
  });

  describe("S3 listings (the fan-out's records)", () => {
    /** An S3 client whose ListObjectsV2 answers these pages in turn, counting the calls. */
    const s3 = (pages: Record<string, unknown>[] | ((call: number) => Record<string, unknown>)) => {
      const client = {
        calls: 0,
        send: async () => {
          // A client that loops would never yield to mocha's timeout: stop it here instead.
          if (++client.calls > 1000) throw new Error("ListObjectsV2 called 1000 times: the listing loops");
          return typeof pages === "function" ? pages(client.calls) : pages[Math.min(client.calls - 1, pages.length - 1)];
        },
      };
      return client;
    };
    const page = (key: string, more: Record<string, unknown> = {}) => ({ Contents: [{ Key: key }], ...more });
    it("reads every page of a truncated listing, and ends where it is not truncated", async () => {
      const client = s3([page("a", { IsTruncated: true, NextContinuationToken: "t1" }), page("b", { IsTruncated: false, NextContinuationToken: "t9" })]);
      expect(await s3Store(client as unknown as S3Client, "bucket").list("runs/")).to.deep.equal(["a", "b"]);
      expect(client.calls).to.equal(2);
    });
    const bad: [string, Record<string, unknown>[] | ((call: number) => Record<string, unknown>)][] = [
      ["truncated without a token", [page("a", { IsTruncated: true })]],
      ["truncated with an empty token", [page("a", { IsTruncated: true, NextContinuationToken: "" })]],
      ["the same token twice", [page("a", { IsTruncated: true, NextContinuationToken: "t1" }), page("b", { IsTruncated: true, NextContinuationToken: "t1" })]],
      ["that goes round in a circle", [page("a", { IsTruncated: true, NextContinuationToken: "t1" }), page("b", { IsTruncated: true, NextContinuationToken: "t2" }), page("c", { IsTruncated: true, NextContinuationToken: "t1" })]],
      ["truncated without end", (call: number) => page(`k${call}`, { IsTruncated: true, NextContinuationToken: `t${call}` })],
    ];
    for (const [what, pages] of bad) {
      it(`fails on a listing ${what}, within the bound`, async () => {
        const client = s3(pages);
        const err = await s3Store(client as unknown as S3Client, "bucket").list("runs/").then(() => undefined, (e: unknown) => e);
        expect(err).to.be.instanceOf(UntrustedListError);
        expect(client.calls).to.be.at.most(TEST_MAX_PAGES);
      });
    }
  });

  const kubernetes = LISTS.find((l) => l.name === "kubernetes lists")!;
  for (const kind of ODD_PAGE_KINDS) {
    for (const at of [0, 1]) {
      it(`Kubernetes: ${kind} from page ${at} on fails the source closed, nothing deleted`, () => runCase(kubernetes, kind, at));
    }
  }

  it("generated: every list × every kind of bad page × page position", async () => {
    const cases = fc.record({
      list: fc.constantFrom(...LISTS),
      kindIndex: fc.nat(),
      at: fc.integer({ min: 0, max: 1 }),
    });
    await fc.assert(
      fc.asyncProperty(cases, async ({ list, kindIndex, at }) => {
        const kinds = kindsFor(list);
        await runCase(list, kinds[kindIndex % kinds.length], at);
      }),
      { numRuns: 100 },
    );
  });
});
