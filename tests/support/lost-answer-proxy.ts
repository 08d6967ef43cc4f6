/**
 * An HTTP proxy in front of moto that loses S3's answer to the first conditional write (a PutObject with
 * `If-None-Match`): the request reaches moto, which writes the object, and the client's connection is reset before
 * the answer comes back, as a network fault does. The client's retry of that write then finds its own object.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface LostAnswerProxy {
  endpoint: string;
  /** The requests that went through: method, path, and the status moto answered ("lost" for the dropped answer). */
  log: string[];
  close(): Promise<void>;
}

export async function lostAnswerProxy(target: string): Promise<LostAnswerProxy> {
  const upstream = new URL(target);
  const log: string[] = [];
  let lost = false;
  const server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on("data", (chunk: Buffer) => body.push(chunk));
    req.on("end", () => {
      const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, timeout: 30_000 }, (answer) => {
        const answerBody: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => answerBody.push(chunk));
        answer.on("end", () => {
          const loseIt = !lost && req.method === "PUT" && req.headers["if-none-match"] !== undefined;
          log.push(`${req.method} ${req.url} ${loseIt ? "lost" : answer.statusCode}`);
          if (loseIt) {
            lost = true;
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(answerBody));
        });
      });
      forward.on("timeout", () => forward.destroy(new Error("moto did not answer in 30 s")));
      forward.on("error", () => req.socket.destroy());
      forward.end(Buffer.concat(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
