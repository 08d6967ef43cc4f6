/**
 * What a Kubernetes object says about the images it uses, pure: a pod that is not finished (every container, init
 * container and ephemeral container, by the reference its spec names and by the digest its status says the node
 * pulled), and the pod template of every workload controller, which starts pods with it at any time (a
 * Deployment's old ReplicaSets are its rollback targets, a CronJob runs tonight).
 */

/** An image a Kubernetes object uses, with the object named for the report. */
export interface KubernetesImageUse {
  /** A reference (`host/repo:tag`, `host/repo@sha256:…`) as the spec names it or as the status's imageID gives it. */
  image: string;
  /** `eks pod NAMESPACE/NAME (cluster C)`, `eks deployment NAMESPACE/NAME (cluster C)`, … */
  workload: string;
}

export type WorkloadKind = "pod" | "deployment" | "statefulset" | "daemonset" | "replicaset" | "replicationcontroller" | "job" | "cronjob" | "controllerrevision";

/** A cluster-wide list call and what each of its items uses. */
export interface WorkloadList {
  kind: WorkloadKind;
  path: string;
  /** The `kind` of the list the API server answers with. */
  listKind: string;
  uses: (item: unknown, cluster: string) => KubernetesImageUse[];
}

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = obj(current)?.[key];
  return current;
}

/** `eks KIND NAMESPACE/NAME (cluster C)`. */
export function workloadName(kind: WorkloadKind, item: unknown, cluster: string): string {
  const namespace = text(at(item, "metadata", "namespace")) ?? "default";
  const name = text(at(item, "metadata", "name")) ?? "?";
  return `eks ${kind} ${namespace}/${name} (cluster ${cluster})`;
}

// kubelet's imageID forms: `docker-pullable://host/repo@sha256:…` (dockershim), `host/repo@sha256:…` (containerd).
// `docker://sha256:…` and a bare `sha256:…` are the image's config digest, which no registry listing shows.
const IMAGE_ID_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//;

/** The `host/repo@sha256:…` reference an imageID names, if it names one. */
export function referenceOfImageId(imageId: string): string | undefined {
  const reference = imageId.replace(IMAGE_ID_SCHEME, "");
  const at = reference.indexOf("@");
  return at > 0 && reference.indexOf("/") > 0 && reference.indexOf("/") < at ? reference : undefined;
}

const CONTAINER_FIELDS = ["containers", "initContainers", "ephemeralContainers"] as const;
const STATUS_FIELDS = ["containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"] as const;
const FINISHED_PHASES = new Set(["Succeeded", "Failed"]);

function specImages(podSpec: unknown): string[] {
  const images: string[] = [];
  for (const field of CONTAINER_FIELDS) {
    for (const container of array(obj(podSpec)?.[field])) {
      const image = text(obj(container)?.image);
      if (image) images.push(image);
    }
  }
  return images;
}

/** `host/repo` of a reference: without its tag and digest. */
function repositoryOf(reference: string): string {
  const name = reference.split("@")[0];
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}

/**
 * A pod that is not finished: its spec references, the references its container statuses report pulled, and each
 * pulled digest in the repository the container's spec names. containerd reports as imageID the first of the
 * image's repo digests on that node, which may be another repository's (the same image pulled under two names, as
 * after a promotion copied it from `staging/app` to `app`): the digest is what runs, the spec says from where.
 */
export function podUses(pod: unknown, cluster: string): KubernetesImageUse[] {
  if (FINISHED_PHASES.has(text(at(pod, "status", "phase")) ?? "")) return [];
  const workload = workloadName("pod", pod, cluster);
  const images = specImages(at(pod, "spec"));
  STATUS_FIELDS.forEach((field, i) => {
    const specByName = new Map<string, string>();
    for (const container of array(at(pod, "spec", CONTAINER_FIELDS[i]))) {
      const name = text(obj(container)?.name);
      const image = text(obj(container)?.image);
      if (name && image) specByName.set(name, image);
    }
    for (const status of array(at(pod, "status", field))) {
      const imageId = text(obj(status)?.imageID);
      const pulled = imageId && referenceOfImageId(imageId);
      if (pulled) images.push(pulled);
      const spec = specByName.get(text(obj(status)?.name) ?? "");
      if (pulled && spec) images.push(`${repositoryOf(spec)}@${pulled.slice(pulled.indexOf("@") + 1)}`);
      // What the runtime says it runs, usually the spec's reference again (deduplicated below).
      const image = text(obj(status)?.image);
      if (image && image.includes("/")) images.push(image);
    }
  });
  return [...new Set(images)].map((image) => ({ image, workload }));
}

/** The images a controller's pod template names; `templatePath` leads from the object to the template. */
export function templateUses(kind: WorkloadKind, ...templatePath: string[]): (item: unknown, cluster: string) => KubernetesImageUse[] {
  return (item, cluster) => {
    const workload = workloadName(kind, item, cluster);
    return [...new Set(specImages(at(item, ...templatePath, "spec")))].map((image) => ({ image, workload }));
  };
}

/**
 * A ControllerRevision: a StatefulSet's or DaemonSet's earlier pod template, what `kubectl rollout undo` goes back to
 * for them (as old ReplicaSets are for a Deployment). Its `data` is the patch the controller stored,
 * `{"spec": {"template": …}}`. Named after its owner: `eks statefulset NS/web revision 3 (cluster C)`.
 */
export function controllerRevisionUses(item: unknown, cluster: string): KubernetesImageUse[] {
  const owner = obj(array(at(item, "metadata", "ownerReferences")).find((ref) => obj(ref)?.controller === true) ?? array(at(item, "metadata", "ownerReferences"))[0]);
  const ownerKind = text(owner?.kind)?.toLowerCase();
  const ownerName = text(owner?.name);
  const revision = at(item, "revision");
  const workload = ownerKind && ownerName
    ? `eks ${ownerKind} ${text(at(item, "metadata", "namespace")) ?? "default"}/${ownerName} revision ${typeof revision === "number" ? revision : "?"} (cluster ${cluster})`
    : workloadName("controllerrevision", item, cluster);
  return [...new Set(specImages(at(item, "data", "spec", "template", "spec")))].map((image) => ({ image, workload }));
}

/** Every list the EKS source reads, cluster-wide. */
export const WORKLOAD_LISTS: readonly WorkloadList[] = [
  { kind: "pod", listKind: "PodList", path: "/api/v1/pods", uses: podUses },
  { kind: "deployment", listKind: "DeploymentList", path: "/apis/apps/v1/deployments", uses: templateUses("deployment", "spec", "template") },
  { kind: "statefulset", listKind: "StatefulSetList", path: "/apis/apps/v1/statefulsets", uses: templateUses("statefulset", "spec", "template") },
  { kind: "daemonset", listKind: "DaemonSetList", path: "/apis/apps/v1/daemonsets", uses: templateUses("daemonset", "spec", "template") },
  // Every ReplicaSet, those scaled to 0 included: they are what `kubectl rollout undo` goes back to.
  { kind: "replicaset", listKind: "ReplicaSetList", path: "/apis/apps/v1/replicasets", uses: templateUses("replicaset", "spec", "template") },
  // ReplicaSets' predecessor, still served by every Kubernetes version: it starts pods with its template too.
  { kind: "replicationcontroller", listKind: "ReplicationControllerList", path: "/api/v1/replicationcontrollers", uses: templateUses("replicationcontroller", "spec", "template") },
  { kind: "job", listKind: "JobList", path: "/apis/batch/v1/jobs", uses: templateUses("job", "spec", "template") },
  { kind: "cronjob", listKind: "CronJobList", path: "/apis/batch/v1/cronjobs", uses: templateUses("cronjob", "spec", "jobTemplate", "spec", "template") },
  // Earlier templates of StatefulSets and DaemonSets: their rollback targets.
  { kind: "controllerrevision", listKind: "ControllerRevisionList", path: "/apis/apps/v1/controllerrevisions", uses: controllerRevisionUses },
];
