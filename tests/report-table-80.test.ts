/**
 * The table at 80 columns, the narrowest it gets: a workload is named by its identifying part, under its row, so that
 * an in-use row takes at most 3 lines; a tag of up to 16 characters is never shortened; a reason code wraps only
 * after its hyphens and colons. Exact lines for the cases a user meets, and a property over any rows.
 */
import { expect } from "chai";
import fc from "fast-check";
import { ImageLine, RepositoryReport, RunReport, summarize } from "../runtime/engine/report";
import type { ReasonCode } from "../runtime/planner/types";
import { renderTable } from "../runtime/report/table";
import { workloadLabel } from "../runtime/report/workload";

const NOW = "2026-12-01T12:00:00.000Z";
const MiB = 1024 * 1024;

function image(n: number, fields: Partial<ImageLine>): ImageLine {
  return {
    digest: `sha256:${n.toString(16).padStart(12, "0")}${"0".repeat(52)}`,
    tags: [],
    pushedAt: new Date(Date.UTC(2026, 10, 1) - n * 86_400_000).toISOString(),
    sizeBytes: 69 * MiB,
    countedBytes: 69 * MiB,
    action: "delete",
    reason: "beyond-window",
    policies: [{ policy: "releases", verdict: "delete", reason: "beyond-window" }],
    ...fields,
  };
}

function report(images: ImageLine[]): RunReport {
  const repo: RepositoryReport = {
    repository: "payments-api",
    policies: ["flush", "releases"],
    modes: [{ policy: "flush", mode: "untagged", keep: {}, delete: {} }, { policy: "releases", mode: "untagged", keep: {}, delete: {} }],
    images,
    kept: {},
    imagesScanned: images.length,
    toDelete: images.filter((i) => i.action === "delete").length,
    deleted: 0,
    bytesToFree: 0,
    bytesFreed: 0,
    errors: [],
  };
  return { apply: false, now: NOW, policies: ["flush", "releases"], repositories: [repo], notGoverned: [], notReached: [], errors: [], warnings: [], summary: summarize([repo], []) };
}

/** The table's lines of the one repository: from its header row to the result line. */
function tableLines(images: ImageLine[], width = 80): string[] {
  const lines = renderTable(report(images), { width, show: "all" }).split("\n");
  return lines.slice(lines.findIndex((l) => l.startsWith("  DIGEST")), lines.findIndex((l) => l.startsWith("  result:")));
}

const TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/production/52d3205341a4b4e9735dfb8fd6d2403d";

describe("workloadLabel: a workload by its identifying part", () => {
  const cases: [string, string][] = [
    [`ecs task ${TASK_ARN}`, "ecs task 52d3205341a4b4e9735dfb8fd6d2403d"],
    ["ecs service production/payments", "ecs service production/payments"],
    ["ecs task-definition payments:1", "ecs task-definition payments:1"],
    ["lambda payments-reconcile:$LATEST", "lambda payments-reconcile:$LATEST"],
    ["eks pod web/api-7f9c (cluster prod)", "eks pod web/api-7f9c"],
    ["eks deployment kube-system/coredns (cluster arn:aws:eks:eu-west-1:123456789012:cluster/prod)", "eks deployment kube-system/coredns"],
    ["app-runner checkout", "app-runner checkout"],
    ["batch nightly-report:3", "batch nightly-report:3"],
    [`210987654321 eu-west-1 ecs task ${TASK_ARN}`, "210987654321 eu-west-1 ecs task 52d3205341a4b4e9735dfb8fd6d2403d"],
  ];
  for (const [workload, label] of cases) it(workload, () => expect(workloadLabel(workload)).to.equal(label));
});

describe("the table at 80 columns", () => {
  it("names the workloads under an in-use row, as many as fit, and counts the rest: at most 3 lines", () => {
    const lines = tableLines([
      image(1, { tags: ["hotfix-2041"], action: "keep", reason: "in-use:ecs-task", keptBySafety: true, policies: [],
        workloads: ["ecs service production/payments", `ecs task ${TASK_ARN}`, "ecs task-definition payments:1"] }),
      image(2, { tags: ["v1.4.0"], action: "keep", reason: "in-use:lambda", keptBySafety: true, policies: [], workloads: ["lambda payments-reconcile:$LATEST"] }),
      image(3, { tags: ["v1.3.0"] }),
    ]);
    expect(lines).to.deep.equal([
      "  DIGEST        TAGS         PUSHED      SIZE      ACTION  REASON         POLICY",
      "  000000000001  hotfix-2041  2026-10-31  69.0 MiB  keep    in-use:ecs-",
      "                                                           task",
      "                ecs service production/payments and 2 more",
      "  000000000002  v1.4.0       2026-10-30  69.0 MiB  keep    in-use:lambda",
      "                lambda payments-reconcile:$LATEST",
      "  000000000003  v1.3.0       2026-10-29  69.0 MiB  DELETE  beyond-window  #2",
    ]);
  });

  it("keeps tags of 16 characters whole and shortens only longer ones; wraps reason codes after a hyphen, never inside a word", () => {
    const lines = tableLines([
      image(1, { tags: ["release-2026-q4x"], reason: "untagged-expired", policies: [
        { policy: "flush", verdict: "delete", reason: "untagged-expired" }, { policy: "releases", verdict: "delete", reason: "beyond-window" }] }),
      image(2, { tags: [`sha256-${"a".repeat(64)}.sig`], action: "keep", reason: "member-of-kept", keptBySafety: true, policies: [], unitOf: "sha256:1" }),
    ]);
    expect(lines).to.deep.equal([
      "  DIGEST          TAGS              PUSHED      SIZE      ACTION  REASON",
      "  000000000001    release-2026-q4x  2026-10-31  69.0 MiB  DELETE  untagged-",
      "                                                                  expired,",
      "                                                                  beyond-window",
      "                  POLICY #1,#2",
      "  └ 000000000002  sha256-aaa…a.sig  2026-10-30  69.0 MiB  keep    member-of-kept",
    ]);
  });

  it("when even the narrowest columns do not fit, POLICY goes under each row", () => {
    const lines = tableLines([
      image(1, { tags: ["release-2026-q4x"], action: "keep", reason: "holder-unreadable", keptBySafety: true, policies: [], unitOf: "sha256:9" }),
      image(2, { tags: ["v1"], reason: "beyond-window" }),
    ]);
    expect(lines).to.deep.equal([
      "  DIGEST          TAGS              PUSHED      SIZE      ACTION  REASON",
      "  └ 000000000001  release-2026-q4x  2026-10-31  69.0 MiB  keep    holder-",
      "                                                                  unreadable",
      "                  POLICY an archived index may hold it",
      "  000000000002    v1                2026-10-30  69.0 MiB  DELETE  beyond-window",
      "                  POLICY #2",
    ]);
  });
});

describe("the table at 80 columns: a grouped policy's group beside its number", () => {
  it("a group as long as the tag it comes from is shortened as a tag is: its row takes 4 lines, not one per 8 characters", () => {
    const group = `feature-${"x".repeat(230)}-end`;
    const lines = tableLines([
      image(1, { tags: [`${group}-abcdef0`], reason: "group-expired", policies: [{ policy: "releases", verdict: "delete", reason: "group-expired", group }] }),
    ]);
    expect(lines).to.deep.equal([
      "  DIGEST        TAGS        PUSHED      SIZE      ACTION  REASON        POLICY",
      "  000000000001  featur…ef0  2026-10-31  69.0 MiB  DELETE  group-        #2",
      "                                                          expired       feature-",
      "                                                                        xxxxxxxx",
      "                                                                        …xxx-end",
    ]);
  });
});

describe("the table at 80 columns, any rows (property)", () => {
  const REASONS: ReasonCode[] = ["beyond-window", "untagged-expired", "member-of-kept", "holder-unreadable", "unit-activating", "in-use:ecs-revision", "in-use:app-runner", "changed-since-plan", "count", "period"];
  const tag = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,39}$/);
  const line = fc.record({
    tags: fc.array(tag, { maxLength: 3 }),
    oneTag: fc.option(tag, { nil: undefined }),
    reason: fc.constantFrom(...REASONS),
    action: fc.constantFrom("keep" as const, "delete" as const, "archive" as const),
    member: fc.boolean(),
    workloads: fc.array(fc.constantFrom(`ecs task ${TASK_ARN}`, "eks pod web/api-7f9c (cluster prod)", "lambda fn:$LATEST", "ecs service prod/a-very-long-service-name-for-checkout"), { maxLength: 4 }),
    more: fc.nat({ max: 3000 }),
  });

  it("no line is wider than 80, no tag of up to 16 characters is cut, no in-use note takes more than the row's 3 lines", () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (specs) => {
        const images = specs.map((spec, n) => {
          const inUse = spec.action === "keep" && spec.workloads.length > 0;
          return image(n + 1, {
            // An in-use row with several tags wraps them over lines of its own; its note then takes one more.
            tags: inUse ? (spec.oneTag ? [spec.oneTag] : []) : [...new Set(spec.tags)],
            action: spec.action,
            reason: inUse ? "in-use:ecs-task" : spec.reason,
            ...(spec.action === "keep" ? { keptBySafety: true, policies: [] } : {}),
            ...(spec.member && n > 0 ? { unitOf: "sha256:1" } : {}),
            ...(inUse ? { workloads: spec.workloads, moreWorkloads: spec.more } : {}),
          });
        });
        const lines = tableLines(images);
        for (const text of lines) expect(text.length, text).to.be.at.most(80);
        const shown = lines.join("\n");
        for (const t of images.flatMap((i) => i.tags)) if (t.length <= 16) expect(shown).to.match(new RegExp(`(^|[ ,])${t.replace(/[.]/g, "\\.")}(,|\\s|$)`, "m"));
        // Rows start at the digest column; an in-use row (at most one tag) with its note takes at most 3 lines.
        const starts = lines.map((text, i) => (/^  (└ )?[0-9a-f]{12} /.test(text) ? i : -1)).filter((i) => i >= 0);
        starts.forEach((start, k) => {
          if (!images[k].workloads) return;
          const end = k + 1 < starts.length ? starts[k + 1] : lines.length;
          expect(end - start, lines.slice(start, end).join("\n")).to.be.at.most(3);
        });
      }),
      { numRuns: 300 },
    );
  });
});
