/**
 * A fingerprint of validated policies and settings. The fan-out's prepare step stores it (a worker refuses when its
 * own differs: a deployment changed the policies mid-run), and a plan file carries it (`ecr-cleanup apply --config`
 * refuses a plan made with other policies). Of the validated form, so that comments and layout do not count.
 */
import { createHash } from "node:crypto";
import type { Config } from "./schema";

export function configFingerprint(config: Config): string {
  return createHash("sha256").update(JSON.stringify(config)).digest("hex");
}
