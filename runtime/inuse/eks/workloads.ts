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

/**
 * An object whose shape cannot be read: taking it as "uses nothing" could leave out an image a workload uses, so
 * the cluster fails closed instead (the source reports it as NotAList).
 */
export class UnreadableWorkload extends Error {
  constructor(
    /** `eks KIND NAMESPACE/NAME (cluster C)`. */
    readonly workload: string,
    /** The field that could not be read, as a path (`spec.template.spec.containers`). */
    readonly field: string,
    what: string,
  ) {
    super(`${workload}: ${field} ${what}`);
    this.name = "UnreadableWorkload";
  }
}

function shapeOf(value: unknown): string {
  return value === undefined ? "absent" : value === null ? "null" : Array.isArray(value) ? "a list" : typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** The objects of a list field; absent (or null, as an omitted list may be sent) is empty unless `required`. */
function objects(value: unknown, workload: string, field: string, required = false): Obj[] {
  if (value === undefined || value === null) return required ? fail(workload, field, "is absent") : [];
  if (!Array.isArray(value)) fail(workload, field, `is ${shapeOf(value)}, not a list`);
  // A pod (template) always has a container: an empty list is a stripped or rewritten object, not one that uses nothing.
  if (required && value.length === 0) fail(workload, field, "is an empty list");
  return value.map((item, i) => obj(item) ?? fail(workload, `${field}[${i}]`, `is ${shapeOf(item)}, not an object`));
}

function fail(workload: string, field: string, what: string): never {
  throw new UnreadableWorkload(workload, field, what);
}

/** An optional image reference: absent or empty (a template may leave it to be filled in) is none, anything else not a string is unreadable. */
function reference(value: unknown, workload: string, field: string): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return typeof value === "string" ? value : fail(workload, field, `is ${shapeOf(value)}, not an image reference`);
}

/** A pod spec's image volumes (Kubernetes 1.31+, `volumes[].image`): volume name → the reference mounted. */
function imageVolumes(podSpec: Obj, workload: string, field: string): Map<string, string> {
  const volumes = new Map<string, string>();
  objects(podSpec.volumes, workload, `${field}.volumes`).forEach((volume, i) => {
    if (volume.image === undefined || volume.image === null) return;
    const image = obj(volume.image) ?? fail(workload, `${field}.volumes[${i}].image`, `is ${shapeOf(volume.image)}, not an object`);
    const ref = reference(image.reference, workload, `${field}.volumes[${i}].image.reference`);
    if (ref) volumes.set(text(volume.name) ?? `#${i}`, ref);
  });
  return volumes;
}

/** A pod spec read strictly: each container kind's name → image, and its image volumes. */
interface ReadSpec {
  containers: Map<string, string>[];
  volumes: Map<string, string>;
}

function readSpec(podSpec: unknown, workload: string, field: string): ReadSpec {
  const spec = obj(podSpec) ?? fail(workload, field, `is ${shapeOf(podSpec)}, not a pod spec`);
  const containers = CONTAINER_FIELDS.map((kind) => {
    const byName = new Map<string, string>();
    objects(spec[kind], workload, `${field}.${kind}`, kind === "containers").forEach((container, i) => {
      const image = reference(container.image, workload, `${field}.${kind}[${i}].image`);
      if (image) byName.set(text(container.name) ?? `#${i}`, image);
    });
    return byName;
  });
  return { containers, volumes: imageVolumes(spec, workload, field) };
}

/** Every reference a read pod spec names: its containers' images and its image volumes' references. */
function imagesOf({ containers, volumes }: ReadSpec): string[] {
  return [...containers.flatMap((byName) => [...byName.values()]), ...volumes.values()];
}

/** Every reference a pod spec names. */
function specImages(podSpec: unknown, workload: string, field: string): string[] {
  return imagesOf(readSpec(podSpec, workload, field));
}

/** `host/repo` of a reference: without its tag and digest. */
function repositoryOf(reference: string): string {
  const name = reference.split("@")[0];
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}

/** A pulled digest, and the same digest in the repository the spec names (see podUses). */
function pulledImages(imageId: string | undefined, spec: string | undefined): string[] {
  const pulled = imageId && referenceOfImageId(imageId);
  if (!pulled) return [];
  return spec ? [pulled, `${repositoryOf(spec)}@${pulled.slice(pulled.indexOf("@") + 1)}`] : [pulled];
}

/**
 * A pod that is not finished: its spec references (containers and image volumes), the references its container
 * statuses report pulled, and each pulled digest in the repository the spec names. containerd reports as imageID
 * the first of the image's repo digests on that node, which may be another repository's (the same image pulled
 * under two names, as after a promotion copied it from `staging/app` to `app`): the digest is what runs, the spec
 * says from where. An image volume's digest is in its container's `volumeMounts[].volumeStatus.image.imageRef`
 * (core/v1 ImageVolumeStatus, same form as imageID).
 */
export function podUses(pod: unknown, cluster: string): KubernetesImageUse[] {
  if (FINISHED_PHASES.has(text(at(pod, "status", "phase")) ?? "")) return [];
  const workload = workloadName("pod", pod, cluster);
  const spec = readSpec(at(pod, "spec"), workload, "spec");
  const images = imagesOf(spec);
  STATUS_FIELDS.forEach((field, i) => {
    objects(at(pod, "status", field), workload, `status.${field}`).forEach((status, j) => {
      images.push(...pulledImages(text(status.imageID), spec.containers[i].get(text(status.name) ?? "")));
      // What the runtime says it runs, usually the spec's reference again (deduplicated below).
      const image = text(status.image);
      if (image && image.includes("/")) images.push(image);
      for (const mount of objects(status.volumeMounts, workload, `status.${field}[${j}].volumeMounts`)) {
        images.push(...pulledImages(text(at(mount, "volumeStatus", "image", "imageRef")), spec.volumes.get(text(mount.name) ?? "")));
      }
    });
  });
  return [...new Set(images)].map((image) => ({ image, workload }));
}

/** The images a controller's pod template names; `templatePath` leads from the object to the template. */
export function templateUses(kind: WorkloadKind, ...templatePath: string[]): (item: unknown, cluster: string) => KubernetesImageUse[] {
  return (item, cluster) => {
    const workload = workloadName(kind, item, cluster);
    return [...new Set(specImages(at(item, ...templatePath, "spec"), workload, [...templatePath, "spec"].join(".")))].map((image) => ({ image, workload }));
  };
}

// The owners whose ControllerRevisions are pod templates (apps/v1): anything else's are its own business.
const TEMPLATE_OWNERS = new Set(["statefulset", "daemonset"]);

/** A RawExtension's object: sent as JSON, or as a string of JSON. */
function rawObject(data: unknown, workload: string): unknown {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(data);
  } catch {
    return fail(workload, "data", "is a string that is not JSON");
  }
}

/**
 * A ControllerRevision: a StatefulSet's or DaemonSet's earlier pod template, what `kubectl rollout undo` goes back to
 * for them (as old ReplicaSets are for a Deployment). Its `data` is the patch the controller stored,
 * `{"spec": {"template": …}}`, which must be readable: else the rollback target's image could go. A revision owned
 * by anything else is read best-effort. Named after its owner: `eks statefulset NS/web revision 3 (cluster C)`.
 */
export function controllerRevisionUses(item: unknown, cluster: string): KubernetesImageUse[] {
  const owner = obj(array(at(item, "metadata", "ownerReferences")).find((ref) => obj(ref)?.controller === true) ?? array(at(item, "metadata", "ownerReferences"))[0]);
  const ownerKind = text(owner?.kind)?.toLowerCase();
  const ownerName = text(owner?.name);
  const revision = at(item, "revision");
  const workload = ownerKind && ownerName
    ? `eks ${ownerKind} ${text(at(item, "metadata", "namespace")) ?? "default"}/${ownerName} revision ${typeof revision === "number" ? revision : "?"} (cluster ${cluster})`
    : workloadName("controllerrevision", item, cluster);
  let images: string[];
  try {
    images = specImages(at(rawObject(at(item, "data"), workload), "spec", "template", "spec"), workload, "data.spec.template.spec");
  } catch (err) {
    if (!(err instanceof UnreadableWorkload) || (ownerKind !== undefined && TEMPLATE_OWNERS.has(ownerKind))) throw err;
    images = [];
  }
  return [...new Set(images)].map((image) => ({ image, workload }));
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
