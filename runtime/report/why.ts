/**
 * Why an image is kept or deleted, as the table's REASON and POLICY columns say it: the reasons and numbers of the
 * policies that decided, or for a safety keep the rule's reason and what kept it (the workloads, the holder, the cap).
 */
import { ImageLine, isSafetyKeep, RepositoryReport } from "../engine/report";
import { escapeControls as shown } from "./escape";
import { shorten } from "./layout";

/** `#1`, `#2`: a policy's number in the file (see policyNumbers). */
export type PolicyNumber = (policy: string) => string;

/**
 * The policies in number order: by their place in the file; a report that does not know the file numbers them as they
 * appear. The one numbering of every renderer (the table and the HTML page), so `#1` means one policy everywhere.
 */
export function numberedPolicies(fileOrder: readonly string[] | undefined, repositories: readonly RepositoryReport[]): string[] {
  const order = [...(fileOrder ?? [])];
  for (const repo of repositories) for (const name of repo.policies) if (!order.includes(name)) order.push(name);
  return order;
}

/** A policy's number (`#1`), from numberedPolicies. */
export function policyNumbers(fileOrder: readonly string[] | undefined, repositories: readonly RepositoryReport[]): PolicyNumber {
  const numbers = new Map(numberedPolicies(fileOrder, repositories).map((name, i) => [name, `#${i + 1}`]));
  return (policy) => numbers.get(policy) ?? "#?";
}

/** Orders policy names by their numbers: `#1` before `#2`, whatever their names. */
export const byNumber = (number: PolicyNumber) => (a: string, b: string) => Number(number(a).slice(1)) - Number(number(b).slice(1));

/** Groups the table's legend and the HTML page name one by one; the JSON report lists every group. */
export const GROUPS_SHOWN = 10;

/** The most of a group's name that the table's POLICY column shows (as a tag's, the middle gives way). */
const LONGEST_GROUP = 24;

/** A group as the table names it: `""` for the empty group (a capturing group that took no part in the match). */
export const groupLabel = (group: string) => (group === "" ? '""' : shown(group));

/** What a safety rule's keep rests on, for the POLICY column (an in-use row's workloads go under it: workloadNote). */
function keptBy(line: ImageLine, repo: RepositoryReport): string {
  if (line.reason.startsWith("in-use:")) return line.workloads?.length ? "" : "a workload";
  switch (line.reason) {
    case "member-of-kept":
      return line.unitOf ? "" : "held by a kept image";
    case "cap-exceeded":
      return repo.capExceeded ? `max_deletions ${repo.capExceeded.cap}` : "max_deletions";
    case "in-use-unknown":
      return "an in-use source could not be read";
    case "window-unknown":
      return "a channel image has no push time";
    case "unknown-push-time":
      return "ECR gave no push time";
    case "unit-activating":
      return "its unit is being restored";
    case "holder-unreadable":
      return "an archived index may hold it";
    case "changed-since-plan":
      return "changed since the plan";
    case "not-in-plan":
      return "not in the plan file";
    case "restored":
      return "restored within keep_restored_for";
    default:
      return "";
  }
}

/** [REASON, POLICY] for a line. */
export function why(line: ImageLine, repo: RepositoryReport, number: PolicyNumber): [string, string] {
  if (line.reason === "untouched") return ["untouched", "-"];
  // A member is listed under the image that holds it: its row says no more.
  if (line.reason === "member-of-deleted" || line.reason === "member-of-archived") return [line.reason, ""];
  if (line.reason === "archived-expired") return [line.reason, "settings.archive.delete_after"];
  if (line.action === "keep" && isSafetyKeep(line)) return [line.reason, keptBy(line, repo)];
  // A policy votes delete; the decision archives when an archive policy voted.
  const verdict = line.action === "archive" ? "delete" : line.action;
  const deciding = line.policies.filter((p) => p.verdict === verdict).sort((a, b) => byNumber(number)(a.policy, b.policy));
  if (!deciding.length) return [line.reason, ""];
  // A grouped policy's number is followed by the group that decided (`#2 api`; `#2 ""` for the empty group), shortened
  // as a tag is: a group is as long as the tag it comes from (up to 300 characters); the legend and the JSON name it whole.
  const label = (p: ImageLine["policies"][number]) => (p.group === undefined ? number(p.policy) : `${number(p.policy)} ${shorten(groupLabel(p.group), LONGEST_GROUP)}`);
  return [[...new Set(deciding.map((p) => p.reason))].join(", "), deciding.map(label).join(",")];
}
