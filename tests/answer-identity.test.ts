/**
 * A single-resource read's answer is used only when it is about the resource asked for: ECS DescribeTaskDefinition
 * (taskDefinitionArn against the ARN, `family:revision` or family asked), Lambda GetFunction (FunctionArn against the
 * name and qualifier asked; an unqualified ARN is `$LATEST`), EKS DescribeCluster (cluster.name) and App Runner
 * DescribeService (Service.ServiceArn) by equality, and ECR DescribeImages by digest (every answered digest one of
 * those asked). Each case gives what was asked and answered, and exactly what the read makes of it.
 */
import { expect } from "chai";
import type { ECRClient } from "@aws-sdk/client-ecr";
import { describeByDigest } from "../runtime/ecr/describe";
import { namesTaskDefinition } from "../runtime/inuse/ecsDescribed";
import { namesFunctionVersion } from "../runtime/inuse/lambda";
import { answerAbout } from "../runtime/shared/answers";

const TD = "arn:aws:ecs:us-east-1:123456789012:task-definition";
const FN = "arn:aws:lambda:us-east-1:123456789012:function";

/** `answerAbout`'s outcome: "used", or the error as `name: message`. */
function outcome(what: string, field: string, asked: string | string[], answered: string | undefined, same?: (a: string, b: string) => boolean): string {
  try {
    answerAbout(what, field, asked, answered, same);
    return "used";
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

describe("single-resource answers are about the resource asked for", () => {
  describe("ECS DescribeTaskDefinition: taskDefinitionArn against the form asked", () => {
    const cases: [string, string, boolean][] = [
      [`${TD}/web:5`, `${TD}/web:5`, true],
      [`${TD}/web:5`, `${TD}/web:6`, false],
      [`${TD}/web:5`, `${TD}/api:5`, false],
      [`${TD}/web:5`, "arn:aws:ecs:us-east-1:210987654321:task-definition/web:5", false],
      [`${TD}/web:5`, `${TD}/web:50`, false],
      ["web:5", `${TD}/web:5`, true],
      ["web:5", `${TD}/web:6`, false],
      ["web:5", `${TD}/webapp:5`, false],
      ["web", `${TD}/web:7`, true],
      ["web", `${TD}/webapp:7`, false],
      ["web", `${TD}/api:7`, false],
    ];
    for (const [asked, answered, expected] of cases) {
      it(`asked ${asked}, answered ${answered}: ${expected ? "the same" : "another"}`, () => expect(namesTaskDefinition(asked, answered)).to.equal(expected));
    }
  });

  describe("Lambda GetFunction: FunctionArn against the name and qualifier asked", () => {
    const cases: [string, string, boolean][] = [
      ["fn:$LATEST", `${FN}:fn:$LATEST`, true],
      ["fn:$LATEST", `${FN}:fn`, true],
      ["fn:3", `${FN}:fn:3`, true],
      ["fn:3", `${FN}:fn:4`, false],
      ["fn:3", `${FN}:fn`, false],
      ["fn:3", `${FN}:fn:$LATEST`, false],
      ["fn:$LATEST", `${FN}:fn:1`, false],
      ["fn:$LATEST", `${FN}:other:$LATEST`, false],
      ["fn:$LATEST", `${FN}:fn2`, false],
      ["fn:$LATEST", "fn", false],
    ];
    for (const [asked, answered, expected] of cases) {
      it(`asked ${asked}, answered ${answered}: ${expected ? "the same" : "another"}`, () => expect(namesFunctionVersion(asked, answered)).to.equal(expected));
    }
  });

  describe("the error: the call, the field and both identifiers", () => {
    const SVC = "arn:aws:apprunner:us-east-1:123456789012:service/web/0123";
    const cases: [string, string, string | string[], string | undefined, string][] = [
      ["App Runner DescribeService of web", "Service.ServiceArn", SVC, SVC, "used"],
      [
        "App Runner DescribeService of web",
        "Service.ServiceArn",
        SVC,
        `${SVC}4`,
        `UntrustedAnswer: App Runner DescribeService of web: the answer's Service.ServiceArn is ${SVC}4, not ${SVC} as asked: an answer about another resource cannot be used`,
      ],
      ["EKS DescribeCluster of prod", "cluster.name", "prod", "prod", "used"],
      [
        "EKS DescribeCluster of prod",
        "cluster.name",
        "prod",
        "staging",
        "UntrustedAnswer: EKS DescribeCluster of prod: the answer's cluster.name is staging, not prod as asked: an answer about another resource cannot be used",
      ],
      [
        "EKS DescribeCluster of prod",
        "cluster.name",
        "prod",
        undefined,
        "UntrustedAnswer: EKS DescribeCluster of prod: the answer's cluster.name is missing, not prod as asked: an answer about another resource cannot be used",
      ],
      ["ECR DescribeImages by digest in repository app", "imageDigest", ["sha256:a", "sha256:b"], "sha256:b", "used"],
      [
        "ECR DescribeImages by digest in repository app",
        "imageDigest",
        ["sha256:a", "sha256:b"],
        "sha256:c",
        "UntrustedAnswer: ECR DescribeImages by digest in repository app: the answer's imageDigest is sha256:c, not one of the 2 asked (sha256:a, sha256:b): an answer about another resource cannot be used",
      ],
      [
        "ECR DescribeImages by digest in repository app",
        "imageDigest",
        ["sha256:a", "sha256:b", "sha256:c", "sha256:d"],
        "sha256:e",
        "UntrustedAnswer: ECR DescribeImages by digest in repository app: the answer's imageDigest is sha256:e, not one of the 4 asked (sha256:a, sha256:b, sha256:c, …): an answer about another resource cannot be used",
      ],
      [
        "ECS DescribeTaskDefinition of web:5",
        "taskDefinitionArn",
        "web:5",
        `${TD}/web:6`,
        `UntrustedAnswer: ECS DescribeTaskDefinition of web:5: the answer's taskDefinitionArn is ${TD}/web:6, not web:5 as asked: an answer about another resource cannot be used`,
      ],
    ];
    for (const [what, field, asked, answered, expected] of cases) {
      const same = field === "taskDefinitionArn" ? namesTaskDefinition : undefined;
      it(`${what}, answered ${answered ?? "nothing"}: ${expected === "used" ? "used" : "not used"}`, () => expect(outcome(what, field, asked, answered, same)).to.equal(expected));
    }
  });

  describe("ECR DescribeImages by digest: an answered digest never asked confirms nothing", () => {
    // Digests of the form ECR gives (the listing refuses others before this check could).
    const [A, B, C] = ["a", "b", "c"].map((hex) => `sha256:${hex.repeat(64)}`);
    const detail = (imageDigest: string | undefined) => ({ imageDigest, imageTags: [], imagePushedAt: new Date("2026-01-01T00:00:00Z"), imageStatus: "ACTIVE" });
    /** What describeByDigest makes of `answered` when asked `asked`: the digests found, or the error. */
    async function described(asked: string[], answered: (string | undefined)[]): Promise<string[] | string> {
      const client = { send: async () => ({ imageDetails: answered.map(detail) }) } as unknown as ECRClient;
      try {
        return [...(await describeByDigest(client, "app", asked)).keys()];
      } catch (err) {
        return `${(err as Error).name}: ${(err as Error).message}`;
      }
    }
    const cases: [string, string[], (string | undefined)[], string[] | string][] = [
      ["all asked, all answered", [A, B], [A, B], [A, B]],
      ["one left out (gone or not active)", [A, B], [A], [A]],
      [
        "one answered in place of the other",
        [A, B],
        [A, C],
        `UntrustedAnswer: ECR DescribeImages by digest in repository app: the answer's imageDigest is ${C}, not one of the 2 asked (${A}, ${B}): an answer about another resource cannot be used`,
      ],
      [
        "an item with no digest",
        [A],
        [undefined],
        `UntrustedAnswer: ECR DescribeImages by digest in repository app: the answer's imageDigest is missing, not ${A} as asked: an answer about another resource cannot be used`,
      ],
    ];
    for (const [what, asked, answered, expected] of cases) {
      it(`${what}: ${typeof expected === "string" ? "not used" : expected.join(", ")}`, async () => expect(await described(asked, answered)).to.deep.equal(expected));
    }
  });
});
