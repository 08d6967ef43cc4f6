/**
 * The bearer token that EKS clusters accept, made exactly as `aws eks get-token` makes it: a presigned STS
 * `GetCallerIdentity` URL (GET, `X-Amz-Expires=60`, the cluster's name in the signed `x-k8s-aws-id` header, which
 * stays a header), base64url-encoded without padding and prefixed `k8s-aws-v1.`. The cluster's authenticator
 * replays the URL against STS with that header to learn who the caller is; STS honours it for 15 minutes after
 * `X-Amz-Date` whatever `X-Amz-Expires` says (aws-iam-authenticator, pkg/token).
 */
import { Sha256 } from "@smithy/core/checksum";
import { escapeUri, HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";

export const TOKEN_PREFIX = "k8s-aws-v1.";
export const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/** What `aws eks get-token` sets; STS ignores it (the URL is good for 15 minutes), the authenticator wants 0..900. */
export const PRESIGN_EXPIRES_SECONDS = 60;
/** How long the token is good for after it is signed (aws-iam-authenticator's presignedURLExpiration). */
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

/** The signing credentials: the same ones the EKS client of that account and region uses. */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface TokenInput {
  clusterName: string;
  region: string;
  credentials: SigningCredentials;
  /** When the URL is signed; now by default. */
  signingDate?: Date;
}

/** STS's regional endpoint host, as `aws eks get-token` (AWS CLI v2) signs for it; `.cn` in the China partition. */
export function stsHost(region: string): string {
  return `sts.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

/** The presigned `GetCallerIdentity` URL the token carries. */
export async function presignedCallerIdentityUrl(input: TokenInput): Promise<string> {
  const signer = new SignatureV4({ service: "sts", region: input.region, credentials: input.credentials, sha256: Sha256 });
  const host = stsHost(input.region);
  const request = new HttpRequest({
    method: "GET",
    protocol: "https:",
    hostname: host,
    path: "/",
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
    headers: { host, [CLUSTER_ID_HEADER]: input.clusterName },
  });
  const signed = await signer.presign(request, {
    expiresIn: PRESIGN_EXPIRES_SECONDS,
    signingDate: input.signingDate ?? new Date(),
    // Signed, but sent as a header: the authenticator adds it back when it replays the URL.
    unhoistableHeaders: new Set([CLUSTER_ID_HEADER]),
  });
  return `https://${host}/?${queryString(signed.query as Record<string, string>)}`;
}

/** `k8s-aws-v1.` and the presigned URL in unpadded base64url. */
export async function eksToken(input: TokenInput): Promise<string> {
  return TOKEN_PREFIX + Buffer.from(await presignedCallerIdentityUrl(input), "utf8").toString("base64url");
}

// botocore's order (`aws eks get-token`): the request's own parameters, then the signing parameters as it adds them.
const QUERY_ORDER = [
  "Action",
  "Version",
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-SignedHeaders",
  "X-Amz-Security-Token",
  "X-Amz-Signature",
];

function queryString(query: Record<string, string>): string {
  const unexpected = Object.keys(query).filter((k) => !QUERY_ORDER.includes(k));
  if (unexpected.length > 0) throw new Error(`the signer added query parameters the token does not carry: ${unexpected.join(", ")}`);
  return QUERY_ORDER.filter((k) => query[k] !== undefined).map((k) => `${k}=${escapeUri(query[k])}`).join("&");
}
