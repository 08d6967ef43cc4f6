/**
 * A delete call whose answer never comes is settled by describing its images again, and an endpoint that has gone
 * silent is not asked three more rounds of the SDK's full retries (each round up to 141 s with the production
 * deadlines: the delete and its settling took up to 9.7 minutes, past the 5 the contract allows). Describing again
 * after a deadline expiry takes one round; the images are reported unconfirmed, never deleted or failed.
 */
import { expect } from "chai";
import { ECRClient } from "@aws-sdk/client-ecr";
import { validateConfig } from "../runtime/config/schema";
import { RETRY_SETTINGS } from "../runtime/ecr/client";
import { runCleanup } from "../runtime/engine/run";
import { deadlineError, DEADLINE_ENV, isDeadlineExpiry } from "../runtime/shared/deadline";
import { errorCode, errorMessage } from "../runtime/shared/errors";
import type { EcrEmulator } from "./emulator/server";
import { emulatorPerTest } from "./support/emulator-per-test";

const DAY = 86_400_000;
const NOW = new Date("2026-01-01T00:00:00Z");
const ATTEMPTS = 2;
/** The emulator's answers come this late once it goes silent: well past the test's deadline. */
const SILENT_MS = 1_500;

/** An ECR client made as the tool makes its own, with a 100 ms deadline and ATTEMPTS attempts a call. */
function clientWithShortDeadline(endpoint: string): ECRClient {
  const saved = process.env[DEADLINE_ENV];
  process.env[DEADLINE_ENV] = "100";
  try {
    return new ECRClient({ ...RETRY_SETTINGS, maxAttempts: ATTEMPTS, endpoint, region: "us-east-1", credentials: { accessKeyId: "t", secretAccessKey: "t" } });
  } finally {
    if (saved === undefined) delete process.env[DEADLINE_ENV];
    else process.env[DEADLINE_ENV] = saved;
  }
}

describe("a delete call whose answer times out", function () {
  this.timeout(60_000);
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "app");

  it("is described again once (the SDK's attempts), and its images are reported unconfirmed", async () => {
    for (let i = 0; i < 6; i++) emulator.registry.putImage("app", { pushedAt: new Date(NOW.getTime() - (i + 10) * DAY) });
    const config = validateConfig({ policies: [{ name: "p", significant_tags: "*", protected_period: "7d", protected_count: 2 }], settings: { in_use: { ecs: false, lambda: false, eks: false, app_runner: false, batch: false } } }, "t");
    // The listing, then the re-check before the delete call, answer; from then on ECR answers nothing in time.
    let listings = 0;
    emulator.beforeOperation("DescribeImages", () => {
      if (++listings === 2) emulator.setLatency(SILENT_MS);
    });
    const ecr = clientWithShortDeadline(emulator.endpoint);
    // Every attempt the client sends, by operation, after the delete call went out.
    const sent: string[] = [];
    ecr.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === "BatchDeleteImageCommand" || sent.length) sent.push(context.commandName as string);
      return next(args);
    }, { step: "deserialize", name: "countAttempts" });
    try {
      const report = await runCleanup({ config, now: NOW, apply: true, ecr, sdkConfig: {} });
      const repo = report.repositories[0];
      const planned = repo.images.filter((l) => l.policies.length && l.reason !== "count" && l.reason !== "period");
      expect(planned).to.have.length(4);
      for (const line of planned) expect(line.outcome, line.digest).to.equal("unconfirmed");
      expect(repo.deleted).to.equal(0);
      expect(repo.errors.filter((e) => e.code === "DeleteUnconfirmed")).to.have.length(4);
      expect(sent).to.deep.equal([...Array(ATTEMPTS).fill("BatchDeleteImageCommand"), ...Array(ATTEMPTS).fill("DescribeImagesCommand")]);
    } finally {
      ecr.destroy();
    }
  });
});

describe("one classification of a deadline expiry: the report's code, the settling rounds, the run's stop", () => {
  const timeout = (message: string, code?: string) => Object.assign(new Error(message), { name: "TimeoutError", ...(code ? { code } : {}) });
  const system = (message: string, code: string) => Object.assign(new Error(message), { code });
  // [what, the error, the report's code (errorCode), isDeadlineExpiry]
  const cases: [string, unknown, string, boolean][] = [
    ["the tool's own deadline", deadlineError("http://127.0.0.1:1", 100), "TimeoutError", true],
    ["the SDK's requestTimeout", timeout("a request has exceeded the configured 15000 ms requestTimeout", "ETIMEDOUT"), "TimeoutError", true],
    ["the SDK's connection timeout", timeout("the request socket did not establish a connection"), "TimeoutError", true],
    ["the SDK's socket timeout", timeout("the request socket timed out after 15000 ms of inactivity"), "TimeoutError", true],
    ["the system's ETIMEDOUT, which the SDK names TimeoutError", timeout("connect ETIMEDOUT 10.0.0.1:443", "ETIMEDOUT"), "TimeoutError", true],
    // The SDK renames these TimeoutError so that it retries them; the endpoint is alive, and a moment later answers.
    ["a connection reset (socket hang up)", timeout("socket hang up", "ECONNRESET"), "ECONNRESET", false],
    ["a connection reset (read ECONNRESET)", timeout("read ECONNRESET", "ECONNRESET"), "ECONNRESET", false],
    ["a broken pipe", timeout("write EPIPE", "EPIPE"), "EPIPE", false],
    ["a reset while the body was read (not renamed)", system("aborted", "ECONNRESET"), "ECONNRESET", false],
    ["a refused connection", system("connect ECONNREFUSED 127.0.0.1:1", "ECONNREFUSED"), "ECONNREFUSED", false],
    ["throttling", Object.assign(new Error("slow down"), { name: "ThrottlingException" }), "ThrottlingException", false],
    ["nothing", undefined, "Error", false],
    // What run.ts reads: a repository report's errors, whose code is errorCode of the failure.
    ["a report error of an expiry", { kind: "api-error", repository: "r", code: "TimeoutError", message: "…" }, "TimeoutError", true],
    ["a report error of a reset", { kind: "api-error", repository: "r", code: "ECONNRESET", message: "…" }, "ECONNRESET", false],
    ["a report error of a broken pipe", { kind: "api-error", repository: "r", code: "EPIPE", message: "…" }, "EPIPE", false],
  ];
  for (const [what, err, code, expiry] of cases) {
    it(`${what}: ${code}, ${expiry ? "an expiry" : "not an expiry"}`, () => {
      expect([errorCode(err), isDeadlineExpiry(err)]).to.deep.equal([code, expiry]);
    });
  }

  const advice = "check the region, AWS_ENDPOINT_URL and your connection";
  const messages: [string, unknown, string][] = [
    ["an expiry", deadlineError("http://127.0.0.1:1", 100, "DescribeImages request"), `http://127.0.0.1:1 did not answer the DescribeImages request within 100 ms (connection to last byte); abandoned (a network failure: ${advice})`],
    ["a reset", timeout("http://127.0.0.1:1: socket hang up", "ECONNRESET"), `http://127.0.0.1:1: socket hang up (the connection was reset: a network failure; ${advice})`],
    ["a broken pipe", timeout("http://127.0.0.1:1: write EPIPE", "EPIPE"), `http://127.0.0.1:1: write EPIPE (the connection was reset: a network failure; ${advice})`],
    ["throttling", Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }), "Rate exceeded"],
  ];
  for (const [what, err, message] of messages) it(`the report says what happened: ${what}`, () => expect(errorMessage(err)).to.equal(message));
});

describe("an ECR endpoint that stops answering after the repositories are listed", function () {
  this.timeout(60_000);
  let emulator: EcrEmulator;
  const names = ["r1", "r2", "r3", "r4", "r5", "r6"];
  emulatorPerTest((e) => (emulator = e), ...names);

  it("fails the repository it was reading, starts no other, and says why the rest were not reached", async () => {
    const config = validateConfig({ policies: [{ name: "p", significant_tags: "*", protected_period: "7d", protected_count: 2 }], settings: { in_use: { ecs: false, lambda: false, eks: false, app_runner: false, batch: false } } }, "t");
    emulator.setLatency("DescribeImages", SILENT_MS);
    const ecr = clientWithShortDeadline(emulator.endpoint);
    const sent: string[] = [];
    ecr.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === "DescribeImagesCommand") sent.push(context.commandName);
      return next(args);
    }, { step: "deserialize", name: "countAttempts" });
    try {
      const report = await runCleanup({ config, now: NOW, apply: true, ecr, sdkConfig: {}, concurrency: 2 });
      // The two started at once each used their attempts; before, every repository did, one after another.
      expect(sent).to.have.length(2 * ATTEMPTS);
      expect(report.repositories.map((r) => r.repository)).to.deep.equal(["r1", "r2"]);
      for (const repo of report.repositories) expect(repo.errors.map((e) => e.code)).to.deep.equal(["TimeoutError"]);
      expect(report.notReached).to.deep.equal(["r3", "r4", "r5", "r6"]);
      // Whichever of the two failed first is named.
      const why = report.errors.filter((e) => !e.repository).map((e) => e.message);
      expect(why).to.have.length(1);
      expect(why[0]).to.match(/^ECR did not answer in time in repository r[12] \(see its error\), so no other repository was started: 4 not reached$/);
    } finally {
      ecr.destroy();
    }
  });
});
