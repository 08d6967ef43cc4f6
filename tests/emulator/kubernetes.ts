/**
 * An emulated Kubernetes API server for one EKS cluster: HTTPS on 127.0.0.1 with a certificate its own CA signs,
 * bearer tokens checked as EKS checks them (eks-token.ts), and the cluster-wide list endpoints the EKS source
 * reads (pods; Deployments, StatefulSets, DaemonSets, ReplicaSets; Jobs, CronJobs) with the API's chunking: `limit`
 * and `continue`, a consistent snapshot per list, `metadata.remainingItemCount`, and a continue token that can be
 * made to expire (410 Gone, reason Expired, with a fresh token in the Status as the real server gives).
 * Failures are Kubernetes Status objects. Faults: 401 (the token maps to no identity), 403 (RBAC forbids a
 * resource), 429 with Retry-After, 5xx, dropped connections, latency; every request is counted.
 */
import { randomUUID } from "node:crypto";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { ServerCertificates } from "./certificates";
import { checkEksToken, type KnownCredentials } from "./eks-token";
import { getPath, type OddPages, setPath } from "./odd-pages";

export type ResourceKind = "pods" | "deployments" | "statefulsets" | "daemonsets" | "replicasets" | "replicationcontrollers" | "jobs" | "cronjobs" | "controllerrevisions";

const RESOURCES: Record<string, { kind: ResourceKind; listKind: string; apiVersion: string }> = {
  "/api/v1/pods": { kind: "pods", listKind: "PodList", apiVersion: "v1" },
  "/apis/apps/v1/deployments": { kind: "deployments", listKind: "DeploymentList", apiVersion: "apps/v1" },
  "/apis/apps/v1/statefulsets": { kind: "statefulsets", listKind: "StatefulSetList", apiVersion: "apps/v1" },
  "/apis/apps/v1/daemonsets": { kind: "daemonsets", listKind: "DaemonSetList", apiVersion: "apps/v1" },
  "/apis/apps/v1/replicasets": { kind: "replicasets", listKind: "ReplicaSetList", apiVersion: "apps/v1" },
  "/api/v1/replicationcontrollers": { kind: "replicationcontrollers", listKind: "ReplicationControllerList", apiVersion: "v1" },
  "/apis/batch/v1/jobs": { kind: "jobs", listKind: "JobList", apiVersion: "batch/v1" },
  "/apis/batch/v1/cronjobs": { kind: "cronjobs", listKind: "CronJobList", apiVersion: "batch/v1" },
  "/apis/apps/v1/controllerrevisions": { kind: "controllerrevisions", listKind: "ControllerRevisionList", apiVersion: "apps/v1" },
};

/** `not-a-list`: 200 with a body that is no list (a Status of Success), as a broken proxy or server might answer. */
export type ApiFault = "unauthorized" | "throttle" | "server-error" | "unavailable" | "drop-connection" | "not-a-list";

export interface ContainerSeed {
  name?: string;
  image: string;
  /** The status's imageID: `docker-pullable://…@sha256:…`, `…@sha256:…`; none while the image is being pulled. */
  imageID?: string;
}

export interface PodSeed {
  namespace?: string;
  name: string;
  phase?: "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";
  containers: ContainerSeed[];
  initContainers?: ContainerSeed[];
  ephemeralContainers?: ContainerSeed[];
}

export interface TemplateSeed {
  namespace?: string;
  name: string;
  images: string[];
  initImages?: string[];
  /** Deployments, StatefulSets, ReplicaSets: spec.replicas (0 for an old ReplicaSet). */
  replicas?: number;
}

export interface ApiRequestRecord {
  path: string;
  query: Record<string, string>;
  status: number;
  /** performance.now() when the request arrived and when its answer was sent (or the connection dropped). */
  arrivedAt: number;
  answeredAt?: number;
}

interface Snapshot {
  id: string;
  path: string;
  items: unknown[];
  resourceVersion: string;
  /** performance.now() when the list's first page was answered from it. */
  takenAt: number;
}

function status(code: number, reason: string, message: string, extra: Record<string, unknown> = {}): { code: number; body: unknown } {
  return { code, body: { kind: "Status", apiVersion: "v1", metadata: extra.metadata ?? {}, status: "Failure", message, reason, ...(extra.details ? { details: extra.details } : {}), code } };
}

export class KubernetesApiServer {
  /** Objects by resource, keyed `namespace/name` (the order etcd lists them in). */
  private readonly objects = new Map<ResourceKind, Map<string, unknown>>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly sockets = new Set<Duplex>();
  private readonly server: https.Server;
  private resourceVersion = 1000;
  private readonly faults: { fault: ApiFault; count: number; path?: string }[] = [];
  private expireContinues = 0;
  /** Resources RBAC forbids the cleaner to list (403). */
  readonly forbidden = new Set<ResourceKind>();
  /** Access keys the authenticator maps to an identity; undefined: every key the emulator knows. */
  authorizedAccessKeys?: Set<string>;
  latencyMs = 0;
  /** Every list serves pages that cannot be trusted, as this says (tests/emulator/odd-pages.ts). */
  oddPages?: OddPages;
  /**
   * A continue token older than this (ms since its list's first page) is expired, as etcd compaction expires the
   * real server's (every 5 minutes by default); undefined: never by age.
   */
  continueTokenTtlMs?: number;
  endpoint = "";
  readonly requests: ApiRequestRecord[] = [];
  /** Why tokens were refused, newest last. */
  readonly tokenFailures: string[] = [];

  constructor(
    readonly clusterName: string,
    readonly certificates: ServerCertificates,
    private readonly knownCredentials: (accessKeyId: string) => KnownCredentials | undefined,
    /** The token check's clock; the real time by default (tokens are signed with it). */
    public tokenClock: () => Date = () => new Date(),
  ) {
    for (const { kind } of Object.values(RESOURCES)) this.objects.set(kind, new Map());
    this.server = https.createServer({ key: certificates.keyPem, cert: certificates.certPem }, (req, res) => void this.serve(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    this.endpoint = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  // ---- seeding ----

  /** Stores an object as the API returns it (metadata.namespace and metadata.name required). */
  put(kind: ResourceKind, object: { metadata: { namespace?: string; name: string } & Record<string, unknown> } & Record<string, unknown>): void {
    const namespace = object.metadata.namespace ?? "default";
    const stored = { ...object, metadata: { uid: randomUUID(), resourceVersion: String(++this.resourceVersion), ...object.metadata, namespace } };
    this.objects.get(kind)!.set(`${namespace}/${object.metadata.name}`, stored);
  }

  remove(kind: ResourceKind, namespace: string, name: string): void {
    this.objects.get(kind)!.delete(`${namespace}/${name}`);
    this.resourceVersion++;
  }

  addPod(seed: PodSeed): void {
    const phase = seed.phase ?? "Running";
    const spec = (list: ContainerSeed[] | undefined, prefix: string) => (list ?? []).map((c, i) => ({ name: c.name ?? `${prefix}${i}`, image: c.image }));
    const statuses = (list: ContainerSeed[] | undefined, prefix: string) =>
      (list ?? []).map((c, i) => ({
        name: c.name ?? `${prefix}${i}`,
        image: c.image,
        imageID: c.imageID ?? "",
        ready: phase === "Running",
        restartCount: 0,
        state: phase === "Running" ? { running: { startedAt: "2026-01-01T00:00:00Z" } } : { waiting: { reason: "ContainerCreating" } },
      }));
    this.put("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { namespace: seed.namespace, name: seed.name },
      spec: {
        containers: spec(seed.containers, "c"),
        ...(seed.initContainers ? { initContainers: spec(seed.initContainers, "init") } : {}),
        ...(seed.ephemeralContainers ? { ephemeralContainers: spec(seed.ephemeralContainers, "debug") } : {}),
      },
      status: {
        phase,
        containerStatuses: statuses(seed.containers, "c"),
        ...(seed.initContainers ? { initContainerStatuses: statuses(seed.initContainers, "init") } : {}),
        ...(seed.ephemeralContainers ? { ephemeralContainerStatuses: statuses(seed.ephemeralContainers, "debug") } : {}),
      },
    });
  }

  /**
   * A StatefulSet's or DaemonSet's earlier template, as its controller stores it: `data` is the patch
   * `{"spec": {"template": {..., "$patch": "replace"}}}`, owned by the controller (`ownerReferences`, controller: true).
   */
  addControllerRevision(owner: { kind: "StatefulSet" | "DaemonSet"; name: string; namespace?: string }, revision: number, images: string[]): void {
    const template = { $patch: "replace", metadata: { labels: { app: owner.name } }, spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } };
    this.put("controllerrevisions", {
      apiVersion: "apps/v1",
      kind: "ControllerRevision",
      metadata: {
        namespace: owner.namespace,
        name: `${owner.name}-${revision.toString(16).padStart(10, "0").slice(0, 10)}`,
        ownerReferences: [{ apiVersion: "apps/v1", kind: owner.kind, name: owner.name, uid: randomUUID(), controller: true, blockOwnerDeletion: true }],
      },
      data: { spec: { template } },
      revision,
    });
  }

  /** A workload controller with a pod template (a CronJob's is under spec.jobTemplate). */
  addWorkload(kind: Exclude<ResourceKind, "pods" | "controllerrevisions">, seed: TemplateSeed): void {
    const template = {
      metadata: { labels: { app: seed.name } },
      spec: {
        containers: seed.images.map((image, i) => ({ name: `c${i}`, image })),
        ...(seed.initImages ? { initContainers: seed.initImages.map((image, i) => ({ name: `init${i}`, image })) } : {}),
      },
    };
    const kinds: Record<string, [string, string]> = {
      deployments: ["apps/v1", "Deployment"],
      statefulsets: ["apps/v1", "StatefulSet"],
      daemonsets: ["apps/v1", "DaemonSet"],
      replicasets: ["apps/v1", "ReplicaSet"],
      replicationcontrollers: ["v1", "ReplicationController"],
      jobs: ["batch/v1", "Job"],
      cronjobs: ["batch/v1", "CronJob"],
    };
    const [apiVersion, objectKind] = kinds[kind];
    const spec =
      kind === "cronjobs"
        ? { schedule: "0 3 * * *", jobTemplate: { spec: { template } } }
        : {
          ...(seed.replicas !== undefined ? { replicas: seed.replicas } : {}),
          // A ReplicationController's selector is a plain map of labels; the apps/v1 controllers' a LabelSelector.
          selector: kind === "replicationcontrollers" ? { app: seed.name } : { matchLabels: { app: seed.name } },
          template,
        };
    this.put(kind, { apiVersion, kind: objectKind, metadata: { namespace: seed.namespace, name: seed.name }, spec });
  }

  // ---- faults ----

  /** The next `count` requests (to `path`, or any) fail so. */
  failNext(fault: ApiFault, count = 1, path?: string): void {
    this.faults.push({ fault, count, path });
  }

  /** The next `count` requests that carry a continue token find it expired (as after an etcd compaction). */
  expireContinueTokens(count = 1): void {
    this.expireContinues += count;
  }

  /** Requests by path. */
  requestsTo(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  private takeFault(path: string): ApiFault | undefined {
    const i = this.faults.findIndex((f) => f.count > 0 && (!f.path || f.path === path));
    if (i < 0) return undefined;
    const entry = this.faults[i];
    if (--entry.count === 0) this.faults.splice(i, 1);
    return entry.fault;
  }

  private async serve(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const record: ApiRequestRecord = { path: url.pathname, query: Object.fromEntries(url.searchParams), status: 0, arrivedAt: performance.now() };
    this.requests.push(record);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const answer = this.answer(req, url);
    if (answer === "drop") {
      record.status = -1;
      record.answeredAt = performance.now();
      req.socket.destroy();
      return;
    }
    record.status = answer.code;
    const text = JSON.stringify(answer.body);
    const headers: Record<string, string | number> = { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), "Audit-Id": randomUUID() };
    if (answer.code === 429) headers["Retry-After"] = "1";
    res.writeHead(answer.code, headers);
    res.end(text, () => {
      record.answeredAt = performance.now();
    });
  }

  private answer(req: import("node:http").IncomingMessage, url: URL): { code: number; body: unknown } | "drop" {
    const fault = this.takeFault(url.pathname);
    if (fault === "drop-connection") return "drop";
    const auth = String(req.headers.authorization ?? "");
    const token = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : "";
    const check = checkEksToken(token, this.clusterName, this.knownCredentials, this.tokenClock());
    const mapped = check.ok && (!this.authorizedAccessKeys || this.authorizedAccessKeys.has(check.accessKeyId));
    if (!check.ok) this.tokenFailures.push(check.reason);
    // The API server says only "Unauthorized", whatever the authenticator found wrong.
    if (!mapped || fault === "unauthorized") return status(401, "Unauthorized", "Unauthorized");
    if (fault === "throttle") return status(429, "TooManyRequests", "Too many requests, please try again later.", { details: { retryAfterSeconds: 1 } });
    if (fault === "server-error") return status(500, "InternalError", "Internal error occurred: injected");
    if (fault === "not-a-list") return { code: 200, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 200 } };
    if (fault === "unavailable") return status(503, "ServiceUnavailable", "The server is currently unable to handle the request");
    if (req.method !== "GET") return status(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    const resource = RESOURCES[url.pathname];
    if (!resource) return status(404, "NotFound", "the server could not find the requested resource");
    if (this.forbidden.has(resource.kind)) {
      const group = resource.apiVersion.includes("/") ? resource.apiVersion.split("/")[0] : "";
      return status(403, "Forbidden", `${resource.kind} is forbidden: User "${check.accessKeyId}" cannot list resource "${resource.kind}" in API group "${group}" at the cluster scope`, {
        details: { kind: resource.kind, ...(group ? { group } : {}) },
      });
    }
    if (!this.oddPages) return this.list(url, resource);
    const odd = this.oddPages;
    if (odd.overCap()) return status(500, "InternalError", "Internal error occurred: the emulator's odd list was asked for too many pages");
    const asked = url.searchParams.get("continue") ?? undefined;
    const real = odd.incoming(asked);
    if (real === undefined) url.searchParams.delete("continue");
    else url.searchParams.set("continue", real);
    const limit = url.searchParams.get("limit");
    url.searchParams.set("limit", String(odd.size(limit === null ? undefined : Number(limit))));
    const answer = this.list(url, resource);
    if (answer.code !== 200) return answer;
    const next = getPath(answer.body, "metadata.continue");
    setPath(answer.body as Record<string, unknown>, "metadata.continue", odd.outgoing(asked, typeof next === "string" && next !== "" ? next : undefined));
    return answer;
  }

  private list(url: URL, resource: (typeof RESOURCES)[string]): { code: number; body: unknown } {
    const limitText = url.searchParams.get("limit");
    const limit = limitText === null ? 0 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 0) return status(400, "BadRequest", `invalid limit: ${limitText}`);
    const cont = url.searchParams.get("continue");
    let snapshot: Snapshot;
    let offset = 0;
    if (cont) {
      const decoded = this.decodeContinue(cont, url.pathname);
      if (!decoded) return status(400, "BadRequest", "continue key is not valid: malformed or for another list");
      let stored = this.snapshots.get(decoded.id);
      if (stored && this.continueTokenTtlMs !== undefined && performance.now() - stored.takenAt > this.continueTokenTtlMs) stored = undefined;
      if (!stored || this.expireContinues > 0) {
        if (stored && this.expireContinues > 0) this.expireContinues--;
        this.snapshots.delete(decoded.id);
        // The real server offers a token into the latest snapshot; a consistent reader starts again instead.
        const fresh = this.snapshotOf(url.pathname, resource.kind);
        return status(
          410,
          "Expired",
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
          { metadata: { continue: this.encodeContinue(fresh, decoded.offset) } },
        );
      }
      snapshot = stored;
      offset = decoded.offset;
    } else {
      snapshot = this.snapshotOf(url.pathname, resource.kind);
    }
    const end = limit > 0 ? Math.min(snapshot.items.length, offset + limit) : snapshot.items.length;
    const items = snapshot.items.slice(offset, end);
    const more = end < snapshot.items.length;
    return {
      code: 200,
      body: {
        kind: resource.listKind,
        apiVersion: resource.apiVersion,
        metadata: {
          resourceVersion: snapshot.resourceVersion,
          ...(more ? { continue: this.encodeContinue(snapshot, end), remainingItemCount: snapshot.items.length - end } : {}),
        },
        // Like the real server, list items carry no apiVersion/kind.
        items: items.map((item) => {
          const { apiVersion: _a, kind: _k, ...rest } = item as Record<string, unknown>;
          return rest;
        }),
      },
    };
  }

  private snapshotOf(path: string, kind: ResourceKind): Snapshot {
    const objects = this.objects.get(kind)!;
    const items = [...objects.keys()].sort().map((key) => objects.get(key));
    const snapshot = { id: randomUUID(), path, items, resourceVersion: String(this.resourceVersion), takenAt: performance.now() };
    this.snapshots.set(snapshot.id, snapshot);
    return snapshot;
  }

  private encodeContinue(snapshot: Snapshot, offset: number): string {
    return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", id: snapshot.id, path: snapshot.path, offset })).toString("base64url");
  }

  private decodeContinue(token: string, path: string): { id: string; offset: number } | undefined {
    try {
      const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { id?: unknown; path?: unknown; offset?: unknown };
      if (typeof parsed.id === "string" && parsed.path === path && typeof parsed.offset === "number") return { id: parsed.id, offset: parsed.offset };
    } catch {
      // not ours
    }
    return undefined;
  }
}
