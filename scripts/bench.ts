/**
 * `npm run bench`: the benchmark (a script, not a test: these machines are shared and noisy). Prints one table:
 * 1. a registry run against the emulator with injected latency and a per-operation throttle, at concurrency 1
 *    and at the default: wall time against the throttle's bound, API calls against the minimum, throttles seen;
 * 2. the planner over 1,000,000 synthetic images, without and with a grouped policy: time and peak RSS (each in a
 *    fresh process, so RSS is its own; `node dist/scripts/bench-planner.js` runs this part alone);
 * 3. the Lambda bundle: bytes raw and gzipped, and cold module-load time;
 * 4. the HTML report at 100,000 images: size, render time, and Chromium's load time (scripts/bench-html.ts).
 * `--quick` shrinks the registry run (for a smoke check).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
import { cpus } from "node:os";
import { benchRegistry, DEFAULT_CONCURRENCY, RegistryBenchOptions, RegistryBenchResult } from "./bench-registry";
import { measureBundle } from "./bundle-size";
import { benchHtml, htmlRows } from "./bench-html";
import { benchInUse, InUseBenchOptions, inUseRows } from "./bench-inuse";
import { benchPlannerInFreshProcess, plannerRows } from "./bench-planner";
import { archiveRows } from "./bench-archive-rows";
import { callRows, seconds as s } from "./bench-rows";

const quick = process.argv.includes("--quick");
const REGISTRY: RegistryBenchOptions = {
  repositories: quick ? 20 : 200,
  imagesPerRepository: 500,
  latencyMs: 25,
  callsPerSecond: 20,
  burst: 20,
};

/** The in-use inventory of issue 11: 3 regions x (20 ECS clusters, 300 families at depth 2, 200 Lambda functions). */
const IN_USE: InUseBenchOptions = {
  regions: ["us-east-1", "eu-west-1", "ap-southeast-2"],
  clusters: 20,
  servicesPerCluster: 5,
  tasksPerCluster: 10,
  families: quick ? 30 : 300,
  revisionsPerFamily: 3,
  depth: 2,
  functions: quick ? 20 : 200,
  appRunnerServices: 50,
  jobDefinitions: 150,
  eksClusters: quick ? 2 : 10,
  podsPerCluster: quick ? 200 : 2_000,
  latencyMs: 25,
};


function registryRows(result: RegistryBenchResult): string[] {
  return [
    `  concurrency ${result.concurrency}: wall ${s(result.wallMs)}, throttle bound ${s(result.boundMs)} (${(result.wallMs / result.boundMs).toFixed(2)}x), ` +
      `${result.deleted} deleted, ${result.throttles} throttled calls (retried by the SDK)`,
    ...callRows(result.calls, result.minimum, 22),
  ];
}

async function main(): Promise<void> {
  const out: string[] = [`ecr-cleanup benchmark — ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}`, ""];
  out.push(
    `1. Registry run: ${REGISTRY.repositories} repositories × ${REGISTRY.imagesPerRepository} images, ` +
      `${REGISTRY.latencyMs} ms per call, ${REGISTRY.callsPerSecond} calls/s per operation (burst ${REGISTRY.burst})`,
  );
  for (const concurrency of [1, DEFAULT_CONCURRENCY]) {
    out.push(...registryRows(await benchRegistry(REGISTRY, concurrency)));
  }
  out.push("", ...plannerRows(benchPlannerInFreshProcess("plain"), benchPlannerInFreshProcess("tagged"), benchPlannerInFreshProcess("grouped"), benchPlannerInFreshProcess("branch")));
  const bundle = await measureBundle();
  out.push(
    "",
    `3. Lambda bundle (single-function, every file): ${(bundle.sizes[0].rawBytes / 1000).toFixed(0)} KB raw, ${(bundle.sizes[0].gzipBytes / 1000).toFixed(0)} KB gzipped; ` +
      `cold load ${bundle.coldLoadMs.toFixed(0)} ms above an empty Node process (${bundle.emptyProcessMs.toFixed(0)} ms), ` +
      `${bundle.everySourceLoadMs.toFixed(0)} ms with every source's chunk loaded, medians of ${bundle.runs}`,
    `   group_by's engine (re2js, a chunk loaded only with group_by): ${(bundle.regexEngine.rawBytes / 1000).toFixed(1)} KB raw, ` +
      `${(bundle.regexEngine.gzipBytes / 1000).toFixed(1)} KB gzipped (target: the bundle grows by at most 60 KB)`,
    "",
  );
  out.push("4. HTML report (--output html), 100,000 images:", ...htmlRows(await benchHtml()), "");
  out.push(...(await archiveRows(quick)), "");
  out.push(...inUseRows(IN_USE, await benchInUse(IN_USE)), "");
  process.stdout.write(out.join("\n"));
}

main().catch((err) => {
  process.stderr.write(`bench: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
