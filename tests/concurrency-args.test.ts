/**
 * Reserved concurrency against Lambda's quotas (issue 13): the reservation the function gets, the ceiling the
 * component checks at construction, and single-function mode without a reservation, kept apart by the run lock in a
 * bucket of its own.
 */
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { EcrCleanupPolicy } from "../component";
import { RELEASES, deploy, grants, statements, T, runsBucket } from "./support/component-under-mocks";
import { Recorder } from "./support/pulumi-mocks";

describe("reserved concurrency", function () {
  this.timeout(60_000);

  it("reserves 1 in single-function mode and fanOutConcurrency in fan-out mode by default", async () => {
    const { rec } = await deploy("one");
    expect(rec.one(T.fn).inputs.reservedConcurrentExecutions).to.equal(1);
    // No runs bucket: only the reports bucket.
    expect(rec.ofType(T.bucket).map((b) => b.name)).to.deep.equal(["one-reports"]);
    expect(rec.one(T.fn).inputs.environment.variables.ECR_CLEANUP_LOCK_BUCKET).to.equal(undefined);
    const { rec: fan } = await deploy("fan", { fanOut: true, fanOutConcurrency: 900 });
    expect(fan.one(T.fn).inputs.reservedConcurrentExecutions).to.equal(900);
  });

  it("reservedConcurrency: false reserves nothing; single-function mode gets the lock's bucket, its policy and a grant under lock/ only", async () => {
    const { rec } = await deploy("free", { reservedConcurrency: false });
    const fn = rec.one(T.fn);
    expect(fn.inputs.reservedConcurrentExecutions).to.equal(undefined);
    const bucket = runsBucket(rec);
    expect(bucket.name).to.equal("free-runs");
    expect(fn.inputs.environment.variables.ECR_CLEANUP_LOCK_BUCKET).to.equal(bucket.state.bucket);
    expect(fn.inputs.environment.variables.ECR_CLEANUP_FANOUT_BUCKET).to.equal(undefined);
    const s3Grants = grants(rec.named("free-policy")).filter(([action]) => action.startsWith("s3:"));
    expect(s3Grants).to.deep.equal([
      ["s3:GetObject", `${bucket.state.arn}/lock/*`], ["s3:PutObject", `${bucket.state.arn}/lock/*`],
      // The runs' reports, in their own bucket (read back: whether an earlier attempt delivered).
      ["s3:GetObject", `${rec.named("free-reports").state.arn}/reports/*`],
      ["s3:PutObject", `${rec.named("free-reports").state.arn}/reports/*`],
    ]);
    const policy = rec.named("free-runs-policy");
    const functionRole = rec.named("free-role").state.arn;
    expect(statements(policy).map((s) => [s.Sid, s.Resource, s.Condition])).to.deep.equal([
      ["DenyInsecureTransport", [bucket.state.arn, `${bucket.state.arn}/*`], { Bool: { "aws:SecureTransport": "false" } }],
      ["DenyLockWritesButByTheFunction", `${bucket.state.arn}/lock/*`, { ArnNotEquals: { "aws:PrincipalArn": functionRole } }],
      ["DenyWritesButByTheFunction", `${bucket.state.arn}/*`, { ArnNotEquals: { "aws:PrincipalArn": functionRole } }],
    ]);
    expect(rec.ofType(T.stateMachine)).to.have.length(0);
    const { rec: fan } = await deploy("freefan", { fanOut: true, reservedConcurrency: false, fanOutConcurrency: 1000 });
    expect(fan.one(T.fn).inputs.reservedConcurrentExecutions).to.equal(undefined);
    expect(fan.one(T.fn).inputs.environment.variables.ECR_CLEANUP_LOCK_BUCKET).to.equal(undefined);
  });

  describe("the ceiling, at construction", () => {
    beforeEach(async () => new Recorder().install());
    const construct = (args: Record<string, unknown>) => () => new EcrCleanupPolicy("c", { policies: [RELEASES], fanOut: true, ...args });

    it("fanOutConcurrency above 900 with a reservation: Lambda keeps 100 of the default 1000 unreserved", () => {
      expect(construct({ fanOutConcurrency: 901 })).to.throw(pulumi.ResourceError,
        'EcrCleanupPolicy "c": fanOutConcurrency must be a whole number from 1 to 900 while reservedConcurrency is true (it is the function\'s reserved concurrency, and Lambda keeps 100 of an account\'s default 1000 unreserved; for more, raise the account\'s quota and set reservedConcurrency: false); got 901');
      expect(construct({ fanOutConcurrency: 900 })).to.not.throw();
    });

    it("without a reservation up to 1000; a reservedConcurrency that is not a boolean is refused", () => {
      expect(construct({ fanOutConcurrency: 1000, reservedConcurrency: false })).to.not.throw();
      expect(construct({ fanOutConcurrency: 1001, reservedConcurrency: false })).to.throw(pulumi.ResourceError, /fanOutConcurrency must be a whole number from 1 to 1000; got 1001/);
      expect(construct({ reservedConcurrency: "no" })).to.throw(pulumi.ResourceError, /reservedConcurrency must be true or false; got "no"/);
    });
  });
});
