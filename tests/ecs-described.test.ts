/**
 * An ECS Describe answer is used only once it accounts for every identifier asked about: in its list (matched by ARN,
 * or for tasks and services by ID or name, the ARN's last part) or in its failures (MISSING: gone, runs nothing; any
 * other reason: unread). Each case gives what was asked and answered, and exactly what the source makes of it.
 */
import { expect } from "chai";
import type { Failure } from "@aws-sdk/client-ecs";
import { describedIn, type MatchBy, unaccounted } from "../runtime/inuse/ecsDescribed";

const ARN = "arn:aws:ecs:us-east-1:123456789012";
const WEB = `${ARN}:service/prod/web`;
const API = `${ARN}:service/prod/api`;
const WHAT = "ECS DescribeServices of cluster prod";

interface Case {
  what: string;
  asked: string[];
  by?: MatchBy;
  /** The answer's items' ARNs; undefined: the answer has no list. */
  items?: (string | undefined)[];
  failures?: Failure[];
  /** The ARNs of the items used, or the error (`name: message`). */
  expected: string[] | string;
}

const neither = (n: number, of: number, left: string) =>
  `UntrustedAnswer: ${WHAT}: ${n} of the ${of} asked for are in neither the answer's services nor its failures (${left}); what they run cannot be known, so the answer cannot be used`;

const CASES: Case[] = [
  { what: "asked by ARN, in the list", asked: [WEB], items: [WEB], expected: [WEB] },
  { what: "asked by name, in the list by ARN", asked: ["web"], items: [WEB], expected: [WEB] },
  { what: "asked by the long ARN, in the list by the old-format ARN", asked: [WEB], items: [`${ARN}:service/web`], expected: [`${ARN}:service/web`] },
  { what: "asked by ARN, in failures MISSING", asked: [WEB], items: [], failures: [{ arn: WEB, reason: "MISSING" }], expected: [] },
  { what: "asked by name, in failures MISSING by the old-format ARN (moto)", asked: ["web"], items: [], failures: [{ arn: `${ARN}:service/web`, reason: "MISSING" }], expected: [] },
  { what: "one in the list, one in failures MISSING", asked: [WEB, API], items: [API], failures: [{ arn: WEB, reason: "MISSING" }], expected: [API] },
  {
    what: "in failures with another reason",
    asked: [WEB],
    items: [],
    failures: [{ arn: WEB, reason: "INTERNAL_ERROR", detail: "try again" }],
    expected: `EcsFailure: ${WHAT} could not describe 1 of the resources it was asked for: ${WEB}: INTERNAL_ERROR (try again); what they run cannot be known, so the source is not used`,
  },
  { what: "in neither: an empty answer", asked: [WEB, API], items: [], failures: [], expected: neither(2, 2, `${WEB}, ${API}`) },
  { what: "in neither: one of two left out", asked: [WEB, API], items: [WEB], expected: neither(1, 2, API) },
  { what: "asked by name, in neither", asked: ["web"], items: [], expected: neither(1, 1, "web") },
  { what: "a name that only begins the same is another service", asked: ["web"], items: [`${ARN}:service/prod/web2`], expected: neither(1, 1, "web") },
  { what: "an item without an ARN accounts for nothing", asked: [WEB], items: [undefined], expected: neither(1, 1, WEB) },
  { what: "a MISSING failure without an ARN accounts for nothing", asked: [WEB], items: [], failures: [{ reason: "MISSING" }], expected: neither(1, 1, WEB) },
  { what: "no list at all", asked: [WEB], expected: `UntrustedAnswer: ${WHAT}: the answer's services list is missing, so the answer cannot be used` },
];

describe("ECS Describe answers account for every identifier asked about", () => {
  for (const c of CASES) {
    it(`${c.what}: ${Array.isArray(c.expected) ? `uses [${c.expected.length}]` : c.expected.split(":")[0]}`, () => {
      const answer = { services: c.items?.map((serviceArn) => ({ serviceArn })), failures: c.failures };
      let got: string[] | string;
      try {
        got = describedIn(answer, "services", WHAT, { asked: c.asked, arnOf: (s) => s.serviceArn, by: c.by ?? "id" }).map((s) => s.serviceArn ?? "(none)");
      } catch (err) {
        got = `${(err as Error).name}: ${(err as Error).message}`;
      }
      expect(got).to.deep.equal(c.expected);
    });
  }

  describe("how an answered ARN matches an asked identifier", () => {
    const REV = `${ARN}:service-revision/prod/web/4242`;
    const table: [string, string[], string[], MatchBy, string[]][] = [
      ["task asked by ID, answered by ARN", ["0123abcd"], [`${ARN}:task/prod/0123abcd`], "id", []],
      ["task asked by long ARN, answered by old-format ARN", [`${ARN}:task/prod/0123abcd`], [`${ARN}:task/0123abcd`], "id", []],
      ["revision asked by ARN, answered by the same ARN", [REV], [REV], "arn", []],
      ["revision answered by another service's revision with the same number", [REV], [`${ARN}:service-revision/prod/api/4242`], "arn", [REV]],
      ["revision asked twice, answered once", [REV, REV], [REV], "arn", []],
      ["nothing answered, the order asked kept", ["b", "a"], [], "id", ["b", "a"]],
    ];
    for (const [what, asked, answered, by, left] of table) {
      it(`${what}: ${left.length ? `unaccounted ${left.join(", ")}` : "accounted"}`, () => expect(unaccounted(asked, answered, by)).to.deep.equal(left));
    }
  });
});
