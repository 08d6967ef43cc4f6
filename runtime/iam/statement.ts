/** An IAM policy statement and document, and where a role acts: the parts every grant is built from. */

export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

/** Where the caller runs: the parts of an ARN. */
export interface AccountScope {
  partition: string;
  region: string;
  accountId: string;
}

export function policyDocument(statements: Statement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** One resource as a string, several as a list (as the documents have always been written). */
export const single = (resources: string[]): string | string[] => (resources.length === 1 ? resources[0] : resources);
