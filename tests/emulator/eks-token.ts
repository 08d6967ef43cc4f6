/**
 * How an EKS cluster checks a bearer token, as the emulator's Kubernetes API servers do: the rules of
 * aws-iam-authenticator's verifier (pkg/token: prefix, unpadded base64url, https, an STS host, path `/`, only
 * its whitelisted query parameters and each once, Action=GetCallerIdentity, `x-k8s-aws-id` among the signed
 * headers, X-Amz-Expires 0..900, X-Amz-Date at most 15 minutes old), then what STS checks when the authenticator
 * replays the URL with `x-k8s-aws-id: <this cluster>`: the SigV4 query signature, recomputed here with the
 * emulator's known secret and written independently of the SDK's signer, so that a token signed wrongly, for
 * another cluster, with another secret or too long ago is refused.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export interface KnownCredentials {
  secretAccessKey: string;
  /** When set, the presigned URL must carry it (X-Amz-Security-Token). */
  sessionToken?: string;
}

export type TokenCheck = { ok: true; accessKeyId: string } | { ok: false; reason: string };

const PREFIX = "k8s-aws-v1.";
const WHITELIST = new Set([
  "action",
  "version",
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-security-token",
  "x-amz-signature",
  "x-amz-signedheaders",
]);
const STS_HOST = /^sts(?:\.([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/;
const LIFETIME_MS = 15 * 60 * 1000;
/** STS refuses a request signed further in the future than this (clock skew). */
const SKEW_MS = 5 * 60 * 1000;
const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

/** RFC 3986 encoding, as SigV4's canonical query wants it. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

export function checkEksToken(
  token: string,
  cluster: string,
  known: (accessKeyId: string) => KnownCredentials | undefined,
  now: Date,
): TokenCheck {
  const fail = (reason: string): TokenCheck => ({ ok: false, reason });
  if (!token.startsWith(PREFIX)) return fail(`token is missing expected "${PREFIX}" prefix`);
  const encoded = token.slice(PREFIX.length);
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) return fail("token is not unpadded base64url");
  let url: URL;
  try {
    url = new URL(Buffer.from(encoded, "base64url").toString("utf8"));
  } catch {
    return fail("token does not hold a URL");
  }
  if (url.protocol !== "https:") return fail(`unexpected scheme ${url.protocol} in pre-signed URL`);
  const host = STS_HOST.exec(url.host);
  if (!host) return fail(`unexpected host ${url.host} in pre-signed URL`);
  if (url.pathname !== "/") return fail("unexpected path in pre-signed URL");
  const params = new Map<string, string>();
  const raw = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    const lower = key.toLowerCase();
    if (!WHITELIST.has(lower)) return fail(`non-whitelisted query parameter ${key}`);
    if (params.has(lower)) return fail(`duplicate query parameter ${key}`);
    params.set(lower, value);
    raw.set(key, value);
  }
  if (params.get("action") !== "GetCallerIdentity") return fail("unexpected action parameter in pre-signed URL");
  if (params.get("version") !== "2011-06-15") return fail("unexpected version parameter in pre-signed URL");
  if (params.get("x-amz-algorithm") !== "AWS4-HMAC-SHA256") return fail("unexpected signing algorithm");
  const signedHeaders = (params.get("x-amz-signedheaders") ?? "").split(";");
  if (!signedHeaders.includes("x-k8s-aws-id")) return fail("client did not sign the x-k8s-aws-id header in the pre-signed URL");
  if (!signedHeaders.includes("host")) return fail("client did not sign the host header");
  const expires = Number(params.get("x-amz-expires"));
  if (!Number.isInteger(expires) || expires < 0 || expires > 900) return fail(`invalid X-Amz-Expires parameter in pre-signed URL: ${params.get("x-amz-expires")}`);
  const amzDate = params.get("x-amz-date") ?? "";
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) return fail("X-Amz-Date parameter must be present in pre-signed URL");
  if (now.getTime() > signedAt + LIFETIME_MS) return fail(`X-Amz-Date parameter is expired (15 minute expiration) ${amzDate}`);
  if (signedAt > now.getTime() + SKEW_MS) return fail(`X-Amz-Date ${amzDate} is in the future`);

  // What STS checks.
  const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator, ...extra] = (params.get("x-amz-credential") ?? "").split("/");
  const region = host[1] ?? "us-east-1";
  if (extra.length || scopeDate !== amzDate.slice(0, 8) || scopeRegion !== region || scopeService !== "sts" || terminator !== "aws4_request") {
    return fail("credential scope does not match the date, region and service");
  }
  const credentials = known(accessKeyId);
  if (!credentials) return fail(`unknown access key ${accessKeyId}`);
  if (credentials.sessionToken !== undefined && params.get("x-amz-security-token") !== credentials.sessionToken) return fail("invalid security token");
  const headerValues: Record<string, string> = { host: url.host, "x-k8s-aws-id": cluster };
  if (signedHeaders.some((h) => !(h in headerValues))) return fail(`signed header the authenticator does not send: ${signedHeaders.join(";")}`);
  const canonicalQuery = [...raw]
    .filter(([key]) => key !== "X-Amz-Signature")
    .map(([key, value]) => [encode(key), encode(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
  const canonicalRequest = [
    "GET",
    "/",
    canonicalQuery,
    ...signedHeaders.map((h) => `${h}:${headerValues[h]}`),
    "",
    signedHeaders.join(";"),
    EMPTY_SHA256,
  ].join("\n");
  const scope = `${scopeDate}/${region}/sts/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope, createHash("sha256").update(canonicalRequest).digest("hex")].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, scopeDate), region), "sts"), "aws4_request");
  const expected = Buffer.from(createHmac("sha256", key).update(stringToSign).digest("hex"));
  const given = Buffer.from(params.get("x-amz-signature") ?? "");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail("signature does not match (wrong secret, cluster or request)");
  return { ok: true, accessKeyId };
}
