/**
 * The EKS source as the inventory calls it, once per account and region: an EKS client made with that target's
 * SDK settings (its region, and in another account the assumed role's credentials, which also sign the clusters'
 * tokens), the clusters read, the uses returned with reason `in-use:eks`. The inventory prefixes the workloads of
 * other accounts and regions; the errors name them here.
 */
import { EKSClient, type EKSClientConfig } from "@aws-sdk/client-eks";
import { readEksUses } from "./source";

export interface EksReadTarget {
  account: string;
  region: string;
  /** `ACCOUNT/REGION` where that is not the registry's own, else "". */
  prefix: string;
  config: EKSClientConfig;
}

export interface EksUse {
  image: string;
  reason: "in-use:eks";
  workload: string;
}

export async function readEksTarget(target: EksReadTarget, settings: { eksClusters?: string[] }): Promise<EksUse[]> {
  const eks = new EKSClient(target.config);
  try {
    const { uses } = await readEksUses(
      [{ account: target.account, region: target.region, eks, label: target.prefix ? `${target.prefix} ` : "" }],
      // One target at a time: a name that this account and region does not list may be another's.
      { clusters: settings.eksClusters, everyTarget: false },
    );
    return uses.map((use) => ({ image: use.image, reason: "in-use:eks", workload: use.workload }));
  } finally {
    eks.destroy();
  }
}
