/**
 * Settling a call whose answer was lost, or that neither confirmed nor refused an image: the images are described
 * again (whatever their status: absence from a description by digest counts only once a listing confirms it), and
 * what they are now says what the call did. The reading of that description is pure, so it is tested on its own.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import { describeAnyStatus } from "../../ecr/describe";
import type { ImageRecord } from "../../planner/types";
import { isDeadlineExpiry } from "../../shared/deadline";
import { errorCode, errorMessage } from "../../shared/errors";
import type { Outcome } from "./types";

/** What a call did to one image, and the run error it is (when it is one). */
export interface Verdict {
  digest: string;
  outcome: Outcome;
  error?: { code: string; message: string };
}

/** Rounds of describing again (each with the SDK's own retries) before an outcome is left unconfirmed. */
const SETTLE_ROUNDS = 3;
const SETTLE_PAUSE_MS = 250;

/** What is still there, asked again after a pause when the SDK's retries ran out (throttling, a network blip). */
export async function describeAgain(client: ECRClient, repository: string, digests: readonly string[]): Promise<Map<string, ImageRecord>> {
  for (let round = 1; ; round++) {
    try {
      return await describeAnyStatus(client, repository, digests);
    } catch (err) {
      // Rounds are for throttling and blips: an endpoint that let every attempt expire is not asked again.
      if (round >= SETTLE_ROUNDS || isDeadlineExpiry(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS * round));
    }
  }
}

/** What describing images again found: the digests present now, or the error it ended with. */
export type Described = { present: ReadonlySet<string> } | { error: unknown };

/**
 * Deletions the call's answer did not settle (`callError`: the call failed, so none was answered), given what describing
 * them again found: whatever is gone now, the call deleted.
 */
export function settledDeletes(silent: readonly string[], callError: unknown, described: Described): Verdict[] {
  const why = callError ? `the delete call failed (${errorCode(callError)})` : "the delete call neither confirmed nor refused it";
  if ("error" in described) {
    return silent.map((digest) => ({
      digest,
      outcome: { outcome: "unconfirmed", failure: { code: errorCode(described.error), reason: why } },
      error: { code: "DeleteUnconfirmed", message: `${why} for ${digest}, and describing it again failed (${errorMessage(described.error)}): it may or may not be deleted` },
    }));
  }
  return silent.map((digest): Verdict => {
    if (!described.present.has(digest)) return { digest, outcome: { outcome: "deleted" } };
    // After a failed call the repository's error says why; a silent answer is this image's own failure.
    if (callError) return { digest, outcome: { outcome: "failed", failure: { code: errorCode(callError), reason: why } } };
    return { digest, outcome: { outcome: "failed", failure: { code: "DeleteUnconfirmed", reason: "" } }, error: { code: "DeleteUnconfirmed", message: `${why} for ${digest}, which is still there` } };
  });
}

/**
 * An archive call that did not answer ARCHIVED (`callError`, or a status other than ARCHIVED), settled by what
 * describing the image again found (`now`; undefined when describing failed with `describeError`): archived is
 * archived; gone was deleted by someone since the re-check (not this run's doing: a change since the plan);
 * anything else failed, or is unconfirmed when the image could not be described.
 */
export function settledArchive(
  digest: string,
  callError: unknown,
  now: ReadonlyMap<string, ImageRecord> | undefined,
  describeError: unknown,
): "archived" | "vanished" | Verdict {
  const status = now?.get(digest)?.status;
  if (now && status === "ARCHIVED") return "archived";
  if (now && !now.has(digest)) return "vanished";
  const code = callError ? errorCode(callError) : now ? "ArchiveUnconfirmed" : errorCode(describeError);
  const why = callError ? errorMessage(callError) : `ECR answered status ${status ?? "unknown"}`;
  return { digest, outcome: { outcome: now ? "failed" : "unconfirmed", failure: { code, reason: why } }, error: { code, message: `ECR did not archive ${digest}: ${code} (${why})` } };
}
