/** What the fan-out handler and its worker take from the world: the environment, the AWS clients, the clock. */
import type { S3Client } from "@aws-sdk/client-s3";
import type { AwsClients } from "../ecr/client";
import type { ReportOutlets } from "../lambda/reportOutlets";

export interface FanOutDeps {
  /** Read at each invocation. */
  env(): NodeJS.ProcessEnv;
  clients(): AwsClients;
  s3(): S3Client;
  /** Where the run's report and notification go (the aggregate step); defaults to the S3 and SNS clients, loaded on first use. */
  reportOutlets?(): Promise<ReportOutlets>;
  clock(): Date;
}
