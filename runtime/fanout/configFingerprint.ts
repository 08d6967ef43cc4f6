/**
 * A fingerprint of the policies and settings a phase read from the function's environment. The prepare step stores
 * it; a worker refuses when its own differs (a deployment changed the policies mid-run), so that one run's batches
 * never decide with two sets of policies.
 */
import { createHash } from "node:crypto";
import type { Config } from "../config/schema";

export function configFingerprint(config: Config): string {
  return createHash("sha256").update(JSON.stringify(config)).digest("hex");
}
