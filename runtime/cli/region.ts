/**
 * What every CLI command needs before it calls AWS: a region and credentials. None is a usage error (exit 2, nothing
 * done), with what to set; credentials whose source did not answer (a credential_process that hangs, an STS that
 * stalls) are a failure (exit 1), naming what did not answer.
 */
import type { AwsClients } from "../ecr/client";
import { credentialsDeadlineMs, DEADLINE_ERROR, withinDeadline } from "../shared/deadline";
import { errorMessage, firstLine, isNetworkFailure } from "../shared/errors";

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

/** Why a command cannot call AWS, and its exit code. */
export interface SetupProblem {
  message: string;
  exitCode: 1 | 2;
}

/** Where the SDK's chain looks for credentials in this environment, past the environment variables: what may not answer. */
export function credentialSources(env: NodeJS.ProcessEnv = process.env): string {
  const profile = env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE ?? "default";
  const sources = [`profile ${profile}'s credential_process, SSO or source role`];
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) sources.push(`STS AssumeRoleWithWebIdentity${env.AWS_ROLE_ARN ? ` of ${env.AWS_ROLE_ARN}` : ""}`);
  const container = env.AWS_CONTAINER_CREDENTIALS_FULL_URI || env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  sources.push(container ? "the container credentials endpoint" : "the instance metadata service");
  return `the SDK's credential chain (${sources.join(", then ")})`;
}

/** The chain did not answer within its deadline (a TimeoutError: a failure to reach, not an absence). */
class CredentialsTimeout extends Error {
  override name = DEADLINE_ERROR;
}

/**
 * Resolves the credentials once, within credentialsDeadlineMs, and has every other client of the command share them
 * (sdkConfig.credentials) under the same deadline, so that no client starts the chain (a credential_process) again
 * with none. Throws what the chain threw, or a TimeoutError naming the chain.
 */
export async function resolveCredentials(clients: AwsClients): Promise<void> {
  const chain = clients.ecr.config.credentials;
  const what = credentialSources();
  const ms = credentialsDeadlineMs();
  const bounded = () => withinDeadline(chain(), ms, () => new CredentialsTimeout(`${what} did not answer within ${ms} ms; abandoned`));
  await bounded();
  clients.sdkConfig.credentials = bounded;
}

/** What a failure to resolve the credentials means: none found (exit 2), or a source that did not answer (exit 1). */
export function credentialsProblem(err: unknown): SetupProblem {
  // The chain's own deadline names what did not answer; no network hint about the region or AWS_ENDPOINT_URL.
  if (err instanceof CredentialsTimeout) return { message: `cannot resolve AWS credentials: ${firstLine(err.message)}`, exitCode: 1 };
  if (isNetworkFailure(err)) return { message: `cannot resolve AWS credentials: ${errorMessage(err)}`, exitCode: 1 };
  return { message: `${NO_CREDENTIALS} (${errorMessage(err)})`, exitCode: 2 };
}

/** What stops every AWS call before the first one (no region, no credentials, credentials that did not answer). */
export async function missingSetup(clients: AwsClients): Promise<SetupProblem | undefined> {
  if ((await resolvedRegion(clients)) === undefined) return { message: NO_REGION, exitCode: 2 };
  try {
    await resolveCredentials(clients);
  } catch (err) {
    const problem = credentialsProblem(err);
    return { ...problem, message: problem.exitCode === 1 ? `${problem.message}; nothing was done` : problem.message };
  }
  return undefined;
}
