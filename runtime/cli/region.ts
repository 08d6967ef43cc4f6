/** The region every CLI command needs before it calls AWS: none is a usage error (exit 2), with one message. */
import type { AwsClients } from "../ecr/client";

export const NO_REGION = "no AWS region: pass --region or set AWS_REGION (or a region in your AWS profile)";

/** The region the SDK's chain resolves for these clients, or undefined when it resolves none. */
export async function resolvedRegion(clients: AwsClients): Promise<string | undefined> {
  try {
    return await clients.ecr.config.region();
  } catch {
    return undefined;
  }
}

export const NO_CREDENTIALS =
  "no AWS credentials: set AWS_PROFILE (after `aws sso login` for an SSO profile), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or task role provides them";

/**
 * What stops every AWS call before the first one: no region, or no credentials the SDK's chain can find. Both are
 * usage errors (exit 2, nothing done), each with what to set. Undefined when both are there.
 */
export async function missingSetup(clients: AwsClients): Promise<string | undefined> {
  if ((await resolvedRegion(clients)) === undefined) return NO_REGION;
  try {
    await clients.ecr.config.credentials();
  } catch (err) {
    return `${NO_CREDENTIALS} (${(err as Error).message.split("\n")[0]})`;
  }
  return undefined;
}
