/**
 * `--output html`: the renderer's own rules (aggregation, units drawn together, escaping, the page's CSP), then the
 * page from the demo registry opened in headless Chromium: what it renders, that it fetches nothing, that a hostile
 * tag stays text, and a screenshot in light and dark mode (saved under test-artifacts/).
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { seedDemoRegistry } from "../examples/demo/registry";
import type { ImageLine, RepositoryReport, RunReport } from "../runtime/engine/report";
import { AXIS_COLUMNS, decodePageData, DETAILS_PER_BUCKET, escapeHtml, PageData, renderHtml, STATES } from "../runtime/report/html";
import { startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { Chromium, findChromium, Page } from "./support/chromium";
import { runCli, writePolicyFile } from "./support/cli";

const ROOT = resolve(__dirname, "../..");
const ARTIFACTS = join(ROOT, "test-artifacts");
const NOW = "2026-11-25T12:00:00.000Z";
const HOUR = 3_600_000;
const HOSTILE = [`<img src=x onerror="window.__pwned='img'">`, `</script><script>window.__pwned='script'</script>`, `"'&<!--`, `v1\u202egnp.exe`];

function line(digest: string, pushedAt: string, extra: Partial<ImageLine> = {}): ImageLine {
  return { digest, tags: [], pushedAt, sizeBytes: 1000, action: "keep", reason: "period", policies: [{ policy: "p", verdict: "keep", reason: "period" }], ...extra };
}

function repo(images: ImageLine[], extra: Partial<RepositoryReport> = {}): RepositoryReport {
  return {
    repository: "app",
    policies: ["p"],
    modes: [],
    images,
    kept: {},
    imagesScanned: images.length,
    toDelete: images.filter((i) => i.action === "delete").length,
    deleted: 0,
    bytesToFree: 0,
    bytesFreed: 0,
    errors: [],
    ...extra,
  };
}

function report(repositories: RepositoryReport[]): RunReport {
  return {
    apply: false,
    now: NOW,
    repositories,
    notGoverned: [],
    notReached: [],
    errors: [],
    warnings: [],
    summary: { repositories: repositories.length, imagesScanned: 0, toDelete: 0, deleted: 0, bytesToFree: 0, bytesFreed: 0, keptBySafety: {}, failures: 0, repositoriesSkipped: 0, repositoriesNotReached: 0 },
  };
}

function pageData(html: string): PageData {
  const match = /<script type="application\/octet-stream" id="report-data">([A-Za-z0-9+/=]*)<\/script>/.exec(html);
  expect(match, "the page's data, in base64").to.not.equal(null);
  return decodePageData(match![1]);
}

const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, "0")}`;
const hoursBefore = (hours: number) => new Date(Date.parse(NOW) - hours * HOUR).toISOString();

describe("the HTML report: rendering", () => {
  it("names a grouped verdict's group in its hover text, and a grouped policy's groups under the repository", () => {
    const images = [
      line(digestOf(1), hoursBefore(10), { tags: ["api-1a2b3c4"], policies: [{ policy: "p", verdict: "keep", reason: "count", group: "api" }] }),
      line(digestOf(2), hoursBefore(20), { tags: ["web-9f8e7d6"], action: "delete", reason: "group-expired", policies: [{ policy: "p", verdict: "delete", reason: "group-expired", group: "web" }] }),
      line(digestOf(3), hoursBefore(30), { tags: ["build-7"], action: "delete", reason: "group-expired", policies: [{ policy: "p", verdict: "delete", reason: "group-expired", group: "" }] }),
    ];
    const modes = [
      {
        policy: "p",
        mode: "grouped" as const,
        keep: { count: 1 },
        delete: { "group-expired": 2 },
        groups: [
          { group: "", mode: "count" as const, kept: 0, deleted: 1, protectedFrom: hoursBefore(0) },
          { group: "api", mode: "anchor" as const, anchor: { digest: digestOf(1), tags: ["api-1a2b3c4", "api-prod"], pushedAt: hoursBefore(10), protectedFrom: hoursBefore(100) }, kept: 1, deleted: 0 },
          { group: "web", mode: "count" as const, kept: 0, deleted: 1, protectedFrom: hoursBefore(0) },
        ],
      },
    ];
    const html = renderHtml(report([repo(images, { modes })]));
    const data = pageData(html);
    const hover = (i: number) => data.images[i][5].length === 3 ? data.reasons[data.images[i][5][2]] : "";
    const shown = data.images.map((_, i) => hover(i)).sort();
    expect(shown).to.deep.equal(["count, group api", 'group-expired, group ""', "group-expired, group web"]);
    expect(html).to.include('#1 grouped (group_by): 3 groups: &#34;&#34;: count mode, kept 0, deleted 1; api: anchor');
    expect(html).to.include("web: count mode, kept 0, deleted 1</li>");
  });

  it("aggregates images that fall in one column and state into one bucket, with their count and reasons", () => {
    // 300 images within one minute: one column. 200 stay (period), 100 go (beyond-window), 1 kept by a safety rule.
    const images = [
      ...Array.from({ length: 200 }, (_, i) => line(digestOf(i), hoursBefore(100))),
      ...Array.from({ length: 100 }, (_, i) => line(digestOf(1000 + i), hoursBefore(100), { action: "delete", reason: "beyond-window" })),
      line(digestOf(5000), hoursBefore(100), { reason: "in-use:ecs-task", keptBySafety: true }),
      line(digestOf(6000), hoursBefore(1)),
    ];
    const data = pageData(renderHtml(report([repo(images)])));
    const buckets = data.timelines[0].buckets;
    const summed = buckets.map(([column, lane, count, , , reasons, details]) => ({
      column,
      state: STATES[lane],
      count,
      reasons: Object.fromEntries(Array.from({ length: reasons.length / 2 }, (_, k) => [data.reasons[reasons[2 * k]], reasons[2 * k + 1]])),
      details: details.length,
    }));
    const old = summed.filter((b) => b.column === summed[0].column);
    expect(old.map(({ column: _, ...rest }) => rest)).to.deep.equal([
      { state: "stays", count: 200, reasons: { period: 200 }, details: DETAILS_PER_BUCKET },
      { state: "safety", count: 1, reasons: { "in-use:ecs-task": 1 }, details: 1 },
      { state: "goes", count: 100, reasons: { "beyond-window": 100 }, details: DETAILS_PER_BUCKET },
    ]);
    expect(summed).to.have.length(4);
    expect(summed[3]).to.include({ state: "stays", count: 1 });
    expect(summed[3].column).to.be.above(summed[0].column).and.below(AXIS_COLUMNS);
    // Only the images a hover can show are carried: 5 + 1 + 5 + 1.
    expect(data.images).to.have.length(2 * DETAILS_PER_BUCKET + 2);
  });

  it("stays light for 100,000 images: one bucket per column and state, details for a few each", () => {
    const images = Array.from({ length: 100_000 }, (_, i) =>
      line(digestOf(i), new Date(Date.parse(NOW) - (i + 1) * 60_000).toISOString(), i % 3 ? {} : { action: "delete", reason: "beyond-window" }),
    );
    const html = renderHtml(report([repo(images)]));
    const data = pageData(html);
    expect(data.timelines[0].buckets.length).to.be.at.most(AXIS_COLUMNS * STATES.length);
    expect(data.timelines[0].buckets.reduce((sum, b) => sum + b[2], 0)).to.equal(100_000);
    expect(data.images.length).to.be.at.most(AXIS_COLUMNS * STATES.length * DETAILS_PER_BUCKET);
    expect(html.length).to.be.below(2_000_000);
  });

  it("draws a unit's members at their top-level image, so that a unit is drawn together", () => {
    const index = line(digestOf(1), hoursBefore(500), { action: "delete", reason: "beyond-window" });
    // A platform manifest pushed much earlier than its index, and a signature much later.
    const platform = line(digestOf(2), hoursBefore(900), { action: "delete", reason: "member-of-deleted", unitOf: digestOf(1) });
    const signature = line(digestOf(3), hoursBefore(10), { action: "delete", reason: "member-of-deleted", unitOf: digestOf(1) });
    const data = pageData(renderHtml(report([repo([index, platform, signature, line(digestOf(4), hoursBefore(1000))])])));
    const goes = data.timelines[0].buckets.filter((b) => STATES[b[1]] === "goes");
    expect(goes).to.have.length(1);
    expect(goes[0][2]).to.equal(3);
    expect(goes[0][6].map((i) => data.images[i][0])).to.deep.equal([digestOf(1), digestOf(2), digestOf(3)]);
    expect(goes[0][6].map((i) => data.images[i][6])).to.deep.equal(["", digestOf(1), digestOf(1)]);
  });

  it("marks the anchor, each channel and the protected window; an image without a push time is listed, not placed", () => {
    const anchor = line(digestOf(1), hoursBefore(300), { tags: ["prod", "v2"], reason: "anchor" });
    const rc = line(digestOf(2), hoursBefore(100), { tags: ["rc"], reason: "newer-than-anchor" });
    const unknown = line(digestOf(3), "unknown", { reason: "unknown-push-time", keptBySafety: true });
    const html = renderHtml(
      report([
        repo([anchor, rc, unknown], {
          modes: [
            {
              policy: "p",
              mode: "anchor",
              anchor: { digest: digestOf(1), tags: ["prod", "v2"], pushedAt: hoursBefore(300), protectedFrom: hoursBefore(400) },
              channels: [
                { entry: "prod", digest: digestOf(1), pushedAt: hoursBefore(300) },
                { entry: "rc", digest: digestOf(2), pushedAt: hoursBefore(100) },
              ],
              keep: {},
              delete: {},
            },
          ],
        }),
      ]),
    );
    expect(html).to.include(`<span class="label">anchor (prod)</span>`);
    expect(html).to.include(`<span class="label">rc</span>`);
    expect(html).to.include(`<span class="label">now</span>`);
    expect(html.match(/class="window"/g)).to.have.length(1);
    expect(html).to.include("1 image(s) without a push time are not on the axis (kept: 000000000000)");
    const data = pageData(html);
    expect(data.timelines[0].buckets.reduce((sum, b) => sum + b[2], 0)).to.equal(2);
  });

  it("escapes every text that comes from the registry: markup stays text, control and bidi characters are shown escaped", () => {
    const hostile = line(digestOf(1), hoursBefore(5), { tags: HOSTILE, action: "delete", reason: "beyond-window" });
    const html = renderHtml(report([repo([hostile], { repository: `<b>repo</b>\u001b[2J`, errors: [{ kind: "api-error", code: "<x>", message: "</script><i>" }] })]));
    // No tag or name survives as markup; the data is base64 (pageData checks), which cannot end its element.
    for (const text of ["<img", "<b>repo", "</script><script>", "<i>", "<x>", "\u202e", "\u001b"]) expect(html).to.not.include(text);
    expect(html).to.include("&#60;b&#62;repo&#60;/b&#62;\\x1b[2J");
    // The data reads back as the (control-escaped) tags.
    expect(pageData(html).images[0][1]).to.deep.equal([...HOSTILE.slice(0, 3), "v1\\u202egnp.exe"]);
    expect(escapeHtml(`a"b'c&d`)).to.equal("a&#34;b&#39;c&#38;d");
  });

  it("allows no script but its own: the Content-Security-Policy names the hash of the one inline script", () => {
    const html = renderHtml(report([repo([line(digestOf(1), hoursBefore(5))])]));
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
    expect(csp).to.match(/^default-src 'none'; /);
    const scripts = [...html.matchAll(/<script>([^]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).to.have.length(1);
    expect(csp).to.include(`script-src 'sha256-${createHash("sha256").update(scripts[0]).digest("base64")}'`);
    expect(html).to.not.match(/\s(src|href)=/);
  });
});

describe("ecr-cleanup --output html", () => {
  it("prints one page on stdout and nothing else; errors on stderr and in the page, with exit 1; nothing at all on exit 2", async () => {
    const emulator = await startEcrEmulator();
    try {
      emulator.registry.createRepository("app");
      emulator.registry.putImage("app", { pushedAt: new Date(Date.parse(NOW) - 30 * 86_400_000) });
      const policies = writePolicyFile(`
- name: untagged
  protected_period: 1
  protected_count: 0
  significant_tags: '*'
  repositories: [app, missing-repo]
`);
      const run = await runCli(["--config", policies, "--now", NOW, "--output", "html"], awsEnv(emulator.endpoint));
      expect(run.code, run.stderr).to.equal(1);
      expect(run.stdout).to.match(/^<!DOCTYPE html>\n[^]*<\/html>\n$/);
      expect(run.stderr).to.include("missing-repo");
      expect(run.stdout).to.include(`<ul class="errors"><li>`);
      expect(run.stdout).to.match(/<h3>Errors<\/h3><ul class="errors"><li>[^<]*missing-repo/);
      expect(pageData(run.stdout).timelines[0].buckets.map((b) => [STATES[b[1]], b[2]])).to.deep.equal([["goes", 1]]);
      const bad = await runCli(["--config", writePolicyFile("- name: x\n"), "--output", "html"], awsEnv(emulator.endpoint));
      expect(bad.code).to.equal(2);
      expect(bad.stdout).to.equal("");
      expect(bad.stderr).to.include("configuration error");
    } finally {
      await emulator.stop();
    }
  });
});

describe("the HTML report in headless Chromium", function () {
  this.timeout(180_000);
  let browser: Chromium | undefined;
  let demoHtml = "";
  let demoJson: RunReport;

  before(async function () {
    const executable = findChromium();
    if (!executable) {
      // On CI Chromium is installed (.ci/run): missing there, it is a failure, not a skip.
      if (process.env.CI) throw new Error("chromium is not installed: .ci/run installs Debian's chromium package");
      console.log("    (skipped: no chromium; install Debian's chromium package, or set CHROMIUM_PATH)");
      this.skip();
    }
    browser = await Chromium.launch(executable!);
    const emulator = await startEcrEmulator();
    try {
      seedDemoRegistry(emulator, new Date(NOW));
      emulator.registry.createRepository("hostile");
      emulator.registry.putImage("hostile", { tags: HOSTILE.slice(0, 2), pushedAt: new Date(Date.parse(NOW) - 400 * 86_400_000) });
      const args = ["--config", join(ROOT, "examples/policies.yaml"), "--now", NOW];
      const html = await runCli([...args, "--output", "html"], awsEnv(emulator.endpoint));
      expect(html.code, html.stderr).to.equal(0);
      demoHtml = html.stdout;
      const json = await runCli([...args, "--output", "json"], awsEnv(emulator.endpoint));
      demoJson = JSON.parse(json.stdout);
    } finally {
      await emulator.stop();
    }
  });
  after(async () => {
    await browser?.close();
  });

  async function open(scheme: "light" | "dark"): Promise<Page> {
    const file = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-html-")), "report.html");
    writeFileSync(file, demoHtml);
    const page = await browser!.newPage(1280, 900, scheme);
    await page.open(`file://${file}`);
    // The script draws once it has decompressed the data.
    await page.evaluate(`new Promise((done) => { const check = () => (document.body.dataset.drawn ? done(true) : setTimeout(check, 20)); check(); })`);
    return page;
  }

  const section = (page: Page, name: string, js: string) =>
    page.evaluate<any>(`(() => { const s = [...document.querySelectorAll("section.repo")].find((s) => s.querySelector("h2").textContent === ${JSON.stringify(name)}); return ${js}; })()`);

  for (const scheme of ["light", "dark"] as const) {
    it(`renders the demo's timelines in ${scheme} mode: the anchor's label, the counts, every repository drawn, nothing fetched`, async () => {
      const page = await open(scheme);
      expect(await page.evaluate("document.body.dataset.drawn")).to.equal(String(demoJson.repositories.length));
      expect(await section(page, "hello_world", `[...s.querySelectorAll(".mark.anchor .label")].map((l) => l.textContent)`)).to.deep.equal(["#2 anchor (prod)"]);
      expect(await section(page, "hello_world", `[...s.querySelectorAll(".mark.channel .label")].map((l) => l.textContent).sort()`)).to.deep.equal(["#2 dev", "#2 latest", "#2 rc"]);
      const hello = demoJson.repositories.find((r) => r.repository === "hello_world")!;
      expect(await section(page, "hello_world", `s.querySelector(".counts .goes").textContent`)).to.equal(`${hello.toDelete} go`);
      expect(await page.evaluate(`document.getElementById("summary-to-delete").textContent`)).to.equal(String(demoJson.summary.toDelete));
      // Every image of every repository is in some bucket of its timeline.
      const drawn = await page.evaluate<number[]>(`[...document.querySelectorAll("[data-timeline] canvas")].map((c) => Number(c.dataset.marks))`);
      expect(drawn.every((n) => n > 0)).to.equal(true);
      // The canvas holds pixels of the "goes" colour: the drawing happened.
      const goesPixels = await section(
        page,
        "hello_world",
        `(() => { const c = s.querySelector("canvas"); const ctx = c.getContext("2d"); const d = ctx.getImageData(0, 56, c.width, 28).data;
           const want = getComputedStyle(document.documentElement).getPropertyValue("--goes").trim();
           const rgb = [1, 3, 5].map((i) => parseInt(want.slice(i, i + 2), 16)); let n = 0;
           for (let i = 0; i < d.length; i += 4) if (d[i] === rgb[0] && d[i + 1] === rgb[1] && d[i + 2] === rgb[2]) n++; return n; })()`,
      );
      expect(goesPixels).to.be.above(0);
      const background = await page.evaluate<string>(`getComputedStyle(document.body).backgroundColor`);
      expect(background).to.equal(scheme === "dark" ? "rgb(13, 17, 23)" : "rgb(255, 255, 255)");
      expect(page.events("Runtime.exceptionThrown")).to.deep.equal([]);
      // No CSP violation (the script ran under its hash), and nothing but the file itself was requested.
      expect(page.events("Log.entryAdded").map((e) => e.entry.text)).to.deep.equal([]);
      expect(page.events("Network.requestWillBeSent").map((e) => e.request.url.replace(/^file:.*\//, "file:"))).to.deep.equal(["file:report.html"]);
      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(join(ARTIFACTS, `html-report-${scheme}.png`), await page.screenshot());
    });
  }

  it("shows an image's digest, tags, reason and policies on hover, and keeps them on click", async () => {
    const page = await open("light");
    const hello = demoJson.repositories.find((r) => r.repository === "hello_world")!;
    const anchor = hello.modes.find((m) => m.anchor)!.anchor!;
    const [x, y] = await section(page, "hello_world", `(() => { const m = s.querySelector(".mark.anchor").getBoundingClientRect(); return [m.left + 1, m.top + 14]; })()`);
    await page.mouse("mouseMoved", x, y);
    const tooltip = await page.evaluate<string>(`document.getElementById("tooltip").hidden ? "" : document.getElementById("tooltip").innerText`);
    expect(tooltip).to.include(anchor.digest);
    expect(tooltip).to.include("tags: prod, v2.6.0");
    expect(tooltip).to.include("reason: anchor");
    expect(tooltip).to.include("policies: #2 keep (anchor)");
    await page.mouse("mousePressed", x, y);
    await page.mouse("mouseReleased", x, y);
    expect(await section(page, "hello_world", `s.querySelector(".detail").hidden ? "" : s.querySelector(".detail").innerText`)).to.include(anchor.digest);
  });

  it("keeps a hostile tag as text: no markup, no script runs", async () => {
    const page = await open("light");
    const index = demoJson.repositories.findIndex((r) => r.repository === "hostile");
    const hostileBucket = pageData(demoHtml).timelines[index].buckets[0];
    expect(await page.evaluate("window.__pwned === undefined")).to.equal(true);
    expect(await page.evaluate(`document.querySelectorAll("img, iframe, object, embed").length`)).to.equal(0);
    const [x, y] = await section(page, "hostile", `(() => { const r = s.querySelector("[data-timeline]").getBoundingClientRect(); const b = ${JSON.stringify(hostileBucket)}; return [r.left + (b[0] + 0.5) / 1000 * r.width, r.top + b[1] * 28 + 14]; })()`);
    await page.mouse("mouseMoved", x, y);
    const tooltip = await page.evaluate<string>(`document.getElementById("tooltip").innerText`);
    expect(tooltip, tooltip).to.include(`tags: ${[HOSTILE[0], HOSTILE[1]].sort().join(", ")}`);
    expect(await page.evaluate("window.__pwned === undefined")).to.equal(true);
    expect(await page.evaluate(`document.querySelectorAll("#tooltip img, #tooltip script").length`)).to.equal(0);
  });
});
