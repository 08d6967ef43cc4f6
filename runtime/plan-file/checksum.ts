/**
 * A plan file's checksum: SHA-256 of its JSON without the checksum field. It tells a plan edited, truncated or
 * mangled after it was written; it is no signature (anyone can compute it again), so the file's policies are only
 * trusted as far as `apply --config` checks them (docs/plans.md). The JSON text is that of the parsed values in
 * their order, so re-indenting the file does not change it, while any changed value, key or order does.
 */
import { createHash } from "node:crypto";

const PREFIX = "sha256:";

function checksumOf(body: object): string {
  return PREFIX + createHash("sha256").update(JSON.stringify(body)).digest("hex");
}

/** The plan as written: its body, then its checksum. */
export function sealPlan<Body extends object>(body: Body): Body & { checksum: string } {
  return { ...body, checksum: checksumOf(body) };
}

/** Whether a parsed file's checksum is that of the rest of it. */
export function checksumMatches(file: Record<string, unknown>): boolean {
  const { checksum, ...body } = file;
  return checksum === checksumOf(body);
}
