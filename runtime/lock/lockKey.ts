/**
 * Where the run lock lives in the component's bucket (runtime/lock/runLock.ts); the component's IAM grants and bucket
 * policy name the prefix. No SDK import here.
 */
export const LOCK_PREFIX = "lock";
export const LOCK_KEY = `${LOCK_PREFIX}/run.json`;
