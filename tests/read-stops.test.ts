/**
 * A read that has failed stops: no work starts after the failure (mapConcurrent), and an EKS read whose first
 * cluster fails ends every other cluster's requests at once instead of letting each wait out its own deadlines
 * behind the shared page slots (with 5 silent clusters the CLI printed its error after one request's deadlines and
 * then stayed running through four more rounds of them: over 5 minutes with the production numbers).
 */
import { expect } from "chai";
import * as net from "node:net";
import { KUBERNETES_ATTEMPTS, DEADLINE_ENV } from "../runtime/shared/deadline";
import { mapConcurrent } from "../runtime/shared/pool";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";

describe("a read that failed stops", function () {
  this.timeout(120_000);

  describe("mapConcurrent", () => {
    const table: { items: number; limit: number; failing: number; started: number }[] = [
      // The failing item and the ones already in flight beside it; none after.
      { items: 10, limit: 1, failing: 0, started: 1 },
      { items: 10, limit: 2, failing: 0, started: 2 },
      { items: 10, limit: 3, failing: 4, started: 5 },
      { items: 10, limit: 10, failing: 9, started: 10 },
    ];
    for (const { items, limit, failing, started } of table) {
      it(`${items} items, ${limit} at once, item ${failing} fails: ${started} started, and the answer is that failure`, async () => {
        const seen: number[] = [];
        const err = await mapConcurrent(Array.from({ length: items }, (_, i) => i), limit, async (i) => {
          seen.push(i);
          // Every item takes a turn of the event loop; the failing one fails at once.
          if (i === failing) throw new Error(`item ${i}`);
          await new Promise((resolve) => setImmediate(resolve));
          await new Promise((resolve) => setImmediate(resolve));
          return i;
        }).then(() => expect.fail("answered"), (e: Error) => e);
        expect(err.message).to.equal(`item ${failing}`);
        // Let anything still running finish before counting.
        for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
        expect(seen).to.have.length(started);
      });
    }
  });

  describe("EKS clusters whose API servers never answer", () => {
    let emulator: EcrEmulator;
    let server: net.Server;
    let sockets: Set<net.Socket>;
    let connections: number;
    let endpoint: string;

    beforeEach(async () => {
      emulator = await startEcrEmulator();
      sockets = new Set();
      connections = 0;
      server = net.createServer((socket) => {
        connections++;
        sockets.add(socket);
        socket.on("error", () => undefined);
        socket.on("close", () => sockets.delete(socket));
      });
      await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
      endpoint = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    });
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => server.close(done));
      await emulator.stop();
    });

    it("5 silent clusters: the CLI ends once the first list has used its attempts (at most a page slot's worth of requests each), naming the endpoint", async () => {
      emulator.registry.createRepository("app");
      for (const name of ["a", "b", "c", "d", "e"]) (await emulator.eks.createCluster({ name })).describedEndpoint = endpoint;
      const config = writePolicyFile("- name: untagged\n  protected_period: 1\n  protected_count: 1\n  significant_tags: '*'\n");
      const run = await runCli(["--config", config, "--now", "2026-01-01T00:00:00Z"], { ...awsEnv(emulator.endpoint), AWS_MAX_ATTEMPTS: "2", [DEADLINE_ENV]: "400" });
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stderr).to.include(endpoint);
      // 5 clusters × 4 lists wait for 4 page slots: before, every list used its 4 attempts in turn (80 requests, five
      // rounds of deadlines); now the lists in the 4 slots when the first failed are the last to send anything.
      expect(connections).to.be.at.most(4 * KUBERNETES_ATTEMPTS);
    });
  });
});
