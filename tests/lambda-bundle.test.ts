/**
 * The deployed code works: the archive and environment the component hands to aws.lambda.Function (read from the
 * Pulumi mocks) run in a child process the way Lambda runs them, with the schedule's input as the event, against
 * moto with a seeded registry. A dry run deletes nothing; dryRun: false deletes what the CLI, given the same
 * policies and the same `now`, plans to delete.
 */
import { expect } from "chai";
import { CreateRepositoryCommand } from "@aws-sdk/client-ecr";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import type { EcrCleanupPolicyArgs, RetentionPolicyArgs } from "../component";
import { listImages } from "../runtime/ecr/listing";
import { s3Store } from "../runtime/fanout/storage";
import { CURSOR_START } from "../runtime/lambda/cursor";
import { METRIC_NAMESPACE } from "../runtime/lambda/metrics";
import { AslSimulator } from "./support/asl";
import { awsEnv } from "./support/aws-env";
import { runCli, writePolicyFile } from "./support/cli";
import { s3ClientFor, ssmClientFor } from "./support/in-process";
import { deployedFunction, Deployment, invoke, scheduledEvent } from "./support/lambda-invoke";
import { motoForSuite } from "./support/moto-suite";
import { pushImage } from "./support/push";
import { reportsInMoto } from "./support/moto-reports";

type Plan = Record<string, string[]>;

describe("the deployed Lambda bundle, run as Lambda runs it, against moto", function () {
  const aws = motoForSuite();

  function policies(prefix: string): RetentionPolicyArgs[] {
    return [
      { name: "flush", repositories: [`${prefix}-app`], significantTags: ["*"], protectedPeriod: "0s", protectedCount: 2 },
      { name: "releases", repositories: [`${prefix}-svc/*`], significantTags: ["prod"], protectedPeriod: "0s", protectedCount: 1 },
    ];
  }

  /** Two repositories (one matched by a glob); returns a `now` just after the last push (moto stamps pushes with the clock). */
  async function seed(prefix: string): Promise<string> {
    const app = `${prefix}-app`;
    const api = `${prefix}-svc/api`;
    for (const name of [app, api]) await aws.ecr.send(new CreateRepositoryCommand({ repositoryName: name }));
    await pushImage(aws.ecr, app, `${prefix}-app-v1`, "v1");
    await pushImage(aws.ecr, app, `${prefix}-app-v2`, "v2");
    for (let i = 0; i < 5; i++) await pushImage(aws.ecr, app, `${prefix}-app-untagged-${i}`);
    for (let i = 0; i < 3; i++) await pushImage(aws.ecr, api, `${prefix}-api-old-${i}`);
    await pushImage(aws.ecr, api, `${prefix}-api-prod`, "prod");
    await pushImage(aws.ecr, api, `${prefix}-api-next`);
    const pushed = [...(await listImages(aws.ecr, app)), ...(await listImages(aws.ecr, api))].map((i) => i.pushedAt!);
    return new Date(Math.max(...pushed) + 1).toISOString();
  }

  async function registry(prefix: string): Promise<Plan> {
    const out: Plan = {};
    for (const name of [`${prefix}-app`, `${prefix}-svc/api`]) out[name] = (await listImages(aws.ecr, name)).map((i) => i.digest).sort();
    return out;
  }

  function deletions(repositories: { repository: string; images: { digest: string; action: string }[] }[]): Plan {
    const out: Plan = {};
    for (const r of repositories) out[r.repository] = r.images.filter((i) => i.action === "delete").map((i) => i.digest).sort();
    return out;
  }

  /** The CLI's dry-run plan for the same policies: the function's ECR_CLEANUP_CONFIG is JSON, and so valid YAML. */
  async function cliPlan(deployment: Deployment, now: string): Promise<Plan> {
    const file = writePolicyFile(deployment.environment.ECR_CLEANUP_CONFIG);
    const cli = await runCli(["--config", file, "--now", now, "--output", "json"], awsEnv(aws.moto.endpoint));
    expect(cli.code, cli.stderr).to.equal(0);
    return deletions(JSON.parse(cli.stdout).repositories);
  }

  function logged(lines: string[], type: string): any[] {
    return lines.map((l) => JSON.parse(l)).filter((l) => l.type === type);
  }

  /** The component's function under mocks, with its cursor parameter created in moto as a deployment creates it. */
  async function deploy(name: string, args: Partial<EcrCleanupPolicyArgs> = {}): Promise<Deployment> {
    // moto has no App Runner (it answers with an HTML 404): the function is deployed with that source off.
    const deployment = await deployedFunction(name, { policies: policies(name), inUseAppRunner: false, ...args });
    if (deployment.cursorParameter) {
      const ssm = ssmClientFor(aws.moto.endpoint);
      const { name: parameter, value } = deployment.cursorParameter;
      await ssm.send(new PutParameterCommand({ Name: parameter, Value: value, Type: "String", Overwrite: true }));
      ssm.destroy();
    }
    // The reports' bucket and topic, as the deployment creates them (tests/run-reports-moto.test.ts reads them).
    (await reportsInMoto(aws.moto.endpoint, deployment)).destroy();
    return deployment;
  }

  async function cursorOf(deployment: Deployment): Promise<string | undefined> {
    const ssm = ssmClientFor(aws.moto.endpoint);
    try {
      return (await ssm.send(new GetParameterCommand({ Name: deployment.cursorParameter!.name }))).Parameter?.Value;
    } finally {
      ssm.destroy();
    }
  }

  it("dryRun (the default) deletes nothing, and logs per repository what the CLI would delete", async () => {
    const now = await seed("dry");
    const deployment = await deploy("dry");
    expect(deployment.environment.ECR_CLEANUP_DRY_RUN).to.equal("true");
    const before = await registry("dry");
    const plan = await cliPlan(deployment, now);

    const run = await invoke(deployment, scheduledEvent(deployment.scheduleInput, now), awsEnv(aws.moto.endpoint));
    expect(run.error, run.stderr).to.equal(undefined);
    expect(run.result).to.deep.include({ dryRun: true, now, errors: [] });
    // A source turned off is said on every run.
    expect(run.result.warnings).to.deep.equal([
      "settings.in_use.app_runner is false: images that App Runner uses are not protected in this run",
    ]);
    expect(run.result.summary).to.include({ repositories: 2, imagesScanned: 12, deleted: 0, failures: 0 });

    const repositories = logged(run.logLines, "repository");
    expect(repositories.map((r) => r.repository).sort()).to.deep.equal(["dry-app", "dry-svc/api"]);
    for (const line of repositories) expect(line).to.include({ dryRun: true, now });
    expect(deletions(repositories)).to.deep.equal(plan);
    const planned = Object.values(plan).flat().length;
    expect(planned).to.be.at.least(3);
    expect(run.result.summary.toDelete).to.equal(planned);
    expect(await registry("dry")).to.deep.equal(before);

    const summary = logged(run.logLines, "summary");
    expect(summary).to.have.length(1);
    const emf = run.logLines.map((l) => JSON.parse(l)).filter((l) => l._aws);
    expect(emf[0]._aws.CloudWatchMetrics[0]).to.deep.include({ Namespace: METRIC_NAMESPACE, Dimensions: [["FunctionName"]] });
    expect(emf[0]).to.include({ FunctionName: "ecr-cleanup-test-function", ImagesScanned: 12, ImagesToDelete: planned, ImagesDeleted: 0, Failures: 0, RepositoriesSkipped: 0, DryRun: true });
  });

  it("dryRun: false deletes exactly what the CLI plans, and nothing else", async () => {
    const now = await seed("apply");
    const deployment = await deploy("apply", { dryRun: false });
    expect(deployment.environment.ECR_CLEANUP_DRY_RUN).to.equal("false");
    const before = await registry("apply");
    const plan = await cliPlan(deployment, now);
    expect(Object.values(plan).flat().length).to.be.at.least(3);

    const run = await invoke(deployment, scheduledEvent(deployment.scheduleInput, now), awsEnv(aws.moto.endpoint));
    expect(run.error, run.stderr).to.equal(undefined);
    expect(run.result).to.deep.include({ dryRun: false, now });
    expect(run.result.summary.failures, JSON.stringify(run.result.errors)).to.equal(0);

    const after = await registry("apply");
    for (const repository of Object.keys(before)) {
      expect(after[repository], repository).to.deep.equal(before[repository].filter((d) => !plan[repository].includes(d)));
    }
  });

  it("a policy with groupBy: the bundle loads group_by's engine on demand and deletes exactly what the CLI plans", async () => {
    const now = await seed("grp");
    const grouped: RetentionPolicyArgs[] = [
      { name: "versions", repositories: ["grp-app"], significantTags: ["*"], protectedPeriod: "0s", protectedCount: 1, groupBy: "(v)[0-9]+" },
      policies("grp")[1],
    ];
    const deployment = await deploy("grp", { policies: grouped, dryRun: false });
    const before = await registry("grp");
    const plan = await cliPlan(deployment, now);
    // The older of the group "v" (moto stamps pushes to the second: a tie goes by digest) is the only image of grp-app
    // the grouped policy deletes: untagged images are not its business.
    const versions = (await listImages(aws.ecr, "grp-app")).filter((i) => i.tags.includes("v1") || i.tags.includes("v2")).map((i) => i.digest);
    expect(plan["grp-app"]).to.have.length(1);
    expect(versions).to.include(plan["grp-app"][0]);
    const v1 = plan["grp-app"][0];

    const run = await invoke(deployment, scheduledEvent(deployment.scheduleInput, now), awsEnv(aws.moto.endpoint));
    expect(run.error, run.stderr).to.equal(undefined);
    expect(run.result.summary.failures, JSON.stringify(run.result.errors)).to.equal(0);
    const logged = run.logLines.map((l) => JSON.parse(l)).filter((l) => l.type === "repository" && l.repository === "grp-app");
    expect(logged[0].images.find((i: { digest: string }) => i.digest === v1).policies).to.deep.equal([{ policy: "versions", verdict: "delete", reason: "group-expired", group: "v" }]);
    const after = await registry("grp");
    for (const repository of Object.keys(before)) {
      expect(after[repository], repository).to.deep.equal(before[repository].filter((d) => !plan[repository].includes(d)));
    }

    // A pattern RE2 refuses, in the function's own configuration: the validator's message, nothing done.
    const broken: Deployment = {
      ...deployment,
      environment: { ...deployment.environment, ECR_CLEANUP_CONFIG: '{"policies":[{"name":"bad","significant_tags":"*","protected_period":0,"protected_count":1,"group_by":"(a)\\\\1"}]}' },
    };
    const refused = await invoke(broken, scheduledEvent(deployment.scheduleInput, now), awsEnv(aws.moto.endpoint));
    expect(refused.error?.message).to.match(/^environment variable ECR_CLEANUP_CONFIG: policy #1 "bad", field group_by: is not a regular expression RE2 accepts/);
  });

  it("a configuration error fails the invocation with the validator's message", async () => {
    const deployment = await deploy("broken");
    const broken: Deployment = {
      ...deployment,
      environment: { ...deployment.environment, ECR_CLEANUP_CONFIG: '{"policies":[{"name":"bad","significant_tags":"*","protected_period":"7x","protected_count":1}]}' },
    };
    const run = await invoke(broken, scheduledEvent(deployment.scheduleInput, new Date().toISOString()), awsEnv(aws.moto.endpoint));
    expect(run.result).to.equal(undefined);
    expect(run.error?.name).to.equal("ConfigError");
    expect(run.error?.message).to.match(/^environment variable ECR_CLEANUP_CONFIG: policy #1 "bad", field protected_period: must be /);
  });
  it("with less than the safety margin left, starts no repository and stores the first as the cursor; a full run resets it", async () => {
    const now = await seed("cur");
    // Invoked with 1 s left (the runner's deadline), less than the 60 s margin: no repository may start.
    const short = { ...(await deploy("cur")), timeout: 1 };
    const cut = await invoke(short, scheduledEvent(short.scheduleInput, now), awsEnv(aws.moto.endpoint));
    expect(cut.error, cut.stderr).to.equal(undefined);
    expect(cut.result).to.deep.include({ notReached: ["cur-app", "cur-svc/api"], cursor: "cur-app", errors: [] });
    expect(logged(cut.logLines, "repository")).to.deep.equal([]);
    expect(await cursorOf(short)).to.equal("cur-app");

    const full = await deployedFunction("cur", { policies: policies("cur"), inUseAppRunner: false });
    expect(full.cursorParameter!.name).to.equal(short.cursorParameter!.name);
    const run = await invoke(full, scheduledEvent(full.scheduleInput, now), awsEnv(aws.moto.endpoint));
    expect(run.error, run.stderr).to.equal(undefined);
    expect(run.result).to.deep.include({ notReached: [], errors: [] });
    expect(run.result.cursor).to.equal(undefined);
    expect(logged(run.logLines, "repository").map((r) => r.repository).sort()).to.deep.equal(["cur-app", "cur-svc/api"]);
    expect(await cursorOf(full)).to.equal(CURSOR_START);
  });

  it("fan-out mode: the deployed bundle, driven through the state machine's definition, reports what the single-function bundle reports", async () => {
    const now = await seed("fan");
    const single = await deploy("fan");
    const expected = await invoke(single, scheduledEvent(single.scheduleInput, now), awsEnv(aws.moto.endpoint));
    expect(expected.error, expected.stderr).to.equal(undefined);

    const fanOut = await deploy("fan", { fanOut: true, fanOutBatchSize: 1 });
    const { stateMachineArn, definition, bucket } = fanOut.fanOut!;
    const s3 = s3ClientFor(aws.moto.endpoint);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const logs: string[] = [];
      const simulator = new AslSimulator(definition, {
        store: s3Store(s3, bucket),
        running: () => [{ executionArn: "this one" }],
        invoke: async (functionArn, payload) => {
          expect(functionArn).to.equal(fanOut.functionArn);
          const run = await invoke(fanOut, payload, awsEnv(aws.moto.endpoint));
          logs.push(...run.logLines);
          if (run.error) throw Object.assign(new Error(run.error.message), { name: run.error.name });
          return run.result;
        },
      }, { Execution: { Name: "run-1", Input: scheduledEvent(fanOut.scheduleInput, now) }, StateMachine: { Id: stateMachineArn } });
      const result = await simulator.run();
      expect(simulator.record.batches).to.have.length(2);
      // Each run writes its report under its own id: the single function's request id, the execution's name.
      // A fan-out result also counts the entries of its (bounded) lists.
      const { report: ownReport, counts, ...rest } = result as any;
      const { report: expectedReport, ...expectedRest } = expected.result;
      expect(counts).to.deep.equal({ errors: expectedRest.errors.length, warnings: expectedRest.warnings.length, notReached: expectedRest.notReached.length });
      expect(ownReport.json).to.match(/\/run-1\.json$/);
      expect(expectedReport.json).to.match(/\/00000000-0000-4000-8000-000000000000\.json$/);
      expect(rest).to.deep.equal(expectedRest);
      // The same lines in the log group: each repository's (from the batches; in completion order), then the run's.
      const lines = (all: string[]) => {
        const parsed = all.map((l) => JSON.parse(l)).filter((l) => !l._aws);
        const repositories = parsed.filter((l) => l.type === "repository").sort((x, y) => (x.repository < y.repository ? -1 : 1));
        return [...repositories, ...parsed.filter((l) => l.type !== "repository")];
      };
      expect(lines(logs)).to.deep.equal(lines(expected.logLines));
    } finally {
      s3.destroy();
    }

    // Invoked directly (not by its state machine), the fan-out function refuses to run.
    const direct = await invoke(fanOut, scheduledEvent(fanOut.scheduleInput, now), awsEnv(aws.moto.endpoint));
    expect(direct.error?.message).to.match(/runs in fan-out mode: start a run with its Step Functions state machine/);
  });
});
