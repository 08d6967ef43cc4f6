/**
 * Stands in for @aws-sdk/credential-provider-node in the Lambda bundles only (component/bundle.ts aliases it).
 * Lambda hands a function its role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN,
 * so the rest of the default chain (SSO, profiles, web identity, IMDS, and the STS and SSO clients they bring) is
 * dead weight: about 120 KB of the bundle. The CLI keeps the full chain.
 */
import { fromEnv } from "@aws-sdk/credential-provider-env";

type Init = Parameters<typeof fromEnv>[0];

export const defaultProvider = (init?: Init) => fromEnv(init);

// The real module exports these too; the clients never call them.
export const credentialsWillNeedRefresh = () => false;
export const credentialsTreatedAsExpired = () => false;
