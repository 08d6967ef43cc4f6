/**
 * What the cleaner needs to read EKS clusters from the component's own account and region: for each cluster that
 * the eksClusters arg names by name, an EKS access entry for the function's role and the AmazonEKSViewPolicy
 * access policy associated with it at cluster scope (read-only: list pods and workload controllers, no secrets).
 * Clusters named by ARN get none (they may be in another account or region, where this provider cannot grant:
 * docs/eks.md says how). Children: `${name}-eks-${cluster}` and `${name}-eks-${cluster}-view`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export const EKS_VIEW_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";

export interface EksAccessArgs {
  /** The eksClusters arg: names, and ARNs (which get no access entry here). */
  clusters: readonly string[];
  principalArn: pulumi.Input<string>;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The clusters the component grants access to: those named by name, not by ARN. */
export function clustersToGrant(clusters: readonly string[]): string[] {
  return [...new Set(clusters.filter((c) => !c.startsWith("arn:")))].sort();
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

/** What the EKS source's IAM grant is built from: the provider's partition, region and account, and settings.in_use. */
export interface EksGrantInput {
  scope: { partition: string; region: string; accountId: string };
  inUse: { eks: boolean; eksClusters?: readonly string[]; regions?: readonly string[] };
}

/**
 * The EKS reads, only while the source is on: ListClusters (which takes no resource) and DescribeCluster on the
 * clusters read in this account, in every region read: all of them, or those eksClusters names (by name in each
 * region, by ARN where the ARN is this account's; another account's clusters are read with that account's role).
 */
export function eksReadStatements({ scope, inUse }: EksGrantInput): { Sid: string; Effect: "Allow"; Action: string; Resource: string | string[] }[] {
  if (!inUse.eks) return [];
  const regions = [scope.region, ...[...new Set(inUse.regions ?? [])].filter((r) => r !== scope.region).sort()];
  const arn = (region: string, name: string) => `arn:${scope.partition}:eks:${region}:${scope.accountId}:cluster/${name}`;
  const own = (inUse.eksClusters ?? []).filter((c) => c.startsWith("arn:") && c.split(":")[4] === scope.accountId);
  const resources = inUse.eksClusters
    ? [...new Set([...clustersToGrant(inUse.eksClusters).flatMap((name) => regions.map((r) => arn(r, name))), ...own])].sort()
    : regions.map((r) => arn(r, "*"));
  const statements: { Sid: string; Effect: "Allow"; Action: string; Resource: string | string[] }[] = [
    { Sid: "ListEksClusters", Effect: "Allow", Action: "eks:ListClusters", Resource: "*" },
  ];
  if (resources.length) statements.push({ Sid: "DescribeEksClusters", Effect: "Allow", Action: "eks:DescribeCluster", Resource: resources.length === 1 ? resources[0] : resources });
  return statements;
}
