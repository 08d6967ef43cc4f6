/**
 * Who the credentials are: STS GetCallerIdentity (which needs no permission) through the SDK's chain, with the run's
 * deadlines. `iam-policy` builds its ARNs from the answer; `doctor` reports it as its first check.
 */
import type { AccountScope } from "../iam/statement";
import type { SdkConfig } from "../inuse/targets";

export interface Caller extends AccountScope {
  /** The caller's ARN: a user, or an assumed role's session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`). */
  arn: string;
}

/** What to do when the credentials cannot be read or STS refuses them. */
export const NO_CREDENTIALS_HINT =
  "set AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; `aws sts get-caller-identity` should answer with the account to clean)";

/** The caller in `region`: its account, its ARN and the partition the ARN names; throws when STS cannot answer. */
export async function callerIn(config: SdkConfig, region: string): Promise<Caller> {
  const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  const sts = new STSClient({ ...config, region });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    const partition = out.Arn?.split(":")[1];
    if (!out.Account || !out.Arn || !partition) throw new Error("STS GetCallerIdentity answered without an account or ARN");
    return { partition, region, accountId: out.Account, arn: out.Arn };
  } finally {
    sts.destroy();
  }
}
