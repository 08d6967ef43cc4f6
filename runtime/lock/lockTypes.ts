/** The run lock's records and results (runtime/lock/runLock.ts), without the S3 client. */
export interface LockRecord {
  /** The run that took it: the execution's name in fan-out mode, the invocation's request id otherwise. */
  owner: string;
  takenAt: string;
  /** After this, another run may take it over. */
  expiresAt: string;
  released?: boolean;
}

export interface HeldLock {
  owner: string;
  etag: string;
  takenAt: string;
  expiresAt: string;
}

export type TakeResult = { taken: true; lock: HeldLock } | { taken: false; reason: string };
