/**
 * The pure parts of the run reports: where a run's objects go, when a run notifies, the notification's text, the
 * monthly value of deleted bytes (never of archived ones), and settings.report.price_per_gb_month.
 */
import { expect } from "chai";
import { ConfigError } from "../runtime/config/errors";
import { validateConfig } from "../runtime/config/schema";
import type { RunReport } from "../runtime/engine/report";
import { summarize } from "../runtime/engine/report";
import { storageValueOf, withStorageValue } from "../runtime/engine/storageValue";
import { ERROR_LINE_MAX, notificationSubject, notificationText, NotifyMode, notifyModeOf, shouldNotify } from "../runtime/lambda/notification";
import { reportKeys } from "../runtime/lambda/runReports";

const GIB = 1024 ** 3;

function report(over: Partial<RunReport["summary"]> = {}, apply = true): RunReport {
  return {
    apply, now: "2030-01-10T03:00:00.000Z", repositories: [], notGoverned: [], notReached: [], errors: [], warnings: [],
    summary: { ...summarize([], []), repositories: 3, ...over },
  };
}

describe("run reports", () => {
  it("keys: the run's now (UTC) as the folder, its id as the name, anything unsafe in the id replaced", () => {
    expect(reportKeys("2030-01-10T03:00:00.000Z", "0b2c-77")).to.deep.equal({ json: "reports/2030/01/10/0b2c-77.json", html: "reports/2030/01/10/0b2c-77.html" });
    expect(reportKeys("2030-12-31T23:59:59+00:00", "a/b c")).to.deep.equal({ json: "reports/2030/12/31/a-b-c.json", html: "reports/2030/12/31/a-b-c.html" });
    expect(reportKeys("not a time", "x").json).to.equal("reports/unknown/x.json");
  });

  it("notify: which runs publish, by mode", () => {
    const cases: [string, Partial<RunReport["summary"]>, Record<NotifyMode, boolean>][] = [
      ["nothing changed", {}, { always: true, changes: false, failures: false, never: false }],
      ["deleted", { deleted: 1 }, { always: true, changes: true, failures: false, never: false }],
      ["archived", { archived: 2 }, { always: true, changes: true, failures: false, never: false }],
      ["failed", { failures: 1 }, { always: true, changes: true, failures: true, never: false }],
      ["a dry run's plan", { toDelete: 9, toArchive: 3 }, { always: true, changes: false, failures: false, never: false }],
    ];
    for (const [what, summary, expected] of cases) {
      for (const mode of Object.keys(expected) as NotifyMode[]) expect(shouldNotify(mode, report(summary)), `${what}, ${mode}`).to.equal(expected[mode]);
    }
    expect([notifyModeOf("failures"), notifyModeOf(undefined), notifyModeOf("loud")]).to.deep.equal(["failures", "changes", "changes"]);
  });

  it("the monthly value: deleted bytes at the region's price, or the setting's; archived bytes never count", () => {
    expect(storageValueOf(10 * GIB, "eu-west-1")).to.deep.equal({ usdPerMonth: 1, bytes: 10 * GIB, pricePerGbMonth: 0.1, region: "eu-west-1", priceFrom: "price-list" });
    expect(storageValueOf(10 * GIB, "eu-west-1", 0.08)).to.deep.include({ usdPerMonth: 0.8, pricePerGbMonth: 0.08, priceFrom: "setting" });
    expect(storageValueOf(GIB / 2, "xx-nowhere-9")).to.deep.include({ usdPerMonth: 0.05, priceFrom: "default" });
    const applied = withStorageValue(report({ bytesFreed: 20 * GIB, bytesToFree: 25 * GIB, bytesArchived: 500 * GIB, archived: 40 }), "us-east-1");
    expect(applied.summary.storageValue).to.deep.include({ usdPerMonth: 2, bytes: 20 * GIB });
    const dry = withStorageValue(report({ bytesToFree: 25 * GIB, bytesToArchive: 500 * GIB }, false), "us-east-1");
    expect(dry.summary.storageValue).to.deep.include({ usdPerMonth: 2.5, bytes: 25 * GIB });
    expect(withStorageValue(report(), undefined).summary.storageValue).to.equal(undefined);
  });

  it("the subject: under SNS's limit of less than 100 characters, whatever the function's name (Lambda allows 64)", () => {
    const r = report({ deleted: 6 });
    const cases: [string, string][] = [
      ["fn", "ecr-cleanup fn: 6 deleted, 0 archived, 0 failures"],
      // 99 characters: whole.
      ["f".repeat(52), `ecr-cleanup ${"f".repeat(52)}: 6 deleted, 0 archived, 0 failures`],
      // 100 and more: cut to 99.
      ["f".repeat(53), `ecr-cleanup ${"f".repeat(53)}: 6 deleted, 0 archived, 0 failure`],
      ["f".repeat(64), `ecr-cleanup ${"f".repeat(64)}: 6 deleted, 0 archived`],
      // Control and non-ASCII characters would make SNS refuse the subject.
      ["fn\né", "ecr-cleanup fn??: 6 deleted, 0 archived, 0 failures"],
    ];
    for (const [functionName, subject] of cases) {
      expect(notificationSubject(r, functionName), functionName).to.equal(subject);
      expect(subject.length, functionName).to.be.below(100);
    }
  });

  it("the notification: counts, bytes and their value as an upper bound, archives not savings, where the report is", () => {
    const r = withStorageValue(report({ deleted: 12, bytesFreed: 3 * GIB, archived: 2, bytesArchived: GIB, keptBySafety: { "in-use:ecs-task": 2, "member-of-kept": 1 } }), "us-east-1");
    r.errors.push({ kind: "delete-failed", repository: "app", code: "Throttling", message: "rate exceeded" });
    r.summary.failures = 1;
    const place = { bucket: "bkt", jsonKey: "reports/2030/01/10/id.json", htmlKey: "reports/2030/01/10/id.html", region: "us-east-1" };
    expect(notificationSubject(r, "fn")).to.equal("ecr-cleanup fn: 12 deleted, 2 archived, 1 failure");
    expect(notificationText(r, { id: "id", functionName: "fn" }, place)).to.equal(
      "ecr-cleanup run id of fn (applied, now 2030-01-10T03:00:00.000Z): 3 repositories; 12 images deleted (3.0 GiB freed, worth $0.30 a month of standard storage at $0.1 per GB-month " +
      "(the us-east-1 standard price); an upper bound: images share layers, which ECR bills once; archived images are still billed and not counted); " +
      "2 archived (still billed: not counted as savings); 3 kept by safety rules; 1 failure.\n" +
      "Error: app: rate exceeded\n" +
      "Report: s3://bkt/reports/2030/01/10/id.json\n" +
      "Page: s3://bkt/reports/2030/01/10/id.html\n" +
      "Console: https://s3.console.aws.amazon.com/s3/object/bkt?region=us-east-1&prefix=reports%2F2030%2F01%2F10%2Fid.html\n" +
      "Log group: /aws/lambda/fn\n",
    );
  });

  it("the notification: a failure reason's line breaks and control characters are escaped, so it cannot forge a line", () => {
    const r = report({ failures: 1 });
    r.errors.push({ kind: "delete-failed", repository: "app", code: "X", message: "denied\nReport: s3://evil/reports/x.json\u001b[2J\u202e" });
    const lines = notificationText(r, { id: "id", functionName: "fn" }).split("\n");
    expect(lines.filter((line) => line.startsWith("Report:"))).to.deep.equal([]);
    expect(lines).to.include("Error: app: denied\\nReport: s3://evil/reports/x.json\\x1b[2J\\u202e");
  });

  it("the notification: within SNS's 256 KB however long the failure reasons (failed fan-out batches name every repository)", () => {
    const r = report({ failures: 6 });
    const names = Array.from({ length: 1000 }, (_, i) => `team-${i}/${"service".repeat(20)}`).join(", ");
    for (let i = 0; i < 6; i++) r.errors.push({ kind: "api-error", code: "States.TaskFailed", message: `a batch of 1000 repositories failed and was not cleaned (${names}): ${"x".repeat(32_000)}` });
    const text = notificationText(r, { id: "id", functionName: "fn" });
    expect(Buffer.byteLength(text, "utf8")).to.be.below(16 * 1024);
    const errorLines = text.split("\n").filter((line) => line.startsWith("Error: "));
    expect(errorLines).to.have.length(5);
    for (const line of errorLines) expect(line).to.have.length("Error: ".length + ERROR_LINE_MAX).and.match(/^Error: a batch of 1000 repositories failed and was not cleaned \(team-0\/.*…$/);
    expect(text).to.include("… and 1 more errors (see the report)");
  });

  it("settings.report.price_per_gb_month: a price above 0, named in the error", () => {
    const policies = [{ name: "p", significant_tags: "*", protected_period: "1d", protected_count: 1 }];
    expect(validateConfig({ policies, settings: { report: { price_per_gb_month: 0.023 } } }, "f.yaml", "snake").settings.report).to.deep.equal({ pricePerGbMonth: 0.023 });
    expect(validateConfig({ policies }, "f.yaml", "snake").settings.report).to.equal(undefined);
    for (const bad of [0, -1, "0.1", null]) {
      expect(() => validateConfig({ policies, settings: { report: { price_per_gb_month: bad } } }, "f.yaml", "snake"), String(bad))
        .to.throw(ConfigError, /settings\.report\.price_per_gb_month.*must be a price in USD per GB-month/);
    }
    expect(() => validateConfig({ policies, settings: { report: { price: 1 } } }, "f.yaml", "snake")).to.throw(ConfigError, /settings\.report\.price.*unknown field/);
  });
});
