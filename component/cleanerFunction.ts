/**
 * The cleaner function and what is its own: `${name}-role` (with `${name}-vpc-policy` in a VPC), `${name}-function`
 * running the bundled handler, its log group `${name}-logs`, and `${name}-invoke-config` (Lambda's asynchronous
 * retries off).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedArgs } from "./args";
import { HANDLER, handlerArchive, LAMBDA_RUNTIME } from "./bundle";
import { serviceRole } from "./iam";
import { vpcPlacement } from "./vpc";

export interface CleanerFunction {
  role: aws.iam.Role;
  fn: aws.lambda.Function;
  logGroup: aws.cloudwatch.LogGroup;
  invokeConfig: aws.lambda.FunctionEventInvokeConfig;
}

export interface CleanerFunctionArgs {
  /** What the role's description says the function does to images, such as "delete". */
  imageVerbs: string;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export function createCleanerFunction(name: string, a: ResolvedArgs, args: CleanerFunctionArgs, parent: pulumi.Resource): CleanerFunction {
  const role = serviceRole(`${name}-role`, {
    service: "lambda.amazonaws.com",
    name: a.roleName,
    description: `ecr-cleanup function of ${name}: ${args.imageVerbs} images in the repositories its policies govern`,
    tags: a.tags,
  }, parent);

  const placement = a.vpcSubnetIds && a.vpcSecurityGroupIds ? { subnetIds: a.vpcSubnetIds, securityGroupIds: a.vpcSecurityGroupIds } : undefined;
  const vpc = vpcPlacement(name, placement, role, parent);

  const fn = new aws.lambda.Function(`${name}-function`, {
    description: `ecr-cleanup (${name}): deletes stale ECR images by retention policy`,
    runtime: LAMBDA_RUNTIME,
    handler: HANDLER,
    code: handlerArchive(a.fanOut ? "fanOut" : a.reservedConcurrency ? "single" : "locked"),
    role: role.arn,
    architectures: [a.architecture],
    timeout: a.timeout,
    memorySize: a.memorySize,
    // Runs never overlap: one invocation at a time, or in fan-out mode as many as the Map runs at once (the run lock
    // keeps runs apart). Another invocation is throttled. Without a reservation, the run lock keeps runs apart.
    reservedConcurrentExecutions: a.reservedConcurrency ? (a.fanOut ? a.fanOutConcurrency : 1) : undefined,
    environment: { variables: args.environment },
    vpcConfig: vpc.vpcConfig,
    tags: a.tags,
  }, { parent, dependsOn: vpc.needs });
  return { role, fn, ...functionSurroundings(name, a, fn, parent) };
}

function functionSurroundings(name: string, a: ResolvedArgs, fn: aws.lambda.Function, parent: pulumi.Resource) {
  // Created by the component (the role may not create log groups), so none is orphaned on destroy.
  const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, {
    name: pulumi.interpolate`/aws/lambda/${fn.name}`,
    retentionInDays: a.logRetentionDays,
    tags: a.tags,
  }, { parent });
  // The schedule's retry policy decides; Lambda's own asynchronous retries would re-run a failed run at once.
  const invokeConfig = new aws.lambda.FunctionEventInvokeConfig(`${name}-invoke-config`, {
    functionName: fn.name,
    maximumRetryAttempts: 0,
  }, { parent });
  return { logGroup, invokeConfig };
}
