/**
 * Reports of archive runs say what happened, wherever archive joined an older path: the HTML page draws archived
 * images where they go (not where they stay) and counts them; the page numbers policies as the table does; the
 * warning for an archived image a workload names names the workload; progress counts archives. In process, against
 * the emulator.
 */
import { expect } from "chai";
import { validateConfig } from "../runtime/config/schema";
import { destroyClients } from "../runtime/ecr/client";
import type { RunReport } from "../runtime/engine/report";
import { runCleanup } from "../runtime/engine/run";
import { progress } from "../runtime/cli/progress";
import { decodePageData, renderHtml, STATES } from "../runtime/report/html";
import { renderTable } from "../runtime/report/table";
import type { EcrEmulator } from "./emulator/server";
import { emulatorPerTest } from "./support/emulator-per-test";
import { emulatorClients } from "./support/in-process";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 1);
const at = (daysAgo: number) => new Date(NOW - daysAgo * DAY);
const policy = (name: string, action: "archive" | "delete", extra: Record<string, unknown> = {}) => ({ name, protected_period: "7d", protected_count: 2, significant_tags: "*", action, ...extra });

function pageData(html: string) {
  const match = /<script type="application\/octet-stream" id="report-data">([A-Za-z0-9+/=]*)<\/script>/.exec(html);
  expect(match, "the page's data").to.not.equal(null);
  return decodePageData(match![1]);
}

describe("reports of archive runs", () => {
  let emulator: EcrEmulator;
  emulatorPerTest((e) => (emulator = e), "app");

  async function run(raw: unknown, apply: boolean): Promise<RunReport> {
    const clients = emulatorClients(emulator.endpoint);
    try {
      return await runCleanup({ config: validateConfig(raw, "policies.yaml"), now: new Date(NOW), apply, ...clients, listKept: true });
    } finally {
      destroyClients(clients);
    }
  }
  /** Two kept (the newest), ten voted out. */
  function seed(): string[] {
    emulator.registry.putImage("app", { pushedAt: at(1) });
    emulator.registry.putImage("app", { pushedAt: at(2) });
    return Array.from({ length: 10 }, (_, i) => emulator.registry.putImage("app", { pushedAt: at(30 + i) }).digest);
  }

  for (const apply of [false, true]) {
    it(`the HTML page of an archive run (${apply ? "--apply" : "dry run"}) draws the images it archives in the goes lane and counts them as going`, async () => {
      const old = seed();
      const report = await run([policy("archiver", "archive")], apply);
      const html = renderHtml(report);
      const data = pageData(html);
      const goes = STATES.indexOf("goes");
      const drawnGoing = data.timelines[0].buckets.filter((b) => b[1] === goes).reduce((n, b) => n + b[2], 0);
      expect(drawnGoing).to.equal(old.length);
      expect(data.timelines[0].buckets.filter((b) => b[1] !== goes).reduce((n, b) => n + b[2], 0)).to.equal(2);
      expect(html).to.include('<span class="goes">10 go</span> (0 to delete, 0 B; 10 to archive, 100.0 MiB out of standard storage)');
      expect(html).to.include('<span class="stays">2 stay</span>');
      expect(html).to.include(`<span id="summary-to-archive">10</span>`);
      if (apply) expect(html).to.include(`<span id="summary-archived">10</span>`);
      // The hover says the policy votes to archive, not to delete (0 is a keep vote).
      const votesOut = data.images.flatMap((image) => image[5].filter((_, k) => k % 3 === 1)).filter((vote) => vote !== 0);
      expect(votesOut).to.deep.equal(old.map(() => 2));
    });
  }

  it("the HTML page numbers policies as the table does: by their place in the file, whatever their names", async () => {
    seed();
    const report = await run([policy("zz-first", "archive"), policy("aa-second", "delete", { protected_count: 5 })], false);
    const html = renderHtml(report);
    expect(html).to.include("<li>#1 zz-first</li><li>#2 aa-second</li>");
    const table = renderTable(report, { width: 120 });
    expect(table).to.match(/#1\s+zz-first/);
    expect(table).to.match(/#2\s+aa-second/);
    const data = pageData(html);
    expect(data.policies.slice(0, 2)).to.deep.equal(["zz-first", "aa-second"]);
  });

  it("the warning for an archived image that a workload names names the workload", async () => {
    const archived = emulator.registry.putImage("app", { pushedAt: at(200), status: "ARCHIVED", lastArchivedAt: at(20) }).digest;
    emulator.ecs.createCluster("prod");
    const task = emulator.ecs.registerTaskDefinition("web", [{ name: "web", image: `${emulator.registry.repository("app")!.uri}@${archived}` }]);
    emulator.ecs.runTask("prod", { taskDefinitionArn: task });
    const report = await run([policy("archiver", "archive")], false);
    const warning = report.warnings.find((w) => w.includes(`archived image ${archived}`));
    expect(warning).to.match(/is named by a workload \(ecs task arn:aws:ecs:[^,]+:task\/prod\/[0-9a-f]+, ecs task-definition web:1\), which cannot pull it/);
    expect(warning).to.not.include("[object Object]");
  });

  it("progress on a terminal counts archives beside deletions", () => {
    const written: string[] = [];
    const update = progress((text) => written.push(text), true);
    const repo = { imagesScanned: 12, deleted: 1, toDelete: 1, archived: 10, toArchive: 10 } as Parameters<typeof update>[0];
    update(repo, 1, 2);
    expect(written).to.deep.equal(["\r1/2 repositories, 12 images scanned, 1 deleted, 10 archived\x1b[K"]);
  });
});
