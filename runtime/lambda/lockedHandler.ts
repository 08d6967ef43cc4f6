/**
 * The single-function handler for `reservedConcurrency: false`: the same handler (runtime/lambda/handler.ts) with the
 * run lock in S3, which keeps runs apart instead of a reservation. Its own bundle, so that the S3 client (about
 * 165 KB) weighs only on the deployments that use it.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { createClients, RETRY_SETTINGS } from "../ecr/client";
import { releaseLock, takeLock } from "../lock/runLock";
import { createHandler } from "./handler";
import { once } from "./once";

const s3 = once(() => new S3Client(RETRY_SETTINGS));
const clock = () => new Date();

export const handler = createHandler({
  env: () => process.env,
  clients: once(() => createClients()),
  ssm: once(() => new SSMClient(RETRY_SETTINGS)),
  runLock: (bucket) => ({
    take: (owner, lifetimeMs) => takeLock({ s3: s3(), bucket }, owner, lifetimeMs, clock),
    release: (lock) => releaseLock({ s3: s3(), bucket }, lock, clock),
  }),
  clock,
});
