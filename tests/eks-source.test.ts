/**
 * The EKS source against the emulator: ListClusters and DescribeCluster through the real SDK, then each cluster's
 * Kubernetes API over TLS with a token the emulated cluster verifies. What it finds, how it pages, and that every
 * failure to read a cluster fails the source with the cluster's name and what to do.
 */
import { expect } from "chai";
import { readEksEverywhere } from "../runtime/inuse/eks/reader";
import { createdWithin, readEksUses, type EksReadOptions, type EksTarget } from "../runtime/inuse/eks/source";
import { makeServerCertificates } from "./emulator/certificates";
import type { EcrEmulator } from "./emulator/server";
import { eksTargetsPerTest } from "./support/eks-targets";

const ACCOUNT = "123456789012";
const ECR = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;
// Fast retries: the faults below are answered at once, the backoff is the client's own and tested by its count.
const FAST: EksReadOptions = { kubernetes: { baseBackoffMs: 1, maxBackoffMs: 5, requestTimeoutMs: 5_000 } };

describe("EKS source", function () {
  this.timeout(30_000);
  let emulator: EcrEmulator;
  const { eksClient, target } = eksTargetsPerTest(ACCOUNT, (e) => (emulator = e));

  async function failure(targets: EksTarget[], options: EksReadOptions = FAST): Promise<Error> {
    try {
      await readEksUses(targets, options);
    } catch (err) {
      return err as Error;
    }
    throw new Error("the EKS source read the clusters, but should have failed");
  }

  it("finds running pods by spec and by digest, and every workload controller's template", async () => {
    const prod = await emulator.eks.createCluster({ name: "prod" });
    prod.api.addPod({ namespace: "shop", name: "web-1", containers: [{ image: `${ECR}/web:v1`, imageID: `docker-pullable://${ECR}/web@${digest("a")}` }] });
    prod.api.addPod({ namespace: "shop", name: "done-1", phase: "Succeeded", containers: [{ image: `${ECR}/batch:old` }] });
    prod.api.addPod({ namespace: "ops", name: "failed-1", phase: "Failed", containers: [{ image: `${ECR}/batch:older` }] });
    prod.api.addPod({
      namespace: "ops",
      name: "debugged",
      containers: [{ image: `${ECR}/api` }],
      initContainers: [{ image: `${ECR}/migrate:3`, imageID: `${ECR}/migrate@${digest("b")}` }],
      ephemeralContainers: [{ image: `${ECR}/toolbox:1` }],
    });
    prod.api.addWorkload("deployments", { namespace: "shop", name: "web", images: [`${ECR}/web:v2`] });
    prod.api.addWorkload("replicasets", { namespace: "shop", name: "web-old", images: [`${ECR}/web:v0`], replicas: 0 });
    prod.api.addWorkload("statefulsets", { namespace: "db", name: "pg", images: [`${ECR}/pg:15`] });
    prod.api.addWorkload("daemonsets", { namespace: "kube-system", name: "agent", images: [`${ECR}/agent:1`] });
    prod.api.addWorkload("jobs", { namespace: "ops", name: "once", images: [`${ECR}/job:1`] });
    prod.api.addWorkload("cronjobs", { namespace: "ops", name: "nightly", images: [`${ECR}/report:7`] });

    const { uses } = await readEksUses([target()], FAST);
    expect(uses.map((u) => `${u.workload} ${u.image}`).sort()).to.deep.equal([
      `eks cronjob ops/nightly (cluster prod) ${ECR}/report:7`,
      `eks daemonset kube-system/agent (cluster prod) ${ECR}/agent:1`,
      `eks deployment shop/web (cluster prod) ${ECR}/web:v2`,
      `eks job ops/once (cluster prod) ${ECR}/job:1`,
      `eks pod ops/debugged (cluster prod) ${ECR}/api`,
      `eks pod ops/debugged (cluster prod) ${ECR}/migrate:3`,
      `eks pod ops/debugged (cluster prod) ${ECR}/migrate@${digest("b")}`,
      `eks pod ops/debugged (cluster prod) ${ECR}/toolbox:1`,
      `eks pod shop/web-1 (cluster prod) ${ECR}/web:v1`,
      `eks pod shop/web-1 (cluster prod) ${ECR}/web@${digest("a")}`,
      `eks replicaset shop/web-old (cluster prod) ${ECR}/web:v0`,
      `eks statefulset db/pg (cluster prod) ${ECR}/pg:15`,
    ]);
    expect(prod.api.tokenFailures).to.deep.equal([]);
  });

  it("pages through many pods with limit and continue, each list read once", async () => {
    const big = await emulator.eks.createCluster({ name: "big" });
    for (let i = 0; i < 1234; i++) big.api.addPod({ namespace: `ns${i % 7}`, name: `pod-${i}`, containers: [{ image: `${ECR}/app:${i}` }] });
    const { uses, requests } = await readEksUses([target()], { ...FAST, kubernetes: { ...FAST.kubernetes, pageSize: 100 } });
    expect(new Set(uses.map((u) => u.image)).size).to.equal(1234);
    expect(big.api.requestsTo("/api/v1/pods")).to.equal(13);
    expect(big.api.requests.filter((r) => r.path === "/api/v1/pods").map((r) => r.query.limit)).to.deep.equal(Array(13).fill("100"));
    // One request for each of the eight other (empty) lists.
    expect(requests.get("big")).to.equal(13 + 8);
  });

  it("starts a list again when its continue token expires, and finds every pod", async () => {
    const c = await emulator.eks.createCluster({ name: "c" });
    for (let i = 0; i < 30; i++) c.api.addPod({ name: `p${i}`, containers: [{ image: `${ECR}/app:${i}` }] });
    c.api.expireContinueTokens(1);
    const { uses } = await readEksUses([target()], { ...FAST, kubernetes: { ...FAST.kubernetes, pageSize: 10 } });
    expect(new Set(uses.map((u) => u.image)).size).to.equal(30);
    const statuses = c.api.requests.filter((r) => r.path === "/api/v1/pods").map((r) => [r.status, r.query.continue ? "continue" : "first"]);
    expect(statuses).to.deep.equal([[200, "first"], [410, "continue"], [200, "first"], [200, "continue"], [200, "continue"]]);
  });

  it("fails closed when continue tokens keep expiring", async () => {
    const c = await emulator.eks.createCluster({ name: "churn" });
    for (let i = 0; i < 30; i++) c.api.addPod({ name: `p${i}`, containers: [{ image: `${ECR}/app:${i}` }] });
    c.api.expireContinueTokens(3);
    const err = await failure([target()], { ...FAST, kubernetes: { ...FAST.kubernetes, pageSize: 10 } });
    expect(err.name).to.equal("Expired");
    expect(err.message).to.contain("EKS cluster churn").and.contain("expired 3 times");
  });

  it("reads only the clusters eks_clusters names, by name or by ARN", async () => {
    for (const name of ["a", "b", "c"]) {
      const cluster = await emulator.eks.createCluster({ name });
      cluster.api.addPod({ name: "p", containers: [{ image: `${ECR}/${name}:1` }] });
    }
    const { uses } = await readEksUses([target()], { ...FAST, clusters: ["a", `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/c`] });
    expect(uses.map((u) => u.workload).sort()).to.deep.equal(["eks pod default/p (cluster a)", "eks pod default/p (cluster c)"]);
    expect(emulator.eks.cluster("b")!.api.requests).to.deep.equal([]);
  });

  it("fails closed when eks_clusters names a cluster that no account or region lists", async () => {
    await emulator.eks.createCluster({ name: "a" });
    const err = await failure([target()], { ...FAST, clusters: ["a", "typo", `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/a`] });
    expect(err.name).to.equal("ClusterNotFound");
    expect(err.message).to.contain("typo").and.contain(`arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/a`).and.contain(`${ACCOUNT}/us-east-1`);
  });

  it("reads a second region and a second account, naming their workloads with account and region", async () => {
    (await emulator.eks.createCluster({ name: "home" })).api.addPod({ name: "p", containers: [{ image: `${ECR}/a:1` }] });
    (await emulator.eksFor("eu-west-1").createCluster({ name: "eu" })).api.addPod({ name: "p", containers: [{ image: `${ECR}/b:1` }] });
    emulator.knownCredentials.set("OTHERKEY", { secretAccessKey: "other-secret", sessionToken: "other-session" });
    emulator.accessKeyAccounts.set("OTHERKEY", "210987654321");
    (await emulator.eksFor("us-east-1", "210987654321").createCluster({ name: "theirs" })).api.addPod({ name: "p", containers: [{ image: `${ECR}/c:1` }] });
    const other = { accessKeyId: "OTHERKEY", secretAccessKey: "other-secret", sessionToken: "other-session" };
    const { uses } = await readEksUses(
      [target(), target("eu-west-1", undefined, ACCOUNT, `${ACCOUNT}/eu-west-1 `), target("us-east-1", other, "210987654321", "210987654321/us-east-1 ")],
      FAST,
    );
    expect(uses.map((u) => `${u.workload} ${u.image}`).sort()).to.deep.equal([
      `${ACCOUNT}/eu-west-1 eks pod default/p (cluster eu) ${ECR}/b:1`,
      `210987654321/us-east-1 eks pod default/p (cluster theirs) ${ECR}/c:1`,
      `eks pod default/p (cluster home) ${ECR}/a:1`,
    ]);
  });

  it("read everywhere at once: uses with reason in-use:eks named by account and region; a name that no target lists fails", async () => {
    (await emulator.eks.createCluster({ name: "home" })).api.addPod({ name: "p", containers: [{ image: `${ECR}/a:1` }] });
    (await emulator.eksFor("eu-west-1").createCluster({ name: "eu" })).api.addPod({ name: "q", containers: [{ image: `${ECR}/b:2` }] });
    const config = (region: string) => ({ endpoint: emulator.endpoint, region, credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
    const targets = [
      { account: ACCOUNT, region: "us-east-1", prefix: "", config: config("us-east-1") },
      { account: ACCOUNT, region: "eu-west-1", prefix: `${ACCOUNT}/eu-west-1`, config: config("eu-west-1") },
    ];
    // "home" is listed in us-east-1 only, "eu" in eu-west-1 only: each is read where it is, once.
    expect(await readEksEverywhere(targets, { eksClusters: ["home", "eu"] })).to.deep.equal([
      { image: `${ECR}/a:1`, reason: "in-use:eks", workload: "eks pod default/p (cluster home)" },
      { image: `${ECR}/b:2`, reason: "in-use:eks", workload: `${ACCOUNT}/eu-west-1 eks pod default/q (cluster eu)` },
    ]);
    // A typo'd plain name reads nothing anywhere: that fails the source, it does not protect nothing silently.
    const typo = await readEksEverywhere(targets, { eksClusters: ["home", "eu-typo"] }).catch((e: Error) => e);
    expect((typo as Error).name).to.equal("ClusterNotFound");
    expect((typo as Error).message).to.contain("names eu-typo, which eks:ListClusters lists in none of 123456789012/us-east-1, 123456789012/eu-west-1");
    const gone = await readEksEverywhere(targets, { eksClusters: [`arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/gone`] }).catch((e: Error) => e);
    expect((gone as Error).name).to.equal("ClusterNotFound");
    emulator.eksFor("eu-west-1").cluster("eu")!.api.authorizedAccessKeys = new Set();
    const denied = await readEksEverywhere(targets, {}).catch((e: Error) => e);
    expect((denied as Error).message).to.contain(`EKS cluster ${ACCOUNT}/eu-west-1 eu:`);
  });

  it("holds at most pagesInFlight pages at once across every cluster and list (a parsed page can be tens of MB)", async () => {
    const clusters = await Promise.all(["a", "b", "c"].map((name) => emulator.eks.createCluster({ name })));
    for (const c of clusters) {
      c.api.latencyMs = 5;
      for (let i = 0; i < 30; i++) c.api.addPod({ name: `p-${i}`, containers: [{ image: `${ECR}/app:${i}` }] });
    }
    const { uses } = await readEksUses([target()], { ...FAST, pagesInFlight: 1, kubernetes: { ...FAST.kubernetes, pageSize: 10 } });
    expect(uses).to.have.length(90);
    // With one slot, no two requests to any cluster are ever being answered at the same time.
    const intervals = clusters.flatMap((c) => c.api.requests).sort((x, y) => x.arrivedAt - y.arrivedAt);
    expect(intervals).to.have.length(3 * (3 + 8));
    intervals.forEach((request, i) => {
      if (i > 0) expect(request.arrivedAt, `request ${i} (${request.path})`).to.be.at.least(intervals[i - 1].answeredAt!);
    });
  });

  it("reads a list's next page ahead of other lists' first pages, so its continue token does not age out waiting for a slot", async () => {
    // Three clusters, twelve lists in flight, one slot: a list that went to the back of the queue after each page
    // would wait for eleven other pages between its own, and its token would expire (as compaction expires a real
    // one after 5 to 10 minutes, with many large clusters and lists sharing the 4 slots) on every restart too.
    const clusters = await Promise.all(["a", "b", "c"].map((name) => emulator.eks.createCluster({ name })));
    for (const c of clusters) {
      c.api.latencyMs = 20;
      c.api.continueTokenTtlMs = 150;
      for (let i = 0; i < 30; i++) c.api.addPod({ name: `p-${i}`, containers: [{ image: `${ECR}/app:${i}` }] });
    }
    const { uses } = await readEksUses([target()], { ...FAST, pagesInFlight: 1, kubernetes: { ...FAST.kubernetes, pageSize: 10 } });
    expect(uses).to.have.length(90);
    for (const c of clusters) expect(c.api.requests.filter((r) => r.status === 410).length, c.api.clusterName).to.equal(0);
  });

  it("skips a cluster still being created (no API server yet)", async () => {
    await emulator.eks.createCluster({ name: "new", status: "CREATING" });
    expect((await readEksUses([target()], FAST)).uses).to.deep.equal([]);
    expect(emulator.eks.cluster("new")!.api.requests).to.deep.equal([]);
  });

  it("retries throttling and server errors, then reads the cluster", async () => {
    const c = await emulator.eks.createCluster({ name: "flaky" });
    c.api.addPod({ name: "p", containers: [{ image: `${ECR}/a:1` }] });
    c.api.failNext("throttle", 1, "/api/v1/pods");
    c.api.failNext("unavailable", 1, "/api/v1/pods");
    c.api.failNext("drop-connection", 1, "/api/v1/pods");
    const { uses } = await readEksUses([target()], FAST);
    expect(uses.map((u) => u.image)).to.deep.equal([`${ECR}/a:1`]);
    expect(c.api.requests.filter((r) => r.path === "/api/v1/pods").map((r) => r.status)).to.deep.equal([429, 503, -1, 200]);
  });

  it("signs the token again when the credentials it was signed with are replaced (about to expire)", async () => {
    const c = await emulator.eks.createCluster({ name: "long" });
    for (let i = 0; i < 30; i++) c.api.addPod({ name: `p${i}`, containers: [{ image: `${ECR}/app:${i}` }] });
    emulator.knownCredentials.set("OLDKEY", { secretAccessKey: "old-secret", sessionToken: "old-session" });
    emulator.knownCredentials.set("NEWKEY", { secretAccessKey: "new-secret", sessionToken: "new-session" });
    c.api.authorizedAccessKeys = new Set(["OLDKEY", "NEWKEY"]);
    // Session credentials with little time left, as the SDK hands them out until it refreshes them: the EKS calls
    // and the first Kubernetes request are signed with the old session, every later call gets the new one, and the
    // old one expires at the second request.
    const soon = () => new Date(Date.now() + 60_000);
    const old = { accessKeyId: "OLDKEY", secretAccessKey: "old-secret", sessionToken: "old-session", expiration: soon() };
    const fresh = { accessKeyId: "NEWKEY", secretAccessKey: "new-secret", sessionToken: "new-session", expiration: soon() };
    const recorded = c.api.requests;
    const eks = eksClient("us-east-1", async () => (recorded.length === 0 ? old : fresh));
    const push = recorded.push.bind(recorded);
    recorded.push = (...records) => {
      const n = push(...records);
      if (n === 2) c.api.authorizedAccessKeys = new Set(["NEWKEY"]);
      return n;
    };
    const { uses } = await readEksUses([{ account: ACCOUNT, region: "us-east-1", eks, label: "" }], { ...FAST, listConcurrency: 1, kubernetes: { ...FAST.kubernetes, pageSize: 10 } });
    expect(new Set(uses.map((u) => u.image)).size).to.equal(30);
    expect(recorded.map((r) => r.status)).to.not.include(401);
  });

  describe("fails closed, naming the cluster and what to do", () => {
    it("when the cluster does not accept the role (401): an access entry, or aws-auth", async () => {
      const c = await emulator.eks.createCluster({ name: "locked", authenticationMode: "API_AND_CONFIG_MAP" });
      c.api.authorizedAccessKeys = new Set();
      const err = await failure([target()]);
      expect(err.name).to.equal("Unauthorized");
      expect(err.message)
        .to.contain("EKS cluster locked")
        .and.contain("aws eks create-access-entry --cluster-name locked")
        .and.contain("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy")
        .and.contain("aws-auth")
        .and.contain("settings.in_use.eks_clusters")
        .and.contain("settings.in_use.eks: false");
    });

    it("when the cluster is CONFIG_MAP only (401): aws-auth, not access entries", async () => {
      const c = await emulator.eks.createCluster({ name: "legacy", authenticationMode: "CONFIG_MAP" });
      c.api.authorizedAccessKeys = new Set();
      const err = await failure([target()]);
      expect(err.message).to.contain("aws-auth").and.not.contain("create-access-entry");
    });

    it("when the token is signed with the wrong secret (401)", async () => {
      await emulator.eks.createCluster({ name: "prod" });
      const err = await failure([target("us-east-1", { accessKeyId: "test", secretAccessKey: "not-the-secret" })]);
      expect(err.name).to.equal("Unauthorized");
      expect(emulator.eks.cluster("prod")!.api.tokenFailures[0]).to.contain("signature does not match");
    });

    it("when RBAC forbids a list (403)", async () => {
      const c = await emulator.eks.createCluster({ name: "partial", authenticationMode: "API" });
      c.api.forbidden.add("replicasets");
      const err = await failure([target()]);
      expect(err.name).to.equal("Forbidden");
      expect(err.message).to.contain("EKS cluster partial").and.contain("/apis/apps/v1/replicasets").and.contain("AmazonEKSViewPolicy").and.not.contain("aws-auth");
    });

    it("when the API server keeps failing (5xx after retries)", async () => {
      const c = await emulator.eks.createCluster({ name: "sick" });
      c.api.failNext("server-error", 4, "/api/v1/pods");
      const err = await failure([target()]);
      expect(err.name).to.equal("InternalError");
      expect(err.message).to.contain("EKS cluster sick").and.contain("after 4 attempts");
      expect(c.api.requestsTo("/api/v1/pods")).to.equal(4);
    });

    it("when the server's certificate does not chain to the cluster's CA", async () => {
      const c = await emulator.eks.createCluster({ name: "mitm" });
      c.describedCertificateAuthority = Buffer.from(makeServerCertificates("someone else").caPem).toString("base64");
      const err = await failure([target()]);
      expect(err.name).to.match(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
      expect(err.message).to.contain("EKS cluster mitm").and.contain("certificate authority");
      // Refused during the TLS handshake: no request (and so no token) reached the server.
      expect(c.api.requests).to.deep.equal([]);
    });

    it("when the endpoint refuses connections, saying a private endpoint needs the VPC", async () => {
      const c = await emulator.eks.createCluster({ name: "private", endpointPublicAccess: false });
      await c.api.stop();
      const err = await failure([target()]);
      expect(err.name).to.equal("ECONNREFUSED");
      expect(err.message).to.contain("EKS cluster private").and.contain("vpcSubnetIds").and.contain("settings.in_use.eks: false");
    });

    it("when a list answers 200 with something that is not that list", async () => {
      const c = await emulator.eks.createCluster({ name: "odd" });
      c.api.addPod({ name: "p", containers: [{ image: `${ECR}/a:1` }] });
      c.api.failNext("not-a-list", 1, "/api/v1/pods");
      const err = await failure([target()]);
      expect(err.name).to.equal("NotAList");
      expect(err.message).to.contain("EKS cluster odd").and.contain("/api/v1/pods").and.contain("not a PodList");
    });

    it("when ListClusters keeps failing", async () => {
      emulator.failNext("eks:ListClusters", 2, "server-error");
      const err = await failure([target()]);
      expect(err.name).to.equal("ServerException");
      expect(err.message).to.contain(`EKS in ${ACCOUNT}/us-east-1: ListClusters`);
    });
  });
});

describe("EKS source: how long CREATING is trusted as 'no workloads yet'", () => {
  const NOW = Date.parse("2026-06-01T12:00:00Z");
  const HOUR = 60 * 60 * 1000;
  const cases: [string, Date | undefined, boolean][] = [
    ["created a minute ago", new Date(NOW - 60_000), true],
    ["created exactly an hour ago", new Date(NOW - HOUR), true],
    ["created an hour and a second ago", new Date(NOW - HOUR - 1000), false],
    ["created a second ahead of this clock (AWS's clock may differ)", new Date(NOW + 1000), true],
    ["created five minutes ahead of this clock", new Date(NOW + 5 * 60_000), true],
    ["created more than five minutes ahead of this clock", new Date(NOW + 5 * 60_000 + 1000), false],
    ["with no createdAt", undefined, false],
    ["with an invalid createdAt", new Date(NaN), false],
  ];
  for (const [title, createdAt, trusted] of cases) {
    it(`a cluster ${title} is ${trusted ? "" : "not "}trusted`, () => {
      expect(createdWithin({ createdAt }, HOUR, NOW)).to.equal(trusted);
    });
  }
});
