/**
 * What the cleaner function may do, and what lets it in: its inline policy `${name}-policy` (component/iam.ts), its
 * image grants `${name}-repositories-<n>` with their `-attachment` (component/repositoryPolicies.ts), its pull-time
 * update exclusion `${name}-pull-time-exclusion` (its inline policy also lets it write the runs' reports and publish
 * their notifications: component/runReports.ts), the run lock bucket's policy in single-function mode, and its EKS
 * access entries. All of them must exist before the first run.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Config } from "../runtime/config/schema";
import type { ResolvedArgs } from "./args";
import type { CleanerFunction } from "./cleanerFunction";
import { createEksAccess } from "./eksAccess";
import { createRunsBucketPolicy } from "./fanout";
import type { AccountScope } from "./grant";
import { cleanerPolicyDocument, inlinePolicySizeProblem } from "./iam";
import { configSource } from "./policyConfig";
import { createRepositoryPolicies, RepositoryGrant } from "./repositoryPolicies";
import type { RunReports } from "./runReports";
import type { RunState } from "./runState";

export interface CleanerPermissionsArgs {
  scope: pulumi.Output<AccountScope>;
  config: pulumi.Output<Config>;
  cleaner: CleanerFunction;
  state: RunState;
  imageGrants: RepositoryGrant[];
  reports: RunReports;
}

/** Creates the grants; returns every resource the first run needs. */
export function grantCleaner(name: string, a: ResolvedArgs, args: CleanerPermissionsArgs, parent: pulumi.Resource): pulumi.Resource[] {
  const { scope, cleaner: { role }, state: { runs } } = args;
  const rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, {
    role: role.id,
    policy: pulumi.all([scope, args.config, args.cleaner.logGroup.arn, args.state.cursor?.arn, runs?.bucket.arn, args.reports.bucketArn, args.reports.topic?.arn]).apply(
      ([s, config, logGroupArn, cursorParameterArn, bucketArn, reportsBucketArn, notificationTopicArn]) => {
        const document = cleanerPolicyDocument({
          scope: s,
          policies: config.policies,
          settings: config.settings,
          logGroupArn,
          cursorParameterArn,
          fanOutBucketArn: a.fanOut ? bucketArn : undefined,
          lockBucketArn: bucketArn,
          reportsBucketArn,
          notificationTopicArn,
        });
        const problem = inlinePolicySizeProblem(document);
        if (problem) throw new pulumi.ResourceError(`${configSource(name)}: ${problem}`, parent);
        return document;
      },
    ),
  }, { parent });
  const repositoryAttachments = createRepositoryPolicies(name, {
    scope,
    role,
    grants: args.imageGrants,
    source: configSource(name),
    tags: a.tags,
  }, parent);

  const needs: pulumi.Resource[] = [rolePolicy, ...repositoryAttachments];
  if (a.excludeFromPullTime) {
    // The cleaner's own manifest reads (BatchGetImage) must never make an image look recently pulled.
    needs.push(new aws.ecr.PullTimeUpdateExclusion(`${name}-pull-time-exclusion`, { principalArn: role.arn }, { parent }));
  }
  if (runs && !a.fanOut) needs.push(createRunsBucketPolicy(name, runs, role.arn, undefined, parent));
  // Without an access entry a named cluster refuses the token, and the run fails closed.
  if (a.inUseEks && a.eksClusters) needs.push(...createEksAccess(name, { clusters: a.eksClusters, principalArn: role.arn, tags: a.tags }, parent));
  return needs;
}
