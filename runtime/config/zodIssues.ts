/** zod's issues as one line for a refusal: each with its path, unknown fields by name. */
import type * as z from "zod/mini";

const MAX_ISSUES = 5;

export function describeIssues(error: z.core.$ZodError): string {
  const lines = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.map(String).join(".") || "(the whole value)";
    return issue.code === "unrecognized_keys" ? `${path}: unexpected field(s) ${issue.keys.join(", ")}` : `${path}: ${issue.message}`;
  });
  const more = error.issues.length > MAX_ISSUES ? `; and ${error.issues.length - MAX_ISSUES} more` : "";
  return lines.join("; ") + more;
}
