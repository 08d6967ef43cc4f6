/**
 * Parses container image references (`host/repo:tag`, `host/repo@sha256:…`) as the container runtime reads
 * them, and recognises ECR registries.
 */

export interface ImageReference {
  host: string;
  repository: string;
  /** `latest` when the reference names neither a tag nor a digest, as the runtime pulls it. */
  tag?: string;
  /** Lower-case: digests compare case-insensitively, and ECR lists them in lower case. */
  digest?: string;
}

export interface RegistryId {
  account: string;
  region: string;
}

// Every ECR registry host form: standard, FIPS, dual-stack, China; the HTTPS port may be written out
// (`:443`), any other port is another registry.
const ECR_HOST = /^(\d{12})\.dkr[.-]ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws|api\.aws)(?::443)?$/i;

const DEFAULT_TAG = "latest";

export function parseImageReference(uri: string): ImageReference | undefined {
  const slash = uri.indexOf("/");
  if (slash <= 0) return undefined;
  const host = uri.slice(0, slash);
  let rest = uri.slice(slash + 1);
  const ref: ImageReference = { host, repository: "" };
  const at = rest.indexOf("@");
  if (at >= 0) {
    if (at + 1 < rest.length) ref.digest = rest.slice(at + 1).toLowerCase();
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    if (colon + 1 < rest.length) ref.tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!rest) return undefined;
  ref.repository = rest;
  // An empty tag or digest (`app:`, `app@`) counts as none: keeping `latest` too errs on the side of keeping.
  if (ref.tag === undefined && ref.digest === undefined) ref.tag = DEFAULT_TAG;
  return ref;
}

/** The ECR registry (account and region) a host names, or undefined for any other registry. */
export function ecrRegistryOf(host: string): RegistryId | undefined {
  const match = ECR_HOST.exec(host);
  return match ? { account: match[1], region: match[2].toLowerCase() } : undefined;
}

/** The account and region of a repository ARN (`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`). */
export function registryOfArn(arn: string): RegistryId | undefined {
  const parts = arn.split(":");
  return parts.length >= 6 && parts[2] === "ecr" ? { region: parts[3], account: parts[4] } : undefined;
}
