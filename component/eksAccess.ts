/**
 * What the cleaner needs to read EKS clusters from the component's own account and region: for each cluster that
 * the eksClusters arg names by name, an EKS access entry for the function's role and the AmazonEKSViewPolicy
 * access policy associated with it at cluster scope (read-only: list pods and workload controllers, no secrets).
 * Clusters named by ARN get none (they may be in another account or region, where this provider cannot grant:
 * docs/eks.md says how). Children: `${name}-eks-${cluster}` and `${name}-eks-${cluster}-view`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { clustersToGrant } from "../runtime/iam/inUse";

export const EKS_VIEW_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";

export interface EksAccessArgs {
  /** The eksClusters arg: names, and ARNs (which get no access entry here). */
  clusters: readonly string[];
  principalArn: pulumi.Input<string>;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The access entries and policy associations; the first run waits for them (it would fail closed without). */
export function createEksAccess(name: string, args: EksAccessArgs, parent: pulumi.Resource): pulumi.Resource[] {
  return clustersToGrant(args.clusters).flatMap((cluster) => {
    const entry = new aws.eks.AccessEntry(`${name}-eks-${cluster}`, {
      clusterName: cluster,
      principalArn: args.principalArn,
      type: "STANDARD",
      tags: args.tags,
    }, { parent });
    const view = new aws.eks.AccessPolicyAssociation(`${name}-eks-${cluster}-view`, {
      clusterName: cluster,
      principalArn: entry.principalArn,
      policyArn: EKS_VIEW_POLICY_ARN,
      accessScope: { type: "cluster" },
    }, { parent });
    return [entry, view];
  });
}
