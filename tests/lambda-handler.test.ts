/** The Lambda handler's parts, without AWS: its event, its configuration, its log lines and its metrics. */
import { expect } from "chai";
import { ECRClient } from "@aws-sdk/client-ecr";
import type { AwsClients } from "../runtime/ecr/client";
import type { RepositoryReport, RunReport, Summary } from "../runtime/engine/report";
import { ConfigError } from "../runtime/config/errors";
import { configFromEnvironment } from "../runtime/lambda/config";
import { runTimeOf, SCHEDULE_INPUT } from "../runtime/lambda/event";
import { createHandler, handler } from "../runtime/lambda/handler";
import { MAX_LINE_BYTES, repositoryLines, runLines } from "../runtime/lambda/log";
import { emfLines } from "../runtime/lambda/metrics";
import { captureLog, lambdaContext } from "./support/in-process";

const CLOCK = new Date("2030-06-01T12:00:00.000Z");
const POLICIES = '{"policies":[{"name":"flush","significant_tags":"*","protected_period":"7d","protected_count":3}]}';

function summary(overrides: Partial<Summary> = {}): Summary {
  return {
    repositories: 2, imagesScanned: 40, planned: 5, withheld: {}, toDelete: 5, deleted: 4, bytesToFree: 500, bytesFreed: 400,
    keptBySafety: {}, failures: 1, repositoriesSkipped: 0, repositoriesNotReached: 0, ...overrides,
  };
}

function repositoryReport(images: number): RepositoryReport {
  return {
    repository: "big",
    policies: ["flush"],
    modes: [],
    images: Array.from({ length: images }, (_, i) => ({
      digest: `sha256:${i.toString(16).padStart(64, "0")}`,
      tags: [],
      pushedAt: CLOCK.toISOString(),
      sizeBytes: 1000,
      action: "delete" as const,
      reason: "untagged-expired" as const,
      policies: [{ policy: "flush", verdict: "delete" as const, reason: "untagged-expired" as const }],
    })),
    kept: {},
    imagesScanned: images,
    toDelete: images,
    deleted: 0,
    bytesToFree: images * 1000,
    bytesFreed: 0,
    errors: [],
  };
}

describe("Lambda handler", () => {
  describe("its event", () => {
    it("the schedule's scheduledTime is the run's now, so a retried run decides the same", () => {
      const event = JSON.parse(SCHEDULE_INPUT.replace("<aws.scheduler.scheduled-time>", "2030-06-01T03:00:00Z"));
      expect(runTimeOf(event, CLOCK)).to.deep.equal({ now: new Date("2030-06-01T03:00:00Z"), source: "scheduledTime" });
    });

    it("any other event means the clock", () => {
      for (const event of [undefined, null, {}, "x", 42, { detail: {} }]) {
        expect(runTimeOf(event, CLOCK), JSON.stringify(event)).to.deep.equal({ now: CLOCK, source: "clock" });
      }
    });

    it("a scheduledTime later than the clock, or malformed, is not used, and says so", () => {
      const later = runTimeOf({ scheduledTime: "2031-01-01T00:00:00Z" }, CLOCK);
      expect(later).to.include({ now: CLOCK, source: "clock" });
      expect(later.warning).to.match(/later than the clock/);
      for (const bad of ["yesterday", "2030-06-01", "2030-06-01T03:00:00", 17]) {
        const run = runTimeOf({ scheduledTime: bad }, CLOCK);
        expect(run, String(bad)).to.include({ now: CLOCK, source: "clock" });
        expect(run.warning).to.match(/not an ISO-8601 date-time/);
      }
    });

    it("an impossible calendar date or time is not a time (Date would roll it over), so the clock is used", () => {
      for (const bad of ["2026-02-30T00:00:00Z", "2025-02-29T12:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:60Z", "2026-01-01T00:00:00+24:00"]) {
        const run = runTimeOf({ scheduledTime: bad }, CLOCK);
        expect(run, bad).to.include({ now: CLOCK, source: "clock" });
        expect(run.warning, bad).to.match(/not an ISO-8601 date-time/);
      }
      expect(runTimeOf({ scheduledTime: "2024-02-29T23:59:59.5+01:00" }, CLOCK)).to.deep.equal({ now: new Date("2024-02-29T22:59:59.500Z"), source: "scheduledTime" });
    });
  });

  describe("never throws on a validated configuration, whatever the event", () => {
    // A registry with no repositories: the run itself is empty, so only the event's handling is under test.
    const emptyRegistry = Object.assign(new ECRClient({ region: "us-east-1" }), { send: async () => ({ repositories: [] }) });
    const run = createHandler({
      env: () => ({ ECR_CLEANUP_CONFIG: POLICIES }),
      clients: () => ({ ecr: emptyRegistry }) as unknown as AwsClients,
      ssm: () => { throw new Error("no cursor in this test"); },
      clock: () => CLOCK,
    });
    const cases: [string, unknown, RegExp | undefined][] = [
      ["null", null, undefined],
      ["a string", "run now", undefined],
      ["an array", [{ scheduledTime: "2030-06-01T03:00:00Z" }], undefined],
      ["a number for scheduledTime", { scheduledTime: 5 }, /scheduledTime 5 is not an ISO-8601 date-time/],
      ["an impossible date (Date rolls it over to March)", { scheduledTime: "2026-02-30T00:00:00Z" }, /scheduledTime "2026-02-30T00:00:00Z" is not an ISO-8601 date-time/],
      ["a huge object", { scheduledTime: "9".repeat(1_000_000), padding: Array.from({ length: 10_000 }, (_, i) => ({ i })) }, /not an ISO-8601 date-time/],
      ["a fan-out batch sent to the single function", { phase: "clean", Items: [{ run: "r", index: 0, repository: "app", now: "2031-01-01T00:00:00Z", inUse: { digests: [], tags: [] } }], BatchInput: { phase: "clean" } }, undefined],
    ];
    for (const [what, event, warning] of cases) {
      it(`${what}: runs at the clock${warning ? ", with a warning" : ""}`, async () => {
        const { result } = await captureLog(() => run(event, lambdaContext()));
        expect(result.now).to.equal(CLOCK.toISOString());
        expect(result.errors).to.deep.equal([]);
        if (warning) {
          expect(result.warnings).to.have.length(1);
          expect(result.warnings[0]).to.match(warning);
          expect(result.warnings[0].length, "the warning echoes a bounded part of the value").to.be.below(300);
        } else {
          expect(result.warnings).to.deep.equal([]);
        }
      });
    }
  });

  describe("its configuration (the environment only)", () => {
    it("reads the policies from ECR_CLEANUP_CONFIG, dry run unless ECR_CLEANUP_DRY_RUN is false", () => {
      expect(configFromEnvironment({ ECR_CLEANUP_CONFIG: POLICIES }).dryRun).to.equal(true);
      expect(configFromEnvironment({ ECR_CLEANUP_CONFIG: POLICIES, ECR_CLEANUP_DRY_RUN: "false" }).dryRun).to.equal(false);
      expect(configFromEnvironment({ ECR_CLEANUP_CONFIG: POLICIES, ECR_CLEANUP_DRY_RUN: " FALSE " }).dryRun).to.equal(false);
      for (const value of ["true", "no", "0", ""]) expect(configFromEnvironment({ ECR_CLEANUP_CONFIG: POLICIES, ECR_CLEANUP_DRY_RUN: value }).dryRun, value).to.equal(true);
      expect(configFromEnvironment({ ECR_CLEANUP_CONFIG: POLICIES }).config.policies[0]).to.include({ name: "flush", protectedCount: 3 });
    });

    it("a missing, malformed or invalid configuration is a ConfigError naming the variable", () => {
      expect(() => configFromEnvironment({})).to.throw(ConfigError, /^environment variable ECR_CLEANUP_CONFIG: is not set/);
      expect(() => configFromEnvironment({ ECR_CLEANUP_CONFIG: "{" })).to.throw(ConfigError, /^environment variable ECR_CLEANUP_CONFIG: is not valid JSON/);
      expect(() => configFromEnvironment({ ECR_CLEANUP_CONFIG: '{"policies":[{"name":"x"}]}' }))
        .to.throw(ConfigError, /environment variable ECR_CLEANUP_CONFIG: policy #1 "x", field significant_tags: is required/);
    });

    it("fails the invocation, before any AWS call, when the configuration is invalid", async () => {
      const saved = process.env.ECR_CLEANUP_CONFIG;
      process.env.ECR_CLEANUP_CONFIG = '{"policies":[{"name":"bad","significant_tags":"*","protected_period":"7x","protected_count":1}]}';
      try {
        await handler({}, { getRemainingTimeInMillis: () => 900_000 }).then(
          () => expect.fail("should fail"),
          (err) => expect(err).to.be.instanceOf(ConfigError).with.property("message").that.matches(/field protected_period/),
        );
      } finally {
        if (saved === undefined) delete process.env.ECR_CLEANUP_CONFIG;
        else process.env.ECR_CLEANUP_CONFIG = saved;
      }
    });
  });

  describe("its log lines", () => {
    const ctx = { dryRun: true, now: CLOCK.toISOString() };

    it("one JSON line per repository, carrying dryRun and now", () => {
      const lines = repositoryLines(repositoryReport(3), ctx);
      expect(lines).to.have.length(1);
      expect(JSON.parse(lines[0])).to.deep.include({ type: "repository", dryRun: true, now: ctx.now, repository: "big", toDelete: 3 });
    });

    it("splits a repository too large for one log event into parts, losing no image", () => {
      const report = repositoryReport(2000);
      const lines = repositoryLines(report, ctx);
      expect(lines.length).to.be.greaterThan(1);
      const parsed = lines.map((l) => JSON.parse(l));
      for (const [i, line] of lines.entries()) {
        expect(Buffer.byteLength(line)).to.be.at.most(MAX_LINE_BYTES);
        expect(parsed[i]).to.include({ type: "repository", repository: "big", part: i + 1, parts: lines.length });
      }
      expect(parsed.flatMap((p) => p.images.map((img: { digest: string }) => img.digest))).to.deep.equal(report.images.map((img) => img.digest));
    });

    it("then the errors not logged with a repository, the warnings and the summary", () => {
      const repo = { ...repositoryReport(1), errors: [{ kind: "delete-failed" as const, repository: "big", code: "X", message: "refused" }] };
      const missing = { kind: "missing-repository" as const, repository: "gone", policy: "flush", code: "RepositoryNotFoundException", message: "missing" };
      const report: RunReport = {
        apply: false, now: ctx.now, repositories: [repo], notGoverned: [], notReached: ["later"],
        errors: [missing, repo.errors[0]], warnings: ["careful"], summary: summary(),
      };
      expect(runLines(report, ctx).map((l) => JSON.parse(l))).to.deep.equal([
        { type: "error", ...ctx, ...missing },
        { type: "warning", ...ctx, message: "careful" },
        { type: "summary", ...ctx, ...summary(), notReached: ["later"] },
      ]);
    });
  });

  describe("its metrics (CloudWatch embedded metric format)", () => {
    it("one document per run by FunctionName, then one per safety rule", () => {
      const lines = emfLines(summary({ keptBySafety: { "in-use:ecs-task": 2, "changed-since-plan": 1 } }), { functionName: "fn", timestamp: 1_900_000_000_000, dryRun: false });
      const [run, ...rules] = lines.map((l) => JSON.parse(l));
      expect(run._aws.Timestamp).to.equal(1_900_000_000_000);
      expect(run._aws.CloudWatchMetrics).to.have.length(1);
      const directive = run._aws.CloudWatchMetrics[0];
      expect(directive.Namespace).to.equal("EcrCleanup");
      expect(directive.Dimensions).to.deep.equal([["FunctionName"]]);
      // Every metric the directive names is a number at the root (the EMF specification's rule).
      for (const metric of directive.Metrics) expect(run[metric.Name], metric.Name).to.be.a("number");
      expect(run).to.include({
        FunctionName: "fn", ImagesScanned: 40, ImagesToDelete: 5, ImagesDeleted: 4, BytesFreed: 400, KeptBySafetyRule: 3,
        Failures: 1, RepositoriesSkipped: 0, RepositoriesNotReached: 0, DryRun: false,
      });
      expect(rules.map((r) => [r.SafetyRule, r.KeptBySafetyRule])).to.deep.equal([["changed-since-plan", 1], ["in-use:ecs-task", 2]]);
      for (const rule of rules) expect(rule._aws.CloudWatchMetrics[0].Dimensions).to.deep.equal([["FunctionName", "SafetyRule"]]);
    });
  });
});
