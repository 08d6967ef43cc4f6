/**
 * The cursor of single-function mode (issue 5): the first repository a run did not reach before the function's
 * timeout, kept in an SSM String parameter that the component creates. The next run starts there and wraps around,
 * so no repository is starved. A run that reached every repository puts the parameter back to CURSOR_START.
 */
import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { errorCode, errorMessage } from "../shared/errors";

/** The parameter's value meaning "from the first repository" (SSM refuses an empty value; no repository has this name). */
export const CURSOR_START = "(start)";

export interface StoredCursor {
  /** Where this run starts; undefined means the first repository. */
  startAt?: string;
  /** The value read, so that an unchanged cursor is not written again; undefined when it could not be read. */
  stored?: string;
  /** Why the run starts from the first repository although a cursor may exist. */
  warning?: string;
}

function describe(err: unknown): string {
  return `${errorCode(err)}: ${errorMessage(err)}`;
}

/** Reads the cursor; a parameter that cannot be read means "from the start", with a warning (the run still goes). */
export async function readCursor(ssm: SSMClient, name: string): Promise<StoredCursor> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name }));
    const value = out.Parameter?.Value;
    return { startAt: value && value !== CURSOR_START ? value : undefined, stored: value };
  } catch (err) {
    return { warning: `cannot read the cursor from SSM parameter ${name} (${describe(err)}): this run starts at the first repository` };
  }
}

/** Stores where the next run starts (CURSOR_START when this run reached every repository); skips an unchanged value. */
export async function writeCursor(ssm: SSMClient, name: string, stored: string | undefined, next: string | undefined): Promise<void> {
  const value = next ?? CURSOR_START;
  if (value === stored) return;
  await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: "String", Overwrite: true }));
}
