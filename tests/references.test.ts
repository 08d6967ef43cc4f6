/**
 * References as the container runtime reads them (spec section 4): no tag and no digest means `latest`,
 * the registry host may carry the port `:443`, digests compare case-insensitively. Table-driven over
 * parseImageReference, ecrRegistryOf, indexUses and inUseDigests, plus a property over digest casings.
 */
import { expect } from "chai";
import fc from "fast-check";
import { emptyInventory, indexUses, InUseInventory, inUseDigests } from "../runtime/inuse/inventory";
import { ecrRegistryOf, ImageReference, parseImageReference } from "../runtime/inuse/reference";
import type { ImageUse } from "../runtime/inuse/types";
import type { ImageRecord, InUseMark } from "../runtime/planner/types";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const REGISTRY = { account: ACCOUNT, region: REGION };
const HEX = "0123456789abcdef".repeat(4);
const DIGEST = `sha256:${HEX}`;
const OTHER = `sha256:${"f".repeat(64)}`;

describe("parseImageReference", () => {
  const cases: [string, ImageReference | undefined][] = [
    [`${HOST}/app`, { host: HOST, repository: "app", tag: "latest" }],
    [`${HOST}/team/app`, { host: HOST, repository: "team/app", tag: "latest" }],
    [`${HOST}/app:v1`, { host: HOST, repository: "app", tag: "v1" }],
    [`${HOST}:443/app:v1`, { host: `${HOST}:443`, repository: "app", tag: "v1" }],
    [`${HOST}:443/app`, { host: `${HOST}:443`, repository: "app", tag: "latest" }],
    [`${HOST}/app@${DIGEST}`, { host: HOST, repository: "app", digest: DIGEST }],
    [`${HOST}/app@sha256:${HEX.toUpperCase()}`, { host: HOST, repository: "app", digest: DIGEST }],
    [`${HOST}/app@SHA256:${HEX.toUpperCase()}`, { host: HOST, repository: "app", digest: DIGEST }],
    [`${HOST}/app:v1@${DIGEST}`, { host: HOST, repository: "app", tag: "v1", digest: DIGEST }],
    [`${HOST}:443/team/app:v1@sha256:${HEX.toUpperCase()}`, { host: `${HOST}:443`, repository: "team/app", tag: "v1", digest: DIGEST }],
    // Malformed but read by ECS with a digest: err on the side of keeping (`latest` too).
    [`${HOST}/app:`, { host: HOST, repository: "app", tag: "latest" }],
    [`${HOST}/app@`, { host: HOST, repository: "app", tag: "latest" }],
    ["app", undefined],
    ["app:v1", undefined],
    [`/app`, undefined],
    [`${HOST}/`, undefined],
    [`${HOST}/:v1`, undefined],
  ];
  for (const [uri, expected] of cases) {
    it(`${JSON.stringify(uri)} → ${JSON.stringify(expected)}`, () => {
      expect(parseImageReference(uri)).to.deep.equal(expected);
    });
  }
});

describe("ecrRegistryOf", () => {
  const cases: [string, { account: string; region: string } | undefined][] = [
    [HOST, REGISTRY],
    [`${HOST}:443`, REGISTRY],
    [HOST.toUpperCase(), REGISTRY],
    [`${ACCOUNT}.dkr.ecr-fips.us-gov-west-1.amazonaws.com:443`, { account: ACCOUNT, region: "us-gov-west-1" }],
    [`${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn:443`, { account: ACCOUNT, region: "cn-north-1" }],
    [`${ACCOUNT}.dkr-ecr.eu-west-1.on.aws`, { account: ACCOUNT, region: "eu-west-1" }],
    // Another port is another registry (a proxy, a mirror), not ECR.
    [`${HOST}:8443`, undefined],
    [`${HOST}:80`, undefined],
    [`${HOST}:4430`, undefined],
    [`${HOST}:443:443`, undefined],
    [`${HOST}:`, undefined],
    ["docker.io", undefined],
    [`${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com.evil.example`, undefined],
  ];
  for (const [host, expected] of cases) {
    it(`${host} → ${JSON.stringify(expected)}`, () => {
      expect(ecrRegistryOf(host)).to.deep.equal(expected);
    });
  }
});

const use = (image: string, extra: Partial<ImageUse> = {}): ImageUse => ({ image, reason: "in-use:ecs-service", workload: "ecs service prod/web", ...extra });
const reasons = (marks: Map<string, InUseMark>) => Object.fromEntries([...marks].map(([key, mark]) => [key, mark.reason]));
const entries = (uses: ImageUse[]) =>
  Object.fromEntries([...indexUses(uses, REGISTRY)].map(([repo, u]) => [repo, { digests: reasons(u.digests), tags: reasons(u.tags) }]));

describe("indexUses", () => {
  const cases: { title: string; uses: ImageUse[]; expected: ReturnType<typeof entries> }[] = [
    {
      title: "no tag and no digest protects the tag latest",
      uses: [use(`${HOST}/app`)],
      expected: { app: { digests: {}, tags: { latest: "in-use:ecs-service" } } },
    },
    {
      title: "the host may carry :443",
      uses: [use(`${HOST}:443/app:v1`), use(`${HOST}:443/web`)],
      expected: { app: { digests: {}, tags: { v1: "in-use:ecs-service" } }, web: { digests: {}, tags: { latest: "in-use:ecs-service" } } },
    },
    {
      title: "upper-case digests, in the reference and in the digest the API reports, are keyed in lower case",
      uses: [use(`${HOST}/app@sha256:${HEX.toUpperCase()}`, { reason: "in-use:ecs-task" }), use(`${HOST}/app:v2`, { digest: OTHER.toUpperCase(), reason: "in-use:lambda" })],
      expected: { app: { digests: { [DIGEST]: "in-use:ecs-task", [OTHER]: "in-use:lambda" }, tags: { v2: "in-use:lambda" } } },
    },
    {
      title: "one digest in two casings is one key, with the most immediate use",
      uses: [use(`${HOST}/app@${DIGEST}`, { reason: "in-use:lambda" }), use(`${HOST}/app@sha256:${HEX.toUpperCase()}`, { reason: "in-use:ecs-task" })],
      expected: { app: { digests: { [DIGEST]: "in-use:ecs-task" }, tags: {} } },
    },
    {
      title: "other ports, accounts, regions and registries do not count",
      uses: [
        use(`${HOST}:8443/app@${DIGEST}`),
        use(`999999999999.dkr.ecr.${REGION}.amazonaws.com/app@${DIGEST}`),
        use(`${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app`),
        use(`docker.io/library/app@${DIGEST}`),
        use("app"),
      ],
      expected: {},
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      expect(entries(c.uses)).to.deep.equal(c.expected);
    });
  }
});

const image = (digest: string, tags: string[] = []): ImageRecord => ({ digest, tags, pushedAt: 0, sizeBytes: 1 });
const inventoryOf = (uses: ImageUse[]): InUseInventory => ({ ...emptyInventory(), byRepository: indexUses(uses, REGISTRY) });

describe("inUseDigests", () => {
  const cases: { title: string; uses: ImageUse[]; images: ImageRecord[]; expected: Record<string, string> }[] = [
    {
      title: "REGISTRY/app protects the image tagged latest, not the others",
      uses: [use(`${HOST}/app`)],
      images: [image(DIGEST, ["latest", "v1"]), image(OTHER, ["v2"])],
      expected: { [DIGEST]: "in-use:ecs-service" },
    },
    {
      title: "REGISTRY:443/app:tag protects the image with that tag",
      uses: [use(`${HOST}:443/app:v2`)],
      images: [image(DIGEST, ["latest"]), image(OTHER, ["v2"])],
      expected: { [OTHER]: "in-use:ecs-service" },
    },
    {
      title: "an upper-case digest on a running task protects the listed image",
      uses: [use(`${HOST}/app@sha256:${HEX.toUpperCase()}`, { reason: "in-use:ecs-task" })],
      images: [image(DIGEST), image(OTHER)],
      expected: { [DIGEST]: "in-use:ecs-task" },
    },
    {
      title: "the result is keyed by the digest as the listing spells it, even in upper case",
      uses: [use(`${HOST}/app@${DIGEST}`)],
      images: [image(DIGEST.toUpperCase()), image(OTHER)],
      expected: { [DIGEST.toUpperCase()]: "in-use:ecs-service" },
    },
    {
      title: "a digest that is not in the listing is not in the result",
      uses: [use(`${HOST}/app@${OTHER}`)],
      images: [image(DIGEST)],
      expected: {},
    },
    {
      title: "a use by digest and one by tag on the same image: the most immediate use",
      uses: [use(`${HOST}/app:v1`, { reason: "in-use:lambda" }), use(`${HOST}/app@${DIGEST}`, { reason: "in-use:ecs-task" })],
      images: [image(DIGEST, ["v1"])],
      expected: { [DIGEST]: "in-use:ecs-task" },
    },
    {
      title: "another repository's uses do not count",
      uses: [use(`${HOST}/web`), use(`${HOST}/web@${DIGEST}`)],
      images: [image(DIGEST, ["latest"])],
      expected: {},
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      expect(reasons(inUseDigests(inventoryOf(c.uses), "app", c.images))).to.deep.equal(c.expected);
    });
  }

  it("one image used by 50,000 pods, by tag and by digest: every workload once, sorted (and quickly: merging is not quadratic)", () => {
    const pods = Array.from({ length: 50_000 }, (_, i) => `eks pod default/sidecar-${String(i).padStart(5, "0")} (cluster prod)`);
    const uses = pods.flatMap((workload) => [use(`${HOST}/app:v1`, { reason: "in-use:eks", workload }), use(`${HOST}/app@${DIGEST}`, { reason: "in-use:eks", workload })]);
    uses.push(use(`${HOST}/app:v1`, { reason: "in-use:ecs-task", workload: "ecs task t1" }));
    const mark = inUseDigests(inventoryOf(uses), "app", [image(DIGEST, ["v1"])]).get(DIGEST)!;
    expect(mark.reason).to.equal("in-use:ecs-task");
    expect(mark.workloads).to.deep.equal(["ecs task t1", ...pods]);
  });

  it("a stored inventory (a fan-out worker's) with upper-case keys still matches", () => {
    const inventory: InUseInventory = {
      ...emptyInventory(),
      byRepository: new Map([["app", { digests: new Map([[DIGEST.toUpperCase(), { reason: "in-use:ecs-task" as const, workloads: ["ecs task t1"] }]]), tags: new Map() }]]),
    };
    expect(Object.fromEntries(inUseDigests(inventory, "app", [image(DIGEST)]))).to.deep.equal({ [DIGEST]: { reason: "in-use:ecs-task", workloads: ["ecs task t1"] } });
  });

  it("any casing of a digest, in the reference or in the reported digest, protects the image the listing holds", () => {
    const hex = fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 64, maxLength: 64 });
    const casing = fc.array(fc.boolean(), { minLength: 71, maxLength: 71 });
    fc.assert(
      fc.property(hex, casing, fc.boolean(), fc.boolean(), (h, upper, inReference, withPort) => {
        const digest = `sha256:${h}`;
        const spelled = [...digest].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join("");
        const host = withPort ? `${HOST}:443` : HOST;
        const uses = [inReference ? use(`${host}/app@${spelled}`) : use(`${host}/app:v9`, { digest: spelled })];
        const result = inUseDigests(inventoryOf(uses), "app", [image(digest), image(OTHER)]);
        expect([...result.keys()]).to.deep.equal(digest === OTHER ? [OTHER] : [digest]);
      }),
    );
  });
});
