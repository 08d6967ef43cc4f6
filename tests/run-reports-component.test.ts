/**
 * The runs' reports and notifications in the component, under Pulumi's mocks: the reports bucket and its settings
 * (or the one reportBucket names), the topic, the function's environment, least privilege (s3:PutObject only under
 * reports/ of that bucket, sns:Publish only on that topic, nothing to publish with notify: "never"), the outputs, and
 * the args' validation.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { EcrCleanupPolicy } from "../component";
import { deploy, grants, RELEASES, statements, T } from "./support/component-under-mocks";
import { ACCOUNT_ID, Recorder, REGION, valueOf } from "./support/pulumi-mocks";

describe("EcrCleanupPolicy: run reports and notifications (Pulumi mocks)", function () {
  this.timeout(60_000);

  it("creates the reports bucket: named after the component, encrypted, private, TLS only, reports expiring after 90 days", async () => {
    const { rec, component } = await deploy("Nightly_Clean", { tags: { team: "platform" } });
    const bucket = rec.named("Nightly_Clean-reports");
    expect(bucket.type).to.equal(T.bucket);
    expect(bucket.inputs).to.deep.equal({ bucketPrefix: "nightly-clean-reports-", forceDestroy: true, tags: { team: "platform" } });
    const id = `${bucket.state.name}-id`;
    const arn = bucket.state.arn;
    expect(rec.named("Nightly_Clean-reports-encryption").inputs).to.deep.equal({ bucket: id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] });
    expect(rec.named("Nightly_Clean-reports-public-access").inputs).to.deep.equal({
      bucket: id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    });
    expect(rec.named("Nightly_Clean-reports-lifecycle").inputs).to.deep.equal({
      bucket: id,
      rules: [{ id: "expire-run-reports", status: "Enabled", filter: { prefix: "reports/" }, expiration: { days: 90 } }],
    });
    const policy = rec.named("Nightly_Clean-reports-policy");
    expect(policy.inputs.bucket).to.equal(id);
    expect(JSON.parse(policy.inputs.policy)).to.deep.equal({
      Version: "2012-10-17",
      Statement: [{
        Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*",
        Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } },
      }],
    });
    expect(await valueOf(component.reportsBucketName)).to.equal(bucket.state.bucket);
    expect(await valueOf(component.reportsConsoleUrl)).to.equal(
      `https://s3.console.aws.amazon.com/s3/buckets/${bucket.state.bucket}?region=${REGION}&prefix=reports%2F`,
    );
  });

  it("creates the topic and exports it; the function knows the bucket, the topic and when to publish", async () => {
    const { rec, component } = await deploy("note", { tags: { team: "platform" } });
    const topic = rec.one(T.topic);
    expect(topic.name).to.equal("note-notifications");
    expect(topic.inputs).to.deep.equal({ displayName: "ecr-cleanup note", tags: { team: "platform" } });
    expect(await valueOf(component.notificationTopicArn)).to.equal(`arn:aws:sns:${REGION}:${ACCOUNT_ID}:${topic.state.name}`);
    expect(rec.one(T.fn).inputs.environment.variables).to.include({
      ECR_CLEANUP_REPORTS_BUCKET: rec.named("note-reports").state.bucket,
      ECR_CLEANUP_NOTIFY_TOPIC: topic.state.arn,
      ECR_CLEANUP_NOTIFY: "changes",
    });
  });

  it("least privilege: s3:PutObject and s3:GetObject (a retried step's HEAD) only under reports/ of that bucket, sns:Publish only on that topic", async () => {
    const { rec } = await deploy("least");
    const reportsArn = rec.named("least-reports").state.arn;
    const topicArn = rec.one(T.topic).state.arn;
    const policy = rec.named("least-policy");
    expect(statements(policy).filter((s) => ["WriteRunReports", "PublishRunNotifications"].includes(s.Sid))).to.deep.equal([
      { Sid: "WriteRunReports", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `${reportsArn}/reports/*` },
      { Sid: "PublishRunNotifications", Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
    ]);
    const everyRolePolicy = [...rec.ofType(T.rolePolicy), ...rec.ofType(T.managedPolicy)];
    const s3AndSns = everyRolePolicy.flatMap((p) => grants(p).filter(([action]) => /^(s3|sns):/.test(action)));
    expect(s3AndSns).to.deep.equal([["s3:GetObject", `${reportsArn}/reports/*`], ["s3:PutObject", `${reportsArn}/reports/*`], ["sns:Publish", topicArn]]);
  });

  it('notify: "never" creates no topic and grants nothing to publish; "failures" and the retention reach their resources', async () => {
    const { rec, component } = await deploy("quiet", { notify: "never", reportRetentionDays: 30 });
    expect(rec.ofType(T.topic)).to.have.length(0);
    expect(await valueOf(component.notificationTopicArn)).to.equal(undefined);
    const actions = [...rec.ofType(T.rolePolicy), ...rec.ofType(T.managedPolicy)].flatMap((p) => grants(p).map(([action]) => action));
    expect(actions.filter((a) => a.startsWith("sns:"))).to.deep.equal([]);
    const variables = rec.one(T.fn).inputs.environment.variables;
    expect(variables.ECR_CLEANUP_NOTIFY_TOPIC).to.equal(undefined);
    expect(variables.ECR_CLEANUP_NOTIFY).to.equal(undefined);
    expect(variables.ECR_CLEANUP_REPORTS_BUCKET).to.equal(rec.named("quiet-reports").state.bucket);
    expect(rec.named("quiet-reports-lifecycle").inputs.rules[0].expiration).to.deep.equal({ days: 30 });

    const { rec: failures } = await deploy("loud", { notify: "failures" });
    expect(failures.one(T.fn).inputs.environment.variables.ECR_CLEANUP_NOTIFY).to.equal("failures");
  });

  it("reportBucket: no bucket of its own; the reports go to that bucket, and the role may write and read only under its reports/", async () => {
    const { rec, component } = await deploy("theirs", { reportBucket: "audit-records" });
    expect(rec.ofType(T.bucket)).to.deep.equal([]);
    for (const type of [T.encryption, T.publicAccess, T.lifecycle, T.bucketPolicy]) expect(rec.ofType(type), type).to.deep.equal([]);
    expect(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_REPORTS_BUCKET).to.equal("audit-records");
    const s3 = grants(rec.named("theirs-policy")).filter(([action]) => action.startsWith("s3:"));
    expect(s3).to.deep.equal([["s3:GetObject", "arn:aws:s3:::audit-records/reports/*"], ["s3:PutObject", "arn:aws:s3:::audit-records/reports/*"]]);
    expect(await valueOf(component.reportsBucketName)).to.equal("audit-records");
    expect(await valueOf(component.reportsConsoleUrl)).to.equal(`https://s3.console.aws.amazon.com/s3/buckets/audit-records?region=${REGION}&prefix=reports%2F`);
  });

  it("reportPricePerGbMonth reaches the function's settings as settings.report.price_per_gb_month", async () => {
    const { rec } = await deploy("priced", { reportPricePerGbMonth: 0.08 });
    expect(JSON.parse(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG).settings).to.deep.equal({ report: { price_per_gb_month: 0.08 } });
    const { rec: plain } = await deploy("plain");
    expect(JSON.parse(plain.one(T.fn).inputs.environment.variables.ECR_CLEANUP_CONFIG).settings).to.equal(undefined);
  });

  describe("bad report args fail construction, naming the arg", () => {
    beforeEach(async () => new Recorder().install());
    const construct = (args: Record<string, unknown>) => () => new EcrCleanupPolicy("bad", { policies: [RELEASES], ...args });
    it("each of them", () => {
      expect(construct({ notify: "sometimes" })).to.throw(pulumi.ResourceError,
        'EcrCleanupPolicy "bad": notify must be one of "always", "changes", "failures", "never"; got "sometimes"');
      expect(construct({ reportRetentionDays: 0 })).to.throw(pulumi.ResourceError, /reportRetentionDays must be a whole number of days from 1 to 36500; got 0/);
      expect(construct({ reportRetentionDays: 1.5 })).to.throw(pulumi.ResourceError, /reportRetentionDays .*; got 1.5/);
      expect(construct({ reportPricePerGbMonth: 0 })).to.throw(pulumi.ResourceError, /reportPricePerGbMonth must be a price in USD per GB-month, a number above 0 and below 1000 \(such as 0.1\); got 0/);
      expect(construct({ reportPricePerGbMonth: "0.1" })).to.throw(pulumi.ResourceError, /reportPricePerGbMonth .*; got "0.1"/);
      expect(construct({ reportBucket: "Not_A_Bucket" })).to.throw(pulumi.ResourceError, /reportBucket must be an S3 bucket name .*; got "Not_A_Bucket"/);
      for (const notify of ["always", "changes", "failures", "never"]) expect(construct({ notify }), notify).to.not.throw();
    });
  });
});
