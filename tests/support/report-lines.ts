/** What the end-to-end tests read of the CLI's JSON report, and the tags they seed. */

/** An image line of the JSON report, as far as the tests read it. */
export interface JsonLine {
  digest: string;
  action: string;
  reason: string;
  outcome?: string;
  unitOf?: string;
}

/** cosign's tag for a signature (attestation, SBOM) of `digest`. */
export const cosignTag = (digest: string, kind: "sig" | "att" | "sbom" = "sig") => `${digest.replace(":", "-")}.${kind}`;
