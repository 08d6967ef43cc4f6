/**
 * What fan-out mode's state machine (component/stateMachine.ts) and handler agree on: the phases the state machine
 * invokes the function in, and where the objects live in the component's bucket (Step Functions caps a state's
 * payload at 256 KiB, so lists and reports travel through S3). A run writes under `runs/<execution name>/`, the
 * Map's ResultWriter under `results/`; the component's IAM grants and bucket policy follow these prefixes. No SDK
 * import here.
 */
export const PREPARE = "prepare";
export const CLEAN = "clean";
export const AGGREGATE = "aggregate";
/** The state machine's failure path: releases the run lock, if this run holds it. */
export const RELEASE = "release";
/** The state machine's failure path after Clean or Aggregate failed: the run's report from what its batches recorded. */
export const FAILED = "failed";

export const RUNS_PREFIX = "runs";
/** The ResultWriter's prefix: Step Functions adds `/<map run id>/manifest.json` and the result files. */
export const RESULTS_PREFIX = "results";

/** Execution names that are safe as one key segment (Scheduler's and the console's are). */
const RUN_ID = /^[A-Za-z0-9_.-]{1,80}$/;
/** A worker's attempt: the batch's first position and a random UUID, so that a retried batch never overwrites. */
const ATTEMPT_ID = /^\d{1,9}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function checkRunId(run: unknown): string {
  if (typeof run !== "string" || !RUN_ID.test(run) || run === "." || run === "..") {
    throw new Error(`not a run id (an execution name of letters, digits, _ . -): ${JSON.stringify(run)?.slice(0, 100)}`);
  }
  return run;
}

export const isAttemptId = (attempt: unknown): attempt is string => typeof attempt === "string" && ATTEMPT_ID.test(attempt);

export const runKeys = (run: string) => {
  const folder = `${RUNS_PREFIX}/${run}`;
  const deletions = `${folder}/deletions/`;
  return {
    /** What the prepare step stored: everything a worker decides with besides the policies. */
    stored: `${folder}/run.json`,
    items: `${folder}/items.json`,
    /** Written when the aggregate step starts: a batch invoked after it is a replay, and is refused. */
    aggregated: `${folder}/aggregated.json`,
    /** Every attempt's batch report, `<attempt>.json` under it. */
    reports: `${folder}/reports/`,
    report: (attempt: string) => `${folder}/reports/${attempt}.json`,
    /** Every attempt's delete-call records, `<attempt>/...` under it. */
    deletions,
    deleteCall: (attempt: string, call: number) => `${deletions}${attempt}/call-${String(call).padStart(6, "0")}.json`,
    repositoryDeletions: (attempt: string, position: number) => `${deletions}${attempt}/repository-${position}.json`,
  };
};

/** The attempt a deletion record's key belongs to, or undefined for a key of another shape. */
export function attemptOfDeletionKey(run: string, key: string): string | undefined {
  const rest = key.startsWith(runKeys(run).deletions) ? key.slice(runKeys(run).deletions.length) : "";
  const attempt = rest.split("/")[0];
  return isAttemptId(attempt) ? attempt : undefined;
}
