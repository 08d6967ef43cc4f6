/**
 * Every network request has a deadline: against an endpoint that accepts connections and never answers (or answers
 * its headers and then stalls or trickles the body), the CLI and the Lambda handler end with an error naming the
 * endpoint, having deleted nothing. The deadline is shortened for these runs with ECR_CLEANUP_REQUEST_DEADLINE_MS;
 * the production numbers are checked against what docs/cli.md says.
 */
import { expect } from "chai";
import { ECRClient, DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { ECSClient, ListClustersCommand } from "@aws-sdk/client-ecs";
import type { RetryStrategyV2 } from "@smithy/types";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { EKSClient } from "@aws-sdk/client-eks";
import { AppRunnerClient } from "@aws-sdk/client-apprunner";
import { BatchClient } from "@aws-sdk/client-batch";
import { STSClient } from "@aws-sdk/client-sts";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SNSClient } from "@aws-sdk/client-sns";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createClients, destroyClients, RETRY_SETTINGS } from "../runtime/ecr/client";
import {
  ATTEMPT_DEADLINE_MS,
  attemptDeadlineMs,
  credentialsDeadlineMs,
  CREDENTIALS_DEADLINE_MS,
  AWS_ATTEMPTS,
  CONNECT_DEADLINE_MS,
  DEADLINE_ENV,
  DeadlineHandler,
  KUBERNETES_ATTEMPTS,
} from "../runtime/shared/deadline";
import { KubernetesClient } from "../runtime/inuse/eks/kubernetes";
import { MAX_RETRY_DELAY_MS } from "../runtime/shared/retry";
import { AnswerCheckHandler } from "../runtime/shared/answers";
import { CONFIG_ENV, CURSOR_PARAMETER_ENV, DRY_RUN_ENV } from "../runtime/lambda/config";
import { createHandler } from "../runtime/lambda/handler";
import { captureLog, lambdaContext } from "./support/in-process";
import { sharedServerCertificates } from "./emulator/certificates";
import { DropConnection } from "./emulator/faults";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";

const DAY = 86_400_000;
const NOW = "2026-01-01T00:00:00.000Z";
/** Short enough for a fast test, long enough for the emulator's answers on a busy machine. */
const TEST_DEADLINE_MS = 400;

interface Closable {
  endpoint: string;
  /** Connections accepted: every attempt of every request that reached it. */
  connections: number;
  close(): Promise<void>;
}

/** A TCP server that accepts connections and never says a word (no HTTP answer, no TLS handshake). */
async function silentServer(): Promise<Closable> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  const state: Closable = { endpoint: "", connections: 0, close: () => closeServer(server, sockets) };
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  state.endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return state;
}

/** An HTTP(S) server that answers 200 with its headers and the start of a body, then stalls or trickles forever. */
async function stallingServer(how: "stall" | "trickle", tls?: { key: string; cert: string }): Promise<Closable> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    state.connections++;
    res.writeHead(200, { "content-type": "application/json", "content-length": "100000" });
    res.write('{"items": [');
    if (how === "trickle") {
      const timer = setInterval(() => res.write(" "), 50);
      timers.add(timer);
      res.on("close", () => clearInterval(timer));
    }
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const state: Closable = {
    endpoint: "",
    connections: 0,
    close: () => {
      for (const t of timers) clearInterval(t);
      return closeServer(server, sockets);
    },
  };
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  state.endpoint = `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return state;
}

function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((done) => server.close(() => done()));
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/**
 * The waits between the attempts of one call whose every attempt fails with `kind` (and a retry-after header asking
 * for `retryAfterMs`), as `strategy` makes them, with the SDK's jitter at its largest. Run in virtual time: the
 * strategy's timers (its backoff, its rate limiter's) fire at once and move the clock by their delay. The strategy
 * keeps its state from call to call (a rate limiter a throttle turned on), as in a run.
 */
async function worstWaits(strategy: RetryStrategyV2, kind: "THROTTLING" | "TRANSIENT", retryAfterMs: number | undefined): Promise<number[]> {
  const real = { now: Date.now, setTimeout: globalThis.setTimeout, random: Math.random };
  let now = real.now();
  Date.now = () => now;
  globalThis.setTimeout = ((callback: () => void, ms?: number) => {
    // As Node does: a delay below 1 ms is 1 ms, a fraction is truncated.
    now += Math.max(1, Math.trunc(ms ?? 0));
    setImmediate(callback);
  }) as unknown as typeof setTimeout;
  Math.random = () => 1 - Number.EPSILON;
  const waits: number[] = [];
  try {
    let token = await strategy.acquireInitialRetryToken("");
    for (;;) {
      const before = now;
      const info = { errorType: kind, ...(retryAfterMs === undefined ? {} : { retryAfterHint: new Date(now + retryAfterMs) }) };
      try {
        token = await strategy.refreshRetryTokenForRetry(token, info);
      } catch {
        return waits;
      }
      waits.push(now - before);
    }
  } finally {
    Object.assign(Date, { now: real.now });
    globalThis.setTimeout = real.setTimeout;
    Math.random = real.random;
  }
}

/** An ECR/ECS endpoint that answers every request at once with a ThrottlingException and a retry-after header. */
async function throttlingServer(retryAfterMs: number): Promise<Closable & { times: number[] }> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      state.connections++;
      state.times.push(Date.now());
      const body = JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" });
      res.writeHead(400, { "content-type": "application/x-amz-json-1.1", "x-amz-retry-after": String(retryAfterMs), "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const state = { endpoint: "", connections: 0, times: [] as number[], close: () => closeServer(server, sockets) };
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  state.endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return state;
}

describe("request deadlines", function () {
  this.timeout(120_000);

  describe("the numbers", () => {
    it("the production defaults: 15 s a request, 5 s to connect, 8 AWS attempts, 4 Kubernetes attempts", () => {
      expect([ATTEMPT_DEADLINE_MS, CONNECT_DEADLINE_MS, AWS_ATTEMPTS, KUBERNETES_ATTEMPTS]).to.deep.equal([15_000, 5_000, 8, 4]);
      expect(attemptDeadlineMs({})).to.equal(15_000);
    });

    it("the worst case of one AWS call (throttled, retry-after headers included) is what docs/cli.md says, and within 5 minutes twice over", async () => {
      // The waits come from the strategies the clients really use, run with the SDK's jitter at its largest.
      const saved = process.env.AWS_MAX_ATTEMPTS;
      delete process.env.AWS_MAX_ATTEMPTS;
      const made = createClients({ region: "us-east-1" });
      const clients = [made.ecr, new ECSClient(made.sdkConfig), new S3Client({ ...RETRY_SETTINGS, region: "us-east-1" })];
      let waits: number[] = [];
      try {
        for (const client of clients) {
          for (const kind of ["THROTTLING", "TRANSIENT"] as const) {
            for (const retryAfterMs of [undefined, 600_000]) {
              const strategy = (await client.config.retryStrategy()) as RetryStrategyV2;
              const these = await worstWaits(strategy, kind, retryAfterMs);
              expect(these, `${client.constructor.name} ${kind}`).to.have.length(AWS_ATTEMPTS - 1);
              if (sum(these) > sum(waits)) waits = these;
            }
          }
        }
      } finally {
        for (const client of clients) client.destroy();
        destroyClients(made);
        if (saved !== undefined) process.env.AWS_MAX_ATTEMPTS = saved;
      }
      const awsWorst = AWS_ATTEMPTS * ATTEMPT_DEADLINE_MS + sum(waits);
      // The documented bound holds, and is not loose by more than a second.
      expect(awsWorst).to.be.at.most(141_000);
      expect(awsWorst).to.be.above(140_000);
      expect(Math.max(...waits)).to.be.at.most(MAX_RETRY_DELAY_MS);
      // The Kubernetes client waits at most MAX_RETRY_DELAY_MS between attempts, Retry-After included (checked live below).
      const k8sWorst = KUBERNETES_ATTEMPTS * ATTEMPT_DEADLINE_MS + (KUBERNETES_ATTEMPTS - 1) * MAX_RETRY_DELAY_MS;
      expect(k8sWorst).to.equal(69_000);
      expect(2 * awsWorst).to.be.below(5 * 60_000);
      const docs = readFileSync(resolve(__dirname, "../../docs/cli.md"), "utf8");
      for (const text of ["15 s", "5 s", "8 attempts", "7 waits", "at most 3 s", "141 s", "282 s", "4 attempts", "3 waits × 3 s = **69 s**", DEADLINE_ENV]) expect(docs).to.include(text);
    });

    it("credentials: 120 s to resolve them (what docs/cli.md says), shortened by the variable in proportion", () => {
      expect(CREDENTIALS_DEADLINE_MS).to.equal(120_000);
      const cases: [string | undefined, number][] = [[undefined, 120_000], ["15000", 120_000], ["150", 1_200], ["1", 8], ["abc", 120_000], ["20000", 120_000]];
      for (const [raw, ms] of cases) expect(credentialsDeadlineMs(raw === undefined ? {} : { [DEADLINE_ENV]: raw }), String(raw)).to.equal(ms);
      const docs = readFileSync(resolve(__dirname, "../../docs/cli.md"), "utf8");
      expect(docs).to.include("| resolving the credentials, before the first call | **120 s** |");
    });

    const table: [string | undefined, number][] = [
      [undefined, 15_000],
      ["250", 250],
      [" 1000 ", 1000],
      ["15000", 15_000],
      ["15001", 15_000],
      ["0", 15_000],
      ["-5", 15_000],
      ["1.5", 15_000],
      ["2s", 15_000],
      ["", 15_000],
    ];
    for (const [value, ms] of table) {
      it(`${DEADLINE_ENV}=${JSON.stringify(value)} gives ${ms} ms (it can only shorten the deadline)`, () => {
        expect(attemptDeadlineMs(value === undefined ? {} : { [DEADLINE_ENV]: value })).to.equal(ms);
      });
    }

    it("every kind of AWS client the tool makes from its settings gets the answer check, the deadline and throwOnRequestTimeout", async () => {
      const saved = process.env[DEADLINE_ENV];
      delete process.env[DEADLINE_ENV];
      const settings = { ...RETRY_SETTINGS, region: "us-east-1" };
      const made = createClients({ region: "us-east-1" });
      const clients = [
        made.ecr,
        new ECSClient(made.sdkConfig),
        new LambdaClient(made.sdkConfig),
        new EKSClient(made.sdkConfig),
        new AppRunnerClient(made.sdkConfig),
        new BatchClient(made.sdkConfig),
        new STSClient(made.sdkConfig),
        new S3Client(settings),
        new SSMClient(settings),
        new SNSClient(settings),
      ];
      try {
        for (const client of clients) {
          // The answer check (answers.ts) wraps the deadline, so that reading an answer whole stays within it.
          const outer = client.config.requestHandler as unknown as AnswerCheckHandler;
          expect(outer, client.constructor.name).to.be.instanceOf(AnswerCheckHandler);
          const handler = (outer as unknown as { inner: DeadlineHandler }).inner;
          expect(handler, client.constructor.name).to.be.instanceOf(DeadlineHandler);
          expect((handler as unknown as { deadlineMs: number }).deadlineMs, client.constructor.name).to.equal(15_000);
          const inner = await (handler as unknown as { inner: { configProvider: Promise<Record<string, unknown>> } }).inner.configProvider;
          expect(inner, client.constructor.name).to.include({ throwOnRequestTimeout: true, requestTimeout: 15_000, connectionTimeout: 5_000, socketTimeout: 15_000 });
          expect(await client.config.maxAttempts(), client.constructor.name).to.equal(process.env.AWS_MAX_ATTEMPTS ? Number(process.env.AWS_MAX_ATTEMPTS) : 8);
        }
      } finally {
        for (const client of clients) client.destroy();
        destroyClients(made);
        if (saved !== undefined) process.env[DEADLINE_ENV] = saved;
      }
    });
  });

  describe("a throttled call", () => {
    it("against an endpoint that throttles every attempt and asks for 10 minutes (x-amz-retry-after), a call ends within the documented bound, scaled to 3 attempts", async () => {
      const server = await throttlingServer(600_000);
      const saved = { attempts: process.env.AWS_MAX_ATTEMPTS, deadline: process.env[DEADLINE_ENV] };
      process.env.AWS_MAX_ATTEMPTS = "3";
      process.env[DEADLINE_ENV] = String(TEST_DEADLINE_MS);
      const made = createClients({ region: "us-east-1" });
      const settings = { ...made.sdkConfig, endpoint: server.endpoint, credentials: { accessKeyId: "t", secretAccessKey: "t" } };
      const ecr = new ECRClient({ ...settings, retryStrategy: await made.ecr.config.retryStrategy() });
      const ecs = new ECSClient(settings);
      try {
        const started = Date.now();
        const errors = (await Promise.all([ecr.send(new DescribeRepositoriesCommand({})), ecs.send(new ListClustersCommand({}))].map((call) => call.then(() => expect.fail("answered"), (e: unknown) => e)))) as (Error & { $metadata: { attempts: number; totalRetryDelay: number } })[];
        const took = Date.now() - started;
        // docs/cli.md: attempts × the request deadline + (attempts − 1) waits of at most MAX_RETRY_DELAY_MS.
        const bound = 3 * TEST_DEADLINE_MS + 2 * MAX_RETRY_DELAY_MS;
        for (const err of errors) {
          expect(err.name).to.equal("ThrottlingException");
          expect(err.$metadata.attempts).to.equal(3);
          expect(err.$metadata.totalRetryDelay, "the SDK's own count of its waits").to.be.at.most(2 * MAX_RETRY_DELAY_MS);
        }
        expect(server.connections).to.equal(6);
        expect(took, "both calls, side by side").to.be.at.most(bound);
      } finally {
        ecr.destroy();
        ecs.destroy();
        destroyClients(made);
        await server.close();
        for (const [name, value] of [["AWS_MAX_ATTEMPTS", saved.attempts], [DEADLINE_ENV, saved.deadline]] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });
  });

  describe("a single request", () => {
    const servers: Closable[] = [];
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((s) => s.close()));
    });

    for (const kind of ["silent", "stall", "trickle"] as const) {
      it(`an AWS call to an endpoint that ${kind === "silent" ? "never answers" : `${kind}s its body`} fails with a TimeoutError naming the endpoint, after every attempt`, async () => {
        const server = kind === "silent" ? await silentServer() : await stallingServer(kind);
        servers.push(server);
        const saved = process.env[DEADLINE_ENV];
        process.env[DEADLINE_ENV] = String(TEST_DEADLINE_MS);
        const client = new ECRClient({ ...RETRY_SETTINGS, maxAttempts: 2, region: "us-east-1", endpoint: server.endpoint, credentials: { accessKeyId: "t", secretAccessKey: "t" } });
        try {
          const err = (await client.send(new DescribeRepositoriesCommand({})).then(
            () => expect.fail("answered"),
            (e: unknown) => e,
          )) as Error & { $metadata?: { attempts?: number } };
          expect(err.name).to.equal("TimeoutError");
          expect(err.message).to.include(server.endpoint);
          expect(err.message).to.include("DescribeRepositories");
          expect(server.connections).to.equal(2);
        } finally {
          client.destroy();
          if (saved === undefined) delete process.env[DEADLINE_ENV];
          else process.env[DEADLINE_ENV] = saved;
        }
      });
    }

    it("a Kubernetes list against an API server that answers every request 429 with Retry-After: 60 fails after every attempt, within the documented bound", async function () {
      this.timeout(60_000);
      const certificates = sharedServerCertificates();
      let requests = 0;
      const server = https.createServer({ key: certificates.keyPem, cert: certificates.certPem }, (_req, res) => {
        requests++;
        const body = JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message: "too many requests", reason: "TooManyRequests", code: 429 });
        res.writeHead(429, { "content-type": "application/json", "retry-after": "60" });
        res.end(body);
      });
      await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
      const endpoint = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      // The client's defaults (attempts, backoff and its cap); only the request deadline is scaled down.
      const client = new KubernetesClient({ name: "prod", endpoint, certificateAuthority: certificates.caPem, token: async () => "token" }, { requestTimeoutMs: TEST_DEADLINE_MS });
      const started = Date.now();
      try {
        const err = (await client.list("/api/v1/pods", () => []).then(
          () => expect.fail("answered"),
          (e: unknown) => e,
        )) as Error;
        const elapsed = Date.now() - started;
        expect(err.message).to.include(`429 TooManyRequests: too many requests (after ${KUBERNETES_ATTEMPTS} attempts)`);
        expect(requests).to.equal(KUBERNETES_ATTEMPTS);
        // docs/cli.md's bound, with the scaled deadline: the 60 s the server asks for are capped at MAX_RETRY_DELAY_MS.
        expect(elapsed).to.be.at.most(KUBERNETES_ATTEMPTS * TEST_DEADLINE_MS + (KUBERNETES_ATTEMPTS - 1) * MAX_RETRY_DELAY_MS);
      } finally {
        client.close();
        server.closeAllConnections();
        await new Promise((done) => server.close(done));
      }
    });

    for (const kind of ["silent", "stall", "trickle"] as const) {
      it(`a Kubernetes list against an API server that ${kind === "silent" ? "never answers" : `${kind}s its body`} fails naming the endpoint, after every attempt`, async () => {
        const certificates = sharedServerCertificates();
        const server = kind === "silent" ? await silentServer() : await stallingServer(kind, { key: certificates.keyPem, cert: certificates.certPem });
        servers.push(server);
        const endpoint = server.endpoint.replace(/^http:/, "https:");
        const client = new KubernetesClient(
          { name: "prod", endpoint, certificateAuthority: certificates.caPem, token: async () => "token" },
          { requestTimeoutMs: TEST_DEADLINE_MS, maxAttempts: 2, baseBackoffMs: 1, maxBackoffMs: 2 },
        );
        try {
          const err = (await client.list("/api/v1/pods", () => []).then(
            () => expect.fail("answered"),
            (e: unknown) => e,
          )) as Error;
          expect(err.message).to.include(endpoint);
          expect(err.message).to.match(/no answer within 400 ms|ETIMEDOUT/);
          expect(server.connections).to.equal(2);
        } finally {
          client.close();
        }
      });
    }
  });

  describe("a repository whose ECR connections are reset on every attempt", () => {
    let emulator: EcrEmulator;
    /** Per repository, oldest first: the newest survives the policy below, the rest are deleted. */
    const seeded = new Map<string, string[]>();
    const names = ["a-flaky", "bravo", "charlie"];

    beforeEach(async () => {
      emulator = await startEcrEmulator();
      seeded.clear();
      for (const name of names) {
        emulator.registry.createRepository(name);
        seeded.set(name, [10, 9, 8, 7, 6].map((age) => emulator.registry.putImage(name, { pushedAt: new Date(Date.parse(NOW) - age * DAY) }).digest));
      }
      // Every ECR call about a-flaky, every attempt: the connection is reset before ECR answers (a flaky link or
      // proxy, not a silent endpoint: each attempt fails at once).
      emulator.beforeOperation("*", ({ service, input }) => {
        if (service === "ecr" && (input as { repositoryName?: string }).repositoryName === "a-flaky") throw new DropConnection();
      });
    });
    afterEach(async () => {
      await emulator.stop();
    });

    it("fails that repository alone: the ones after it are cleaned and their deletions reported, exit 1", async () => {
      const config = writePolicyFile("- name: untagged\n  protected_period: 1\n  protected_count: 1\n  significant_tags: '*'\n");
      // One repository at a time, a-flaky first: every other repository starts after its failure.
      const run = await runCli(["--config", config, "--now", NOW, "--apply", "--output", "json", "--concurrency", "1"], { ...awsEnv(emulator.endpoint), AWS_MAX_ATTEMPTS: "3" });
      expect(run.code, run.stderr).to.equal(1);
      const report = JSON.parse(run.stdout) as {
        notReached: string[];
        errors: { repository?: string; code: string; message: string }[];
        repositories: { repository: string; deleted: number; images: { digest: string; outcome?: string }[] }[];
      };
      expect(report.notReached).to.deep.equal([]);
      expect(report.repositories.map((r) => [r.repository, r.deleted])).to.deep.equal([["a-flaky", 0], ["bravo", 4], ["charlie", 4]]);
      for (const name of ["bravo", "charlie"]) {
        const deleted = report.repositories.find((r) => r.repository === name)!.images.filter((l) => l.outcome === "deleted").map((l) => l.digest);
        expect(deleted.sort(), name).to.deep.equal(seeded.get(name)!.slice(0, 4).sort());
      }
      // The one error is a-flaky's, and says what happened: a reset, not an endpoint that let its deadline pass.
      expect(report.errors.map((e) => [e.repository, e.code])).to.deep.equal([["a-flaky", "ECONNRESET"]]);
      expect(report.errors[0].message).to.include(emulator.endpoint).and.to.include("the connection was reset");
      expect(report.errors[0].message).not.to.match(/did not answer/);
      expect(emulator.faults.injectedCount("drop-connection", "DescribeImages")).to.equal(3);
      // Nothing else deleted: a-flaky untouched, the newest image of the others kept.
      expect(emulator.registry.images("a-flaky").map((i) => i.digest).sort()).to.deep.equal([...seeded.get("a-flaky")!].sort());
      for (const name of ["bravo", "charlie"]) expect(emulator.registry.images(name).map((i) => i.digest), name).to.deep.equal(seeded.get(name)!.slice(4));
    });
  });

  describe("a whole run", () => {
    let emulator: EcrEmulator;
    let silent: Closable;
    let config: string;
    let digests: string[];

    beforeEach(async () => {
      emulator = await startEcrEmulator();
      silent = await silentServer();
      emulator.registry.createRepository("app");
      digests = [];
      for (let age = 40; age >= 1; age--) digests.push(emulator.registry.putImage("app", { pushedAt: new Date(Date.parse(NOW) - age * DAY) }).digest);
      config = writePolicyFile(`
- name: untagged
  protected_period: 1
  protected_count: 1
  significant_tags: '*'
`);
    });
    afterEach(async () => {
      await silent.close();
      await emulator.stop();
    });

    const env = (extra: NodeJS.ProcessEnv) => ({ ...awsEnv(emulator.endpoint), AWS_MAX_ATTEMPTS: "2", [DEADLINE_ENV]: String(TEST_DEADLINE_MS), ...extra });
    const survivors = () => emulator.registry.images("app").map((i) => i.digest).sort();

    it("the emulator run deletes without a silent endpoint (the runs below would delete)", async () => {
      const run = await runCli(["--config", config, "--now", NOW, "--apply"], env({}));
      expect(run.code, run.stderr).to.equal(0);
      expect(survivors().length).to.be.below(digests.length);
    });

    for (const service of ["ECR", "ECS", "LAMBDA", "EKS", "APPRUNNER", "BATCH"]) {
      it(`--apply with the ${service} endpoint silent ends with exit 1 naming it, and deletes nothing`, async () => {
        if (service === "EKS") await emulator.eks.createCluster({ name: "prod" });
        const run = await runCli(["--config", config, "--now", NOW, "--apply"], env({ [`AWS_ENDPOINT_URL_${service}`]: silent.endpoint }));
        expect(run.code, run.stderr).to.equal(1);
        expect(run.stderr).to.include(silent.endpoint);
        expect(silent.connections).to.be.at.least(2);
        expect(survivors()).to.deep.equal([...digests].sort());
        expect(emulator.faults.removals).to.deep.equal([]);
      });
    }

    it("--apply with another account's STS endpoint silent ends with exit 1 naming it, and deletes nothing", async () => {
      const withAccount = writePolicyFile(`
settings:
  in_use:
    accounts:
      - role_arn: arn:aws:iam::210987654321:role/reader
policies:
  - name: untagged
    protected_period: 1
    protected_count: 1
    significant_tags: '*'
`);
      const run = await runCli(["--config", withAccount, "--now", NOW, "--apply"], env({ AWS_ENDPOINT_URL_STS: silent.endpoint }));
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stderr).to.include(silent.endpoint);
      expect(survivors()).to.deep.equal([...digests].sort());
    });

    it("--apply with an EKS cluster's API server silent ends with exit 1 naming it, and deletes nothing", async () => {
      const cluster = await emulator.eks.createCluster({ name: "prod" });
      cluster.describedEndpoint = silent.endpoint.replace(/^http:/, "https:");
      const run = await runCli(["--config", config, "--now", NOW, "--apply"], env({}));
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stderr).to.include(cluster.describedEndpoint);
      expect(survivors()).to.deep.equal([...digests].sort());
    });

    for (const how of ["stall", "trickle"] as const) {
      it(`a run against an ECR endpoint that ${how}s its answers' bodies ends with exit 1 naming it`, async () => {
        const stalling = await stallingServer(how);
        try {
          const run = await runCli(["--config", config, "--now", NOW, "--apply"], env({ AWS_ENDPOINT_URL_ECR: stalling.endpoint }));
          expect(run.code, run.stderr).to.equal(1);
          expect(run.stderr).to.include(stalling.endpoint);
        } finally {
          await stalling.close();
        }
      });
    }

    describe("the Lambda handler, made as the deployed one is", () => {
      const saved = { ...process.env };
      afterEach(() => {
        process.env = { ...saved };
      });
      // The deployed handler's dependencies (runtime/lambda/handler.ts), made per test rather than once per process.
      const deployedHandler = () =>
        createHandler({ env: () => process.env, clients: () => createClients(), ssm: () => new SSMClient(RETRY_SETTINGS), clock: () => new Date(NOW) });
      const lambdaEnv = (extra: NodeJS.ProcessEnv) => {
        Object.assign(process.env, env(extra), {
          [CONFIG_ENV]: JSON.stringify({ policies: [{ name: "untagged", protected_period: 1, protected_count: 1, significant_tags: "*" }] }),
          [DRY_RUN_ENV]: "false",
        });
      };

      it("with the ECR endpoint silent, ends with the error naming it and deletes nothing", async () => {
        lambdaEnv({ AWS_ENDPOINT_URL_ECR: silent.endpoint });
        const { result } = await captureLog(() => deployedHandler()({}, lambdaContext()));
        expect(JSON.stringify(result.errors)).to.include(silent.endpoint);
        expect(result.summary.deleted).to.equal(0);
        expect(survivors()).to.deep.equal([...digests].sort());
      });

      it("with the ECS endpoint silent, ends with the error naming it and deletes nothing", async () => {
        lambdaEnv({ AWS_ENDPOINT_URL_ECS: silent.endpoint });
        const { result } = await captureLog(() => deployedHandler()({}, lambdaContext()));
        expect(JSON.stringify(result.errors)).to.include(silent.endpoint);
        expect(survivors()).to.deep.equal([...digests].sort());
      });

      it("with the SSM endpoint of its cursor silent, ends, its warnings naming it (the cursor is not a source: the run goes on)", async () => {
        lambdaEnv({ AWS_ENDPOINT_URL_SSM: silent.endpoint, [CURSOR_PARAMETER_ENV]: "/ecr-cleanup/cursor" });
        const { result } = await captureLog(() => deployedHandler()({}, lambdaContext()));
        expect(JSON.stringify(result.warnings)).to.include(silent.endpoint);
        expect(silent.connections).to.be.at.least(2);
      });
    });
  });
});
