/**
 * EKS ListClusters and DescribeCluster through the real SDK, against the project's emulator and against moto (an
 * independent reading of the API): paging, the fields the EKS source uses, and the not-found error. The emulator
 * follows the EKS API reference where moto differs (said at each place).
 */
import { expect } from "chai";
import { CreateClusterCommand, DescribeClusterCommand, EKSClient, ListClustersCommand, paginateListClusters } from "@aws-sdk/client-eks";
import { readEksUses } from "../runtime/inuse/eks/source";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { Moto, requireMoto, startMoto } from "./support/moto";

const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
const NAMES = ["alpha", "beta", "gamma", "delta", "epsilon"];

interface Backend {
  name: string;
  start(this: Mocha.Context): Promise<{ endpoint: string; createCluster(name: string): Promise<void>; stop(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: "the emulator",
    async start() {
      const emulator: EcrEmulator = await startEcrEmulator();
      return { endpoint: emulator.endpoint, createCluster: async (name) => void (await emulator.eks.createCluster({ name })), stop: () => emulator.stop() };
    },
  },
  {
    name: "moto",
    async start() {
      requireMoto(this);
      const moto: Moto = await startMoto();
      const eks = new EKSClient({ endpoint: moto.endpoint, region: "us-east-1", credentials: CREDENTIALS });
      return {
        endpoint: moto.endpoint,
        async createCluster(name) {
          await eks.send(new CreateClusterCommand({ name, roleArn: "arn:aws:iam::123456789012:role/eks", resourcesVpcConfig: { subnetIds: ["subnet-1"] } }));
        },
        async stop() {
          eks.destroy();
          await moto.stop();
        },
      };
    },
  },
];

for (const backend of BACKENDS) {
  describe(`EKS API on ${backend.name}`, function () {
    this.timeout(30_000);
    let server: Awaited<ReturnType<Backend["start"]>>;
    let eks: EKSClient;

    before(async function () {
      server = await backend.start.call(this);
      eks = new EKSClient({ endpoint: server.endpoint, region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 1 });
    });
    after(async () => {
      eks?.destroy();
      await server?.stop();
    });

    it("lists no clusters in an empty account, so the EKS source finds nothing to read", async () => {
      expect((await eks.send(new ListClustersCommand({}))).clusters).to.deep.equal([]);
      expect((await readEksUses([{ account: "123456789012", region: "us-east-1", eks, label: "" }])).uses).to.deep.equal([]);
    });

    it("pages ListClusters with maxResults and nextToken, each cluster once", async () => {
      for (const name of NAMES) await server.createCluster(name);
      const pages: string[][] = [];
      for await (const page of paginateListClusters({ client: eks, pageSize: 2 }, {})) pages.push(page.clusters ?? []);
      expect(pages.map((p) => p.length)).to.deep.equal([2, 2, 1]);
      expect(pages.flat().sort()).to.deep.equal([...NAMES].sort());
    });

    it("describes a cluster with its ARN, status, https endpoint and certificate authority", async () => {
      const { cluster } = await eks.send(new DescribeClusterCommand({ name: "alpha" }));
      expect(cluster?.name).to.equal("alpha");
      expect(cluster?.arn).to.equal("arn:aws:eks:us-east-1:123456789012:cluster/alpha");
      expect(cluster?.status).to.equal("ACTIVE");
      expect(cluster?.endpoint).to.match(/^https:\/\//);
      // moto's certificateAuthority.data is random text; EKS's (and the emulator's) is base64 of a PEM bundle.
      expect(cluster?.certificateAuthority?.data).to.be.a("string").with.length.above(0);
    });

    it("answers DescribeCluster of an unknown cluster with ResourceNotFoundException (404)", async () => {
      try {
        await eks.send(new DescribeClusterCommand({ name: "nope" }));
        expect.fail("DescribeCluster found a cluster that does not exist");
      } catch (err) {
        const e = err as { name: string; message: string; $metadata: { httpStatusCode: number } };
        expect([e.name, e.$metadata.httpStatusCode, e.message]).to.deep.equal(["ResourceNotFoundException", 404, "No cluster found for name: nope."]);
      }
    });
  });
}

describe("EKS API on the emulator, where moto is lenient", () => {
  let emulator: EcrEmulator;
  let eks: EKSClient;
  before(async () => {
    emulator = await startEcrEmulator();
    eks = new EKSClient({ endpoint: emulator.endpoint, region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    eks.destroy();
    await emulator.stop();
  });

  // moto accepts any maxResults; the EKS API reference: "Valid Range: Minimum value of 1. Maximum value of 100."
  for (const maxResults of [0, 101]) {
    it(`refuses maxResults ${maxResults} with InvalidParameterException`, async () => {
      const err = await eks.send(new ListClustersCommand({ maxResults })).catch((e: Error) => e);
      expect((err as Error).name).to.equal("InvalidParameterException");
    });
  }

  it("gives at most 100 clusters a page when maxResults is omitted, with a nextToken", async () => {
    for (let i = 0; i < 101; i++) await emulator.eks.createCluster({ name: `c${i}` });
    const first = await eks.send(new ListClustersCommand({}));
    expect(first.clusters).to.have.length(100);
    const second = await eks.send(new ListClustersCommand({ nextToken: first.nextToken }));
    expect(second.clusters).to.deep.equal(["c100"]);
    expect(second.nextToken).to.equal(undefined);
  });

  it("refuses a nextToken it did not issue", async () => {
    const err = await eks.send(new ListClustersCommand({ nextToken: "forged" })).catch((e: Error) => e);
    expect((err as Error).name).to.equal("InvalidParameterException");
  });

  it("gives a CREATING cluster no endpoint or certificate authority yet", async () => {
    await emulator.eks.createCluster({ name: "fresh", status: "CREATING" });
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: "fresh" }));
    expect([cluster?.status, cluster?.endpoint, cluster?.certificateAuthority]).to.deep.equal(["CREATING", undefined, undefined]);
  });
});
