/**
 * A small S3 object store for the run lock's tests: GetObject and PutObject (path-style REST, the bodies as sent),
 * with conditional writes as the S3 API Reference and the S3 User Guide ("How to prevent object overwrites with
 * conditional writes") describe them:
 * - `If-None-Match: *` on an existing key: 412 PreconditionFailed;
 * - `If-Match: <etag>` with another ETag: 412 PreconditionFailed; on a missing key: 404 NoSuchKey;
 * - a conditional write while another write of the same key is in flight: 409 ConditionalRequestConflict (the
 *   client should read again and retry).
 * moto (5.2) checks the same headers, but its threaded server checks and writes in two steps, so two concurrent
 * writes can both pass `If-None-Match: *`; here each request is decided in one step of the event loop, and a write
 * can be held "in flight" (`writeLatencyMs`) to produce S3's 409s. Listens on 127.0.0.1 only.
 */
import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface StoredObject {
  body: string;
  etag: string;
  lastModified: Date;
}

export interface S3ObjectsOptions {
  /** How long a PutObject stays in flight before it is stored (0: at once). */
  writeLatencyMs?: number;
}

function errorXml(code: string, message: string, extra = ""): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>emulated</RequestId></Error>`;
}

export class S3Objects {
  readonly objects = new Map<string, StoredObject>();
  /** Every request: method, key, status. */
  readonly log: { method: string; key: string; status: number }[] = [];
  private readonly inFlight = new Set<string>();
  private server?: http.Server;
  endpoint = "";

  constructor(private readonly options: S3ObjectsOptions = {}) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private send(res: http.ServerResponse, method: string, key: string, status: number, body = "", headers: Record<string, string> = {}): void {
    this.log.push({ method, key, status });
    res.writeHead(status, { "Content-Type": body.startsWith("<?xml") ? "application/xml" : "application/json", ...headers });
    res.end(body);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const key = decodeURIComponent(url.pathname.slice(1));
      const method = req.method ?? "GET";
      if (method === "GET") return this.get(res, key);
      if (method === "PUT") return this.put(req, res, key, Buffer.concat(chunks).toString("utf8"));
      this.send(res, method, key, 501, errorXml("NotImplemented", "A header you provided implies functionality that is not implemented"));
    });
  }

  private get(res: http.ServerResponse, key: string): void {
    const object = this.objects.get(key);
    if (!object) return this.send(res, "GET", key, 404, errorXml("NoSuchKey", "The specified key does not exist.", `<Key>${key}</Key>`));
    this.send(res, "GET", key, 200, object.body, { ETag: object.etag, "Last-Modified": object.lastModified.toUTCString() });
  }

  private put(req: http.IncomingMessage, res: http.ServerResponse, key: string, body: string): void {
    const ifNoneMatch = req.headers["if-none-match"];
    const ifMatch = req.headers["if-match"];
    const conditional = ifNoneMatch !== undefined || ifMatch !== undefined;
    if (conditional && this.inFlight.has(key)) {
      return this.send(res, "PUT", key, 409, errorXml("ConditionalRequestConflict", "A conflicting operation occurred. If using PutObject you can retry the request."));
    }
    const failed = this.precondition(key, ifNoneMatch, ifMatch);
    if (failed) return this.send(res, "PUT", key, failed.status, failed.body);
    const etag = `"${createHash("md5").update(body).digest("hex")}"`;
    const store = () => {
      this.inFlight.delete(key);
      this.objects.set(key, { body, etag, lastModified: new Date() });
      this.send(res, "PUT", key, 200, "", { ETag: etag });
    };
    const latency = this.options.writeLatencyMs ?? 0;
    if (latency <= 0) return store();
    this.inFlight.add(key);
    setTimeout(store, latency);
  }

  private precondition(key: string, ifNoneMatch: string | string[] | undefined, ifMatch: string | string[] | undefined): { status: number; body: string } | undefined {
    const existing = this.objects.get(key);
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch !== "*") return { status: 501, body: errorXml("NotImplemented", "A header you provided implies functionality that is not implemented", "<Header>If-None-Match</Header>") };
      if (existing) return { status: 412, body: errorXml("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "<Condition>If-None-Match</Condition>") };
    }
    if (ifMatch !== undefined) {
      if (!existing) return { status: 404, body: errorXml("NoSuchKey", "The specified key does not exist.", `<Key>${key}</Key>`) };
      if (String(ifMatch).replace(/"/g, "") !== existing.etag.replace(/"/g, "")) {
        return { status: 412, body: errorXml("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", "<Condition>If-Match</Condition>") };
      }
    }
    return undefined;
  }
}
