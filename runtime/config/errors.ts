/** A configuration error: names the file, the policy (by index and name) and the field, for each problem found. */

export interface ConfigIssue {
  /** 0-based position of the policy in the file; absent for file-level and settings problems. */
  policyIndex?: number;
  policyName?: string;
  /** The field as the user spelled it (`protected_period` in YAML, `protectedPeriod` in the component). */
  field?: string;
  message: string;
}

export function describeIssue(issue: ConfigIssue): string {
  const where: string[] = [];
  if (issue.policyIndex !== undefined) {
    const name = issue.policyName ? ` "${issue.policyName}"` : "";
    where.push(`policy #${issue.policyIndex + 1}${name}`);
  }
  if (issue.field) where.push(`field ${issue.field}`);
  return where.length ? `${where.join(", ")}: ${issue.message}` : issue.message;
}

export class ConfigError extends Error {
  constructor(
    /** The file (or other source, such as an environment variable) the configuration came from. */
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(issues.map((issue) => `${source}: ${describeIssue(issue)}`).join("\n"));
    this.name = "ConfigError";
  }
}
