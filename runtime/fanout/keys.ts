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

export const RUNS_PREFIX = "runs";
/** The ResultWriter's prefix: Step Functions adds `/<map run id>/manifest.json` and the result files. */
export const RESULTS_PREFIX = "results";

/** Execution names that are safe as one key segment (Scheduler's and the console's are). */
const RUN_ID = /^[A-Za-z0-9_.-]{1,80}$/;

export function checkRunId(run: unknown): string {
  if (typeof run !== "string" || !RUN_ID.test(run) || run === "." || run === "..") {
    throw new Error(`not a run id (an execution name of letters, digits, _ . -): ${JSON.stringify(run)?.slice(0, 100)}`);
  }
  return run;
}

export const runKeys = (run: string) => {
  const folder = `${RUNS_PREFIX}/${run}`;
  return {
    /** What the prepare step stored: everything a worker decides with besides the policies. */
    stored: `${folder}/run.json`,
    items: `${folder}/items.json`,
    /** Written when the aggregate step starts: a batch invoked after it is a replay, and is refused. */
    aggregated: `${folder}/aggregated.json`,
    /** A batch's report, by the position of its first item. */
    report: (index: number) => `${folder}/reports/${index}.json`,
  };
};
