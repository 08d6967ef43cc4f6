/**
 * The HTML report at 100,000 images, in two shapes: one repository of 100,000 images (aggregation folds them into
 * at most 3000 marks) and 200 repositories of 500 (few overlap, so nearly every image is a mark of its own). For
 * each: the page's size (raw and gzipped), the time to render it (median of 3), and, where Chromium is installed,
 * the time a headless Chromium takes from navigation until its script has decompressed the data and drawn every timeline.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { ImageLine, RepositoryReport, RunReport } from "../runtime/engine/report";
import { renderHtml } from "../runtime/report/html";
import { Chromium, findChromium } from "../tests/support/chromium";

const NOW = Date.parse("2026-11-25T12:00:00Z");
const HOUR = 3_600_000;
const POLICIES = ["releases", "untagged builds"];

export interface HtmlBenchResult {
  shape: string;
  images: number;
  bytes: number;
  gzipBytes: number;
  renderMs: number;
  /** Undefined without Chromium. */
  browserLoadMs?: number;
}

/** A repository like the demo's hello_world, scaled: a release every 10 images, prod a third of the way back. */
export function repository(name: string, count: number, seed: number): RepositoryReport {
  const images: ImageLine[] = [];
  const anchorAt = Math.floor(count / 3);
  for (let i = 0; i < count; i++) {
    const pushedAt = new Date(NOW - (i + 1) * HOUR).toISOString();
    const digest = `sha256:${(seed * 1_000_003 + i).toString(16).padStart(64, "0")}`;
    const tags = i % 10 === 0 ? [`v${Math.floor((count - i) / 10)}.0.0`, ...(i === anchorAt - (anchorAt % 10) ? ["prod"] : [])] : [];
    const goes = i > anchorAt * 2;
    images.push({
      digest,
      tags,
      pushedAt,
      sizeBytes: 80_000_000 + (i % 50) * 1_000_000,
      action: goes ? "delete" : "keep",
      reason: goes ? "beyond-window" : i < anchorAt ? "newer-than-anchor" : "period",
      policies: [
        { policy: POLICIES[0], verdict: goes ? "delete" : "keep", reason: goes ? "beyond-window" : i < anchorAt ? "newer-than-anchor" : "period" },
        ...(tags.length ? [] : [{ policy: POLICIES[1], verdict: goes ? ("delete" as const) : ("keep" as const), reason: goes ? ("untagged-expired" as const) : ("count" as const) }]),
      ],
      ...(i % 97 === 5 && goes ? { action: "keep" as const, reason: "in-use:ecs-service" as const, keptBySafety: true } : {}),
    });
  }
  const anchor = images[anchorAt - (anchorAt % 10)];
  const toDelete = images.filter((l) => l.action === "delete");
  return {
    repository: name,
    policies: POLICIES,
    modes: [
      {
        policy: POLICIES[0],
        mode: "anchor",
        anchor: { digest: anchor.digest, tags: anchor.tags, pushedAt: anchor.pushedAt, protectedFrom: new Date(Date.parse(anchor.pushedAt) - anchorAt * HOUR).toISOString() },
        channels: [{ entry: "prod", digest: anchor.digest, pushedAt: anchor.pushedAt }],
        keep: {},
        delete: {},
      },
      { policy: POLICIES[1], mode: "untagged", protectedFrom: new Date(NOW - 7 * 24 * HOUR).toISOString(), keep: {}, delete: {} },
    ],
    images,
    kept: {},
    imagesScanned: count,
    toDelete: toDelete.length,
    deleted: 0,
    bytesToFree: toDelete.reduce((sum, l) => sum + l.sizeBytes, 0),
    bytesFreed: 0,
    errors: [],
  };
}

export function runReport(repositories: RepositoryReport[]): RunReport {
  return {
    apply: false,
    now: new Date(NOW).toISOString(),
    repositories,
    notGoverned: [],
    notReached: [],
    errors: [],
    warnings: [],
    summary: {
      repositories: repositories.length,
      imagesScanned: repositories.reduce((sum, r) => sum + r.imagesScanned, 0),
      toDelete: repositories.reduce((sum, r) => sum + r.toDelete, 0),
      deleted: 0,
      bytesToFree: repositories.reduce((sum, r) => sum + r.bytesToFree, 0),
      bytesFreed: 0,
      keptBySafety: {},
      failures: 0,
      repositoriesSkipped: 0,
      repositoriesNotReached: 0,
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function browserLoadMs(browser: Chromium, html: string): Promise<number> {
  const folder = mkdtempSync(join(tmpdir(), "ecr-cleanup-bench-html-"));
  try {
    const file = join(folder, "report.html");
    writeFileSync(file, html);
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const page = await browser.newPage(1280, 900, "light");
      const started = performance.now();
      await page.open(`file://${file}`);
      await page.evaluate(`new Promise((done) => { const check = () => (document.body.dataset.drawn ? done(true) : setTimeout(check, 5)); check(); })`);
      times.push(performance.now() - started);
      await browser.send("Target.closeTarget", { targetId: (await page.send("Target.getTargetInfo")).targetInfo.targetId });
    }
    return median(times);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export async function benchHtml(): Promise<HtmlBenchResult[]> {
  const shapes: [string, RepositoryReport[]][] = [
    ["1 repository × 100,000 images", [repository("big", 100_000, 1)]],
    ["200 repositories × 500 images", Array.from({ length: 200 }, (_, i) => repository(`team-${i}/app`, 500, i + 2))],
  ];
  const executable = findChromium();
  const browser = executable ? await Chromium.launch(executable) : undefined;
  try {
    const results: HtmlBenchResult[] = [];
    for (const [shape, repositories] of shapes) {
      const report = runReport(repositories);
      const times: number[] = [];
      let html = "";
      for (let run = 0; run < 3; run++) {
        const started = performance.now();
        html = renderHtml(report);
        times.push(performance.now() - started);
      }
      const bytes = Buffer.byteLength(html);
      results.push({
        shape,
        images: report.summary.imagesScanned,
        bytes,
        gzipBytes: gzipSync(html).length,
        renderMs: median(times),
        browserLoadMs: browser ? await browserLoadMs(browser, html) : undefined,
      });
    }
    return results;
  } finally {
    await browser?.close();
  }
}

export function htmlRows(results: HtmlBenchResult[]): string[] {
  return results.map(
    (r) =>
      `  ${r.shape}: ${(r.bytes / 1024 / 1024).toFixed(1)} MiB (${(r.gzipBytes / 1024 / 1024).toFixed(1)} MiB gzipped), rendered in ${(r.renderMs / 1000).toFixed(2)} s; ` +
      (r.browserLoadMs === undefined ? "no chromium: browser load not measured" : `Chromium opens and draws it in ${(r.browserLoadMs / 1000).toFixed(2)} s`),
  );
}
