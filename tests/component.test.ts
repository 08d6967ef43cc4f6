/**
 * EcrCleanupPolicy under Pulumi's mocks: every resource it registers, with its inputs, its name and its parent;
 * the IAM documents parsed; the schedule; the alarms; the function's environment; validation; determinism; and
 * the example program.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { EcrCleanupPolicy, ECR_CLEANUP_POLICY_TYPE, EcrCleanupPolicyArgs, RetentionPolicyArgs } from "../component";
import { missedRunPeriods } from "../component/alarms";
import { BUNDLE_FILE, BUNDLES, BundleKind, HANDLER, packageRoot, readHandlerBundle } from "../component/bundle";
import { buildHandlerBundle } from "../scripts/lambda-bundles";
import { cleanerPolicyDocument } from "../component/iam";
import { configJson, LAMBDA_ENVIRONMENT_LIMIT, policyConfig, ResolvedPolicy } from "../component/policyConfig";
import { parseSchedule } from "../component/schedule";
import { ConfigError } from "../runtime/config/errors";
import { defaultInUse } from "../runtime/config/inUseSettings";
import { validateConfig } from "../runtime/config/schema";
import { DEFAULT_CONCURRENCY } from "../runtime/engine/run";
import { CURSOR_START } from "../runtime/lambda/cursor";
import { SCHEDULE_INPUT } from "../runtime/lambda/event";
import { sameFiles } from "./support/bundle-files";
import { deploy, grants, RELEASES, statement, statements, T } from "./support/component-under-mocks";
import { ACCOUNT_ID, archiveFiles, parentTypeOf, PARTITION, Recorder, REGION, registeredUrns, valueOf } from "./support/pulumi-mocks";

const FUNCTION_NAME = (name: string) => `${name}-function-0a1b2c3`;
const REPO_ARN = (name: string) => `arn:${PARTITION}:ecr:${REGION}:${ACCOUNT_ID}:repository/${name}`;

describe("EcrCleanupPolicy (Pulumi mocks)", function () {
  describe("resources", () => {
    it("registers exactly its children, named after the component and parented to it", async () => {
      const { rec } = await deploy("ecr-retention");
      expect(rec.counts()).to.deep.equal({
        [T.component]: 1,
        [T.role]: 2,
        [T.rolePolicy]: 2,
        [T.managedPolicy]: 1,
        [T.policyAttachment]: 1,
        [T.fn]: 1,
        [T.invokeConfig]: 1,
        [T.logGroup]: 1,
        [T.exclusion]: 1,
        [T.schedule]: 1,
        [T.alarm]: 5,
        [T.parameter]: 1,
        // The runs' reports and notifications.
        [T.bucket]: 1,
        [T.encryption]: 1,
        [T.publicAccess]: 1,
        [T.lifecycle]: 1,
        [T.bucketPolicy]: 1,
        [T.topic]: 1,
      });
      const children = rec.resources.filter((r) => r.type !== T.component).map((r) => r.name).sort();
      expect(children).to.deep.equal([
        "ecr-retention-cursor", "ecr-retention-duration", "ecr-retention-errors", "ecr-retention-failures", "ecr-retention-function",
        "ecr-retention-invoke-config", "ecr-retention-logs", "ecr-retention-missed-run", "ecr-retention-notifications", "ecr-retention-policy",
        "ecr-retention-pull-time-exclusion", "ecr-retention-reports", "ecr-retention-reports-encryption", "ecr-retention-reports-lifecycle",
        "ecr-retention-reports-policy", "ecr-retention-reports-public-access", "ecr-retention-repositories-1", "ecr-retention-repositories-1-attachment",
        "ecr-retention-role", "ecr-retention-schedule", "ecr-retention-schedule-policy",
        "ecr-retention-schedule-role", "ecr-retention-throttles",
      ]);
      const urns = registeredUrns();
      expect(urns).to.have.length(rec.resources.length);
      for (const urn of urns) {
        if (urn.endsWith("::ecr-retention")) expect(parentTypeOf(urn), urn).to.equal(undefined);
        else expect(parentTypeOf(urn), urn).to.equal(ECR_CLEANUP_POLICY_TYPE);
      }
      expect(rec.calls.sort()).to.deep.equal([
        "aws:index/getCallerIdentity:getCallerIdentity", "aws:index/getPartition:getPartition", "aws:index/getRegion:getRegion",
      ]);
    });

    it("exposes the function, role, log group, schedule and alarms as outputs", async () => {
      const { component } = await deploy("outs");
      expect(await valueOf(component.functionName)).to.equal(FUNCTION_NAME("outs"));
      expect(await valueOf(component.functionArn)).to.equal(`arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${FUNCTION_NAME("outs")}`);
      expect(await valueOf(component.roleArn)).to.equal(`arn:aws:iam::${ACCOUNT_ID}:role/outs-role-0a1b2c3`);
      expect(await valueOf(component.logGroupName)).to.equal(`/aws/lambda/${FUNCTION_NAME("outs")}`);
      expect(await valueOf(component.scheduleArn)).to.match(/:schedule\/default\/outs-schedule-0a1b2c3$/);
      expect(Object.keys(await valueOf(component.alarmArns))).to.deep.equal(["errors", "throttles", "duration", "failures", "missedRun"]);
    });

    it("tags every child that takes tags", async () => {
      const tags = { team: "platform" };
      const { rec } = await deploy("tagged", { tags });
      const taggable = [T.role, T.managedPolicy, T.fn, T.logGroup, T.alarm, T.parameter, T.bucket, T.topic];
      for (const r of rec.resources.filter((x) => taggable.includes(x.type))) expect(r.inputs.tags, r.name).to.deep.equal(tags);
      expect(rec.resources.filter((r) => r.inputs.tags).length).to.equal(2 + 1 + 1 + 1 + 5 + 1 + 1 + 1);
    });
  });

  describe("the function", () => {
    it("runs the bundled handler on nodejs22.x/arm64, once at a time, with Lambda's async retries off", async () => {
      const { rec } = await deploy("fn");
      const fn = rec.one(T.fn);
      expect(fn.inputs).to.include({ runtime: "nodejs22.x", handler: HANDLER, timeout: 900, memorySize: 512, reservedConcurrentExecutions: 1 });
      expect(fn.inputs.architectures).to.deep.equal(["arm64"]);
      expect(fn.inputs.role).to.equal(rec.named("fn-role").state.arn);
      // The entry Lambda loads as an ES module (index.mjs), and its chunks.
      const files = Object.keys(await archiveFiles(fn.inputs.code));
      expect(files).to.include(BUNDLE_FILE).and.deep.equal(Object.keys(readHandlerBundle("single")));
      expect(files.every((f) => f.endsWith(".mjs") && !f.includes("/"))).to.equal(true);
      expect(rec.one(T.invokeConfig).inputs).to.deep.equal({ functionName: FUNCTION_NAME("fn"), maximumRetryAttempts: 0 });
    });

    it("takes its policies from a snake_case JSON environment variable, dry run by default", async () => {
      const { rec } = await deploy("env");
      const variables = rec.one(T.fn).inputs.environment.variables;
      expect(Object.keys(variables).sort()).to.deep.equal([
        "ECR_CLEANUP_CONCURRENCY", "ECR_CLEANUP_CONFIG", "ECR_CLEANUP_CURSOR_PARAMETER", "ECR_CLEANUP_DRY_RUN", "ECR_CLEANUP_NOTIFY", "ECR_CLEANUP_NOTIFY_TOPIC", "ECR_CLEANUP_REPORTS_BUCKET",
      ]);
      expect(variables.ECR_CLEANUP_DRY_RUN).to.equal("true");
      expect(variables.ECR_CLEANUP_CONCURRENCY).to.equal(String(DEFAULT_CONCURRENCY));
      expect(variables.ECR_CLEANUP_CURSOR_PARAMETER).to.equal(rec.named("env-cursor").state.name);
      expect(JSON.parse(variables.ECR_CLEANUP_CONFIG)).to.deep.equal({
        policies: [{
          name: "releases",
          significant_tags: ["dev", "rc", "prod"],
          protected_period: "365d",
          protected_count: 13,
          repositories: ["hello-world", "team/*"],
        }],
      });
      // The CLI's validator reads it as the same policies.
      expect(validateConfig(JSON.parse(variables.ECR_CLEANUP_CONFIG), "env", "snake").policies[0]).to.include({ name: "releases", protectedCount: 13 });
    });

    it("dryRun: false, timeout, memory, architecture and concurrency reach the function", async () => {
      const { rec } = await deploy("apply", { dryRun: false, timeout: 300, memorySize: 1024, architecture: "x86_64", concurrency: 3 });
      const fn = rec.one(T.fn);
      expect(fn.inputs.environment.variables.ECR_CLEANUP_DRY_RUN).to.equal("false");
      expect(fn.inputs.environment.variables.ECR_CLEANUP_CONCURRENCY).to.equal("3");
      expect(fn.inputs).to.include({ timeout: 300, memorySize: 1024 });
      expect(fn.inputs.architectures).to.deep.equal(["x86_64"]);
    });

    it("groupBy reaches the function's policies as group_by, which the function's validator reads back", async () => {
      const { rec } = await deploy("grouped", { policies: [{ ...RELEASES, groupBy: "(.+)-[0-9a-f]{7,40}" }] });
      const config = JSON.parse(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG);
      expect(config.policies[0].group_by).to.equal("(.+)-[0-9a-f]{7,40}");
      expect(validateConfig(config, "env", "snake").policies[0].groupBy).to.equal("(.+)-[0-9a-f]{7,40}");
      // Without groupBy the policy carries no group_by at all.
      const { rec: plain } = await deploy("plain");
      expect(JSON.parse(plain.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG).policies[0]).to.not.have.property("group_by");
      // groupBy changes the function's configuration only: the same resources, as many of each type.
      expect(rec.counts()).to.deep.equal(plain.counts());
    });

    it("repository names that are Outputs (aws.ecr.Repository names) end up in the environment once known", async () => {
      const { rec } = await deploy("outputs", {
        policies: [{ ...RELEASES, repositories: [pulumi.output("from-output"), "plain"] }],
      });
      const config = JSON.parse(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG);
      expect(config.policies[0].repositories).to.deep.equal(["from-output", "plain"]);
    });

    it("inUseEcs / inUseLambda: false turns the source off in the function's settings and drops its reads from the role", async () => {
      const { rec } = await deploy("noecs", { inUseEcs: false });
      const config = JSON.parse(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG);
      // Only what differs from the defaults: the environment's 4 KB are the policies'.
      expect(config.settings).to.deep.equal({ in_use: { ecs: false } });
      expect(validateConfig(config, "env", "snake").settings).to.deep.equal({ inUse: { ...defaultInUse(), ecs: false } });
      const sids = JSON.parse(rec.named("noecs-policy").inputs.policy).Statement.map((st: { Sid: string }) => st.Sid);
      expect(sids).to.include("ListLambdaFunctions").and.not.include("ReadEcsWorkloads");
      // With both on (the default), the environment carries no settings at all.
      const { rec: both } = await deploy("both");
      expect(JSON.parse(both.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG)).to.not.have.property("settings");
    });

    it("creates the log group /aws/lambda/<function name> itself, with 30 days' retention by default", async () => {
      const { rec } = await deploy("logs");
      expect(rec.one(T.logGroup).inputs).to.deep.equal({ name: `/aws/lambda/${FUNCTION_NAME("logs")}`, retentionInDays: 30 });
      const { rec: rec2 } = await deploy("logs7", { logRetentionDays: 7 });
      expect(rec2.one(T.logGroup).inputs.retentionInDays).to.equal(7);
    });

    it("creates the cursor parameter ${name}-cursor (String, from the start), which only the function's role may read and write", async () => {
      const { rec, component } = await deploy("cur");
      const parameter = rec.one(T.parameter);
      expect(parameter.name).to.equal("cur-cursor");
      expect(parameter.inputs).to.deep.include({ type: "String", insecureValue: CURSOR_START });
      expect(parameter.inputs.value).to.equal(undefined);
      expect(await valueOf(component.cursorParameterName)).to.equal(parameter.state.name);
      expect(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CURSOR_PARAMETER).to.equal(parameter.state.name);
      const ssmGrants = grants(rec.named("cur-policy")).filter(([action]) => action.startsWith("ssm:"));
      expect(ssmGrants).to.deep.equal([["ssm:GetParameter", parameter.state.arn], ["ssm:PutParameter", parameter.state.arn]]);
      for (const other of rec.ofType(T.rolePolicy).filter((r) => r.name !== "cur-policy")) {
        expect(grants(other).filter(([action]) => action.startsWith("ssm:")), other.name).to.deep.equal([]);
      }
      // No fan-out resources in single-function mode: S3 only to write the runs' reports.
      expect(await valueOf(component.stateMachineArn)).to.equal(undefined);
      // GetObject reads back whether an earlier attempt delivered (the report's attempt, the .notified marker).
      expect(grants(rec.named("cur-policy")).filter(([action]) => action.startsWith("s3:"))).to.deep.equal([
        ["s3:GetObject", `${rec.named("cur-reports").state.arn}/reports/*`],
        ["s3:PutObject", `${rec.named("cur-reports").state.arn}/reports/*`],
      ]);
    });

    it("registers the role as a pull-time update exclusion unless told not to", async () => {
      const { rec } = await deploy("pull");
      expect(rec.one(T.exclusion).inputs).to.deep.equal({ principalArn: rec.named("pull-role").state.arn });
      const { rec: off } = await deploy("nopull", { excludeFromPullTime: false });
      expect(off.ofType(T.exclusion)).to.have.length(0);
    });
  });

  describe("IAM", () => {
    it("the function's role: assumed by Lambda, logs only to its own group, images only in the named repositories", async () => {
      const { rec } = await deploy("iam");
      expect(JSON.parse(rec.named("iam-role").inputs.assumeRolePolicy).Statement).to.deep.equal([
        { Sid: "AssumedBy", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      const policy = rec.named("iam-policy");
      expect(policy.inputs.role).to.equal("iam-role-0a1b2c3-id");
      const logGroupArn = `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:/aws/lambda/${FUNCTION_NAME("iam")}`;
      expect(statement(policy, "WriteOwnLogs")).to.deep.equal({
        Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [logGroupArn, `${logGroupArn}:*`],
      });
      expect(statement(policy, "ListRepositories")).to.deep.include({ Action: "ecr:DescribeRepositories", Resource: "*" });
      // The image grants are a managed policy attached to the role.
      const repositories = rec.named("iam-repositories-1");
      expect(statements(repositories)).to.deep.equal([{
        Sid: "CleanGovernedRepositories",
        Effect: "Allow",
        Action: ["ecr:BatchDeleteImage", "ecr:BatchGetImage", "ecr:DescribeImages"],
        // The glob becomes an ARN wildcard.
        Resource: [REPO_ARN("hello-world"), REPO_ARN("team/*")],
      }]);
      expect(rec.named("iam-repositories-1-attachment").inputs).to.deep.equal({ role: rec.named("iam-role").state.name, policyArn: repositories.state.arn });
      const all = [...grants(policy), ...grants(repositories)];
      expect(all.filter(([action, res]) => action.startsWith("ecr:") && action !== "ecr:DescribeRepositories" && !res.includes(":repository/"))).to.deep.equal([]);
      expect(all).to.not.deep.include(["ecr:BatchDeleteImage", "*"]);
      expect(all).to.not.deep.include(["ecr:BatchDeleteImage", REPO_ARN("*")]);
      // Only read-only actions outside ECR and logs (in-use detection).
      for (const [action] of all.filter(([a]) => a.startsWith("ecs:") || a.startsWith("lambda:"))) {
        expect(action, action).to.match(/^(ecs|lambda):(List|Describe|Get)/);
      }
    });

    it("grants every repository only where a policy governs them all (protectedRepositories, or neither list)", async () => {
      const { rec } = await deploy("all", {
        policies: [RELEASES, { name: "flush", significantTags: ["*"], protectedPeriod: "7d", protectedCount: 7, protectedRepositories: ["keep-me"] }],
      });
      expect(statement(rec.named("all-repositories-1"), "CleanGovernedRepositories").Resource).to.deep.equal([REPO_ARN("*")]);
      const { rec: neither } = await deploy("neither", {
        policies: [{ name: "flush", significantTags: ["*"], protectedPeriod: "7d", protectedCount: 7 }],
      });
      expect(statement(neither.named("neither-repositories-1"), "CleanGovernedRepositories").Resource).to.deep.equal([REPO_ARN("*")]);
    });

    it("archive and delete policies: BatchDeleteImage only where a delete policy governs, UpdateImageStorageClass only where an archive policy does", async () => {
      const media = { name: "media", repositories: ["media/*"], significantTags: ["*"], protectedPeriod: "30d", protectedCount: 5, action: "archive" };
      const { rec } = await deploy("mixed", { policies: [RELEASES, media] });
      const repositories = rec.named("mixed-repositories-1");
      expect(repositories.inputs.description).to.equal("ecr-cleanup function of mixed: reads, deletes and archives images in the repositories its policies govern (part 1)");
      expect(rec.named("mixed-role").inputs.description).to.equal("ecr-cleanup function of mixed: reads, deletes and archives images in the repositories its policies govern");
      expect(statements(repositories)).to.deep.equal([
        { Sid: "ReadGovernedRepositories", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:DescribeImages"], Resource: [REPO_ARN("hello-world"), REPO_ARN("media/*"), REPO_ARN("team/*")] },
        { Sid: "DeleteInDeletingRepositories", Effect: "Allow", Action: ["ecr:BatchDeleteImage"], Resource: [REPO_ARN("hello-world"), REPO_ARN("team/*")] },
        { Sid: "ArchiveInArchivingRepositories", Effect: "Allow", Action: ["ecr:UpdateImageStorageClass"], Resource: [REPO_ARN("media/*")] },
      ]);
      expect(rec.ofType(T.managedPolicy)).to.have.length(1);

      // settings.archive.delete_after expires archived images in every governed repository: BatchDeleteImage there.
      const { rec: expiring } = await deploy("expiring", { policies: [RELEASES, media], archiveDeleteAfter: "365d" });
      expect(statements(expiring.named("expiring-repositories-1"))).to.deep.equal([
        {
          Sid: "CleanGovernedRepositories", Effect: "Allow",
          Action: ["ecr:BatchDeleteImage", "ecr:BatchGetImage", "ecr:DescribeImages"], Resource: [REPO_ARN("hello-world"), REPO_ARN("media/*"), REPO_ARN("team/*")],
        },
        { Sid: "ArchiveInArchivingRepositories", Effect: "Allow", Action: ["ecr:UpdateImageStorageClass"], Resource: [REPO_ARN("media/*")] },
      ]);

      const { rec: archiveOnly } = await deploy("archiving", { policies: [media] });
      expect(archiveOnly.named("archiving-repositories-1").inputs.description).to.equal("ecr-cleanup function of archiving: reads and archives images in the repositories its policies govern (part 1)");
      expect(statements(archiveOnly.named("archiving-repositories-1"))).to.deep.equal([
        { Sid: "CleanGovernedRepositories", Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:DescribeImages", "ecr:UpdateImageStorageClass"], Resource: [REPO_ARN("media/*")] },
      ]);
    });

    it("grants the in-use reads only for the sources the settings turn on", () => {
      const scope = { partition: "aws", region: REGION, accountId: ACCOUNT_ID };
      const policies = validateConfig([{ name: "p", significant_tags: "*", protected_period: 1, protected_count: 1, repositories: ["r"] }], "t", "snake").policies;
      const sids = (ecs: boolean, lambda: boolean) =>
        JSON.parse(cleanerPolicyDocument({ scope, policies, settings: { inUse: { ...defaultInUse(), ecs, lambda } }, logGroupArn: "arn:lg" })).Statement.map((st: { Sid: string }) => st.Sid);
      const others = ["ListEksClusters", "DescribeEksClusters", "ListAppRunnerServices", "ReadAppRunnerServices", "ReadBatchJobDefinitions"];
      expect(sids(true, true)).to.deep.equal(["WriteOwnLogs", "ListRepositories", "ReadEcsWorkloads", "ListLambdaFunctions", "ReadLambdaFunctions", ...others]);
      expect(sids(false, false)).to.deep.equal(["WriteOwnLogs", "ListRepositories", ...others]);
      expect(sids(false, true)).to.deep.equal(["WriteOwnLogs", "ListRepositories", "ListLambdaFunctions", "ReadLambdaFunctions", ...others]);
    });

    it("the schedule's role: assumed by Scheduler from this account only, may invoke only this function", async () => {
      const { rec } = await deploy("sched");
      expect(JSON.parse(rec.named("sched-schedule-role").inputs.assumeRolePolicy).Statement).to.deep.equal([{
        Sid: "AssumedBy",
        Effect: "Allow",
        Principal: { Service: "scheduler.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT_ID } },
      }]);
      expect(grants(rec.named("sched-schedule-policy"))).to.deep.equal([["lambda:InvokeFunction", rec.one(T.fn).state.arn]]);
    });
  });

  describe("schedule", () => {
    it("EventBridge Scheduler, once a day by default, with the scheduled time as the event", async () => {
      const { rec } = await deploy("daily");
      const schedule = rec.one(T.schedule).inputs;
      expect(schedule).to.include({ scheduleExpression: "rate(1 day)", scheduleExpressionTimezone: "UTC" });
      expect(schedule.flexibleTimeWindow).to.deep.equal({ mode: "OFF" });
      expect(schedule.target).to.deep.equal({
        arn: rec.one(T.fn).state.arn,
        roleArn: rec.named("daily-schedule-role").state.arn,
        input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
      });
      expect(schedule.target.input).to.equal(SCHEDULE_INPUT);
    });

    it("takes a cron() schedule and a time zone", async () => {
      const { rec } = await deploy("cron", { schedule: "cron(0 3 ? * MON-FRI *)", scheduleTimezone: "Europe/Paris", missedRunAfter: "3d" });
      expect(rec.one(T.schedule).inputs).to.include({ scheduleExpression: "cron(0 3 ? * MON-FRI *)", scheduleExpressionTimezone: "Europe/Paris" });
    });

    it("parses rate(), cron() and at() expressions, and refuses others", () => {
      expect(parseSchedule("rate(1 day)")).to.deep.equal({ kind: "rate", intervalSeconds: 86_400 });
      expect(parseSchedule("rate(6 hours)")).to.deep.equal({ kind: "rate", intervalSeconds: 21_600 });
      expect(parseSchedule("rate(30 minutes)")).to.deep.equal({ kind: "rate", intervalSeconds: 1_800 });
      expect(parseSchedule("cron(0 3 * * ? *)")).to.deep.equal({ kind: "cron" });
      expect(parseSchedule("at(2030-01-01T00:00:00)")).to.deep.equal({ kind: "at" });
      for (const bad of ["daily", "rate(0 days)", "rate(1 week)", "cron(0 3 * *)", "rate(1.5 hours)"]) {
        expect(() => parseSchedule(bad), bad).to.throw(/not an EventBridge Scheduler expression/);
      }
    });
  });

  describe("alarms", () => {
    function alarm(rec: Recorder, name: string): Record<string, any> {
      return rec.named(name).inputs;
    }

    it("Errors, Throttles, Duration p99 > 80% of the timeout, Failures, and a missed run, all wired to the actions", async () => {
      const { rec } = await deploy("al", { alarmActions: ["arn:aws:sns:eu-west-1:123456789012:alarms"], okActions: ["arn:aws:sns:eu-west-1:123456789012:ok"] });
      const fn = FUNCTION_NAME("al");
      const lambda = { namespace: "AWS/Lambda", dimensions: { FunctionName: fn }, period: 3600 };
      expect(alarm(rec, "al-errors")).to.deep.include({ ...lambda, metricName: "Errors", statistic: "Sum", comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 1, treatMissingData: "notBreaching" });
      expect(alarm(rec, "al-throttles")).to.deep.include({ ...lambda, metricName: "Throttles", statistic: "Sum", comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 1 });
      expect(alarm(rec, "al-duration")).to.deep.include({ ...lambda, metricName: "Duration", extendedStatistic: "p99", comparisonOperator: "GreaterThanThreshold", threshold: 720_000, evaluationPeriods: 1 });
      expect(alarm(rec, "al-duration").statistic).to.equal(undefined);
      expect(alarm(rec, "al-failures")).to.deep.include({
        namespace: "EcrCleanup", metricName: "Failures", dimensions: { FunctionName: fn }, period: 3600, statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 1, treatMissingData: "notBreaching",
      });
      expect(alarm(rec, "al-missed-run")).to.deep.include({
        ...lambda, metricName: "Invocations", statistic: "Sum", comparisonOperator: "LessThanThreshold", threshold: 1,
        evaluationPeriods: 25, datapointsToAlarm: 25, treatMissingData: "breaching",
      });
      for (const a of rec.ofType(T.alarm)) {
        expect(a.inputs.alarmActions, a.name).to.deep.equal(["arn:aws:sns:eu-west-1:123456789012:alarms"]);
        expect(a.inputs.okActions, a.name).to.deep.equal(["arn:aws:sns:eu-west-1:123456789012:ok"]);
        expect(a.inputs.alarmDescription, a.name).to.be.a("string").and.not.empty;
      }
    });

    it("the duration threshold follows the timeout", async () => {
      const { rec } = await deploy("short", { timeout: 120 });
      expect(alarm(rec, "short-duration").threshold).to.equal(96_000);
    });

    it("missed run: the rate's interval in hours + 1, within CloudWatch's 7 days", () => {
      expect(missedRunPeriods(parseSchedule("rate(1 day)"))).to.deep.equal({ periods: 25 });
      expect(missedRunPeriods(parseSchedule("rate(6 hours)"))).to.deep.equal({ periods: 7 });
      expect(missedRunPeriods(parseSchedule("rate(30 minutes)"))).to.deep.equal({ periods: 2 });
      expect(missedRunPeriods(parseSchedule("rate(6 days)"))).to.deep.equal({ periods: 145 });
      expect(missedRunPeriods(parseSchedule("rate(167 hours)"))).to.deep.equal({ periods: 168 });
      expect(missedRunPeriods(parseSchedule("rate(168 hours)"))).to.have.property("skip").that.matches(/7 days/);
      expect(missedRunPeriods(parseSchedule("rate(7 days)"))).to.have.property("skip");
      expect(missedRunPeriods(parseSchedule("cron(0 3 * * ? *)"))).to.have.property("skip").that.matches(/missedRunAfter/);
      expect(missedRunPeriods(parseSchedule("cron(0 3 * * ? *)"), 3 * 86_400)).to.deep.equal({ periods: 73 });
      expect(missedRunPeriods(parseSchedule("rate(1 day)"), 2 * 86_400)).to.deep.equal({ periods: 49 });
    });

    it("a cron() schedule without missedRunAfter gets no missed-run alarm, and a warning", async () => {
      const warnings: string[] = [];
      const original = pulumi.log.warn;
      (pulumi.log as { warn: typeof pulumi.log.warn }).warn = (msg: string) => {
        warnings.push(msg);
        return Promise.resolve();
      };
      try {
        const { rec } = await deploy("cronless", { schedule: "cron(0 3 * * ? *)" });
        expect(rec.ofType(T.alarm).map((a) => a.name).sort()).to.deep.equal(["cronless-duration", "cronless-errors", "cronless-failures", "cronless-throttles"]);
      } finally {
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
      }
      expect(warnings).to.have.length(1);
      expect(warnings[0]).to.match(/no missed-run alarm: the cron\(\) schedule has no fixed interval: set missedRunAfter/);
    });

    it("a cron() schedule with missedRunAfter alarms after that interval + 1 hour", async () => {
      const { rec } = await deploy("cronful", { schedule: "cron(0 3 ? * MON,THU *)", missedRunAfter: "4d" });
      expect(alarm(rec, "cronful-missed-run")).to.deep.include({ evaluationPeriods: 97, datapointsToAlarm: 97, period: 3600 });
    });
  });

  describe("validation", () => {
    function construct(args: Partial<EcrCleanupPolicyArgs>, name = "bad"): () => EcrCleanupPolicy {
      return () => new EcrCleanupPolicy(name, { policies: [RELEASES], ...args });
    }

    beforeEach(async () => new Recorder().install());

    it("an invalid policy throws a ResourceError naming the policy and the field, with the CLI's message", () => {
      const bad = { name: "bad", significantTags: ["*"], protectedPeriod: "7x", protectedCount: 1 };
      let error: unknown;
      try {
        construct({ policies: [bad] })();
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(pulumi.ResourceError);
      const message = (error as Error).message;
      expect(message).to.match(/^EcrCleanupPolicy "bad": policy #1 "bad", field protectedPeriod: must be /);
      // The CLI, given the same policy in YAML, says the same after the field name.
      let cli = "";
      try {
        validateConfig([{ name: "bad", significant_tags: "*", protected_period: "7x", protected_count: 1 }], "policies.yaml", "snake");
      } catch (err) {
        cli = (err as ConfigError).message;
      }
      expect(cli).to.match(/^policies\.yaml: policy #1 "bad", field protected_period: must be /);
      expect(message.split("field protectedPeriod")[1]).to.equal(cli.split("field protected_period")[1]);
    });

    it("names each bad field: unknown fields, negative counts, both repository lists, duplicate names", () => {
      const cases: [Record<string, unknown>[], RegExp][] = [
        [[{ ...RELEASES, protected_count: 3 }], /policy #1 "releases", field protected_count: unknown field/],
        [[{ ...RELEASES, protectedCount: -1 }], /field protectedCount: must be a whole number >= 0/],
        [[{ ...RELEASES, protectedRepositories: ["x"] }], /field repositories: cannot be combined with protectedRepositories/],
        [[RELEASES, RELEASES], /policy #2 "releases", field name: duplicates the name of policy #1/],
        [[{ ...RELEASES, keepPulledWithin: "12h" }], /field keepPulledWithin: must be at least 1d/],
        [[{ ...RELEASES, groupBy: "[a-z]+-[0-9a-f]{7}" }], /policy #1 "releases", field groupBy: has no capturing group/],
        [[{ ...RELEASES, groupBy: "(a)(?=b)" }], /field groupBy: is not a regular expression RE2 accepts/],
        [[], /field policies: must hold at least one policy/],
      ];
      for (const [policies, pattern] of cases) {
        expect(construct({ policies: policies as unknown as RetentionPolicyArgs[] }), String(pattern)).to.throw(pulumi.ResourceError, pattern);
      }
    });

    it("checks the other fields of a policy at construction even when its repository names are Outputs", () => {
      const policies = [{ ...RELEASES, repositories: [pulumi.output("later")], protectedCount: 1.5 }];
      expect(construct({ policies })).to.throw(pulumi.ResourceError, /field protectedCount/);
    });

    it("checks repository names that are Outputs once they are known", async () => {
      const parent = new pulumi.ComponentResource("test:index:Parent", "parent");
      const late = policyConfig("late", [{ ...RELEASES, repositories: [pulumi.output("")] }], true, parent);
      await valueOf(late.environment).then(
        () => expect.fail("an empty repository name should fail"),
        (err) => {
          expect(err).to.be.instanceOf(pulumi.ResourceError);
          expect(err.message).to.match(/^EcrCleanupPolicy "late": policy #1 "releases", field repositories\.0: entries must not be empty/);
        },
      );
    });

    it("refuses policies that do not fit Lambda's 4 KB environment, giving the size and suggesting a split", async () => {
      const many = Array.from({ length: 40 }, (_, i) => ({ ...RELEASES, name: `policy number ${i} with a long and descriptive name` }));
      // At construction the names of the cursor parameter, the reports bucket and the topic are not known yet: they count as empty until they are.
      const variables = {
        ECR_CLEANUP_CONFIG: configJson(many as ResolvedPolicy[]), ECR_CLEANUP_DRY_RUN: "true", ECR_CLEANUP_CONCURRENCY: "8", ECR_CLEANUP_CURSOR_PARAMETER: "",
        ECR_CLEANUP_REPORTS_BUCKET: "", ECR_CLEANUP_NOTIFY_TOPIC: "", ECR_CLEANUP_NOTIFY: "changes",
      };
      const size = Buffer.byteLength(JSON.stringify(variables));
      expect(size).to.be.greaterThan(LAMBDA_ENVIRONMENT_LIMIT);
      const policiesBytes = JSON.stringify(JSON.stringify(JSON.parse(variables.ECR_CLEANUP_CONFIG).policies)).length - 2;
      expect(construct({ policies: many })).to.throw(pulumi.ResourceError,
        `the function's environment takes ${size} bytes as Lambda counts them (the JSON of every variable, quotes escaped), more than Lambda's limit of 4096 bytes (4 KB): ` +
        `the 40 policies ${policiesBytes}, the variables' names, the other values (ECR_CLEANUP_DRY_RUN, ECR_CLEANUP_CONCURRENCY, ECR_CLEANUP_CURSOR_PARAMETER, ECR_CLEANUP_REPORTS_BUCKET, ECR_CLEANUP_NOTIFY_TOPIC and ECR_CLEANUP_NOTIFY) and the JSON around them ${size - policiesBytes}: ` +
        `split the policies over several EcrCleanupPolicy components`);

      // With repository names that are Outputs, the check waits for them.
      const parent = new pulumi.ComponentResource("test:index:Parent", "size-parent");
      const pending = many.map((p) => ({ ...p, repositories: [pulumi.output("hello-world")] }));
      const late = policyConfig("late-size", pending, true, parent);
      await valueOf(late.environment).then(
        () => expect.fail("too large"),
        (err) => expect(err).to.be.instanceOf(pulumi.ResourceError).with.property("message").that.matches(/the function's environment takes \d+ bytes as Lambda counts them.*split the policies/),
      );
    });

    it("refuses an argument the args interface lacks, suggesting the one it misspells (JavaScript has no type check)", () => {
      const messageOf = (args: Record<string, unknown>): string => {
        try {
          construct(args as Partial<EcrCleanupPolicyArgs>, "x")();
        } catch (err) {
          expect(err).to.be.instanceOf(pulumi.ResourceError);
          return (err as Error).message;
        }
        return expect.fail(`${JSON.stringify(args)} was accepted`);
      };
      expect(messageOf({ dryrun: false })).to.equal('EcrCleanupPolicy "x": unknown argument dryrun; did you mean dryRun?');
      expect(messageOf({ previewimpact: true })).to.equal('EcrCleanupPolicy "x": unknown argument previewimpact; did you mean previewImpact?');
      expect(messageOf({ preview_impact: true })).to.equal('EcrCleanupPolicy "x": unknown argument preview_impact; did you mean previewImpact?');
      expect(messageOf({ colour: "blue" })).to.equal('EcrCleanupPolicy "x": unknown argument colour');
      // The program sets dryRun: the key beside it is not a misspelling of it.
      expect(messageOf({ dryRun: true, dryrun: false })).to.equal('EcrCleanupPolicy "x": unknown argument dryrun');
      // Named before the problems of the args it does have.
      expect(messageOf({ timeout: 901, dryrun: false })).to.match(/^EcrCleanupPolicy "x": unknown argument dryrun; did you mean dryRun\?; timeout must be /);
    });

    it("builds a program that sets its args by their names, undefined ones included", async () => {
      const { rec } = await deploy("valid", { dryRun: false, previewImpact: false, roleName: undefined });
      expect(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_DRY_RUN).to.equal("false");
    });

    it("refuses bad component arguments, naming each", () => {
      expect(construct({ timeout: 901 })).to.throw(pulumi.ResourceError, /timeout must be a whole number of seconds from 120 to 900 .*; got 901/);
      // Shorter than twice the safety margin, the function would never start a repository.
      expect(construct({ timeout: 119 })).to.throw(pulumi.ResourceError, /from 120 to 900 \(the function keeps its last 60 s to finish the batches in flight\); got 119/);
      expect(construct({ schedule: "daily" })).to.throw(pulumi.ResourceError, /schedule "daily" is not an EventBridge Scheduler expression/);
      expect(construct({ architecture: "arm" })).to.throw(pulumi.ResourceError, /architecture must be one of arm64, x86_64/);
      expect(construct({ memorySize: 64 })).to.throw(pulumi.ResourceError, /memorySize/);
      expect(construct({ logRetentionDays: 10 })).to.throw(pulumi.ResourceError, /logRetentionDays must be one of/);
      expect(construct({ missedRunAfter: "soon" })).to.throw(pulumi.ResourceError, /missedRunAfter/);
      expect(construct({ concurrency: 0 })).to.throw(pulumi.ResourceError, /concurrency must be a whole number from 1 to 256; got 0/);
      expect(construct({ fanOut: "yes" as unknown as boolean })).to.throw(pulumi.ResourceError, /fanOut must be true or false/);
      expect(construct({ fanOutConcurrency: 1.5 })).to.throw(pulumi.ResourceError, /fanOutConcurrency must be a whole number from 1 to 900 while reservedConcurrency is true .*; got 1.5/);
      expect(construct({ fanOutBatchSize: 0 })).to.throw(pulumi.ResourceError, /fanOutBatchSize must be a whole number from 1 to 1000/);
    });
  });

  describe("arguments", () => {
    /** Each property of an interface in component/args.ts with its doc comment and its declared type. */
    function properties(source: string, name: string): { prop: string; doc: string; type: string }[] {
      const body = source.slice(source.indexOf(`export interface ${name} {`));
      const block = body.slice(0, body.indexOf("\n}\n"));
      return [...block.matchAll(/\/\*\*([\s\S]*?)\*\/\s*\n\s*(\w+)\??: ([^;]+);/g)].map((m) => ({
        prop: m[2],
        doc: m[1].replace(/\s*\n\s*\*\s*/g, " ").trim(),
        type: m[3],
      }));
    }

    it("every argument has a doc comment ending \"Defaults to ...\", and no union types or callbacks", () => {
      const source = readFileSync(join(packageRoot(), "component/args.ts"), "utf8");
      const all = [...properties(source, "RetentionPolicy"), ...properties(source, "InUseAccount"), ...properties(source, "EcrCleanupPolicyArgs")];
      expect(all.map((p) => p.prop)).to.deep.equal([
        "name", "significantTags", "protectedPeriod", "protectedCount", "repositories", "protectedRepositories", "keepPulledWithin", "maxDeletions", "action", "groupBy",
        "roleArn", "externalId",
        "policies", "schedule", "scheduleTimezone", "missedRunAfter", "dryRun", "timeout", "memorySize", "architecture", "logRetentionDays",
        "alarmActions", "okActions", "tags", "excludeFromPullTime", "concurrency", "fanOut", "fanOutConcurrency", "fanOutBatchSize", "reservedConcurrency", "inUseEcs", "inUseLambda",
        "inUseEks", "inUseAppRunner", "inUseBatch", "eksClusters", "ecsRevisions", "inUseRegions", "inUseAccounts", "roleName", "archiveKeepRestoredFor", "archiveDeleteAfter", "previewImpact",
        "vpcSubnetIds", "vpcSecurityGroupIds", "reportBucket", "reportRetentionDays", "notify", "reportPricePerGbMonth",
      ]);
      for (const { prop, doc, type } of all) {
        const sentences = doc.split(/(?<=\.)\s+(?=[A-Z])/);
        expect(sentences[sentences.length - 1], prop).to.match(/^Defaults to .+\.$/);
        expect(type, prop).to.not.match(/\||=>/);
      }
    });
  });

  describe("determinism", () => {
    it("building the bundle twice gives identical bytes, with no absolute path in them", async () => {
      const [first, second] = [await buildHandlerBundle(), await buildHandlerBundle()];
      expect(first[BUNDLE_FILE].length).to.be.greaterThan(10_000);
      expect(sameFiles(first, second), "identical bundles").to.equal(true);
      expect(Object.values(first).some((text) => text.includes(packageRoot())), "no absolute path").to.equal(false);
    });

    it("the shipped bundles (dist/lambda/, built with the package) are byte for byte a fresh build from the sources", async () => {
      for (const kind of Object.keys(BUNDLES) as BundleKind[]) {
        const shipped = readHandlerBundle(kind);
        expect(sameFiles(shipped, await buildHandlerBundle(packageRoot(), kind)), kind).to.equal(true);
      }
      expect(sameFiles(readHandlerBundle("single"), readHandlerBundle("fanOut")), "two different handlers").to.equal(false);
    });

    it("the function deploys the shipped bytes, for each mode", async () => {
      for (const [kind, args] of [["single", {}], ["fanOut", { fanOut: true }]] as const) {
        const { rec } = await deploy(`shipped-${kind}`, args);
        expect(sameFiles(await archiveFiles(rec.one(T.fn).inputs.code), readHandlerBundle(kind)), kind).to.equal(true);
      }
    });

    it("constructing the component twice gives identical archive contents", async () => {
      const a = await deploy("twice");
      const b = await deploy("twice");
      const [filesA, filesB] = [await archiveFiles(a.rec.one(T.fn).inputs.code), await archiveFiles(b.rec.one(T.fn).inputs.code)];
      expect(sameFiles(filesA, filesB), "identical archives").to.equal(true);
      expect(a.rec.one(T.fn).inputs.environment).to.deep.equal(b.rec.one(T.fn).inputs.environment);
    });
  });

  describe("the example program", () => {
    it("runs under mocks: two repositories and the spec's example policies", async () => {
      const rec = new Recorder();
      await rec.install();
      const program = require("../examples/pulumi/index") as Record<string, pulumi.Output<unknown>>;
      for (const output of Object.values(program)) await valueOf(pulumi.output(output));
      expect(rec.ofType(T.repository).map((r) => r.name).sort()).to.deep.equal(["hello_world", "some_ignored_repository"]);
      expect(rec.counts()[T.component]).to.equal(1);
      const config = JSON.parse(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG);
      expect(config.policies).to.deep.equal([
        {
          name: "Flush untagged images older than 7 days, leave no less than 7 images",
          significant_tags: ["*"],
          protected_period: "7d",
          protected_count: 7,
          protected_repositories: ["some_ignored_repository-0a1b2c3"],
        },
        {
          name: "Protect images created for a year since the last significant tag, leave no less than 13 images",
          significant_tags: ["dev", "rc", "prod", "latest"],
          protected_period: "365d",
          protected_count: 13,
          repositories: ["hello_world-0a1b2c3"],
        },
      ]);
      // The first policy governs every repository but one, so the role may clean all of them.
      expect(statement(rec.named("ecr-retention-repositories-1"), "CleanGovernedRepositories").Resource).to.deep.equal([REPO_ARN("*")]);
      expect(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_DRY_RUN).to.equal("true");
    });
  });
});
