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
