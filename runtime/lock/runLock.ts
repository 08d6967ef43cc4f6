/**
 * A lock that keeps runs apart even when two start at the same moment (issue 13): one JSON object in the component's
 * bucket, written only with S3's conditional writes, so that of two runs that try at once exactly one wins.
 * - take: create the object with `If-None-Match: *`; when it exists but is released or expired (older than its
 *   lifetime, which is longer than a run can last), overwrite it with `If-Match: <its ETag>`, so that of two runs
 *   taking over the same stale lock only one succeeds. A 412 (PreconditionFailed: someone else wrote first) or a 409
 *   (ConditionalRequestConflict: a concurrent write) sends the taker back to read the object again.
 * - held: a run checks before it deletes that the object still names it with the ETag it wrote.
 * - release: overwrite it as released with `If-Match: <the ETag the run wrote>`: a lock taken over since is
 *   someone else's and stays as it is. There is no delete: the object stays, released, for the next run.
 * A run that cannot take the lock deletes nothing and says who holds it.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { conditionalWriteRefused, errorCode, errorMessage, httpStatusOf } from "../shared/errors";

import { LOCK_KEY } from "./lockKey";
import type { HeldLock, LockRecord, TakeResult } from "./lockTypes";

export { LOCK_KEY };
export type { HeldLock, LockRecord, TakeResult };

export interface LockPlace {
  s3: S3Client;
  bucket: string;
  key?: string;
}


/** Tries before giving up when other writers keep changing the object (409s and 412s). */
const ATTEMPTS = 6;
const CONFLICT_PAUSE_MS = 50;

const keyOf = (place: LockPlace) => place.key ?? LOCK_KEY;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The conditional write lost (412) or collided with another (409), or the lock it replaced is gone: read again and decide again. */
function lostTheRace(err: unknown): boolean {
  return conditionalWriteRefused(err) || errorCode(err) === "NoSuchKey";
}

interface Current {
  record: LockRecord;
  etag: string;
}

async function readLock(place: LockPlace): Promise<Current | undefined> {
  try {
    const out = await place.s3.send(new GetObjectCommand({ Bucket: place.bucket, Key: keyOf(place) }));
    const text = (await out.Body?.transformToString("utf8")) ?? "";
    if (!out.ETag) throw new Error(`s3://${place.bucket}/${keyOf(place)} has no ETag`);
    return { record: JSON.parse(text) as LockRecord, etag: out.ETag };
  } catch (err) {
    if (errorCode(err) === "NoSuchKey" || httpStatusOf(err) === 404) return undefined;
    throw err;
  }
}

function describeHolder(record: LockRecord): string {
  return `run ${JSON.stringify(record.owner)} holds the run lock since ${record.takenAt} (it expires at ${record.expiresAt})`;
}

function isFree(record: LockRecord, now: Date): boolean {
  const expires = Date.parse(record.expiresAt);
  return record.released === true || !Number.isFinite(expires) || expires <= now.getTime();
}

/** Takes the lock for `owner` for `lifetimeMs`, or says why not. Taking it again for the same owner (a retried step) keeps it. */
export async function takeLock(place: LockPlace, owner: string, lifetimeMs: number, clock: () => Date = () => new Date()): Promise<TakeResult> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await readLock(place);
    const now = clock();
    if (current && !current.record.released && current.record.owner === owner) {
      return { taken: true, lock: { owner, etag: current.etag, takenAt: current.record.takenAt, expiresAt: current.record.expiresAt } };
    }
    if (current && !isFree(current.record, now)) return { taken: false, reason: `another run is going: ${describeHolder(current.record)}` };
    const record: LockRecord = { owner, takenAt: now.toISOString(), expiresAt: new Date(now.getTime() + lifetimeMs).toISOString() };
    try {
      const out = await place.s3.send(new PutObjectCommand({
        Bucket: place.bucket,
        Key: keyOf(place),
        Body: JSON.stringify(record),
        ContentType: "application/json",
        ...(current ? { IfMatch: current.etag } : { IfNoneMatch: "*" }),
      }));
      if (!out.ETag) throw new Error(`S3 answered the lock's write without an ETag`);
      return { taken: true, lock: { owner, etag: out.ETag, takenAt: record.takenAt, expiresAt: record.expiresAt } };
    } catch (err) {
      if (!lostTheRace(err)) throw err;
      if (errorCode(err) === "ConditionalRequestConflict" || httpStatusOf(err) === 409) await pause(CONFLICT_PAUSE_MS * (attempt + 1));
    }
  }
  return { taken: false, reason: `the run lock kept changing under ${ATTEMPTS} attempts to take it: other runs are starting` };
}

/**
 * Whether the lock is still this run's (not released, not taken over): checked before deleting. Without an ETag (a
 * fan-out worker, which knows only its run), the owner decides: a takeover always writes another owner.
 */
export async function stillHeld(place: LockPlace, lock: { owner: string; etag?: string }): Promise<{ held: true } | { held: false; reason: string }> {
  const current = await readLock(place);
  if (!current) return { held: false, reason: "the run lock is gone" };
  if ((lock.etag === undefined || current.etag === lock.etag) && current.record.owner === lock.owner && !current.record.released) return { held: true };
  if (current.record.released) return { held: false, reason: "the run lock was released: this run has ended" };
  return { held: false, reason: `the run lock was taken over: ${describeHolder(current.record)}` };
}

/** Releases the lock if `owner` holds it (a fan-out run's last step, or its failure path), with If-Match on what it read. */
export async function releaseOwnLock(place: LockPlace, owner: string, clock: () => Date = () => new Date()): Promise<{ released: boolean; reason?: string }> {
  const current = await readLock(place);
  if (!current || current.record.owner !== owner) return { released: false, reason: "the run lock is not this run's: left as it is" };
  if (current.record.released) return { released: true };
  return releaseLock(place, { owner, etag: current.etag, takenAt: current.record.takenAt, expiresAt: current.record.expiresAt }, clock);
}

/** Releases the lock if it is still the one this run took; a lock taken over since is left alone. */
export async function releaseLock(place: LockPlace, lock: HeldLock, clock: () => Date = () => new Date()): Promise<{ released: boolean; reason?: string }> {
  const record: LockRecord & { releasedAt: string } = { owner: lock.owner, takenAt: lock.takenAt, expiresAt: lock.expiresAt, released: true, releasedAt: clock().toISOString() };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      await place.s3.send(new PutObjectCommand({ Bucket: place.bucket, Key: keyOf(place), Body: JSON.stringify(record), ContentType: "application/json", IfMatch: lock.etag }));
      return { released: true };
    } catch (err) {
      if (errorCode(err) === "ConditionalRequestConflict" || httpStatusOf(err) === 409) {
        await pause(CONFLICT_PAUSE_MS * (attempt + 1));
        continue;
      }
      if (lostTheRace(err)) return { released: false, reason: "the run lock is no longer this run's (taken over after it expired): left as it is" };
      return { released: false, reason: `cannot release the run lock: ${errorMessage(err)}` };
    }
  }
  return { released: false, reason: "cannot release the run lock: S3 kept answering 409 ConditionalRequestConflict" };
}
