/**
 * The table (spec section 5): the demo's release history (examples/demo/registry.ts: hello_world's two years of
 * monthly releases, at a fixed `now`) rendered at 80, 100 and 160 columns, line for line; what kept each image; how
 * long lists are shortened in a dry run but never in --apply; and the width it takes.
 */
import { expect } from "chai";
import { resolve } from "node:path";
import { seedDemoRegistry } from "../examples/demo/registry";
import { loadConfigFile, parseConfig } from "../runtime/config/load";
import { ImageLine, RepositoryReport, RunReport, summarize } from "../runtime/engine/report";
import { runCleanup } from "../runtime/engine/run";
import { renderHtml } from "../runtime/report/html";
import { renderTable } from "../runtime/report/table";
import { tableWidth } from "../runtime/report/width";
import { startEcrEmulator } from "./emulator/server";
import { destroyAll, emulatorClients } from "./support/in-process";

const NOW = new Date("2026-12-01T12:00:00Z");
const POLICIES = resolve(__dirname, "../../examples/policies.yaml");

/** The lines of one repository's section (from its name to the blank line after it). */
function section(table: string, repository: string): string[] {
  const lines = table.split("\n");
  const start = lines.indexOf(repository);
  expect(start, `no section ${repository}`).to.be.greaterThan(-1);
  return lines.slice(start, lines.indexOf("", start));
}

function summaryOf(table: string): string[] {
  const lines = table.split("\n");
  return lines.slice(lines.findIndex((line) => line.startsWith("Summary (")));
}

/** hello_world's section, line for line, at each width. */
const HELLO_WORLD: Record<number, string[]> = {
  80: [
    "hello_world",
    "  #1  Flush untagged images older than 7 days, leave no less than 7 images",
    "      untagged mode",
    "      alone it would keep count 7; delete untagged-expired 45",
    "  #2  Protect images created for a year since the last significant tag, leave no",
    "      less than 13 images",
    "      anchor mode: anchor 3e73da49d07e [prod,v2.6.0] pushed 2026-06-04 10:00,",
    "        protects back to 2025-06-04 10:00",
    "      alone it would keep newer-than-anchor 20, anchor 1, period 36; delete",
    "        beyond-window 18",
    "  DIGEST        TAGS    PUSHED      SIZE       ACTION  REASON             POLICY",
    "  89161d52e864  -       2025-05-30  89.0 MiB   DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  60423e3d596f  -       2025-05-20  63.0 MiB   DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  7d090548d3ff  v1.5.0  2025-05-10  149.0 MiB  DELETE  beyond-window      #2",
    "  3fc6d1035128  -       2025-04-30  72.0 MiB   DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  afa71072502b  -       2025-04-20  71.0 MiB   DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  af08d99ca3fb  v1.4.0  2025-04-10  109.0 MiB  DELETE  beyond-window      #2",
    "  cf2643f95905  -       2025-03-31  80.0 MiB   DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  f204ef3e70ef  -       2025-03-21  73.0 MiB   DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  f231a39ed0b1  v1.3.0  2025-03-11  125.0 MiB  DELETE  beyond-window      #2",
    "  3309dc770062  -       2025-03-01  86.0 MiB   DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  62bc850c90c2  -       2025-02-19  99.0 MiB   DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  af9724a64446  v1.2.0  2025-02-09  61.0 MiB   DELETE  beyond-window      #2",
    "  4918cf0e8e34  -       2025-01-30  71.0 MiB   DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  9f1bf30e5291  -       2025-01-20  63.0 MiB   DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  c1045261b216  v1.1.0  2025-01-10  99.0 MiB   DELETE  beyond-window      #2",
    "  b90eb4b066d8  -       2024-12-31  133.0 MiB  DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  d7d080fea0ca  -       2024-12-21  115.0 MiB  DELETE  untagged-expired,  #1,#2",
    "                                                       beyond-window",
    "  f77abefa91da  v1.0.0  2024-12-11  139.0 MiB  DELETE  beyond-window      #2",
    "  result: 75 images, 57 kept (count 7, newer-than-anchor 13, anchor 1, period",
    "          36), 18 to delete (1.7 GiB)",
    "  (the policies' lines count 64 keeps for these 57 images: an image that several",
    "   policies keep counts under each of them, and once here)",
  ],
  100: [
    "hello_world",
    "  #1  Flush untagged images older than 7 days, leave no less than 7 images",
    "      untagged mode",
    "      alone it would keep count 7; delete untagged-expired 45",
    "  #2  Protect images created for a year since the last significant tag, leave no less than 13 images",
    "      anchor mode: anchor 3e73da49d07e [prod,v2.6.0] pushed 2026-06-04 10:00, protects back to",
    "        2025-06-04 10:00",
    "      alone it would keep newer-than-anchor 20, anchor 1, period 36; delete beyond-window 18",
    "  DIGEST        TAGS    PUSHED (UTC)      SIZE       ACTION  REASON                           POLICY",
    "  89161d52e864  -       2025-05-30 16:00  89.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  60423e3d596f  -       2025-05-20 14:00  63.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  7d090548d3ff  v1.5.0  2025-05-10 10:00  149.0 MiB  DELETE  beyond-window                    #2",
    "  3fc6d1035128  -       2025-04-30 16:00  72.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  afa71072502b  -       2025-04-20 14:00  71.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  af08d99ca3fb  v1.4.0  2025-04-10 10:00  109.0 MiB  DELETE  beyond-window                    #2",
    "  cf2643f95905  -       2025-03-31 16:00  80.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  f204ef3e70ef  -       2025-03-21 14:00  73.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  f231a39ed0b1  v1.3.0  2025-03-11 10:00  125.0 MiB  DELETE  beyond-window                    #2",
    "  3309dc770062  -       2025-03-01 16:00  86.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  62bc850c90c2  -       2025-02-19 14:00  99.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  af9724a64446  v1.2.0  2025-02-09 10:00  61.0 MiB   DELETE  beyond-window                    #2",
    "  4918cf0e8e34  -       2025-01-30 16:00  71.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  9f1bf30e5291  -       2025-01-20 14:00  63.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  c1045261b216  v1.1.0  2025-01-10 10:00  99.0 MiB   DELETE  beyond-window                    #2",
    "  b90eb4b066d8  -       2024-12-31 16:00  133.0 MiB  DELETE  untagged-expired, beyond-window  #1,#2",
    "  d7d080fea0ca  -       2024-12-21 14:00  115.0 MiB  DELETE  untagged-expired, beyond-window  #1,#2",
    "  f77abefa91da  v1.0.0  2024-12-11 10:00  139.0 MiB  DELETE  beyond-window                    #2",
    "  result: 75 images, 57 kept (count 7, newer-than-anchor 13, anchor 1, period 36), 18 to delete",
    "          (1.7 GiB)",
    "  (the policies' lines count 64 keeps for these 57 images: an image that several policies keep",
    "   counts under each of them, and once here)",
  ],
  160: [
    "hello_world",
    "  #1  Flush untagged images older than 7 days, leave no less than 7 images",
    "      untagged mode",
    "      alone it would keep count 7; delete untagged-expired 45",
    "  #2  Protect images created for a year since the last significant tag, leave no less than 13 images",
    "      anchor mode: anchor 3e73da49d07e [prod,v2.6.0] pushed 2026-06-04 10:00, protects back to 2025-06-04 10:00",
    "      alone it would keep newer-than-anchor 20, anchor 1, period 36; delete beyond-window 18",
    "  DIGEST        TAGS    PUSHED (UTC)      SIZE       ACTION  REASON                           POLICY",
    "  89161d52e864  -       2025-05-30 16:00  89.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  60423e3d596f  -       2025-05-20 14:00  63.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  7d090548d3ff  v1.5.0  2025-05-10 10:00  149.0 MiB  DELETE  beyond-window                    #2",
    "  3fc6d1035128  -       2025-04-30 16:00  72.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  afa71072502b  -       2025-04-20 14:00  71.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  af08d99ca3fb  v1.4.0  2025-04-10 10:00  109.0 MiB  DELETE  beyond-window                    #2",
    "  cf2643f95905  -       2025-03-31 16:00  80.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  f204ef3e70ef  -       2025-03-21 14:00  73.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  f231a39ed0b1  v1.3.0  2025-03-11 10:00  125.0 MiB  DELETE  beyond-window                    #2",
    "  3309dc770062  -       2025-03-01 16:00  86.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  62bc850c90c2  -       2025-02-19 14:00  99.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  af9724a64446  v1.2.0  2025-02-09 10:00  61.0 MiB   DELETE  beyond-window                    #2",
    "  4918cf0e8e34  -       2025-01-30 16:00  71.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  9f1bf30e5291  -       2025-01-20 14:00  63.0 MiB   DELETE  untagged-expired, beyond-window  #1,#2",
    "  c1045261b216  v1.1.0  2025-01-10 10:00  99.0 MiB   DELETE  beyond-window                    #2",
    "  b90eb4b066d8  -       2024-12-31 16:00  133.0 MiB  DELETE  untagged-expired, beyond-window  #1,#2",
    "  d7d080fea0ca  -       2024-12-21 14:00  115.0 MiB  DELETE  untagged-expired, beyond-window  #1,#2",
    "  f77abefa91da  v1.0.0  2024-12-11 10:00  139.0 MiB  DELETE  beyond-window                    #2",
    "  result: 75 images, 57 kept (count 7, newer-than-anchor 13, anchor 1, period 36), 18 to delete (1.7 GiB)",
    "  (the policies' lines count 64 keeps for these 57 images: an image that several policies keep counts under each of them, and once here)",
  ],
};

/** The summary at 80 columns. */
const SUMMARY_80 = [
  "Summary (dry run, now 2026-12-01T12:00:00.000Z)",
  "  repositories:     3",
  "  not governed:     some_ignored_repository (no policy governs it: never",
  "                    touched)",
  "  images scanned:   141",
  "  planned:          49 by the policies",
  "  withheld:         0",
  "  to delete:        49, 4.3 GiB to free",
  "  kept by safety:   in-use:ecs-task 1, in-use:lambda 1, member-of-kept 17",
  "  failures:         0",
  "",
  "Dry run: nothing was deleted. Run again with --apply to delete the images marked",
  "  DELETE.",
  "",
];

async function demoReport(options: { apply?: boolean; listKept?: boolean } = {}): Promise<RunReport> {
  const emulator = await startEcrEmulator();
  try {
    seedDemoRegistry(emulator, NOW);
    const clients = emulatorClients(emulator.endpoint);
    try {
      return await runCleanup({ config: await loadConfigFile(POLICIES), now: NOW, apply: options.apply ?? false, listKept: options.listKept, ...clients });
    } finally {
      destroyAll([clients.ecr]);
    }
  } finally {
    await emulator.stop();
  }
}

describe("the table: the demo's release history", () => {
  let report: RunReport;
  before(async () => {
    report = await demoReport();
  });

  for (const width of [80, 100, 160]) {
    it(`hello_world at ${width} columns, line for line`, () => {
      expect(section(renderTable(report, { width }), "hello_world")).to.deep.equal(HELLO_WORLD[width]);
    });

    it(`no line is wider than ${width} columns`, () => {
      const table = renderTable(report, { width });
      const wide = table.split("\n").filter((line) => line.length > width);
      expect(wide).to.deep.equal([]);
    });
  }

  it("the summary at 80 columns: planned, withheld and to delete, every safety keep, and the warnings", () => {
    expect(summaryOf(renderTable(report, { width: 80 }))).to.deep.equal(SUMMARY_80);
  });

  it("a warning in the summary wraps at 80 columns under its own first word", () => {
    const warning =
      'hello_world: no image carries significant tag latest of policy "Protect images created for a year since the last significant tag, leave no less than 13 images", so that channel has no position here and the anchor is the oldest of the others (check for typos)';
    const lines = summaryOf(renderTable({ ...report, warnings: [warning] }, { width: 80 }));
    expect(lines.slice(lines.indexOf("  failures:         0") + 1, -4)).to.deep.equal([
      "  WARNING hello_world: no image carries significant tag latest of policy",
      "          \"Protect images created for a year since the last significant tag,",
      "          leave no less than 13 images\", so that channel has no position here",
      "          and the anchor is the oldest of the others (check for typos)",
    ]);
  });

  it("a 160-column table uses its width: hello_world's rows stand on one line each, with the time of the push", () => {
    const rows = section(renderTable(report, { width: 160 }), "hello_world").filter((line) => /^  [0-9a-f]{12} /.test(line));
    expect(rows).to.have.length(18);
    for (const row of rows) expect(row).to.match(/^  [0-9a-f]{12}  \S+ +\d{4}-\d\d-\d\d \d\d:\d\d  /);
  });

  it("safety keeps: in use, and members of kept units under the image that holds them", () => {
    const lines = section(renderTable(report, { width: 160 }), "payments-api");
    const inUse = lines.filter((line) => / keep +in-use:/.test(line));
    expect(inUse.map((line) => line.match(/keep +(\S+)/)![1])).to.deep.equal(["in-use:ecs-task", "in-use:lambda"]);
    // Each member row follows its index's row, which says which policy kept the unit.
    const release = lines.findIndex((line) => line.includes(" v3.2.0 "));
    expect(lines[release]).to.match(/ keep +untouched +-$/);
    expect(lines.slice(release + 1, release + 4).every((line) => /^  └ [0-9a-f]{12} .* keep +member-of-kept$/.test(line))).to.equal(true);
    const counted = lines.find((line) => line.startsWith("  acac15de355f"))!;
    expect(counted).to.match(/ -  +keep +count +#1$/);
  });

  it("sizes add up: an index shows no size of its own, and the rows marked DELETE add up to the result", () => {
    const repo = report.repositories.find((r) => r.repository === "payments-api")!;
    const deleted = repo.images.filter((line) => line.action === "delete");
    expect(deleted.reduce((sum, line) => sum + line.countedBytes!, 0)).to.equal(repo.bytesToFree);
    const index = deleted.find((line) => line.unitOf === undefined)!;
    expect(index.countedBytes).to.equal(0);
    expect(index.sizeBytes).to.be.greaterThan(0);
  });

  it("--show kept lists every kept image with its reason: v2.5.0 stays, by policy #2's period", async () => {
    const every = await demoReport({ listKept: true });
    const lines = section(renderTable(every, { width: 100, show: "kept" }), "hello_world");
    expect(lines.filter((line) => /^  [0-9a-f]{12} /.test(line))).to.have.length(75);
    expect(lines.find((line) => line.includes(" v2.5.0 "))).to.match(/ keep +period +#2$/);
    expect(lines.find((line) => line.includes(" prod,v2.6.0 "))).to.match(/ keep +anchor +#2$/);
  });
});

/** A synthetic repository report: `deletions` untagged images to delete and `keeps` images a safety rule kept. */
function bigRepository(deletions: number, keeps: number, apply: boolean): RepositoryReport {
  const line = (i: number, action: "keep" | "delete"): ImageLine => ({
    digest: `sha256:${i.toString(16).padStart(64, "0")}`,
    tags: [],
    pushedAt: new Date(Date.UTC(2026, 0, 1) - i * 3_600_000).toISOString(),
    sizeBytes: 1024,
    countedBytes: 1024,
    action,
    reason: action === "delete" ? "untagged-expired" : "in-use:lambda",
    policies: [{ policy: "flush", verdict: "delete", reason: "untagged-expired" }],
    ...(action === "keep" ? { keptBySafety: true, workloads: [`lambda fn-${i}:1`] } : {}),
    ...(apply && action === "delete" ? { outcome: "deleted" as const } : {}),
  });
  const images = [...Array.from({ length: keeps }, (_, i) => line(i, "keep")), ...Array.from({ length: deletions }, (_, i) => line(keeps + i, "delete"))];
  return {
    repository: "big",
    policies: ["flush"],
    modes: [{ policy: "flush", mode: "untagged", keep: {}, delete: { "untagged-expired": deletions } }],
    images,
    kept: { "in-use:lambda": keeps },
    imagesScanned: deletions + keeps,
    toDelete: deletions,
    deleted: apply ? deletions : 0,
    bytesToFree: deletions * 1024,
    bytesFreed: apply ? deletions * 1024 : 0,
    errors: [],
  };
}

function runReport(repositories: RepositoryReport[], apply: boolean): RunReport {
  return { apply, now: NOW.toISOString(), policies: ["flush"], repositories, notGoverned: [], notReached: [], errors: [], warnings: [], summary: summarize(repositories, []) };
}

describe("the table: long lists", () => {
  const rowsOf = (table: string) => table.split("\n").filter((line) => /^  [0-9a-f]{12} /.test(line));

  it("a dry run with thousands of deletions prints the first 20 of each decision and says how to see the rest", () => {
    const table = renderTable(runReport([bigRepository(3000, 50, false)], false), { width: 100 });
    const rows = rowsOf(table);
    expect(rows.filter((row) => row.includes(" DELETE "))).to.have.length(20);
    expect(rows.filter((row) => row.includes(" keep "))).to.have.length(20);
    expect(table).to.include("  … 2980 more to delete and 30 more kept not shown (the first 20 of each are): --show all lists\n    every image, and so does --output json\n");
    expect(table).to.include("  result: 3050 images, 50 kept (in-use:lambda 50), 3000 to delete (2.9 MiB)\n");
  });

  it("a short list is never shortened", () => {
    expect(rowsOf(renderTable(runReport([bigRepository(40, 3, false)], false), { width: 100 }))).to.have.length(43);
  });

  it("--show all lists every line; --show kept every kept image, deletions still shortened", () => {
    const report = runReport([bigRepository(3000, 50, false)], false);
    expect(rowsOf(renderTable(report, { width: 100, show: "all" }))).to.have.length(3050);
    const kept = rowsOf(renderTable(report, { width: 100, show: "kept" }));
    expect(kept.filter((row) => row.includes(" keep "))).to.have.length(50);
    expect(kept.filter((row) => row.includes(" DELETE "))).to.have.length(20);
  });

  it("an --apply table lists every image it deleted", () => {
    const table = renderTable(runReport([bigRepository(3000, 50, true)], true), { width: 100 });
    expect(rowsOf(table).filter((row) => row.includes(" DELETED "))).to.have.length(3000);
    expect(table).to.include("  … 30 more kept not shown");
  });

  it("a safety keep names the workload that kept it, under its row", () => {
    const lines = renderTable(runReport([bigRepository(1, 1, false)], false), { width: 100 }).split("\n");
    const row = lines.findIndex((line) => /^  0{12} /.test(line));
    expect(lines[row]).to.match(/ keep +in-use:lambda$/);
    expect(lines[row + 1]).to.equal(`${" ".repeat(16)}lambda fn-0:1`);
  });
});

describe("the table: withheld deletions", () => {
  it("the summary shows what was planned, what a cap withheld, and what is left to delete", () => {
    const capped = bigRepository(0, 12, false);
    const images = capped.images.map((line): ImageLine => ({ ...line, reason: "cap-exceeded", workloads: undefined }));
    const repo: RepositoryReport = { ...capped, images, kept: { "cap-exceeded": 12 }, withheld: { "cap-exceeded": 12 }, imagesScanned: 20, capExceeded: { cap: 10, planned: 12 } };
    const summary = summaryOf(renderTable(runReport([repo], false), { width: 100 }));
    expect(summary.slice(0, 8)).to.deep.equal([
      "Summary (dry run, now 2026-12-01T12:00:00.000Z)",
      "  repositories:     1 (1 skipped by max_deletions)",
      "  images scanned:   20",
      "  planned:          12 by the policies",
      "  withheld:         12 (cap-exceeded 12): kept in this run",
      "  to delete:        0, 0 B to free",
      "  kept by safety:   cap-exceeded 12",
      "  failures:         0",
    ]);
  });
});

describe("the table: a dry run's last lines say what to run next", () => {
  const PLAN = { file: "plan.json", sha256: "ab".repeat(32) };
  const COMMAND = `    ecr-cleanup apply plan.json --expect-sha256 ${"ab".repeat(32)}`;
  // [title, deletions, archives, a plan written, the lines after "failures"]
  const cases: [string, number, number, boolean, string[]][] = [
    ["deletions, no plan: run again with --apply", 5, 0, false, ["", "Dry run: nothing was deleted. Run again with --apply to delete the images marked", "  DELETE.", ""]],
    ["deletions, a plan written: the reviewed plan's command, on a line of its own", 5, 0, true,
      ["", "Dry run: nothing was deleted. To delete the images marked DELETE, apply the", "  reviewed plan:", COMMAND, ""]],
    ["archives, a plan written", 0, 2, true, ["", "Dry run: nothing was archived. To archive the images marked ARCHIVE, apply the", "  reviewed plan:", COMMAND, ""]],
    ["both, a plan written: one command", 5, 2, true,
      ["", "Dry run: nothing was deleted or archived. To delete and archive the images", "  marked DELETE and ARCHIVE, apply the reviewed plan:", COMMAND, ""]],
    ["both, no plan: a line each", 5, 2, false, [
      "", "Dry run: nothing was deleted. Run again with --apply to delete the images marked", "  DELETE.",
      "", "Dry run: nothing was archived. Run again with --apply to archive the images", "  marked ARCHIVE.", "",
    ]],
    ["nothing to do, a plan written: no next step", 0, 0, true, [""]],
  ];
  for (const [title, deletions, archives, planned, expected] of cases) {
    it(title, () => {
      const report = runReport([bigRepository(deletions, 1, false)], false);
      const acting = { ...report, summary: { ...report.summary, toArchive: archives }, ...(planned ? { planOut: PLAN } : {}) };
      const lines = summaryOf(renderTable(acting, { width: 80 }));
      expect(lines.slice(lines.indexOf("  failures:         0") + 1)).to.deep.equal(expected);
    });
  }
});

describe("the table: the policy legend in number order", () => {
  it("#1 before #2 whatever their names: zeta (#1 in the file) before alpha (#2); the JSON's per-repository list stays by name", async () => {
    const config = parseConfig(`
policies:
  - name: zeta untagged
    protected_period: 7d
    protected_count: 1
    significant_tags: '*'
  - name: alpha releases
    protected_period: 30d
    protected_count: 1
    significant_tags: [prod]
settings:
  in_use: { ecs: false, lambda: false, eks: false, app_runner: false, batch: false }
`, "policies.yaml");
    const emulator = await startEcrEmulator();
    let report: RunReport;
    try {
      emulator.registry.createRepository("app");
      for (let day = 40; day >= 1; day -= 3) emulator.registry.putImage("app", { tags: day === 4 ? ["prod"] : [], pushedAt: new Date(NOW.getTime() - day * 86_400_000) });
      const clients = emulatorClients(emulator.endpoint);
      try {
        report = await runCleanup({ config, now: NOW, apply: false, ...clients });
      } finally {
        destroyAll([clients.ecr]);
      }
    } finally {
      await emulator.stop();
    }
    expect(report.policies).to.deep.equal(["zeta untagged", "alpha releases"]);
    expect(report.repositories[0].policies).to.deep.equal(["alpha releases", "zeta untagged"]);
    const legend = section(renderTable(report, { width: 100 }), "app").filter((line) => /^  #\d/.test(line));
    expect(legend).to.deep.equal(["  #1  zeta untagged", "  #2  alpha releases"]);
    const modes = /<ul class="modes">(.*?)<\/ul>/s.exec(renderHtml(report))![1].match(/<li>#\d/g);
    expect(modes).to.deep.equal(["<li>#1", "<li>#2"]);
  });
});

describe("tableWidth", () => {
  const cases: [number | undefined, string | undefined, number][] = [
    [120, undefined, 120],
    [120, "200", 120],
    [undefined, "132", 132],
    [undefined, undefined, 100],
    [undefined, "abc", 100],
    [undefined, "", 100],
    [undefined, "0", 100],
    [60, undefined, 80],
    [undefined, "40", 80],
    [0, "90", 90],
  ];
  for (const [terminal, variable, width] of cases) {
    it(`terminal ${terminal}, COLUMNS ${JSON.stringify(variable)}: ${width}`, () => {
      expect(tableWidth(terminal, variable)).to.equal(width);
    });
  }
});
