/**
 * `restore --from-report s3://BUCKET/KEY` when S3 answers with something the SDK cannot read: the error is one line
 * (the SDK's message has a second line of advice to programmers, which escaping showed as a literal `\n`). And the
 * usage names the S3 form, in `restore --help` and in the top-level `--help`.
 */
import { expect } from "chai";
import { createServer, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { firstLine } from "../runtime/shared/errors";
import { runCli } from "./support/cli";

describe("restore --from-report s3://BUCKET/KEY", function () {
  this.timeout(60_000);
  let server: Server;
  let endpoint: string;
  before(async () => {
    // An S3 that answers every request 403 with a body that is not XML.
    server = createServer((_req, res) => {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end("<Error><Code>X</Code>oops<<</Error>");
    });
    await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((closed) => server.close(closed));
  });

  it("an answer the SDK cannot parse: exit 2, its message on one line, with no literal \\n", async () => {
    const env = { PATH: process.env.PATH, AWS_ENDPOINT_URL: endpoint, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_MAX_ATTEMPTS: "1" };
    const result = await runCli(["restore", "--from-report", "s3://reports/run.json"], env);
    expect([result.code, result.stdout]).to.deep.equal([2, ""]);
    expect(result.stderr.split("\n")[0]).to.equal("ecr-cleanup restore: --from-report s3://reports/run.json: cannot read it (@aws-sdk XML parse error: expected > at the end of self-closing tag.)");
  });

  it("the usage names the S3 form, and the top-level usage restore's --output and --region", async () => {
    const restoreHelp = await runCli(["restore", "--help"], {});
    expect(restoreHelp.stdout.split("\n")[0]).to.equal(
      "Usage: ecr-cleanup restore (--repository R (--digest D | --tag T) | --from-report FILE|s3://BUCKET/KEY) [--wait [--timeout D]] [--output table|json] [--region R]",
    );
    const help = await runCli(["--help"], {});
    expect(help.stdout).to.include(
      "       ecr-cleanup restore (--repository R (--digest D | --tag T) | --from-report FILE|s3://BUCKET/KEY) [--wait [--timeout D]] [--output table|json] [--region R]\n",
    );
  });

  it("firstLine: a message's first non-blank line, trimmed", () => {
    const cases: [string, string][] = [
      ["one line", "one line"],
      ["XML parse error: unexpected content.\n  Deserialization error: see $response", "XML parse error: unexpected content."],
      ["\r\n  first\r\nsecond", "first"],
      ["", ""],
    ];
    for (const [message, shown] of cases) expect(firstLine(message), JSON.stringify(message)).to.equal(shown);
  });
});
