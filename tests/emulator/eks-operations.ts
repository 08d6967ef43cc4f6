/**
 * The EKS reads that in-use detection makes (API version 2017-11-01, REST-JSON), with the limits and errors of the
 * EKS API reference: ListClusters (GET /clusters, maxResults 1..100, default 100, nextToken) and DescribeCluster
 * (GET /clusters/{name}, ResourceNotFoundException 404). Errors are `{message}` bodies with x-amzn-ErrorType, and
 * ResourceNotFoundException carries its shape's clusterName.
 */
import type { EksState, StoredEksCluster } from "./eks";
import { paginate } from "./paging";
import { AwsError, epochSeconds, type ProtocolErrors, type RequestContext } from "./protocol";
import type { RestRoute } from "./server";

export interface EksEnvironment {
  eksFor(ctx: RequestContext): EksState;
}

const MAX_RESULTS = 100;

export const EKS_ERRORS: ProtocolErrors = {
  // EKS models no throttling error; its rate limits answer ThrottlingException, which the SDK retries.
  throttle: () => new AwsError("ThrottlingException", "Rate exceeded", 429),
  server: (message) => new AwsError("ServerException", message, 500),
};

function invalidParameter(message: string): AwsError {
  return new AwsError("InvalidParameterException", message, 400);
}

function describe(cluster: StoredEksCluster, account: string, region: string): Record<string, unknown> {
  const creating = cluster.status === "CREATING";
  return {
    name: cluster.name,
    arn: cluster.arn,
    createdAt: epochSeconds(cluster.createdAt),
    version: "1.31",
    ...(creating ? {} : { endpoint: cluster.describedEndpoint, certificateAuthority: { data: cluster.describedCertificateAuthority } }),
    roleArn: `arn:aws:iam::${account}:role/eks-cluster-role`,
    resourcesVpcConfig: {
      subnetIds: ["subnet-0a1b2c3d"],
      securityGroupIds: [],
      clusterSecurityGroupId: "sg-0a1b2c3d",
      vpcId: "vpc-0a1b2c3d",
      endpointPublicAccess: cluster.endpointPublicAccess,
      endpointPrivateAccess: !cluster.endpointPublicAccess,
      publicAccessCidrs: cluster.endpointPublicAccess ? ["0.0.0.0/0"] : [],
    },
    kubernetesNetworkConfig: { serviceIpv4Cidr: "10.100.0.0/16", ipFamily: "ipv4" },
    identity: { oidc: { issuer: `https://oidc.eks.${region}.amazonaws.com/id/EXAMPLE${cluster.name.length}` } },
    status: cluster.status,
    platformVersion: "eks.10",
    tags: {},
    accessConfig: { bootstrapClusterCreatorAdminPermissions: true, authenticationMode: cluster.authenticationMode },
  };
}

/** The routes; operations are named `eks:…` in the call counts and faults, since ECS has a ListClusters too. */
export function eksRoutes(env: EksEnvironment): RestRoute[] {
  return [
    {
      operation: "eks:ListClusters",
      method: "GET",
      path: /^\/clusters\/?$/,
      errors: EKS_ERRORS,
      handle({ query }, ctx) {
        const text = query.get("maxResults");
        const maxResults = text === null ? undefined : Number(text);
        if (maxResults !== undefined && (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS)) {
          throw invalidParameter(`maxResults must be between 1 and ${MAX_RESULTS}`);
        }
        const include = query.getAll("include");
        if (include.some((value) => value !== "all")) throw invalidParameter("include must be 'all'");
        const eks = env.eksFor(ctx);
        const order = new Map(eks.clusters().map((c, i) => [c.name, i]));
        const page = paginate(() => eks.clusters(), (c) => [order.get(c.name)!, c.name], {
          scope: "ListClusters",
          maxResults: maxResults ?? MAX_RESULTS,
          nextToken: query.get("nextToken") ?? undefined,
          invalidToken: () => invalidParameter("The nextToken provided is invalid"),
        });
        return { clusters: page.items.map((c) => c.name), ...(page.nextToken ? { nextToken: page.nextToken } : {}) };
      },
    },
    {
      operation: "eks:DescribeCluster",
      method: "GET",
      path: /^\/clusters\/(?<name>[^/]+)\/?$/,
      errors: EKS_ERRORS,
      handle({ params }, ctx) {
        const eks = env.eksFor(ctx);
        const cluster = eks.cluster(params.name);
        if (!cluster) {
          const message = `No cluster found for name: ${params.name}.`;
          throw new AwsError("ResourceNotFoundException", message, 404, { body: { message, clusterName: params.name } });
        }
        return { cluster: describe(cluster, eks.account, eks.region) };
      },
    },
  ];
}
