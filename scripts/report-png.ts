/**
 * `npm run build && node dist/scripts/report-png.js`: docs/report.png from the current page: the demo's HTML report
 * (`npm run demo -- --output html` at a fixed time), drawn by headless Chromium at 1100 × 900 in light mode, cropped to
 * the summary and the first two repositories.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { seedDemoRegistry } from "../examples/demo/registry";
import { startEcrEmulator } from "../tests/emulator/server";
import { awsEnv } from "../tests/support/aws-env";
import { Chromium, findChromium } from "../tests/support/chromium";
import { runCli } from "../tests/support/cli";

const ROOT = resolve(__dirname, "../..");
const NOW = "2026-12-01T12:00:00Z";
const WIDTH = 1100;

async function demoPage(): Promise<string> {
  const emulator = await startEcrEmulator();
  try {
    seedDemoRegistry(emulator, new Date(NOW));
    const run = await runCli(["--config", join(ROOT, "examples/policies.yaml"), "--now", NOW, "--output", "html"], awsEnv(emulator.endpoint));
    if (run.code !== 0) throw new Error(`the demo's dry run failed (${run.code}): ${run.stderr}`);
    return run.stdout;
  } finally {
    await emulator.stop();
  }
}

async function main(): Promise<void> {
  const executable = findChromium();
  if (!executable) throw new Error("no chromium: install Debian's chromium package, or set CHROMIUM_PATH");
  const file = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-report-")), "report.html");
  writeFileSync(file, await demoPage());
  const browser = await Chromium.launch(executable);
  try {
    const page = await browser.newPage(WIDTH, 900, "light");
    await page.open(`file://${file}`);
    await page.evaluate(`new Promise((done) => { const check = () => (document.body.dataset.drawn ? done(true) : setTimeout(check, 20)); check(); })`);
    const bottom = await page.evaluate<number>(`Math.ceil(document.querySelectorAll("section.repo")[1].getBoundingClientRect().bottom + window.scrollY + 16)`);
    const png = await page.screenshot({ x: 0, y: 0, width: WIDTH, height: bottom });
    writeFileSync(join(ROOT, "docs/report.png"), png);
    process.stdout.write(`docs/report.png: ${WIDTH} × ${bottom}\n`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
});
