/**
 * An example Pulumi program: two repositories and the retention policies of the spec's example file
 * (examples/policies.yaml), declared in camelCase next to the repositories they govern. `Pulumi.yaml` at the
 * repository root runs it, so `pulumi preview` works from a clone with AWS credentials.
 *
 * In your own program, import the component from the package: `import { EcrCleanupPolicy } from "ecr-cleanup";`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EcrCleanupPolicy } from "../../component";

const config = new pulumi.Config();

const helloWorld = new aws.ecr.Repository("hello_world", { imageTagMutability: "MUTABLE", forceDelete: true });
const ignored = new aws.ecr.Repository("some_ignored_repository", { imageTagMutability: "MUTABLE", forceDelete: true });

const cleanup = new EcrCleanupPolicy("ecr-retention", {
  policies: [
    {
      name: "Flush untagged images older than 7 days, leave no less than 7 images",
      protectedPeriod: "7d",
      protectedCount: 7,
      significantTags: ["*"],
      protectedRepositories: [ignored.name],
    },
    {
      name: "Protect images created for a year since the last significant tag, leave no less than 13 images",
      protectedPeriod: "365d",
      protectedCount: 13,
      significantTags: ["dev", "rc", "prod", "latest"],
      repositories: [helloWorld.name],
    },
  ],
  // The first deployment only reports; read the report in the logs, then `pulumi config set dryRun false`.
  dryRun: config.getBoolean("dryRun") ?? true,
  alarmActions: config.get("alarmTopicArn") ? [config.require("alarmTopicArn")] : [],
  tags: { "managed-by": "pulumi", purpose: "ecr-retention" },
});

export const repositories = [helloWorld.name, ignored.name];
export const functionName = cleanup.functionName;
export const logGroupName = cleanup.logGroupName;
export const scheduleArn = cleanup.scheduleArn;
export const alarmArns = cleanup.alarmArns;
