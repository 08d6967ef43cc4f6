/**
 * The emulator's EKS state for one account and region: clusters, each with its own Kubernetes API server
 * (kubernetes.ts) on its own port, with a certificate authority (shared by the emulated clusters unless a
 * cluster asks for its own). Tests seed and inspect it directly; eks-operations.ts serves
 * ListClusters and DescribeCluster with the API's rules.
 */
import { makeServerCertificates, sharedServerCertificates } from "./certificates";
import type { KnownCredentials } from "./eks-token";
import { KubernetesApiServer } from "./kubernetes";
import { arnPartition } from "./protocol";

export type ClusterStatus = "CREATING" | "ACTIVE" | "DELETING" | "FAILED" | "UPDATING" | "PENDING";
export type AuthenticationMode = "API" | "API_AND_CONFIG_MAP" | "CONFIG_MAP";

export interface EksClusterSeed {
  name: string;
  /** Defaults to ACTIVE. A CREATING cluster has no endpoint or certificate authority yet. */
  status?: ClusterStatus;
  /** Defaults to API_AND_CONFIG_MAP (what EKS sets for new clusters in the console). */
  authenticationMode?: AuthenticationMode;
  /** Defaults to true. */
  endpointPublicAccess?: boolean;
  /** A CA of its own rather than the one the account and region's emulated clusters share. */
  ownCertificateAuthority?: boolean;
  /** Defaults to the emulator's now: a cluster CREATING for hours is one the source must not trust. */
  createdAt?: Date;
}

export interface StoredEksCluster {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: Date;
  status: ClusterStatus;
  authenticationMode: AuthenticationMode;
  endpointPublicAccess: boolean;
  /** The cluster's API server: seed its objects and faults here. */
  readonly api: KubernetesApiServer;
  /** What DescribeCluster gives as the endpoint: the server's own unless a test points it elsewhere. */
  describedEndpoint: string;
  /** What DescribeCluster gives as certificateAuthority.data (base64 of the PEM): the server's CA unless a test swaps it. */
  describedCertificateAuthority: string;
}

/** "The name must be unique... 1-100 characters... start with an alphanumeric character" (CreateCluster). */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/;

export class EksState {
  private readonly stored = new Map<string, StoredEksCluster>();

  constructor(
    readonly account: string,
    readonly region: string,
    readonly now: () => Date,
    private readonly knownCredentials: (accessKeyId: string) => KnownCredentials | undefined,
  ) {}

  arn(name: string): string {
    return `arn:${arnPartition(this.region)}:eks:${this.region}:${this.account}:cluster/${name}`;
  }

  /** Creates a cluster and starts its API server (stopped by the emulator's stop()). */
  async createCluster(seed: EksClusterSeed): Promise<StoredEksCluster> {
    if (!CLUSTER_NAME.test(seed.name)) throw new Error(`not an EKS cluster name: ${seed.name}`);
    if (this.stored.has(seed.name)) throw new Error(`cluster ${seed.name} already exists`);
    // One CA for the emulated clusters (openssl takes a while), unless a cluster asks for its own.
    const certificates = seed.ownCertificateAuthority ? makeServerCertificates(seed.name) : sharedServerCertificates();
    const api = new KubernetesApiServer(seed.name, certificates, this.knownCredentials);
    await api.listen();
    const cluster: StoredEksCluster = {
      name: seed.name,
      arn: this.arn(seed.name),
      createdAt: seed.createdAt ?? this.now(),
      status: seed.status ?? "ACTIVE",
      authenticationMode: seed.authenticationMode ?? "API_AND_CONFIG_MAP",
      endpointPublicAccess: seed.endpointPublicAccess ?? true,
      api,
      describedEndpoint: api.endpoint,
      describedCertificateAuthority: Buffer.from(certificates.caPem, "utf8").toString("base64"),
    };
    this.stored.set(seed.name, cluster);
    return cluster;
  }

  cluster(name: string): StoredEksCluster | undefined {
    return this.stored.get(name);
  }

  /** In creation order, the order ListClusters lists them in. */
  clusters(): StoredEksCluster[] {
    return [...this.stored.values()];
  }

  /** Removes every cluster and stops its API server. */
  async clear(): Promise<void> {
    const clusters = this.clusters();
    this.stored.clear();
    await Promise.all(clusters.map((c) => c.api.stop()));
  }
}
