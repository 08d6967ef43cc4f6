/**
 * A worker's refusal: thrown before anything is deleted, so that the Map records the batch as failed (error
 * `BatchRefused`, not one of the Lambda errors the state machine retries) and the aggregate step reports it.
 */
export class BatchRefused extends Error {
  override readonly name = "BatchRefused";
}

/** Step Functions keeps a Cause of up to 32 KiB; a reason that echoes a hostile event stays well below. */
const MAX_REASON = 2000;

export function refuse(reason: string): never {
  const bounded = reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}…` : reason;
  throw new BatchRefused(`refused, nothing deleted: ${bounded}`);
}
