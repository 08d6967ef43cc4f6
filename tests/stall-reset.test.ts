/**
 * An endpoint that resets every call is the endpoint's failure, not one repository's: a reset that ends a long
 * silence (an idle-timeout middlebox in front of an endpoint that does not answer) is named a deadline expiry, and
 * repositories failing by network failures in a row stop the run from starting others. A reset on a flaky link stays
 * one repository's failure (tests/deadline.test.ts: the other repositories are cleaned).
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ATTEMPT_DEADLINE_MS, DEADLINE_ENV, isDeadlineExpiry, isStalledReset, stalledResetError } from "../runtime/shared/deadline";
import { DEFAULT_CONCURRENCY, failsTheEndpoint, networkFailureLimit } from "../runtime/engine/run";
import type { RunError } from "../runtime/engine/report";
import { errorCode, serverFaultMark } from "../runtime/shared/errors";
import { DropConnection } from "./emulator/faults";
import { AwsError } from "./emulator/protocol";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";

const DAY = 86_400_000;
const NOW = "2026-01-01T00:00:00.000Z";

const withCode = (code: string, name = "Error") => Object.assign(new Error("socket hang up"), { code, name });

describe("an endpoint that resets every call", function () {
  this.timeout(120_000);

  describe("isStalledReset: a reset after at least half the deadline without an answer", () => {
    const table: [string, unknown, number, number, boolean][] = [
      ["ECONNRESET after exactly half the deadline", withCode("ECONNRESET"), 7_500, 15_000, true],
      ["ECONNRESET 1 ms before half the deadline", withCode("ECONNRESET"), 7_499, 15_000, false],
      ["ECONNRESET at once", withCode("ECONNRESET"), 0, 15_000, false],
      ["ECONNRESET after 14 s (an idle-timeout middlebox)", withCode("ECONNRESET"), 14_000, 15_000, true],
      ["EPIPE after 14 s", withCode("EPIPE"), 14_000, 15_000, true],
      ["ECONNRESET the SDK named TimeoutError, after 14 s", withCode("ECONNRESET", "TimeoutError"), 14_000, 15_000, true],
      ["ECONNRESET after half a shortened deadline", withCode("ECONNRESET"), 500, 1_000, true],
      ["ECONNREFUSED after 14 s (not a reset)", withCode("ECONNREFUSED"), 14_000, 15_000, false],
      ["ENOTFOUND after 14 s (not a reset)", withCode("ENOTFOUND"), 14_000, 15_000, false],
      ["an AWS error after 14 s", Object.assign(new Error("denied"), { name: "AccessDeniedException" }), 14_000, 15_000, false],
      ["undefined", undefined, 14_000, 15_000, false],
    ];
    for (const [what, err, silentMs, deadlineMs, expected] of table) {
      it(`${what}: ${expected}`, () => {
        expect(isStalledReset(err, silentMs, deadlineMs)).to.equal(expected);
      });
    }

    it("its error is a deadline expiry naming the endpoint, what happened and the request", () => {
      const err = stalledResetError("http://127.0.0.1:9", 14_000, "ListImages request");
      expect(isDeadlineExpiry(err)).to.equal(true);
      expect(err.message).to.equal("http://127.0.0.1:9 did not answer the ListImages request for 14000 ms, then reset the connection (stalled then reset); abandoned");
      expect(isDeadlineExpiry(withCode("ECONNRESET", "TimeoutError"))).to.equal(false);
    });
  });

  describe("networkFailureLimit: repositories in a row failing by network failures before no other starts", () => {
    const table: [number, number][] = [[1, 2], [2, 2], [3, 3], [8, 8], [32, 32]];
    for (const [concurrency, limit] of table) {
      it(`concurrency ${concurrency}: ${limit}`, () => expect(networkFailureLimit(concurrency)).to.equal(limit));
    }

    it("docs/cli.md states the rule and its bound as the code has them", () => {
      const docs = readFileSync(resolve(__dirname, "../../docs/cli.md"), "utf8");
      const halfDeadline = ATTEMPT_DEADLINE_MS / 2;
      expect(isStalledReset(withCode("ECONNRESET"), halfDeadline, ATTEMPT_DEADLINE_MS)).to.equal(true);
      expect(isStalledReset(withCode("ECONNRESET"), halfDeadline - 1, ATTEMPT_DEADLINE_MS)).to.equal(false);
      const texts = [
        `at least half the deadline (${halfDeadline / 1000} s)`,
        `\`--concurrency\` (${networkFailureLimit(DEFAULT_CONCURRENCY)} by default, and at least ${networkFailureLimit(1)})`,
        // One call's worst case, twice: the first repositories' failing calls, then those started meanwhile.
        "2 × 141 s = 282 s",
      ];
      for (const text of texts) expect(docs).to.include(text);
    });
  });

  describe("failsTheEndpoint: a repository's error that counts toward networkFailureLimit", () => {
    /** An SDK error as the SDK makes it: an unmodeled error is named a client fault whatever its status. */
    const sdkError = (name: string, status: number, fault: "client" | "server") =>
      Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });
    const table: [string, unknown, boolean][] = [
      ["ServerException (500)", sdkError("ServerException", 500, "server"), true],
      ["a proxy's 503, unmodeled (the SDK calls it a client fault)", sdkError("ServiceUnavailableException", 503, "client"), true],
      ["a proxy's 504 with no error body", sdkError("Unknown", 504, "client"), true],
      ["ThrottlingException (400)", sdkError("ThrottlingException", 400, "client"), false],
      ["Too Many Requests (429)", sdkError("ThrottlingException", 429, "client"), false],
      ["AccessDeniedException (400)", sdkError("AccessDeniedException", 400, "client"), false],
      ["RepositoryNotFoundException (400)", sdkError("RepositoryNotFoundException", 400, "client"), false],
      ["a connection reset", withCode("ECONNRESET"), true],
      ["a deadline expiry", Object.assign(new Error("late"), { name: "TimeoutError" }), true],
      ["a bug (a plain Error)", new Error("undefined is not a function"), false],
    ];
    for (const [what, err, expected] of table) {
      it(`${what}: ${expected}`, () => {
        const error: RunError = { kind: "api-error", repository: "r1", code: errorCode(err), message: "m", ...serverFaultMark(err) };
        expect(failsTheEndpoint(error)).to.equal(expected);
        // The mark stays out of the report's JSON.
        expect(Object.keys(JSON.parse(JSON.stringify(error)))).to.deep.equal(["kind", "repository", "code", "message"]);
      });
    }
  });

  describe("a run", () => {
    let emulator: EcrEmulator;
    const names = ["r1", "r2", "r3", "r4", "r5", "r6"];
    const seeded = new Map<string, string[]>();
    /** Milliseconds every ECR call about an r* repository waits before its connection is reset. */
    let holdMs = 0;
    /** What every such call fails with after the hold: a reset, or an AWS error. */
    let failure: () => Error = () => new DropConnection();
    const config = () => writePolicyFile("- name: untagged\n  protected_period: 1\n  protected_count: 1\n  significant_tags: '*'\n");

    beforeEach(async () => {
      failure = () => new DropConnection();
      emulator = await startEcrEmulator();
      seeded.clear();
      for (const name of names) {
        emulator.registry.createRepository(name);
        seeded.set(name, [10, 9, 8].map((age) => emulator.registry.putImage(name, { pushedAt: new Date(Date.parse(NOW) - age * DAY) }).digest));
      }
      emulator.beforeOperation("*", async ({ service, input }) => {
        if (service !== "ecr" || !/^r\d$/.test(String((input as { repositoryName?: string }).repositoryName))) return;
        if (holdMs) await new Promise((done) => setTimeout(done, holdMs));
        throw failure();
      });
    });
    afterEach(async () => {
      await emulator.stop();
    });

    interface Report {
      notReached: string[];
      errors: { repository?: string; code: string; message: string }[];
      summary: { deleted: number };
    }
    const untouched = () => {
      for (const name of names) expect(emulator.registry.images(name).map((i) => i.digest).sort(), name).to.deep.equal([...seeded.get(name)!].sort());
    };

    it("holding each call past half the deadline, then resetting it: the first repositories' errors are deadline expiries naming the endpoint, no other repository starts, exit 1", async () => {
      holdMs = 1_300;
      const run = await runCli(["--config", config(), "--now", NOW, "--apply", "--output", "json", "--concurrency", "2"], {
        ...awsEnv(emulator.endpoint),
        AWS_MAX_ATTEMPTS: "2",
        [DEADLINE_ENV]: "2000",
      });
      expect(run.code, run.stderr).to.equal(1);
      const report = JSON.parse(run.stdout) as Report;
      // The two started at once fail; the first to fail stops the rest from starting.
      expect(report.notReached).to.deep.equal(["r3", "r4", "r5", "r6"]);
      const repositoryErrors = report.errors.filter((e) => e.repository);
      expect(repositoryErrors.map((e) => [e.repository, e.code]).sort()).to.deep.equal([["r1", "TimeoutError"], ["r2", "TimeoutError"]]);
      for (const e of repositoryErrors) expect(e.message).to.include(emulator.endpoint).and.to.include("stalled then reset");
      const runError = report.errors.find((e) => !e.repository)!;
      expect(runError.code).to.equal("TimeoutError");
      expect(runError.message).to.match(/no other repository was started: 4 not reached$/);
      expect(report.summary.deleted).to.equal(0);
      untouched();
    });

    it("resetting every call at once: after 2 repositories in a row (concurrency 2) fail so, no other repository starts, exit 1", async () => {
      holdMs = 0;
      const run = await runCli(["--config", config(), "--now", NOW, "--apply", "--output", "json", "--concurrency", "2"], { ...awsEnv(emulator.endpoint), AWS_MAX_ATTEMPTS: "2" });
      expect(run.code, run.stderr).to.equal(1);
      const report = JSON.parse(run.stdout) as Report;
      // r1 and r2 start at once; the first of them to fail starts r3 (one in a row); the second stops the rest.
      expect(report.notReached).to.deep.equal(["r4", "r5", "r6"]);
      const repositoryErrors = report.errors.filter((e) => e.repository);
      expect(repositoryErrors.map((e) => [e.repository, e.code]).sort()).to.deep.equal([["r1", "ECONNRESET"], ["r2", "ECONNRESET"], ["r3", "ECONNRESET"]]);
      for (const e of repositoryErrors) expect(e.message).to.include(emulator.endpoint).and.to.include("the connection was reset");
      const runError = report.errors.find((e) => !e.repository)!;
      expect(runError.code).to.equal("ECONNRESET");
      expect(runError.message).to.match(/^the network failed in 2 repositories in a row \(the last: r\d; see their errors\), so no other repository was started: 3 not reached$/);
      expect(report.summary.deleted).to.equal(0);
      untouched();
    });

    it("every call held, then answered 503 (a proxy's gateway timeout): after 2 repositories in a row (concurrency 2) fail so, no other repository starts, exit 1", async () => {
      holdMs = 300;
      failure = () => new AwsError("ServiceUnavailableException", "Service Unavailable", 503);
      const run = await runCli(["--config", config(), "--now", NOW, "--apply", "--output", "json", "--concurrency", "2"], { ...awsEnv(emulator.endpoint), AWS_MAX_ATTEMPTS: "2" });
      expect(run.code, run.stderr).to.equal(1);
      const report = JSON.parse(run.stdout) as Report;
      expect(report.notReached).to.deep.equal(["r4", "r5", "r6"]);
      const repositoryErrors = report.errors.filter((e) => e.repository);
      expect(repositoryErrors.map((e) => [e.repository, e.code]).sort()).to.deep.equal([
        ["r1", "ServiceUnavailableException"],
        ["r2", "ServiceUnavailableException"],
        ["r3", "ServiceUnavailableException"],
      ]);
      const runError = report.errors.find((e) => !e.repository)!;
      expect(runError.code).to.equal("ServiceUnavailableException");
      expect(runError.message).to.match(/^ECR answered with a server error in 2 repositories in a row \(the last: r\d; see their errors\), so no other repository was started: 3 not reached$/);
      expect(report.summary.deleted).to.equal(0);
      untouched();
    });

    for (const [what, make] of [
      ["throttled (ThrottlingException)", () => new AwsError("ThrottlingException", "Rate exceeded", 400)],
      ["denied (AccessDeniedException)", () => new AwsError("AccessDeniedException", "not authorized", 400)],
    ] as [string, () => Error][]) {
      it(`every repository ${what}: the service answers, so every repository is tried, exit 1`, async () => {
        holdMs = 0;
        failure = make;
        const run = await runCli(["--config", config(), "--now", NOW, "--apply", "--output", "json", "--concurrency", "2"], { ...awsEnv(emulator.endpoint), AWS_MAX_ATTEMPTS: "1" });
        expect(run.code, run.stderr).to.equal(1);
        const report = JSON.parse(run.stdout) as Report;
        expect(report.notReached).to.deep.equal([]);
        expect(report.errors.map((e) => e.repository).sort()).to.deep.equal(names);
        untouched();
      });
    }
  });
});
