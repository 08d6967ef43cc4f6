/** Parses container image references (`host/repo:tag`, `host/repo@sha256:…`) and recognises ECR registries. */

export interface ImageReference {
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export interface RegistryId {
  account: string;
  region: string;
}

// Every ECR registry host form: standard, FIPS, dual-stack, China.
const ECR_HOST = /^(\d{12})\.dkr[.-]ecr(?:-fips)?\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|on\.aws|api\.aws)$/i;

export function parseImageReference(uri: string): ImageReference | undefined {
  const slash = uri.indexOf("/");
  if (slash <= 0) return undefined;
  const host = uri.slice(0, slash);
  let rest = uri.slice(slash + 1);
  const ref: ImageReference = { host, repository: "" };
  const at = rest.indexOf("@");
  if (at >= 0) {
    ref.digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    ref.tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!rest) return undefined;
  ref.repository = rest;
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
