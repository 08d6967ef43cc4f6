/**
 * A workload as the table names it: its identifying part, short enough that an in-use row stays within three lines at
 * 80 columns. The JSON report keeps the full names (task ARNs, EKS clusters).
 */

// An ARN's resource path (`arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID`): its last segment, the ID.
const ARN_PATH = /\barn:aws[\w-]*:[\w-]+:[\w-]*:\d*:[\w-]+\/(?:[^\s/]+\/)*([^\s/]+)/g;
// `eks pod NAMESPACE/NAME (cluster C)`: the cluster is in the JSON; the pod is its namespace/name.
const EKS_CLUSTER = / \(cluster [^)]*\)$/;

/** `ecs task arn:…:task/prod/52d3…` → `ecs task 52d3…`; `eks pod web/api-7f (cluster prod)` → `eks pod web/api-7f`. */
export function workloadLabel(workload: string): string {
  return workload.replace(ARN_PATH, "$1").replace(EKS_CLUSTER, "");
}
