/**
 * The EKS source (`in-use:eks`): in every account and region the inventory reads, every cluster that
 * `eks:ListClusters` lists (or only those that `settings.in_use.eks_clusters` names, by name or ARN), read through
 * its Kubernetes API with an EKS token signed by the same credentials as that account's EKS client. Each cluster is
 * read once per run; a cluster that cannot be read fails the source, with a message that names the cluster and
 * says how to grant access or leave it out.
 */
import { DescribeClusterCommand, EKSClient, paginateListClusters, type Cluster } from "@aws-sdk/client-eks";
import { answerAbout } from "../../shared/answers";
import { trustedPages } from "../../shared/pages";
import { mapConcurrent, Slots } from "../../shared/pool";
import { isTlsFailure, KubernetesApiError, KubernetesClient, type KubernetesClientOptions } from "./kubernetes";
import { eksToken, TOKEN_LIFETIME_MS } from "./token";
import { UnreadableWorkload, WORKLOAD_LISTS, type KubernetesImageUse, type WorkloadList } from "./workloads";

/** One account and region to read EKS clusters in. */
export interface EksTarget {
  account: string;
  region: string;
  eks: EKSClient;
  /** `ACCOUNT/REGION ` where that is not the registry's own, else empty: names the clusters in errors. */
  label: string;
}

export interface EksReadOptions {
  /** settings.in_use.eks_clusters: names or ARNs; undefined reads every cluster. */
  clusters?: readonly string[];
  kubernetes?: KubernetesClientOptions;
  /** Clusters read at once. Defaults to 5. */
  clusterConcurrency?: number;
  /** List calls in flight per cluster. Defaults to 4. */
  listConcurrency?: number;
  /** Kubernetes pages fetched and read at once across every cluster (each parsed page can be tens of MB). Defaults to 4. */
  pagesInFlight?: number;
}

export interface EksReadResult {
  uses: KubernetesImageUse[];
  /** Per cluster read (`label` + name): the Kubernetes requests it took, retries included. */
  requests: Map<string, number>;
}

/** ListClusters' largest page (EKS API reference: maxResults 1..100). */
const LIST_CLUSTERS_PAGE = 100;
// A token is signed again before it is this close to its 15 minutes.
const TOKEN_REFRESH_MS = TOKEN_LIFETIME_MS - 5 * 60 * 1000;
// Nor is a token used this close to the expiry of the credentials that signed it.
const CREDENTIALS_MARGIN_MS = 60 * 1000;
const VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy";
// EKS creates a cluster in minutes: one CREATING for longer may be serving workloads that would go unread.
const CREATING_TRUSTED_MS = 60 * 60 * 1000;
const LEAVE_OUT = "or leave the cluster out (settings.in_use.eks_clusters names the clusters to read) or turn the EKS source off (settings.in_use.eks: false)";

/** A cluster or an EKS call that could not be read; `name` is the short code the report shows. */
export class EksSourceError extends Error {
  constructor(
    code: string,
    message: string,
    /** True when the message says what to grant (a cluster's access entry or RBAC): not an IAM action of the source. */
    readonly remedyGiven = false,
  ) {
    super(message);
    this.name = code;
  }
}

interface ClusterSelector {
  text: string;
  name: string;
  /** Set for an ARN: only that account and region. */
  account?: string;
  region?: string;
}

// arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME
const CLUSTER_ARN = /^arn:[a-z-]+:eks:([a-z0-9-]+):(\d{12}):cluster\/(.+)$/;

export function parseClusterSelector(text: string): ClusterSelector {
  const arn = CLUSTER_ARN.exec(text);
  return arn ? { text, region: arn[1], account: arn[2], name: arn[3] } : { text, name: text };
}

function selects(selector: ClusterSelector, target: EksTarget, name: string): boolean {
  return selector.name === name && (selector.account === undefined || (selector.account === target.account && selector.region === target.region));
}

export async function readEksUses(targets: readonly EksTarget[], options: EksReadOptions = {}): Promise<EksReadResult> {
  const selectors = options.clusters?.map(parseClusterSelector);
  const matched = new Set<string>();
  const listed = await Promise.all(targets.map(async (target) => {
    const names = await listClusterNames(target);
    return names
      .filter((name) => {
        if (!selectors) return true;
        const hits = selectors.filter((s) => selects(s, target, name));
        for (const hit of hits) matched.add(hit.text);
        return hits.length > 0;
      })
      .map((name) => ({ target, name }));
  }));
  // The targets are every account and region of the run: a name or ARN that none of them lists fails the source.
  const missing = (selectors ?? []).filter((s) => !matched.has(s.text)).map((s) => s.text);
  if (missing.length > 0) {
    const where = targets.map((t) => `${t.account}/${t.region}`).join(", ");
    throw new EksSourceError(
      "ClusterNotFound",
      `settings.in_use.eks_clusters names ${missing.join(", ")}, which eks:ListClusters lists in none of ${where}: correct the name or ARN, or add its region to settings.in_use.regions (its account to settings.in_use.accounts)`,
    );
  }
  const clusters = listed.flat();
  const requests = new Map<string, number>();
  // The first cluster that fails fails the read: every other cluster's requests stop then, rather than each wait out
  // its own deadlines (behind the shared page slots, one cluster after another) while the run has moved on.
  const stop = new AbortController();
  // One bound on parsed pages for the whole read, whatever the number of clusters and lists in flight.
  const kubernetes = { ...options.kubernetes, pages: new Slots(options.pagesInFlight ?? 4), signal: stop.signal };
  const perCluster = await mapConcurrent(clusters, options.clusterConcurrency ?? 5, async ({ target, name }) => {
    try {
      const { uses, requestCount } = await readCluster(target, name, { ...options, kubernetes });
      requests.set(`${target.label}${name}`, requestCount);
      // Workloads elsewhere than the registry's own account and region are named with their `ACCOUNT/REGION `.
      return target.label ? uses.map((use) => ({ ...use, workload: `${target.label}${use.workload}` })) : uses;
    } catch (err) {
      stop.abort();
      throw err;
    }
  });
  return { uses: perCluster.flat(), requests };
}

export async function listClusterNames(target: EksTarget): Promise<string[]> {
  const names: string[] = [];
  try {
    const pages = paginateListClusters({ client: target.eks, pageSize: LIST_CLUSTERS_PAGE }, {});
    for await (const page of trustedPages(pages, "EKS ListClusters", { items: "clusters", token: "nextToken" })) names.push(...(page.clusters ?? []));
  } catch (err) {
    throw awsFailure(target, "ListClusters", err);
  }
  return names;
}

async function describe(target: EksTarget, name: string): Promise<Cluster> {
  try {
    const out = await target.eks.send(new DescribeClusterCommand({ name }));
    if (!out.cluster) throw new Error("DescribeCluster answered without a cluster");
    answerAbout(`EKS DescribeCluster of ${name}`, "cluster.name", name, out.cluster.name);
    return out.cluster;
  } catch (err) {
    throw awsFailure(target, `DescribeCluster ${name}`, err);
  }
}

function awsFailure(target: EksTarget, call: string, err: unknown): EksSourceError {
  const { name, message } = (err ?? {}) as { name?: string; message?: string };
  const code = name && name !== "Error" ? name : ((err as { code?: string })?.code ?? "Error");
  const denied = code === "AccessDeniedException" || code === "UnauthorizedException" || code === "AccessDenied";
  const advice = denied
    ? "the cleaner's role needs eks:ListClusters and eks:DescribeCluster (the component grants them while EKS is on); or turn the EKS source off (settings.in_use.eks: false)"
    : "it reads EKS again next run";
  return new EksSourceError(code, `EKS in ${target.account}/${target.region}: ${call}: ${code}: ${message ?? String(err)}: ${advice}`);
}

export async function readCluster(target: EksTarget, name: string, options: EksReadOptions): Promise<{ uses: KubernetesImageUse[]; requestCount: number }> {
  const cluster = await describe(target, name);
  const title = `${target.label}${name}`;
  // A cluster being created has no API server yet, so no pods, for the minutes EKS takes to create one; any other
  // state is read (or fails the source).
  if (cluster.status === "CREATING" && !cluster.endpoint) {
    if (createdWithin(cluster, CREATING_TRUSTED_MS, Date.now())) return { uses: [], requestCount: 0 };
    throw new EksSourceError(
      "ClusterUnreadable",
      `EKS cluster ${title} (status CREATING, created ${cluster.createdAt?.toISOString() ?? "at no time DescribeCluster gives"}): a cluster still being created after an hour is not taken as one without workloads, and it gives no endpoint to read them from; ${LEAVE_OUT}. Nothing is deleted in this run.`,
    );
  }
  if (!cluster.endpoint || !cluster.certificateAuthority?.data) {
    throw new EksSourceError("ClusterUnreadable", `EKS cluster ${title} (status ${cluster.status ?? "unknown"}): DescribeCluster gives no endpoint or certificate authority; ${LEAVE_OUT}`);
  }
  const region = target.region;
  let token: { value: string; validUntil: number; credentials: object } | undefined;
  const client = new KubernetesClient(
    {
      name: title,
      endpoint: cluster.endpoint,
      certificateAuthority: Buffer.from(cluster.certificateAuthority.data, "base64").toString("utf8"),
      // The SDK's provider hands out the same credentials until they are near their expiry, then new ones: a token
      // signed with the old ones would stop being accepted when they expire, so it is signed again with the new.
      token: async () => {
        const credentials = await target.eks.config.credentials();
        const now = Date.now();
        if (!token || now >= token.validUntil || token.credentials !== credentials) {
          const expires = credentials.expiration?.getTime() ?? Infinity;
          token = {
            value: await eksToken({ clusterName: name, region, credentials, signingDate: new Date(now) }),
            validUntil: Math.min(now + TOKEN_REFRESH_MS, expires - CREDENTIALS_MARGIN_MS),
            credentials,
          };
        }
        return token.value;
      },
    },
    options.kubernetes,
  );
  try {
    const lists = await mapConcurrent(WORKLOAD_LISTS, options.listConcurrency ?? 4, (list) => client.list(list.path, (item) => itemUses(list, item, name, title), list.listKind));
    return { uses: lists.flat(), requestCount: client.requests };
  } catch (err) {
    throw err instanceof KubernetesApiError ? clusterFailure(title, cluster, err) : err;
  } finally {
    client.close();
  }
}

/** How far after this machine's clock AWS's may put a creation time (the two clocks may differ). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** True when DescribeCluster's `createdAt` is at most `ms` before `now`, and not after it by more than the clock skew. */
export function createdWithin(cluster: Cluster, ms: number, now: number): boolean {
  const created = cluster.createdAt?.getTime();
  return created !== undefined && Number.isFinite(created) && created <= now + CLOCK_SKEW_MS && now - created <= ms;
}

/** What one listed object uses; one whose shape cannot be read fails its list, as an answer that is not the list asked for. */
function itemUses(list: WorkloadList, item: unknown, cluster: string, title: string): KubernetesImageUse[] {
  try {
    return list.uses(item, cluster);
  } catch (err) {
    if (!(err instanceof UnreadableWorkload)) throw err;
    throw new KubernetesApiError(`cluster ${title}: GET ${list.path}: ${err.message}`, title, list.path, 200, "NotAList");
  }
}

/** What went wrong reading a cluster, and what to do about it, by the kind of failure. */
export function clusterFailure(title: string, cluster: Cluster, err: KubernetesApiError): EksSourceError {
  const mode = cluster.accessConfig?.authenticationMode ?? "CONFIG_MAP";
  const accessEntry =
    `create an access entry for the cleaner's IAM role (aws eks create-access-entry --cluster-name ${cluster.name} --principal-arn ROLE_ARN) ` +
    `and associate ${VIEW_POLICY} with it at cluster scope (aws eks associate-access-policy --cluster-name ${cluster.name} --principal-arn ROLE_ARN --policy-arn ${VIEW_POLICY} --access-scope type=cluster); the component does both for the clusters its eksClusters arg names`;
  const awsAuth = "map the cleaner's IAM role in the kube-system/aws-auth ConfigMap (mapRoles) to a group that a ClusterRoleBinding binds to the view ClusterRole";
  const grant = mode === "CONFIG_MAP" ? awsAuth : mode === "API" ? accessEntry : `${accessEntry}; or ${awsAuth}`;
  let code: string;
  let what: string;
  if (err.status === 401) {
    code = "Unauthorized";
    what = `the cluster does not accept the cleaner's token (authentication mode ${mode}): ${grant}`;
  } else if (err.status === 403) {
    code = "Forbidden";
    what = `the cleaner's role may not list ${err.path} cluster-wide: ${grant}`;
  } else if (err.reason === "NotAList") {
    code = "NotAList";
    what = "the API server answered with something other than the list asked for, so nothing it said is taken as read; it is read again next run";
  } else if (err.status === 410) {
    code = "Expired";
    what = "the list changed faster than it could be read; it is read again next run";
  } else if (err.status !== undefined) {
    code = err.reason ?? `HTTP${err.status}`;
    what = "the API server kept failing; it is read again next run";
  } else if (err.networkCode && isTlsFailure(err.networkCode)) {
    code = err.networkCode;
    what = "the API server's certificate does not chain to the certificate authority that DescribeCluster gives; nothing is read from a server that cannot prove it is the cluster's";
  } else {
    code = err.networkCode ?? "NetworkError";
    what =
      `cannot reach the API server ${cluster.endpoint}` +
      (cluster.resourcesVpcConfig?.endpointPublicAccess === false
        ? " (the cluster's endpoint is private: run the cleaner in the cluster's VPC, with the component's vpcSubnetIds and vpcSecurityGroupIds args)"
        : "");
  }
  return new EksSourceError(code, `EKS cluster ${title}: ${err.message}: ${what}; ${LEAVE_OUT}. Nothing is deleted in this run.`, true);
}
