/**
 * The run reports end to end: the Lambda bundle the component deploys, run as Lambda runs it against moto's ECR, S3,
 * SNS and SQS (a queue subscribed to the topic reads what was published), for the single-function and the fan-out
 * handlers. The report's objects and their content against the run, exactly one message for a run that deleted,
 * none for a run that changed nothing, and a report that cannot be written counted as a failure with every deletion
 * still in the log.
 */
import { expect } from "chai";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { runCli } from "./support/cli";
import type { EcrCleanupPolicyArgs, RetentionPolicyArgs } from "../component";
import { listImages } from "../runtime/ecr/listing";
import { s3Store } from "../runtime/fanout/storage";
import { AslSimulator } from "./support/asl";
import { awsEnv } from "./support/aws-env";
import { s3ClientFor } from "./support/in-process";
import { deployedFunction, Deployment, invoke, scheduledEvent } from "./support/lambda-invoke";
import { lostAnswerProxy } from "./support/lost-answer-proxy";
import { reportsInMoto } from "./support/moto-reports";
import { motoForSuite } from "./support/moto-suite";
import { pushImage } from "./support/push";

const REQUEST_ID = "00000000-0000-4000-8000-000000000000";

describe("run reports in S3 and notifications on SNS: the deployed bundle against moto", function () {
  const aws = motoForSuite();

  const policies = (prefix: string): RetentionPolicyArgs[] => [
    { name: "flush", repositories: [`${prefix}-app`, `${prefix}-lib`], significantTags: ["*"], protectedPeriod: "0s", protectedCount: 2 },
  ];

  /** Two repositories with 5 images each, the 3 oldest of each to delete; returns a `now` just after the last push. */
  async function seed(prefix: string): Promise<string> {
    for (const name of [`${prefix}-app`, `${prefix}-lib`]) {
      await aws.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
      for (let i = 0; i < 5; i++) await pushImage(aws.ecr, name, `${prefix}-${name}-${i}`);
    }
    const pushed = [...(await listImages(aws.ecr, `${prefix}-app`)), ...(await listImages(aws.ecr, `${prefix}-lib`))].map((i) => i.pushedAt!);
    return new Date(Math.max(...pushed) + 1).toISOString();
  }

  async function remaining(prefix: string): Promise<number> {
    return (await listImages(aws.ecr, `${prefix}-app`)).length + (await listImages(aws.ecr, `${prefix}-lib`)).length;
  }

  const deploy = (name: string, args: Partial<EcrCleanupPolicyArgs> = {}): Promise<Deployment> =>
    deployedFunction(name, { policies: policies(name), inUseAppRunner: false, inUseEcs: false, inUseLambda: false, inUseEks: false, inUseBatch: false, ...args });

  const day = (now: string) => now.slice(0, 10).replace(/-/g, "/");
  const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l));
  const deletedInLog = (lines: string[]) =>
    parsed(lines).filter((l) => l.type === "delete-call").flatMap((l) => l.deleted ?? []).map((d: { digest: string } | string) => (typeof d === "string" ? d : d.digest)).sort();
  const deletedInReport = (report: any) =>
    report.repositories.flatMap((r: any) => r.images.filter((i: any) => i.outcome === "deleted").map((i: any) => i.digest)).sort();

  it("single-function, dryRun: false: the JSON report and the page under reports/<date>/<request id>, and exactly one notification", async () => {
    const now = await seed("one");
    const deployment = await deploy("one", { dryRun: false });
    const reports = await reportsInMoto(aws.moto.endpoint, deployment);
    try {
      const run = await invoke(deployment, scheduledEvent(deployment.scheduleInput, now), awsEnv(aws.moto.endpoint));
      expect(run.error, run.stderr).to.equal(undefined);
      expect(run.result.errors).to.deep.equal([]);
      expect(run.result.summary).to.include({ deleted: 6, failures: 0 });
      expect(await remaining("one")).to.equal(4);
      const bucket = deployment.reports!.bucket;
      const base = `reports/${day(now)}/${REQUEST_ID}`;
      expect(run.result.report).to.deep.equal({ json: `s3://${bucket}/${base}.json`, html: `s3://${bucket}/${base}.html` });

      const objects = await reports.objects();
      expect(Object.keys(objects).sort()).to.deep.equal([`${base}.html`, `${base}.json`, `${base}.notified`]);
      const report = JSON.parse(objects[`${base}.json`]);
      expect(report).to.deep.include({ formatVersion: 1, apply: true, now });
      expect(report.summary).to.deep.equal(run.result.summary);
      expect(deletedInReport(report)).to.deep.equal(deletedInLog(run.logLines)).and.to.have.length(6);
      const bytes = run.result.summary.bytesFreed;
      expect(bytes).to.be.greaterThan(0);
      expect(report.summary.storageValue).to.deep.equal({
        usdPerMonth: Math.round((bytes / 1024 ** 3) * 0.1 * 100) / 100, bytes, pricePerGbMonth: 0.1, region: "us-east-1", priceFrom: "price-list",
      });
      const page = objects[`${base}.html`];
      expect(page).to.match(/^<!DOCTYPE html>/).and.to.include(`ecr-cleanup run at ${now}`).and.to.include("an upper bound");

      const messages = await reports.messages();
      expect(messages).to.have.length(1);
      expect(messages[0].subject).to.equal("ecr-cleanup ecr-cleanup-test-function: 6 deleted, 0 archived, 0 failures");
      const text = messages[0].message;
      expect(text).to.include(`ecr-cleanup run ${REQUEST_ID} of ecr-cleanup-test-function (applied, now ${now}): 2 repositories; 6 images deleted (`);
      expect(text).to.include("0 archived (still billed: not counted as savings); 0 kept by safety rules; 0 failures.");
      expect(text).to.include(`Report: s3://${bucket}/${base}.json\nPage: s3://${bucket}/${base}.html\n`);
      expect(text).to.include(`Console: https://s3.console.aws.amazon.com/s3/object/${bucket}?region=us-east-1&prefix=${encodeURIComponent(`${base}.html`)}`);
    } finally {
      reports.destroy();
    }
  });

  it('a run that changed nothing writes its report and publishes nothing (notify: "changes"); notify: "always" publishes it', async () => {
    const now = await seed("calm");
    const quiet = await deploy("calm");
    const reports = await reportsInMoto(aws.moto.endpoint, quiet);
    try {
      const run = await invoke(quiet, scheduledEvent(quiet.scheduleInput, now), awsEnv(aws.moto.endpoint));
      expect(run.error, run.stderr).to.equal(undefined);
      expect(run.result.summary).to.include({ toDelete: 6, deleted: 0, failures: 0 });
      expect(Object.keys(await reports.objects())).to.have.length(2);
      expect(await reports.messages()).to.deep.equal([]);
    } finally {
      reports.destroy();
    }
    const always = await deploy("calm", { notify: "always" });
    const again = await reportsInMoto(aws.moto.endpoint, always);
    try {
      // Another run, so another request id (its report would otherwise be the first run's, which it leaves alone).
      const run = await invoke(always, scheduledEvent(always.scheduleInput, now), { ...awsEnv(aws.moto.endpoint), TEST_AWS_REQUEST_ID: "00000000-0000-4000-8000-000000000001" });
      expect(run.error, run.stderr).to.equal(undefined);
      const messages = await again.messages();
      expect(messages).to.have.length(1);
      expect(messages[0].message).to.include("(dry run: nothing deleted, now").and.to.include("6 images to delete (");
    } finally {
      again.destroy();
    }
  });

  it("a report that cannot be written (the bucket is gone): the deletions stand and are logged, the run counts a failure and says why", async () => {
    const now = await seed("gone");
    const deployment = await deploy("gone", { dryRun: false });
    const reports = await reportsInMoto(aws.moto.endpoint, deployment, { bucket: false });
    try {
      const run = await invoke(deployment, scheduledEvent(deployment.scheduleInput, now), awsEnv(aws.moto.endpoint));
      expect(run.error, run.stderr).to.equal(undefined);
      expect(run.result.summary).to.include({ deleted: 6, failures: 1 });
      expect(run.result.report).to.equal(undefined);
      expect(await remaining("gone")).to.equal(4);
      expect(deletedInLog(run.logLines)).to.have.length(6);
      const errors = parsed(run.logLines).filter((l) => l.type === "error");
      expect(errors).to.have.length(1);
      expect(errors[0]).to.include({ kind: "api-error", code: "NoSuchBucket" });
      expect(errors[0].message).to.match(new RegExp(`^cannot write the run's report to s3://${deployment.reports!.bucket}/reports/.*\\.json \\(.*\\): what the run deleted is in this log's delete-call lines$`));
      // The failures alarm reads this metric.
      expect(parsed(run.logLines).find((l) => l._aws)).to.include({ Failures: 1, ImagesDeleted: 6 });
      const messages = await reports.messages();
      expect(messages).to.have.length(1);
      expect(messages[0].message).to.include("1 failure.").and.to.include("Error: cannot write the run's report").and.to.not.include("Report: s3://");
    } finally {
      reports.destroy();
    }
  });

  it("restore --from-report s3://BUCKET/KEY reads a run's report from S3; an object that is not a report is a usage error", async () => {
    const now = await seed("rst");
    const deployment = await deploy("rst", { dryRun: false, notify: "never" });
    const reports = await reportsInMoto(aws.moto.endpoint, deployment);
    try {
      const run = await invoke(deployment, scheduledEvent(deployment.scheduleInput, now), awsEnv(aws.moto.endpoint));
      expect(run.error, run.stderr).to.equal(undefined);
      const bucket = deployment.reports!.bucket;
      const key = run.result.report.json.slice(`s3://${bucket}/`.length);
      // The run's own report, with one of its deleted images marked archived (moto has no archive storage class).
      const report = JSON.parse((await reports.objects())[key]);
      const image = report.repositories[0].images.find((i: any) => i.outcome === "deleted");
      image.outcome = "archived";
      await reports.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "reports/edited.json", Body: JSON.stringify(report) }));
      const restored = await runCli(["restore", "--from-report", `s3://${bucket}/reports/edited.json`, "--output", "json"], awsEnv(aws.moto.endpoint));
      expect(restored.code, restored.stderr).to.equal(0);
      // Deleted since: listed and skipped.
      expect(JSON.parse(restored.stdout).images.map((l: any) => [l.repository, l.digest, l.outcome])).to.deep.equal([[report.repositories[0].repository, image.digest, "not-found"]]);
      const page = await runCli(["restore", "--from-report", run.result.report.html], awsEnv(aws.moto.endpoint));
      expect(page.code).to.equal(2);
      expect(page.stderr).to.include(`--from-report ${run.result.report.html}: `);
      const missing = await runCli(["restore", "--from-report", `s3://${bucket}/nothing.json`], awsEnv(aws.moto.endpoint));
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include(`--from-report s3://${bucket}/nothing.json: cannot read it (`);
    } finally {
      reports.destroy();
    }
  });

  it("single-function, S3's answer to the report's conditional write lost (the connection reset): the SDK's retry finds the attempt's own report, and the page and the one notification still go", async () => {
    const now = await seed("lost");
    const deployment = await deploy("lost", { dryRun: false });
    const reports = await reportsInMoto(aws.moto.endpoint, deployment);
    const proxy = await lostAnswerProxy(aws.moto.endpoint);
    try {
      const run = await invoke(deployment, scheduledEvent(deployment.scheduleInput, now), awsEnv(proxy.endpoint));
      expect(run.error, run.stderr).to.equal(undefined);
      const base = `reports/${day(now)}/${REQUEST_ID}`;
      // The write reached moto, its answer was lost, and the SDK's retry of it was refused: 412.
      expect(proxy.log.filter((l) => l.startsWith(`PUT /${deployment.reports!.bucket}/${base}.json`))).to.deep.equal([
        `PUT /${deployment.reports!.bucket}/${base}.json?x-id=PutObject lost`,
        `PUT /${deployment.reports!.bucket}/${base}.json?x-id=PutObject 412`,
      ]);
      expect(run.result.warnings.filter((w: string) => w.includes("report"))).to.deep.equal([]);
      expect(run.result.summary).to.include({ deleted: 6, failures: 0 });
      const objects = await reports.objects();
      expect(Object.keys(objects).sort()).to.deep.equal([`${base}.html`, `${base}.json`, `${base}.notified`]);
      expect(JSON.parse(objects[`${base}.json`]).summary).to.deep.equal(run.result.summary);
      expect(await reports.messages()).to.have.length(1);

      // Lambda retries the asynchronous invocation under the same request id: nothing more is published.
      const again = await invoke(deployment, scheduledEvent(deployment.scheduleInput, now), awsEnv(aws.moto.endpoint));
      expect(again.result.warnings).to.include(`the run's report s3://${deployment.reports!.bucket}/${base}.json was written by an earlier attempt of this run (a retried or re-run step): left as it is, and its notification not published again`);
      expect(await reports.messages()).to.deep.equal([]);
    } finally {
      await proxy.close();
      reports.destroy();
    }
  });

  it("fan-out, dryRun: false: one report for the whole run under the execution's name, and exactly one notification", async () => {
    const now = await seed("fan");
    const fanOut = await deploy("fan", { dryRun: false, fanOut: true, fanOutBatchSize: 1 });
    const reports = await reportsInMoto(aws.moto.endpoint, fanOut);
    const { stateMachineArn, definition, bucket } = fanOut.fanOut!;
    const s3 = s3ClientFor(aws.moto.endpoint);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const logs: string[] = [];
      const simulator = new AslSimulator(definition, {
        store: s3Store(s3, bucket),
        running: () => [{ executionArn: "this one" }],
        invoke: async (_functionArn, payload) => {
          const run = await invoke(fanOut, payload, awsEnv(aws.moto.endpoint));
          logs.push(...run.logLines);
          if (run.error) throw Object.assign(new Error(run.error.message), { name: run.error.name });
          return run.result;
        },
      }, { Execution: { Name: "run-7", Input: scheduledEvent(fanOut.scheduleInput, now) }, StateMachine: { Id: stateMachineArn } });
      const result = (await simulator.run()) as any;
      expect(simulator.record.batches).to.have.length(2);
      expect(result.summary).to.include({ deleted: 6, failures: 0 });
      const base = `reports/${day(now)}/run-7`;
      const objects = await reports.objects();
      expect(Object.keys(objects).sort()).to.deep.equal([`${base}.html`, `${base}.json`, `${base}.notified`]);
      const report = JSON.parse(objects[`${base}.json`]);
      expect(report.summary).to.deep.equal(result.summary);
      expect(report.repositories.map((r: any) => r.repository).sort()).to.deep.equal(["fan-app", "fan-lib"]);
      expect(deletedInReport(report)).to.deep.equal(deletedInLog(logs)).and.to.have.length(6);
      const messages = await reports.messages();
      expect(messages).to.have.length(1);
      expect(messages[0].message).to.include("ecr-cleanup run run-7 of ecr-cleanup-test-function (applied").and.to.include(`Report: s3://${fanOut.reports!.bucket}/${base}.json`);
    } finally {
      s3.destroy();
      reports.destroy();
    }
  });

  /** Runs a fan-out deployment's state machine in the simulator, each step the deployed bundle invoked as Lambda invokes it. */
  async function runFanOut(fanOut: Deployment, now: string, execution: string, options: { resultsUnwritable?: boolean } = {}) {
    const { stateMachineArn, definition, bucket } = fanOut.fanOut!;
    const s3 = s3ClientFor(aws.moto.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = s3Store(s3, bucket);
    const logs: string[] = [];
    const invokeBundle = async (payload: unknown) => {
      const run = await invoke(fanOut, payload, awsEnv(aws.moto.endpoint));
      logs.push(...run.logLines);
      if (run.error) throw Object.assign(new Error(run.error.message), { name: run.error.name });
      return run.result;
    };
    const simulator = new AslSimulator(definition, {
      store: {
        ...store,
        // The Map's ResultWriter cannot write (its role lost the grant, the bucket refuses): the Map fails.
        put: async (key, value) => (options.resultsUnwritable && key.startsWith("results/") ? Promise.reject(new Error("Access Denied")) : store.put(key, value)),
      },
      running: () => [{ executionArn: "this one" }],
      invoke: (_functionArn, payload) => invokeBundle(payload),
    }, { Execution: { Name: execution, Input: scheduledEvent(fanOut.scheduleInput, now) }, StateMachine: { Id: stateMachineArn } });
    const ended = await simulator.run().then((output) => ({ output, failed: undefined }), (failed: Error) => ({ output: undefined, failed }));
    s3.destroy();
    return { ...ended, simulator, logs, invokeBundle };
  }

  it("fan-out, the Map fails after its batches deleted: the failure path writes the run's report, failed, listing every deleted image, and one notification", async () => {
    const now = await seed("mapfail");
    const fanOut = await deploy("mapfail", { dryRun: false, fanOut: true, fanOutBatchSize: 1 });
    const reports = await reportsInMoto(aws.moto.endpoint, fanOut);
    try {
      const { failed, simulator, logs, invokeBundle } = await runFanOut(fanOut, now, "run-9", { resultsUnwritable: true });
      expect(failed?.message).to.match(/^execution failed: RunFailed/);
      expect(simulator.record.states).to.deep.equal(["Prepare", "AnotherRunIsGoing", "Clean", "ReportFailedRun", "ReleaseRunLock", "RunFailed"]);
      expect(await remaining("mapfail")).to.equal(4);
      const base = `reports/${day(now)}/run-9`;
      const objects = await reports.objects();
      expect(Object.keys(objects).sort()).to.deep.equal([`${base}.html`, `${base}.json`, `${base}.notified`]);
      const report = JSON.parse(objects[`${base}.json`]);
      expect(deletedInReport(report)).to.deep.equal(deletedInLog(logs)).and.to.have.length(6);
      expect(report.summary).to.include({ deleted: 6, failures: 1 });
      expect(report.errors[0].code).to.equal("States.ResultWriterFailed");
      const messages = await reports.messages();
      expect(messages).to.have.length(1);
      expect(messages[0].subject).to.equal("ecr-cleanup ecr-cleanup-test-function: 6 deleted, 0 archived, 1 failure");

      // The same execution's failure path run again (a redrive): the report stays, and nothing more is published.
      // moto (5.2) refuses a PutObject with If-None-Match: * on an existing key with 412 PreconditionFailed, as S3 does;
      // S3's 409 ConditionalRequestConflict for two writes at once it does not produce (runtime/lambda/reportClients.ts
      // takes both the same way).
      const reportFailedRun = simulator.record.invocations.find((i) => i.payload.phase === "failed")!.payload;
      const again = await invokeBundle(reportFailedRun);
      expect(again.warnings).to.include(`the run's report s3://${fanOut.reports!.bucket}/${base}.json was written by an earlier attempt of this run (a retried or re-run step): left as it is, and its notification not published again`);
      expect(await reports.objects()).to.deep.equal(objects);
      expect(await reports.messages()).to.deep.equal([]);
    } finally {
      reports.destroy();
    }
  });

  it("fan-out, the aggregate step retried after it delivered (its response lost): exactly one notification for the run", async () => {
    const now = await seed("retry");
    const fanOut = await deploy("retry", { dryRun: false, fanOut: true, fanOutBatchSize: 1 });
    const reports = await reportsInMoto(aws.moto.endpoint, fanOut);
    try {
      const { output, simulator, invokeBundle } = await runFanOut(fanOut, now, "run-11");
      expect(output.summary).to.include({ deleted: 6, failures: 0 });
      const objects = await reports.objects();
      const aggregate = simulator.record.invocations.find((i) => i.payload.phase === "aggregate")!.payload;
      const retried = await invokeBundle(aggregate);
      expect(retried.summary).to.deep.equal(output.summary);
      expect(retried.report).to.deep.equal(output.report);
      expect(await reports.objects()).to.deep.equal(objects);
      expect(await reports.messages()).to.have.length(1);
    } finally {
      reports.destroy();
    }
  });
});
