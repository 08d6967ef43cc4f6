/**
 * Answers that say success (HTTP 200) but are not an output, for any operation the emulator serves: from the
 * operation's call `at` on (0 is the first), the body is an error (a JSON 1.1 `__type` body, Lambda's rate-exceeded
 * body), `{}`, `null` or nothing, as a proxy, a load balancer or a faulty service may answer. The operation still runs
 * (its state changes as usual); only its answer is replaced. `pageItems` makes a paged list's pages small, so that
 * `at` can name a later page, or (`"later-pages"`) every page after the first of every read: the same page of the
 * listing before a plan and of the re-check before a delete. `failures` instead answers a Describe call of ECS with every item it was asked about
 * moved to the answer's per-item `failures`, with `reason` (`INTERNAL_ERROR`, or `MISSING`: the resource is gone);
 * `dropped` answers it with every item left out of both its list and its failures, an answer real ECS never gives
 * (it accounts for every identifier it is asked about). `renamed` answers a single-resource read (RENAMED) with the
 * identifier of the resource it describes changed to another's, as a cache, a proxy or a mixed-up retry could.
 * `swapped` answers ECR BatchGetImage with each image's manifest moved to the next image of the answer (the last's to
 * the first): every manifest is labelled with another image's digest.
 */

export type OddAnswerKind = "error-body" | "rate-exceeded" | "empty-object" | "null" | "empty";

export const ODD_ANSWER_KINDS: readonly OddAnswerKind[] = ["error-body", "rate-exceeded", "empty-object", "null", "empty"];

/** The body of each kind, byte for byte. */
export const ODD_ANSWER_BODIES: Record<OddAnswerKind, string> = {
  "error-body": JSON.stringify({ __type: "ServerException", message: "Service Unavailable" }),
  "rate-exceeded": JSON.stringify({ Message: "Rate exceeded", Type: "User" }),
  "empty-object": "{}",
  null: "null",
  empty: "",
};

/** ECS's Describe calls with per-item failures: the answer's list and its items' ARN field. */
export const DESCRIBED_LISTS: Record<string, { list: string; arn: string }> = {
  "ecs/DescribeTasks": { list: "tasks", arn: "taskArn" },
  "ecs/DescribeServices": { list: "services", arn: "serviceArn" },
  "ecs/DescribeServiceRevisions": { list: "serviceRevisions", arn: "serviceRevisionArn" },
};

/** Another resource's identifier: the next revision or version number, or the name with `-other` after it. */
export const another = (id: string): string => id.replace(/(\d+)$|$/, (_, n: string | undefined) => (n === undefined ? "-other" : String(Number(n) + 1)));

type Answer = Record<string, Record<string, unknown>>;

/** Single-resource reads, and how `renamed` makes each answer name another resource. */
export const RENAMED: Record<string, (answer: Answer) => void> = {
  "ecs/DescribeTaskDefinition": (a) => void (a.taskDefinition.taskDefinitionArn = another(a.taskDefinition.taskDefinitionArn as string)),
  "lambda/GetFunction": (a) => {
    a.Configuration.FunctionName = `${a.Configuration.FunctionName as string}-other`;
    a.Configuration.FunctionArn = (a.Configuration.FunctionArn as string).replace(/:function:([^:]+)/, ":function:$1-other");
  },
  "eks/DescribeCluster": (a) => void (a.cluster.name = another(a.cluster.name as string)),
  "apprunner/DescribeService": (a) => void (a.Service.ServiceArn = another(a.Service.ServiceArn as string)),
};

export type OddAnswer = { kind: OddAnswerKind } | { failures: string } | { dropped: true } | { renamed: true } | { swapped: true };

export class OddAnswers {
  /** Calls of the operation served so far. */
  requests = 0;
  /** Calls answered oddly so far. */
  served = 0;

  constructor(
    readonly answer: OddAnswer,
    /** The first call answered oddly; or `"later-pages"`: every call that asks for a page after the first, of any read. */
    readonly at: number | "later-pages" = 0,
    readonly pageItems = Number.POSITIVE_INFINITY,
    /** How many calls are answered oddly; the later ones as usual. */
    readonly calls = Number.POSITIVE_INFINITY,
  ) {}

  /** The page size to serve a paged list with: at most `pageItems`. */
  size(asked: number | undefined): number | undefined {
    if (!Number.isFinite(this.pageItems)) return asked;
    return asked === undefined ? this.pageItems : Math.min(asked, this.pageItems);
  }

  /**
   * The body to answer this call with instead of `output` (of the operation `list`, `service/Operation`), or
   * undefined to answer as usual.
   */
  body(list: string, output: unknown, laterPage: boolean): string | undefined {
    const call = this.requests++;
    if ((this.at === "later-pages" ? !laterPage : call < this.at) || this.served >= this.calls) return undefined;
    if ("kind" in this.answer) {
      this.served++;
      return ODD_ANSWER_BODIES[this.answer.kind];
    }
    if ("renamed" in this.answer) {
      const rename = RENAMED[list];
      if (!rename) throw new Error(`${list} is not a single-resource read`);
      const answer = JSON.parse(JSON.stringify(output)) as Answer;
      rename(answer);
      this.served++;
      return JSON.stringify(answer);
    }
    if ("swapped" in this.answer) {
      if (list !== "ecr/BatchGetImage") throw new Error(`${list} is not ECR BatchGetImage`);
      const answer = JSON.parse(JSON.stringify(output)) as { images: { imageManifest: string }[] };
      if (answer.images.length < 2) return undefined;
      const manifests = answer.images.map((image) => image.imageManifest);
      answer.images.forEach((image, i) => (image.imageManifest = manifests[(i + manifests.length - 1) % manifests.length]));
      this.served++;
      return JSON.stringify(answer);
    }
    const described = DESCRIBED_LISTS[list];
    if (!described) throw new Error(`${list} has no per-item failures`);
    const answer = { ...(output as Record<string, unknown>) };
    const items = (answer[described.list] ?? []) as Record<string, unknown>[];
    if (!items.length) return undefined;
    this.served++;
    answer[described.list] = [];
    if ("dropped" in this.answer) return JSON.stringify(answer);
    const reason = this.answer.failures;
    answer.failures = [...((answer.failures as unknown[]) ?? []), ...items.map((item) => ({ arn: item[described.arn], reason, detail: "injected by the emulator" }))];
    return JSON.stringify(answer);
  }
}
