/** A configuration error: names the file, the policy (by index and name) and the field, for each problem found. */

export interface ConfigIssue {
  /** 0-based position of the policy in the file; absent for file-level and settings problems. */
  policyIndex?: number;
  policyName?: string;
  /** The field as the user spelled it (`protected_period` in YAML, `protectedPeriod` in the component). */
  field?: string;
  message: string;
}

type Show = (text: string) => string;
const asIs: Show = (text) => text;

/** `show` filters the names (the CLI escapes control characters with it), `showMessage` the message. */
export function describeIssue(issue: ConfigIssue, show: Show = asIs, showMessage: Show = show): string {
  const where: string[] = [];
  if (issue.policyIndex !== undefined) {
    const name = issue.policyName ? ` "${show(issue.policyName)}"` : "";
    where.push(`policy #${issue.policyIndex + 1}${name}`);
  }
  if (issue.field) where.push(`field ${show(issue.field)}`);
  const message = showMessage(issue.message);
  return where.length ? `${where.join(", ")}: ${message}` : message;
}

/** One line per issue (a YAML error's message spans several), each naming the source. */
export function issueLines(source: string, issues: readonly ConfigIssue[], show: Show = asIs, showMessage: Show = show): string {
  return issues.map((issue) => `${show(source)}: ${describeIssue(issue, show, showMessage)}`).join("\n");
}

export class ConfigError extends Error {
  constructor(
    /** The file (or other source, such as an environment variable) the configuration came from. */
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(issueLines(source, issues));
    this.name = "ConfigError";
  }
}
