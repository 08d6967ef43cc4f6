/** What a Kubernetes object uses, table by table: pods by phase and container kind, imageID forms, templates. */
import { expect } from "chai";
import { podUses, referenceOfImageId, WORKLOAD_LISTS } from "../runtime/inuse/eks/workloads";

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
      ["one whose data is not a template (another controller's state)", revision({ data: { replicas: 3 } }), []],
      ["one without data", revision({ data: undefined }), []],
    ];
    for (const [title, item, expected] of cases) {
      it(title, () => {
        expect(WORKLOAD_LISTS.find((l) => l.kind === "controllerrevision")!.uses(item, "c")).to.deep.equal(expected);
      });
    }
  });

  it("takes malformed objects without throwing", () => {
    for (const item of [null, 5, "x", [], { spec: 3 }, { spec: { containers: [null, { image: 7 }] } }, { status: { containerStatuses: "no" } }]) {
      expect(podUses(item, "c")).to.deep.equal([]);
      for (const list of WORKLOAD_LISTS) expect(list.uses(item, "c")).to.deep.equal([]);
    }
  });
});
