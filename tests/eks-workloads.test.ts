/** What a Kubernetes object uses, table by table: pods by phase and container kind, imageID forms, templates. */
import { expect } from "chai";
import { podUses, referenceOfImageId, UnreadableWorkload, WORKLOAD_LISTS } from "../runtime/inuse/eks/workloads";

const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const DIGEST = `sha256:${"a".repeat(64)}`;

describe("EKS workloads", () => {
  const imageIds: [string, string | undefined][] = [
    [`docker-pullable://${ECR}/app@${DIGEST}`, `${ECR}/app@${DIGEST}`],
    [`${ECR}/app@${DIGEST}`, `${ECR}/app@${DIGEST}`],
    [`containerd://${ECR}/team/app@${DIGEST}`, `${ECR}/team/app@${DIGEST}`],
    [`docker://${DIGEST}`, undefined],
    [DIGEST, undefined],
    ["", undefined],
  ];
  for (const [imageId, expected] of imageIds) {
    it(`reads the imageID ${JSON.stringify(imageId)} as ${expected ?? "no reference"}`, () => {
      expect(referenceOfImageId(imageId)).to.equal(expected);
    });
  }

  const pod = (phase: string | undefined) => ({
    metadata: { namespace: "shop", name: "web-7d9" },
    spec: {
      containers: [{ name: "web", image: `${ECR}/web:v1` }],
      initContainers: [{ name: "migrate", image: `${ECR}/migrate` }],
      ephemeralContainers: [{ name: "debug", image: `${ECR}/debug:1` }],
    },
    status: {
      ...(phase ? { phase } : {}),
      containerStatuses: [{ name: "web", image: `${ECR}/web:v1`, imageID: `docker-pullable://${ECR}/web@${DIGEST}` }],
      initContainerStatuses: [{ name: "migrate", image: `${ECR}/migrate:latest`, imageID: `${ECR}/migrate@sha256:${"b".repeat(64)}` }],
      ephemeralContainerStatuses: [{ name: "debug", image: `${ECR}/debug:1`, imageID: "" }],
    },
  });
  const everything = [
    `${ECR}/web:v1`,
    `${ECR}/migrate`,
    `${ECR}/debug:1`,
    `${ECR}/web@${DIGEST}`,
    `${ECR}/migrate@sha256:${"b".repeat(64)}`,
    `${ECR}/migrate:latest`,
  ];
  const phases: [string | undefined, string[]][] = [
    ["Running", everything],
    ["Pending", everything],
    ["Unknown", everything],
    [undefined, everything],
    ["Succeeded", []],
    ["Failed", []],
  ];
  for (const [phase, images] of phases) {
    it(`a ${phase ?? "phase-less"} pod uses ${images.length ? "its containers, init and ephemeral containers, by spec and by digest" : "nothing"}`, () => {
      expect(podUses(pod(phase), "prod")).to.deep.equal(images.map((image) => ({ image, workload: "eks pod shop/web-7d9 (cluster prod)" })));
    });
  }

  it("files the digest a container runs under the repository its spec names, whatever repository the imageID names", () => {
    // containerd's imageID is the first of the image's repo digests on the node: the same image pulled under another
    // name (a promotion copied staging/web to web) can make it name the other repository.
    const promoted = {
      metadata: { namespace: "shop", name: "web-1" },
      spec: { containers: [{ name: "web", image: `${ECR}/web:v1` }], initContainers: [{ name: "init", image: `${ECR}/init@${DIGEST}` }] },
      status: {
        phase: "Running",
        containerStatuses: [{ name: "web", image: `${ECR}/staging/web:v1`, imageID: `${ECR}/staging/web@sha256:${"c".repeat(64)}` }],
        initContainerStatuses: [{ name: "init", imageID: `docker-pullable://${ECR}/init@${DIGEST}` }],
      },
    };
    expect(podUses(promoted, "prod").map((u) => u.image)).to.deep.equal([
      `${ECR}/web:v1`,
      `${ECR}/init@${DIGEST}`,
      `${ECR}/staging/web@sha256:${"c".repeat(64)}`,
      `${ECR}/web@sha256:${"c".repeat(64)}`,
      `${ECR}/staging/web:v1`,
    ]);
  });

  const template = { spec: { containers: [{ image: `${ECR}/a:1` }], initContainers: [{ image: `${ECR}/b` }] } };
  const objects: Record<string, unknown> = {
    deployment: { metadata: { namespace: "ns", name: "d" }, spec: { replicas: 3, template } },
    statefulset: { metadata: { namespace: "ns", name: "s" }, spec: { template } },
    daemonset: { metadata: { namespace: "ns", name: "ds" }, spec: { template } },
    replicaset: { metadata: { namespace: "ns", name: "rs" }, spec: { replicas: 0, template } },
    replicationcontroller: { metadata: { namespace: "ns", name: "rc" }, spec: { replicas: 0, selector: { app: "rc" }, template } },
    job: { metadata: { namespace: "ns", name: "j" }, spec: { template } },
    cronjob: { metadata: { namespace: "ns", name: "cj" }, spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template } } } },
  };
  for (const list of WORKLOAD_LISTS.filter((l) => l.kind !== "pod" && l.kind !== "controllerrevision")) {
    it(`a ${list.kind} uses its pod template's containers and init containers`, () => {
      const item = objects[list.kind] as { metadata: { name: string } };
      const workload = `eks ${list.kind} ns/${item.metadata.name} (cluster c)`;
      expect(list.uses(item, "c")).to.deep.equal([
        { image: `${ECR}/a:1`, workload },
        { image: `${ECR}/b`, workload },
      ]);
    });
  }

  it("reads every list cluster-wide", () => {
    expect(WORKLOAD_LISTS.map((l) => l.path)).to.deep.equal([
      "/api/v1/pods",
      "/apis/apps/v1/deployments",
      "/apis/apps/v1/statefulsets",
      "/apis/apps/v1/daemonsets",
      "/apis/apps/v1/replicasets",
      "/api/v1/replicationcontrollers",
      "/apis/batch/v1/jobs",
      "/apis/batch/v1/cronjobs",
      "/apis/apps/v1/controllerrevisions",
    ]);
  });

  describe("a ControllerRevision: a StatefulSet's or DaemonSet's earlier template, named after its owner", () => {
    const revision = (extra: Record<string, unknown>) => ({
      apiVersion: "apps/v1",
      kind: "ControllerRevision",
      metadata: { namespace: "db", name: "pg-7c9f8d", ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "pg", controller: true }] },
      revision: 3,
      data: { spec: { template: { $patch: "replace", spec: { containers: [{ name: "pg", image: `${ECR}/pg:15` }], initContainers: [{ name: "i", image: `${ECR}/init:2` }] } } } },
      ...extra,
    });
    const cases: [string, unknown, { image: string; workload: string }[]][] = [
      ["a StatefulSet's revision 3", revision({}), [
        { image: `${ECR}/pg:15`, workload: "eks statefulset db/pg revision 3 (cluster c)" },
        { image: `${ECR}/init:2`, workload: "eks statefulset db/pg revision 3 (cluster c)" },
      ]],
      ["one without an owner, by its own name", revision({ metadata: { namespace: "db", name: "orphan" } }), [
        { image: `${ECR}/pg:15`, workload: "eks controllerrevision db/orphan (cluster c)" },
        { image: `${ECR}/init:2`, workload: "eks controllerrevision db/orphan (cluster c)" },
      ]],
      ["a StatefulSet's revision whose data is a string of JSON (RawExtension)", revision({ data: JSON.stringify(revision({}).data) }), [
        { image: `${ECR}/pg:15`, workload: "eks statefulset db/pg revision 3 (cluster c)" },
        { image: `${ECR}/init:2`, workload: "eks statefulset db/pg revision 3 (cluster c)" },
      ]],
      ["a DaemonSet's revision with an image volume", revision({
        metadata: { namespace: "kube-system", name: "agent-1", ownerReferences: [{ kind: "DaemonSet", name: "agent", controller: true }] },
        data: { spec: { template: { spec: { containers: [{ name: "a", image: `${ECR}/agent:1` }], volumes: [{ name: "rules", image: { reference: `${ECR}/rules:7` } }] } } } },
      }), [
        { image: `${ECR}/agent:1`, workload: "eks daemonset kube-system/agent revision 3 (cluster c)" },
        { image: `${ECR}/rules:7`, workload: "eks daemonset kube-system/agent revision 3 (cluster c)" },
      ]],
      // Another controller's revisions (KubeVirt's, an operator's) hold its own state: read best-effort.
      ["another owner's revision whose data is not a template", revision({ metadata: { namespace: "vm", name: "r", ownerReferences: [{ kind: "VirtualMachine", name: "vm1" }] }, data: { replicas: 3 } }), []],
      ["another owner's revision whose data is a string that is not JSON", revision({ metadata: { namespace: "vm", name: "r", ownerReferences: [{ kind: "VirtualMachine", name: "vm1" }] }, data: "{" }), []],
      ["an ownerless revision without data", revision({ metadata: { namespace: "db", name: "orphan" }, data: undefined }), []],
    ];
    for (const [title, item, expected] of cases) {
      it(title, () => {
        expect(WORKLOAD_LISTS.find((l) => l.kind === "controllerrevision")!.uses(item, "c")).to.deep.equal(expected);
      });
    }

    // A StatefulSet's or DaemonSet's revision is a rollback target: one that cannot be read fails the cluster closed.
    const unreadable: [string, unknown, string][] = [
      ["data that is not a template", revision({ data: { replicas: 3 } }), "eks statefulset db/pg revision 3 (cluster c): data.spec.template.spec is absent, not a pod spec"],
      ["no data", revision({ data: undefined }), "eks statefulset db/pg revision 3 (cluster c): data.spec.template.spec is absent, not a pod spec"],
      ["data that is a string but not JSON", revision({ data: "{spec" }), "eks statefulset db/pg revision 3 (cluster c): data is a string that is not JSON"],
      ["a template without containers", revision({ data: { spec: { template: { spec: { containers: [] } } } } }), "eks statefulset db/pg revision 3 (cluster c): data.spec.template.spec.containers is an empty list"],
    ];
    for (const [title, item, message] of unreadable) {
      it(`a StatefulSet's revision with ${title} is unreadable`, () => {
        expect(() => WORKLOAD_LISTS.find((l) => l.kind === "controllerrevision")!.uses(item, "c")).to.throw(UnreadableWorkload, message);
      });
    }
  });

  // This once asserted that malformed objects read as "uses nothing". That is how a stripped or rewritten object
  // (a proxy, a metadata-only list) let a workload's image be deleted: now each is unreadable and fails its cluster.
  const malformed: [string, unknown, string][] = [
    ["null", null, "eks pod default/? (cluster c): spec is absent, not a pod spec"],
    ["a number", 5, "eks pod default/? (cluster c): spec is absent, not a pod spec"],
    ["metadata only", { metadata: { namespace: "ns", name: "p" } }, "eks pod ns/p (cluster c): spec is absent, not a pod spec"],
    ["a spec that is a number", { spec: 3 }, "eks pod default/? (cluster c): spec is a number, not a pod spec"],
    ["no containers", { spec: {} }, "eks pod default/? (cluster c): spec.containers is absent"],
    ["containers keyed by name", { spec: { containers: { web: { image: "x" } } } }, "eks pod default/? (cluster c): spec.containers is an object, not a list"],
    ["an empty containers list", { spec: { containers: [] } }, "eks pod default/? (cluster c): spec.containers is an empty list"],
    ["a container that is null", { spec: { containers: [null] } }, "eks pod default/? (cluster c): spec.containers[0] is null, not an object"],
    ["an image that is a number", { spec: { containers: [{ image: 7 }] } }, "eks pod default/? (cluster c): spec.containers[0].image is a number, not an image reference"],
    ["init containers that are a string", { spec: { containers: [{ image: "x" }], initContainers: "x" } }, "eks pod default/? (cluster c): spec.initContainers is a string, not a list"],
    ["a volume that is a string", { spec: { containers: [{ image: "x" }], volumes: ["v"] } }, "eks pod default/? (cluster c): spec.volumes[0] is a string, not an object"],
    ["an image volume that is a string", { spec: { containers: [{ image: "x" }], volumes: [{ name: "v", image: "x" }] } }, "eks pod default/? (cluster c): spec.volumes[0].image is a string, not an object"],
    ["container statuses that are a string", { spec: { containers: [{ image: "x" }] }, status: { containerStatuses: "no" } }, "eks pod default/? (cluster c): status.containerStatuses is a string, not a list"],
  ];
  for (const [title, item, message] of malformed) {
    it(`a pod with ${title} is unreadable`, () => {
      expect(() => podUses(item, "c")).to.throw(UnreadableWorkload, message);
    });
  }

  for (const list of WORKLOAD_LISTS.filter((l) => l.kind !== "pod" && l.kind !== "controllerrevision")) {
    it(`a ${list.kind} whose template has no containers list is unreadable`, () => {
      const item = JSON.parse(JSON.stringify(objects[list.kind]).replace(/"containers":\[[^\]]*\]/, '"containers":{}'));
      const field = list.kind === "cronjob" ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec";
      expect(() => list.uses(item, "c")).to.throw(UnreadableWorkload, `: ${field}.containers is an object, not a list`);
    });
  }

  it("a finished pod uses nothing, whatever its spec", () => {
    expect(podUses({ spec: 3, status: { phase: "Succeeded" } }, "c")).to.deep.equal([]);
  });

  // Image volumes (core/v1 VolumeSource `image`, Kubernetes 1.31+): mounted for the pod's life, pulled like a
  // container's image; the digest pulled is in the mount's volumeStatus.image.imageRef (core/v1 ImageVolumeStatus).
  it("a pod uses its image volumes, by reference and by the digest its container's mount status gives", () => {
    const pod = {
      metadata: { namespace: "ml", name: "serve-1" },
      spec: {
        containers: [{ name: "server", image: `${ECR}/server:v3` }],
        volumes: [{ name: "scratch", emptyDir: {} }, { name: "weights", image: { reference: `${ECR}/models:llm` } }, { name: "unset", image: {} }],
      },
      status: {
        phase: "Running",
        containerStatuses: [{
          name: "server",
          imageID: `${ECR}/server@${DIGEST}`,
          volumeMounts: [{ name: "scratch", mountPath: "/tmp" }, { name: "weights", mountPath: "/m", volumeStatus: { image: { imageRef: `${ECR}/staging/models@sha256:${"d".repeat(64)}` } } }],
        }],
      },
    };
    expect(podUses(pod, "c").map((u) => u.image)).to.deep.equal([
      `${ECR}/server:v3`,
      `${ECR}/models:llm`,
      `${ECR}/server@${DIGEST}`,
      `${ECR}/staging/models@sha256:${"d".repeat(64)}`,
      `${ECR}/models@sha256:${"d".repeat(64)}`,
    ]);
  });

  for (const list of WORKLOAD_LISTS.filter((l) => l.kind !== "pod" && l.kind !== "controllerrevision")) {
    it(`a ${list.kind} uses its pod template's image volumes`, () => {
      const withVolume = { spec: { ...template.spec, volumes: [{ name: "w", image: { reference: `${ECR}/models@${DIGEST}` } }] } };
      const item = JSON.parse(JSON.stringify(objects[list.kind]).replace(JSON.stringify(template), JSON.stringify(withVolume)));
      expect(list.uses(item, "c").map((u) => u.image)).to.deep.equal([`${ECR}/a:1`, `${ECR}/b`, `${ECR}/models@${DIGEST}`]);
    });
  }
});
