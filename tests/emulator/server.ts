/**
 * An in-process HTTP emulator of Amazon ECR for the real AWS SDK, which also serves the ECS and Lambda reads that
 * in-use detection makes, on the same endpoint. It speaks the JSON 1.1 protocol (POST /, X-Amz-Target:
 * <prefix>.<Operation>: ECR, ECS) and REST-JSON (method and path: Lambda), ignores signatures but reads the region
 * and access key from the credential scope, and routes by a table keyed by target prefix and by a list of REST
 * routes (registerJsonService / registerRestRoute).
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { APP_RUNNER_ERRORS, APP_RUNNER_TARGET_PREFIX, appRunnerOperations, AppRunnerState } from "./apprunner";
import { BatchState, batchRoutes } from "./batch";
import { EcsState } from "./ecs";
import { EksState } from "./eks";
import { eksRoutes } from "./eks-operations";
import type { KnownCredentials } from "./eks-token";
import { ECS_TARGET_PREFIX, ecsOperations } from "./ecs-operations";
import { DropConnection, Faults, type FaultKind, type OperationHook, type Unanswered } from "./faults";
import { getPath, PAGED_OPERATIONS, setPath } from "./odd-pages";
import { LambdaState } from "./lambda";
import { lambdaRoutes } from "./lambda-operations";
import { ECR_TARGET_PREFIX, ecrOperations } from "./operations";
import {
  AwsError,
  JSON_PROTOCOL_ERRORS,
  serializationError,
  type Json,
  type JsonOperation,
  type ProtocolErrors,
  type RequestContext,
} from "./protocol";
import { Registry } from "./registry";
import { queryError, queryResponse, StsState, type CallerIdentity } from "./sts";

export interface EmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default region: the registry of unsigned requests and of `emulator.registry`. */
  region?: string;
  account?: string;
  /** Initial clock; replace it any time with `emulator.clock = ...`. */
  clock?: () => Date;
}

/** A REST-JSON route (Lambda-style: the operation is named by method and path). */
export interface RestRoute {
  operation: string;
  method: string;
  path: RegExp;
  /** `params` are the path's named groups, percent-decoded. */
  handle(req: { params: Record<string, string>; query: URLSearchParams; body: Json }, ctx: RequestContext): unknown;
  /** The service's own throttling and server errors (injected faults, emulator bugs); JSON 1.1's by default. */
  errors?: ProtocolErrors;
  /** The service's IAM prefix, for hooks (set when the emulator registers its own routes). */
  service?: string;
}

interface Resolved {
  operation: string;
  /** The service's IAM prefix. */
  service: string;
  run: (body: Json, ctx: RequestContext) => unknown;
  contentType: string;
  /** REST-JSON: errors are sent as their `details.body` (or `{message}`), not as `{__type, message}`. */
  rest: boolean;
  /** What hooks and the request log see: the body, and for a REST route its path and query parameters too. */
  input: (body: Json) => Json;
  errors: ProtocolErrors;
}

const JSON_11 = "application/x-amz-json-1.1";

/** The IAM principal a caller acts as: an assumed role's session is its role (as ECR's exclusion list names it). */
function principalArn(callerArn: string): string {
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : callerArn;
}
/** The IAM prefix of each JSON-protocol service, by its X-Amz-Target prefix. */
const JSON_SERVICE_PREFIXES: Record<string, string> = { [ECR_TARGET_PREFIX]: "ecr", [ECS_TARGET_PREFIX]: "ecs", [APP_RUNNER_TARGET_PREFIX]: "apprunner" };
// "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1", or "...@sha256:..."
const ECR_IMAGE_URI =
  /^(?<host>(?<account>\d{12})\.dkr\.ecr\.(?<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?)\/(?<repo>[^:@]+)(?::(?<tag>[^@]+))?(?:@(?<digest>.+))?$/;
// "Credential=AKID/20240101/us-east-1/ecr/aws4_request"
const CREDENTIAL = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/;

export class EcrEmulator {
  readonly account: string;
  readonly region: string;
  readonly faults = new Faults();
  /** Access key ids whose BatchGetImage calls do not refresh lastRecordedPullTime (ECR pull-time update exclusions). */
  readonly pullTimeUpdateExclusions = new Set<string>();
  /** STS callers by access key id; any other key is a user of this emulator's account named after the key. */
  readonly identities = new Map<string, CallerIdentity>();
  /** The emulator clock: push, pull and creation times. */
  clock: () => Date;
  endpoint = "";
  port = 0;

  private readonly registries = new Map<string, Registry>();
  private readonly ecsStates = new Map<string, EcsState>();
  private readonly lambdaStates = new Map<string, LambdaState>();
  private readonly appRunnerStates = new Map<string, AppRunnerState>();
  private readonly batchStates = new Map<string, BatchState>();
  private readonly eksStates = new Map<string, EksState>();
  /**
   * The credentials the emulated STS knows, by access key id: an EKS cluster's API server accepts a token only when
   * it recomputes its signature with the secret here. `test`/`test` (what the tests sign with) by default.
   */
  readonly knownCredentials = new Map<string, KnownCredentials>([["test", { secretAccessKey: "test" }]]);
  /** The account an access key belongs to, where it is not this emulator's own (keys that another account's role gave). */
  readonly accessKeyAccounts = new Map<string, string>();
  /** STS: roles that may be assumed, and AssumeRole's sessions (which other services answer as the role's account). */
  readonly sts = new StsState({
    identityOf: (key) => this.identityOf(key),
    remember: (keys) => {
      this.identities.set(keys.accessKeyId, { account: keys.account, arn: keys.arn, userId: `AROA${keys.accessKeyId.slice(4)}` });
      this.accessKeyAccounts.set(keys.accessKeyId, keys.account);
      this.knownCredentials.set(keys.accessKeyId, { secretAccessKey: keys.secretAccessKey, sessionToken: keys.sessionToken });
    },
    clock: () => this.clock(),
  });
  private readonly jsonServices = new Map<string, Record<string, JsonOperation>>();
  /** A JSON service's own throttling and server errors, where they are not JSON 1.1's (App Runner). */
  private readonly jsonErrors = new Map<string, ProtocolErrors>();
  private readonly restRoutes: RestRoute[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;

  constructor(options: EmulatorOptions = {}) {
    this.account = options.account ?? "123456789012";
    this.region = options.region ?? "us-east-1";
    this.clock = options.clock ?? (() => new Date());
    this.server = http.createServer((req, res) => void this.serve(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    this.registerJsonService(
      ECR_TARGET_PREFIX,
      ecrOperations({
        registryFor: (region) => this.registryFor(region),
        digestFailure: (repo, digest) => this.faults.digestFailure(repo, digest),
        unanswered: (repo, digest) => this.faults.unanswered(repo, digest),
        recordRemoval: (record) => this.faults.recordRemoval(record),
        pullTimeExcluded: (key) => key !== undefined && this.pullTimeUpdateExclusions.has(key),
        pullTimeExclusionArns: () => [...this.pullTimeUpdateExclusions].map((key) => principalArn(this.identityOf(key).arn)),
      }),
    );
    this.registerJsonService(ECS_TARGET_PREFIX, ecsOperations({ ecsFor: (region, key) => this.ecsFor(region, this.accountOf(key)) }));
    for (const route of lambdaRoutes({ lambdaFor: (region, key) => this.lambdaFor(region, this.accountOf(key)) })) this.registerRestRoute({ ...route, service: "lambda" });
    this.registerJsonService(APP_RUNNER_TARGET_PREFIX, appRunnerOperations({ appRunnerFor: (ctx) => this.appRunnerFor(ctx.region, this.accountOf(ctx.accessKeyId)) }));
    this.jsonErrors.set(APP_RUNNER_TARGET_PREFIX, APP_RUNNER_ERRORS);
    for (const route of batchRoutes({ batchFor: (ctx) => this.batchFor(ctx.region, this.accountOf(ctx.accessKeyId)) })) this.registerRestRoute({ ...route, service: "batch" });
    const eksOf = (ctx: RequestContext) => this.eksFor(ctx.region, this.accountOf(ctx.accessKeyId));
    for (const route of eksRoutes({ eksFor: eksOf })) this.registerRestRoute({ ...route, service: "eks" });
  }

  /** The default region's registry: seed and inspect state here. */
  get registry(): Registry {
    return this.registryFor(this.region);
  }

  /** Each region has its own registry, as in AWS; created empty on first use. */
  registryFor(region: string): Registry {
    return perRegion(this.registries, region, () => new Registry(this.account, region, () => this.clock()));
  }

  /** The default region's ECS state (clusters, task definitions, tasks, services): seed and inspect it here. */
  get ecs(): EcsState {
    return this.ecsFor(this.region);
  }

  /** ECS state is per account and region, as in AWS; created empty on first use. */
  ecsFor(region: string, account: string = this.account): EcsState {
    return perRegion(this.ecsStates, `${account}/${region}`, () => new EcsState(account, region, () => this.clock()));
  }

  /** The account an access key belongs to: a session's (sts.ts), or this emulator's own for any other key. */
  accountOf(accessKeyId: string | undefined): string {
    return (accessKeyId && this.accessKeyAccounts.get(accessKeyId)) || this.account;
  }

  /** The default account and region's App Runner services. */
  get appRunner(): AppRunnerState {
    return this.appRunnerFor(this.region);
  }

  appRunnerFor(region: string, account: string = this.account): AppRunnerState {
    return perRegion(this.appRunnerStates, `${account}/${region}`, () => new AppRunnerState(account, region, () => this.clock()));
  }

  /** The default account and region's AWS Batch job definitions. */
  get batch(): BatchState {
    return this.batchFor(this.region);
  }

  batchFor(region: string, account: string = this.account): BatchState {
    return perRegion(this.batchStates, `${account}/${region}`, () => new BatchState(account, region));
  }

  /** The default region's Lambda functions: seed and inspect them here. */
  get lambda(): LambdaState {
    return this.lambdaFor(this.region);
  }

  /** Lambda functions are per account and region, as in AWS; created empty on first use. */
  lambdaFor(region: string, account: string = this.account): LambdaState {
    return perRegion(
      this.lambdaStates,
      `${account}/${region}`,
      () => new LambdaState(account, region, () => this.clock(), (uri) => this.resolveEcrImage(uri)),
    );
  }

  /** The default account and region's EKS clusters: create them (each starts its API server) and seed them here. */
  get eks(): EksState {
    return this.eksFor(this.region);
  }

  /** EKS state is per account and region, as in AWS; created empty on first use. */
  eksFor(region: string, account: string = this.account): EksState {
    return perRegion(this.eksStates, `${account}/${region}`, () => new EksState(account, region, () => this.clock(), (key) => this.knownCredentials.get(key)));
  }

  /** `host/repo@digest` of the image an ECR image URI names in this emulator's registries, if it names one. */
  private resolveEcrImage(uri: string): string | undefined {
    const m = ECR_IMAGE_URI.exec(uri);
    if (!m || m.groups!.account !== this.account) return undefined;
    const { host, region, repo, tag, digest } = m.groups!;
    const registry = this.registryFor(region);
    const stored = registry.repository(repo);
    const image = stored && registry.resolve(stored, digest ?? tag ?? "latest");
    return image && `${host}/${repo}@${image.digest}`;
  }

  /** Who STS says the holder of an access key is. */
  identityOf(accessKeyId: string): CallerIdentity {
    return this.identities.get(accessKeyId) ?? { account: this.account, arn: `arn:aws:iam::${this.account}:user/${accessKeyId}`, userId: `AIDA${accessKeyId.toUpperCase()}` };
  }

  /** Adds (or extends) a JSON-protocol service, e.g. `AmazonEC2ContainerServiceV20141113` for ECS. */
  registerJsonService(targetPrefix: string, operations: Record<string, JsonOperation>): void {
    this.jsonServices.set(targetPrefix, { ...this.jsonServices.get(targetPrefix), ...operations });
  }

  registerRestRoute(route: RestRoute): void {
    this.restRoutes.push(route);
  }

  // ---- fault controls (see faults.ts), here for convenience ----

  get calls(): Record<string, number> {
    return this.faults.calls;
  }
  setLatency(opOrMs: string | number, ms?: number): void {
    if (typeof opOrMs === "number") this.faults.setLatency(opOrMs);
    else this.faults.setLatency(opOrMs, ms ?? 0);
  }
  throttle(op: string, callsPerSecond: number | null, burst?: number): void {
    this.faults.throttle(op, callsPerSecond, burst);
  }
  failNext(op: string, count: number, kind: FaultKind): void {
    this.faults.failNext(op, count, kind);
  }
  failDigests(repo: string, digests: readonly string[], failureCode: string, failureReason?: string): void {
    this.faults.failDigests(repo, digests, failureCode, failureReason);
  }
  leaveUnanswered(repo: string, digests: readonly string[], how: Unanswered): void {
    this.faults.leaveUnanswered(repo, digests, how);
  }
  beforeOperation(op: string, hook: OperationHook, opts?: { once?: boolean }): () => void {
    return this.faults.beforeOperation(op, hook, opts);
  }
  clearHooks(): void {
    this.faults.clearHooks();
  }
  /** Clears faults, hooks and counters (not the state: `registry.clear()`, `ecs.clear()`, `lambda.clear()` do that). */
  reset(): void {
    this.faults.reset();
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.endpoint = `http://127.0.0.1:${this.port}`;
  }

  /** Closes the server and every open socket (the SDK keeps connections alive). */
  async stop(): Promise<void> {
    await Promise.all([...this.eksStates.values()].map((eks) => eks.clear()));
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body: string;
    try {
      body = await readBody(req);
    } catch {
      return;
    }
    const credential = CREDENTIAL.exec(String(req.headers.authorization ?? ""));
    if (String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return this.serveQuery(req, res, body, { region: credential?.[2] ?? this.region, accessKeyId: credential?.[1] });
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const resolved = this.resolve(req, url);
    if (!resolved) {
      const target = req.headers["x-amz-target"] ?? `${req.method} ${url.pathname}`;
      const unknown = new AwsError("UnknownOperationException", `Unknown operation ${String(target)}`);
      return send(res, { contentType: JSON_11, rest: false }, unknown);
    }
    const { operation } = resolved;
    const ctx: RequestContext = { operation, region: credential?.[2] ?? this.region, accessKeyId: credential?.[1] };
    let input: Json = {};
    let fault: FaultKind | undefined;
    try {
      const parsed = parseBody(body);
      input = resolved.input(parsed);
      const delay = this.faults.latencyFor(operation);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      fault = this.faults.takeFault(operation);
      if (fault && fault !== "drop-after-acting") {
        this.faults.record(operation, input, fault);
        return inject(fault, req, res, resolved);
      }
      await this.faults.runHooks({ operation, input, region: ctx.region, service: resolved.service, account: this.accountOf(ctx.accessKeyId) });
      const odd = this.oddPaging(resolved, url, parsed);
      if (odd?.overCap()) throw resolved.errors.server("The emulator's odd list was asked for too many pages");
      const oddAnswer = this.oddAnswering(resolved, url, parsed);
      const output = odd ? odd.serve(await resolved.run(parsed, ctx)) : await resolved.run(parsed, ctx);
      if (fault) return dropAfterActing(req, () => this.faults.record(operation, input, fault!));
      const oddBody = oddAnswer?.(output ?? {});
      if (oddBody !== undefined) {
        this.faults.record(operation, input, "odd-answer");
        return sendRaw(res, resolved.contentType, oddBody);
      }
      this.faults.record(operation, input, "ok");
      send(res, resolved, output ?? {});
    } catch (err) {
      if (err instanceof DropConnection) {
        this.faults.recordDrop(operation, input);
        req.socket.destroy();
        return;
      }
      const error = err instanceof AwsError ? err : internalError(err, resolved.errors);
      // The error response is lost too.
      if (fault) return dropAfterActing(req, () => this.faults.record(operation, input, fault!));
      this.faults.record(operation, input, error.code);
      send(res, resolved, error);
    }
  }

  /**
   * When a test made this operation's answers odd (Faults.oddAnswers): the request's page size shrunk for it, and
   * what gives the body to answer with instead of the output.
   */
  private oddAnswering(resolved: Resolved, url: URL, body: Json): ((output: unknown) => string | undefined) | undefined {
    const operation = operationKey(resolved);
    const odd = this.faults.oddAnswersOf(operation);
    if (!odd) return undefined;
    const fields = PAGED_OPERATIONS[operation];
    const params = fields?.location === "query" ? undefined : (body as Record<string, unknown>);
    const token = fields ? (params ? params[fields.request] : url.searchParams.get(fields.request)) : undefined;
    if (fields) {
      const asked = params ? params[fields.size] : url.searchParams.get(fields.size);
      const size = odd.size(asked === undefined || asked === null ? undefined : Number(asked));
      if (size !== undefined) {
        if (params) params[fields.size] = size;
        else url.searchParams.set(fields.size, String(size));
      }
    }
    return (output) => odd.body(operation, output, typeof token === "string" && token !== "");
  }

  /**
   * When a test made this list odd (Faults.oddPages): the request's token and page size rewritten for it, and what
   * turns the answer's token odd.
   */
  private oddPaging(resolved: Resolved, url: URL, body: Json): { overCap(): boolean; serve(output: unknown): unknown } | undefined {
    const list = operationKey(resolved);
    const odd = this.faults.oddPagesOf(list);
    const fields = PAGED_OPERATIONS[list];
    if (!odd || !fields) return undefined;
    const read = (name: string) => (fields.location === "query" ? (url.searchParams.get(name) ?? undefined) : (body as Record<string, unknown>)[name]);
    const write = (name: string, value: string | number | undefined) => {
      if (fields.location === "query") {
        if (value === undefined) url.searchParams.delete(name);
        else url.searchParams.set(name, String(value));
      } else {
        (body as Record<string, unknown>)[name] = value;
      }
    };
    const asked = read(fields.request);
    const askedToken = typeof asked === "string" ? asked : undefined;
    write(fields.request, odd.incoming(askedToken));
    const size = read(fields.size);
    write(fields.size, odd.size(size === undefined ? undefined : Number(size)));
    return {
      overCap: () => odd.overCap(),
      serve: (output) => {
        const answer = (output ?? {}) as Record<string, unknown>;
        const next = getPath(answer, fields.response);
        setPath(answer, fields.response, odd.outgoing(askedToken, typeof next === "string" && next !== "" ? next : undefined));
        return answer;
      },
    };
  }

  /** STS's Query protocol: `Action` names the operation; answers and errors in XML. Faults apply as to the others. */
  private async serveQuery(req: http.IncomingMessage, res: http.ServerResponse, body: string, who: { region: string; accessKeyId?: string }): Promise<void> {
    const params = new URLSearchParams(body);
    const operation = params.get("Action") ?? "";
    const input = Object.fromEntries(params);
    const requestId = randomUUID();
    const reply = (status: number, xml: string) => {
      res.writeHead(status, { "Content-Type": "text/xml", "Content-Length": Buffer.byteLength(xml), "x-amzn-RequestId": requestId });
      res.end(xml);
    };
    const delay = this.faults.latencyFor(operation);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const fault = this.faults.takeFault(operation);
    if (fault === "drop-connection" || fault === "drop-after-acting") {
      this.faults.record(operation, input, fault);
      req.socket.destroy();
      return;
    }
    if (fault) {
      this.faults.record(operation, input, fault);
      const error = fault === "throttle" ? new AwsError("Throttling", "Rate exceeded", 400) : new AwsError("InternalFailure", "Injected server error", 500);
      return reply(error.status, queryError(error, requestId));
    }
    try {
      await this.faults.runHooks({ operation, input, region: who.region, service: "sts", account: this.accountOf(who.accessKeyId) });
      const inner = this.sts.handle(operation, params, who.accessKeyId);
      this.faults.record(operation, input, "ok");
      reply(200, queryResponse(operation, inner, requestId));
    } catch (err) {
      if (err instanceof DropConnection) {
        this.faults.recordDrop(operation, input);
        req.socket.destroy();
        return;
      }
      const error = err instanceof AwsError ? err : new AwsError("InternalFailure", `Emulator error: ${(err as Error).message}`, 500);
      this.faults.record(operation, input, error.code);
      reply(error.status, queryError(error, requestId));
    }
  }

  private resolve(req: http.IncomingMessage, url: URL): Resolved | undefined {
    const target = req.headers["x-amz-target"];
    if (typeof target === "string") {
      const dot = target.lastIndexOf(".");
      const operation = target.slice(dot + 1);
      const run = this.jsonServices.get(target.slice(0, dot))?.[operation];
      const errors = this.jsonErrors.get(target.slice(0, dot)) ?? JSON_PROTOCOL_ERRORS;
      const service = JSON_SERVICE_PREFIXES[target.slice(0, dot)] ?? target.slice(0, dot);
      return req.method === "POST" && run ? { operation, service, run, contentType: JSON_11, rest: false, input: (body) => body, errors } : undefined;
    }
    for (const route of this.restRoutes) {
      const match = req.method === route.method ? route.path.exec(url.pathname) : null;
      if (match) {
        const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, percentDecoded(v)]));
        return {
          operation: route.operation,
          service: route.service ?? "unknown",
          run: (body, ctx) => route.handle({ params, query: url.searchParams, body }, ctx),
          contentType: "application/json",
          rest: true,
          input: (body) => ({ ...params, ...Object.fromEntries(url.searchParams), ...body }),
          errors: route.errors ?? JSON_PROTOCOL_ERRORS,
        };
      }
    }
    return undefined;
  }
}

export async function startEcrEmulator(options: EmulatorOptions = {}): Promise<EcrEmulator> {
  const emulator = new EcrEmulator(options);
  await emulator.listen(options.port ?? 0);
  return emulator;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseBody(body: string): Json {
  if (body.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw serializationError("Request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw serializationError("Request body is not a JSON object");
  return parsed as Json;
}

function perRegion<T>(states: Map<string, T>, region: string, create: () => T): T {
  let state = states.get(region);
  if (!state) {
    state = create();
    states.set(region, state);
  }
  return state;
}

function percentDecoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** `service/Operation` (`ecs/ListClusters`): REST routes name their operation with the IAM prefix (`eks:ListClusters`). */
function operationKey(resolved: Pick<Resolved, "service" | "operation">): string {
  return `${resolved.service}/${resolved.operation.replace(/^[a-z0-9-]+:/, "")}`;
}

/** A 200 answer with exactly `body`, in the protocol's content type. */
function sendRaw(res: http.ServerResponse, contentType: string, body: string): void {
  res.writeHead(200, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body, "utf8"), "x-amzn-RequestId": randomUUID() });
  res.end(body);
}

function internalError(err: unknown, errors: ProtocolErrors): AwsError {
  // An emulator bug: say so loudly, and answer as the service answers a server-side failure.
  console.error("ecr emulator: unexpected error", err);
  return errors.server(`Emulator error: ${err instanceof Error ? err.message : String(err)}`);
}

/** The operation took effect; its answer is lost: the connection is reset before any byte of it is sent. */
function dropAfterActing(req: http.IncomingMessage, record: () => void): void {
  record();
  req.socket.destroy();
}

function inject(fault: FaultKind, req: http.IncomingMessage, res: http.ServerResponse, resolved: Resolved): void {
  if (fault === "drop-connection") {
    req.socket.destroy();
  } else if (fault === "throttle") {
    // What the service returns when a rate is exceeded; the SDK classifies it as throttling.
    send(res, resolved, resolved.errors.throttle());
  } else {
    send(res, resolved, resolved.errors.server("Injected server error"));
  }
}

function send(res: http.ServerResponse, protocol: Pick<Resolved, "contentType" | "rest">, payload: unknown): void {
  const error = payload instanceof AwsError ? payload : undefined;
  const errorBody = error && (protocol.rest ? (error.details.body ?? { message: error.message }) : { __type: error.code, message: error.message });
  const text = JSON.stringify(errorBody ?? payload);
  const headers: http.OutgoingHttpHeaders = {
    "Content-Type": protocol.contentType,
    "Content-Length": Buffer.byteLength(text, "utf8"),
    "x-amzn-RequestId": randomUUID(),
  };
  if (error) headers["x-amzn-ErrorType"] = error.code;
  res.writeHead(error ? error.status : 200, headers);
  res.end(text);
}
