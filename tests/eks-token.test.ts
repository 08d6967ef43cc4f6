/**
 * The EKS token: byte for byte what `aws eks get-token` makes for fixed inputs, and for any inputs a token that the
 * emulator's independent check (the authenticator's rules and STS's signature) accepts for its cluster only,
 * within its 15 minutes only.
 */
import { expect } from "chai";
import fc from "fast-check";
import { eksToken, presignedCallerIdentityUrl, TOKEN_PREFIX } from "../runtime/inuse/eks/token";
import { checkEksToken } from "./emulator/eks-token";

// Made by tests/fixtures/eks-get-token.py: awscli 1.45.11's own TokenGenerator and STSClientFactory (botocore
// 1.43.11) with botocore's clock fixed at `date`.
const GET_TOKEN = [
  {
    cluster: "prod",
    region: "us-west-2",
    accessKeyId: "AKIDEXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    date: "2026-01-02T03:04:05Z",
    token:
      "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtd2VzdC0yLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERVhBTVBMRSUyRjIwMjYwMTAyJTJGdXMtd2VzdC0yJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjAxMDJUMDMwNDA1WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9NjliYTJkZDMxYjY4MDE5ZDZlYTRiZDcyYjAwMjcxYzUxNjU5ZjY3MTAyM2MyNDhiOGJkNThiM2YzYzFkMTFiZA",
  },
  {
    cluster: "team-a_blue",
    region: "eu-central-1",
    accessKeyId: "ASIAEXAMPLE",
    secretAccessKey: "secret/with+chars=",
    sessionToken: "FwoGZXIvYXdzEJr//////////wEaDO+token/with=+chars",
    date: "2026-12-31T23:59:59Z",
    token:
      "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtY2VudHJhbC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BU0lBRVhBTVBMRSUyRjIwMjYxMjMxJTJGZXUtY2VudHJhbC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjEyMzFUMjM1OTU5WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TZWN1cml0eS1Ub2tlbj1Gd29HWlhJdllYZHpFSnIlMkYlMkYlMkYlMkYlMkYlMkYlMkYlMkYlMkYlMkZ3RWFETyUyQnRva2VuJTJGd2l0aCUzRCUyQmNoYXJzJlgtQW16LVNpZ25hdHVyZT04MjM1MmUxYTViOTI4MjQxMWM3ODJlMTQ2Yjk0NDhmMmYxZjc1ZWY3MTU5NzM5NGQ0MGMxMWY2NTdhZDY1OWIw",
  },
  {
    cluster: "c1",
    region: "cn-north-1",
    accessKeyId: "AKIDCN",
    secretAccessKey: "cnsecret",
    date: "2026-06-15T12:00:00Z",
    token:
      "k8s-aws-v1.aHR0cHM6Ly9zdHMuY24tbm9ydGgtMS5hbWF6b25hd3MuY29tLmNuLz9BY3Rpb249R2V0Q2FsbGVySWRlbnRpdHkmVmVyc2lvbj0yMDExLTA2LTE1JlgtQW16LUFsZ29yaXRobT1BV1M0LUhNQUMtU0hBMjU2JlgtQW16LUNyZWRlbnRpYWw9QUtJRENOJTJGMjAyNjA2MTUlMkZjbi1ub3J0aC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjA2MTVUMTIwMDAwWiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9NmJjMTk1MmUzYzEzODE2YjU0MDMyN2U4MTZkZTllOTExODJjOGU1MDgzYzY1MTFmNTdjMDE3OGRjZmE3ZjVjNA",
  },
  {
    cluster: "east",
    region: "us-east-1",
    accessKeyId: "AKIDEAST",
    secretAccessKey: "eastsecret",
    date: "2026-03-01T00:00:00Z",
    token:
      "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lERUFTVCUyRjIwMjYwMzAxJTJGdXMtZWFzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjAzMDFUMDAwMDAwWiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9YTUzMWIyMzEyNDAwZDMzOTU0ZTMxNzMwYzQ4OTA1ZDdmOWVlZTU5YjdlMjg5MzhlYWE4YjdmNGFjNWEwZGY1MA",
  },
];

describe("EKS token", () => {
  for (const row of GET_TOKEN) {
    it(`is what aws eks get-token makes for cluster ${row.cluster} in ${row.region}${row.sessionToken ? " with a session token" : ""}`, async () => {
      const token = await eksToken({
        clusterName: row.cluster,
        region: row.region,
        credentials: { accessKeyId: row.accessKeyId, secretAccessKey: row.secretAccessKey, sessionToken: row.sessionToken },
        signingDate: new Date(row.date),
      });
      expect(token).to.equal(row.token);
    });
  }

  it("is a presigned GET of STS GetCallerIdentity with the cluster in the signed x-k8s-aws-id header", async () => {
    const url = new URL(
      await presignedCallerIdentityUrl({
        clusterName: "prod",
        region: "us-west-2",
        credentials: { accessKeyId: "AKID", secretAccessKey: "s", sessionToken: "tok" },
        signingDate: new Date("2026-01-02T03:04:05Z"),
      }),
    );
    expect(url.origin + url.pathname).to.equal("https://sts.us-west-2.amazonaws.com/");
    expect([...url.searchParams.keys()]).to.deep.equal([
      "Action",
      "Version",
      "X-Amz-Algorithm",
      "X-Amz-Credential",
      "X-Amz-Date",
      "X-Amz-Expires",
      "X-Amz-SignedHeaders",
      "X-Amz-Security-Token",
      "X-Amz-Signature",
    ]);
    expect(Object.fromEntries(url.searchParams)).to.deep.include({
      Action: "GetCallerIdentity",
      Version: "2011-06-15",
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": "AKID/20260102/us-west-2/sts/aws4_request",
      "X-Amz-Date": "20260102T030405Z",
      "X-Amz-Expires": "60",
      "X-Amz-SignedHeaders": "host;x-k8s-aws-id",
      "X-Amz-Security-Token": "tok",
    });
    expect(url.searchParams.get("X-Amz-Signature")).to.match(/^[0-9a-f]{64}$/);
  });

  const region = fc.constantFrom("us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1");
  const clusterName = fc.stringMatching(/^[0-9A-Za-z][A-Za-z0-9_-]{0,40}$/);
  const secret = fc.string({ minLength: 1, maxLength: 40 });
  const credentials = fc.record({
    accessKeyId: fc.stringMatching(/^(AKIA|ASIA)[A-Z0-9]{16}$/),
    secretAccessKey: secret,
    sessionToken: fc.option(fc.string({ minLength: 1, maxLength: 60 }), { nil: undefined }),
  });
  const signingDate = fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2035-12-31T23:59:59Z"), noInvalidDate: true });

  it("is accepted by the cluster it names, by no other, with no other secret, for 15 minutes after signing", async () => {
    await fc.assert(
      fc.asyncProperty(clusterName, clusterName, region, credentials, secret, signingDate, async (cluster, other, r, creds, otherSecret, date) => {
        const token = await eksToken({ clusterName: cluster, region: r, credentials: creds, signingDate: date });
        expect(token.startsWith(TOKEN_PREFIX)).to.equal(true);
        expect(token.slice(TOKEN_PREFIX.length)).to.match(/^[A-Za-z0-9_-]+$/);
        const known = (key: string) => (key === creds.accessKeyId ? { secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken } : undefined);
        const signed = new Date(Math.floor(date.getTime() / 1000) * 1000);
        expect(checkEksToken(token, cluster, known, signed)).to.deep.equal({ ok: true, accessKeyId: creds.accessKeyId });
        expect(checkEksToken(token, cluster, known, new Date(signed.getTime() + 15 * 60_000))).to.deep.equal({ ok: true, accessKeyId: creds.accessKeyId });
        expect(checkEksToken(token, cluster, known, new Date(signed.getTime() + 15 * 60_000 + 1000)).ok).to.equal(false);
        if (other !== cluster) expect(checkEksToken(token, other, known, signed).ok).to.equal(false);
        if (otherSecret !== creds.secretAccessKey) {
          const wrong = (key: string) => (key === creds.accessKeyId ? { secretAccessKey: otherSecret, sessionToken: creds.sessionToken } : undefined);
          expect(checkEksToken(token, cluster, wrong, signed).ok).to.equal(false);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("is refused when tampered with: padding, another host, the header left unsigned, a longer expiry", async () => {
    const creds = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
    const known = (key: string) => (key === "AKIDEXAMPLE" ? { secretAccessKey: "secret" } : undefined);
    const date = new Date("2026-01-02T03:04:05Z");
    const url = await presignedCallerIdentityUrl({ clusterName: "prod", region: "us-west-2", credentials: creds, signingDate: date });
    const tokenOf = (u: string) => TOKEN_PREFIX + Buffer.from(u).toString("base64url");
    expect(checkEksToken(tokenOf(url), "prod", known, date).ok).to.equal(true);
    const refused = (u: string) => checkEksToken(tokenOf(u), "prod", known, date);
    expect(refused(url.replace("sts.us-west-2", "sts.evil")).ok).to.equal(false);
    expect(refused(url.replace("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id", "X-Amz-SignedHeaders=host")).ok).to.equal(false);
    expect(refused(url.replace("X-Amz-Expires=60", "X-Amz-Expires=61")).ok).to.equal(false);
    expect(refused(url.replace("X-Amz-Expires=60", "X-Amz-Expires=901")).ok).to.equal(false);
    expect(refused(url.replace("https:", "http:")).ok).to.equal(false);
    expect(refused(`${url}&Extra=1`).ok).to.equal(false);
    expect(checkEksToken(`${tokenOf(url)}==`, "prod", known, date).ok).to.equal(false);
    expect(checkEksToken(tokenOf(url).replace(TOKEN_PREFIX, "k8s-aws-v2."), "prod", known, date).ok).to.equal(false);
  });
});
