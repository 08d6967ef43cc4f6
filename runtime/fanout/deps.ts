/** What the fan-out handler and its worker take from the world: the environment, the AWS clients, the clock. */
import type { S3Client } from "@aws-sdk/client-s3";
import type { AwsClients } from "../ecr/client";

export interface FanOutDeps {
  /** Read at each invocation. */
  env(): NodeJS.ProcessEnv;
  clients(): AwsClients;
  s3(): S3Client;
  clock(): Date;
}
