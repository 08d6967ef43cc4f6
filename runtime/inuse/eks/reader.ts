/**
 * The EKS source as the inventory calls it: once, with every account and region of the run, so that a cluster name
 * of settings.in_use.eks_clusters that no target lists fails the source (a typo must not read nothing). Each target
 * gets an EKS client made with its SDK settings (its region, and in another account the assumed role's credentials,
 * which also sign the clusters' tokens).
 */
import { EKSClient } from "@aws-sdk/client-eks";
import type { InUseSettings } from "../../config/inUseSettings";
import type { Target } from "../targets";
import type { ImageUse } from "../types";
import { readEksUses } from "./source";

export async function readEksEverywhere(targets: readonly Target[], settings: Pick<InUseSettings, "eksClusters">): Promise<ImageUse[]> {
  const clients = targets.map((target) => new EKSClient(target.config));
  try {
    const { uses } = await readEksUses(
      targets.map((target, i) => ({ account: target.account, region: target.region, eks: clients[i], label: target.prefix ? `${target.prefix} ` : "" })),
      { clusters: settings.eksClusters },
    );
    return uses.map((use) => ({ image: use.image, reason: "in-use:eks", workload: use.workload }));
  } finally {
    for (const client of clients) client.destroy();
  }
}
