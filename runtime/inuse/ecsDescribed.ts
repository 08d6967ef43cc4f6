/**
 * What an ECS Describe call (DescribeTasks, DescribeServices, DescribeServiceRevisions) says about each identifier it
 * was asked about. ECS accounts for every one: it is described in the answer's list, or named in its per-item
 * `failures` (MISSING: it no longer exists; any other reason: it could not be read). An answer that leaves an asked
 * identifier out of both says nothing about it, and "nothing" is not "runs nothing": the answer is not used.
 */
import type { Failure } from "@aws-sdk/client-ecs";
import { listIn, UntrustedAnswerError } from "../shared/answers";

/** The last part of an ARN (`…:cluster/prod` is `prod`; `…:service/prod/web` is `web`; a name is itself). */
export const lastPart = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);

/** A Describe call's per-item failures other than MISSING: what it was asked about and could not say. */
export class EcsFailureError extends Error {
  constructor(what: string, failures: readonly Failure[]) {
    const listed = failures.map((f) => `${f.arn ?? "(no ARN)"}: ${f.reason ?? "no reason"}${f.detail ? ` (${f.detail})` : ""}`).join("; ");
    super(`${what} could not describe ${failures.length} of the resources it was asked for: ${listed}; what they run cannot be known, so the source is not used`);
    this.name = "EcsFailure";
  }
}

/**
 * How an answer's ARN answers an asked identifier: `"arn"`, only the same ARN (service revisions, asked and answered
 * by ARN; their last part is a revision number, not unique); `"id"`, the same ARN or the same last part, as ECS matches
 * tasks (asked by ID or ARN) and services (asked by name or ARN; answered by ARN, in the long format
 * `service/CLUSTER/NAME` or the old `service/NAME`). A Describe call reads one cluster, where IDs and names are unique.
 */
export type MatchBy = "arn" | "id";

/** The asked identifiers that none of the `answered` ARNs (items' and failures' alike) answers, in the order asked. */
export function unaccounted(asked: readonly string[], answered: readonly (string | undefined)[], by: MatchBy): string[] {
  const arns = new Set(answered.filter((arn): arn is string => !!arn));
  const ids = new Set(by === "id" ? [...arns].map(lastPart) : []);
  return asked.filter((ref) => !arns.has(ref) && !ids.has(lastPart(ref)));
}

/** What a Describe call was asked: `asked` identifiers, its items' ARN field `arn`, and how to match them. */
export interface Asked<I> {
  asked: readonly string[];
  arnOf: (item: I) => string | undefined;
  by: MatchBy;
}

type ItemOf<L> = L extends readonly (infer I)[] ? I : never;

/**
 * The answer's `field` list, once the answer has accounted for every asked identifier: MISSING is a resource that
 * no longer exists (a task that stopped, a service deleted since it was listed), which runs nothing; any other
 * reason leaves the resource unread (EcsFailureError); an identifier in neither the list nor the failures leaves it
 * unread too (UntrustedAnswerError, naming `what` and the identifiers).
 */
export function describedIn<T extends { failures?: Failure[] }, K extends keyof T>(
  answer: T,
  field: K,
  what: string,
  question: Asked<ItemOf<NonNullable<T[K]>>>,
): NonNullable<T[K]> {
  const failures = answer.failures ?? [];
  const unread = failures.filter((f) => f.reason !== "MISSING");
  if (unread.length) throw new EcsFailureError(what, unread);
  const items = listIn(answer, field, what);
  const answered = [...(items as unknown as ItemOf<NonNullable<T[K]>>[]).map(question.arnOf), ...failures.map((f) => f.arn)];
  const left = unaccounted(question.asked, answered, question.by);
  if (left.length) {
    throw new UntrustedAnswerError(
      `${what}: ${left.length} of the ${question.asked.length} asked for are in neither the answer's ${String(field)} nor its failures (${left.join(", ")}); what they run cannot be known, so the answer cannot be used`,
    );
  }
  return items;
}

/** `family` of a task definition `family:revision` or ARN (`…:task-definition/web:5`). */
const familyOf = (ref: string) => lastPart(ref).split(":")[0];

/**
 * Whether a task definition ARN `answered` is the one `asked` in one of the forms DescribeTaskDefinition takes: the
 * full ARN (the same ARN), `family:revision` (the same family and revision), or `family` alone (its latest ACTIVE
 * revision: any revision of the same family).
 */
export function namesTaskDefinition(asked: string, answered: string): boolean {
  if (asked.startsWith("arn:")) return asked === answered;
  return asked.includes(":") ? lastPart(answered) === asked : familyOf(answered) === asked && lastPart(answered).includes(":");
}
