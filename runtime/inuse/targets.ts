/**
 * Where the in-use sources are read: every account (the registry's own, and each role of settings.in_use.accounts)
 * in every region (the registry's own, and settings.in_use.regions). Each target carries the SDK settings its
 * clients are made with: the registry's own account uses the SDK's standard credential chain; another account,
 * credentials from STS AssumeRole (with its external id), assumed once per run and shared by every client there.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { accountOfRole, InUseAccount, InUseSettings } from "../config/inUseSettings";
import type { RegistryId } from "./reference";

/** The settings every SDK client of the run starts from (endpoint, retries, timeouts; credentials in tests). */
export interface SdkConfig {
  region?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  maxAttempts?: number;
  [setting: string]: unknown;
}

export interface Target {
  account: string;
  region: string;
  /** `ACCOUNT/REGION`, the prefix of the workloads read here, or "" in the registry's own account and region. */
  prefix: string;
  /** Set for another account: the role assumed there. */
  role?: InUseAccount;
  /** What this target's clients are made with: region and credentials set. */
  config: SdkConfig;
}

/** The role session's name, as CloudTrail shows it in the other account. */
export const ROLE_SESSION_NAME = "ecr-cleanup-in-use";
const SESSION_SECONDS = 3600;
/** Credentials this close to their expiry are assumed again (a long run outlives one session). */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * Credentials of a role, from STS AssumeRole through `base` (the run's own credentials), in `region`'s STS endpoint.
 * Assumed on first use and again near expiry, never more often: every client of the account shares the provider.
 * The STS client is loaded only when some account is configured.
 */
export function assumedRole(account: InUseAccount, base: SdkConfig, region: string): AwsCredentialIdentityProvider {
  let pending: Promise<AwsCredentialIdentity> | undefined;
  let expiresAt: number | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    const { STSClient, AssumeRoleCommand } = await import("@aws-sdk/client-sts");
    const sts = new STSClient({ ...base, region });
    try {
      const out = await sts.send(new AssumeRoleCommand({
        RoleArn: account.roleArn,
        RoleSessionName: ROLE_SESSION_NAME,
        DurationSeconds: SESSION_SECONDS,
        ...(account.externalId === undefined ? {} : { ExternalId: account.externalId }),
      }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS AssumeRole of ${account.roleArn} returned no credentials`);
      expiresAt = c.Expiration?.getTime();
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    } finally {
      sts.destroy();
    }
  };
  // Synchronous check and set: callers at the same moment share one AssumeRole call. A failure stays the run's
  // answer (the SDK has retried it already); the account is then reported as unreadable.
  return () => {
    if (!pending || (expiresAt !== undefined && expiresAt - Date.now() <= REFRESH_BEFORE_MS)) {
      expiresAt = undefined;
      pending = assume();
    }
    return pending;
  };
}

/** Every account and region the sources are read in: the registry's own first, then regions, then accounts, sorted. */
export function targetsOf(inUse: InUseSettings, registry: RegistryId, base: SdkConfig): Target[] {
  const regions = [registry.region, ...(inUse.regions ?? []).filter((r) => r !== registry.region).sort()];
  const accounts: { account: string; role?: InUseAccount; credentials?: SdkConfig["credentials"] }[] = [{ account: registry.account, credentials: base.credentials }];
  for (const role of [...inUse.accounts].sort((a, b) => (a.roleArn < b.roleArn ? -1 : 1))) {
    accounts.push({ account: accountOfRole(role.roleArn) ?? "unknown", role, credentials: assumedRole(role, base, registry.region) });
  }
  const targets: Target[] = [];
  for (const { account, role, credentials } of accounts) {
    for (const region of regions) {
      const own = account === registry.account && region === registry.region && !role;
      const config: SdkConfig = { ...base, region };
      if (credentials) config.credentials = credentials;
      targets.push({ account, region, prefix: own ? "" : `${account}/${region}`, ...(role ? { role } : {}), config });
    }
  }
  return targets;
}

/** Where a target is, for messages: `account 123456789012 in us-east-1 (role arn:…)`. */
export function targetText(target: Target): string {
  return `account ${target.account} in ${target.region}${target.role ? ` (through role ${target.role.roleArn})` : ""}`;
}
