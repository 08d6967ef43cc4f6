/** The archive section of `npm run bench`: its options and its rows (kept apart from the delete benchmark's). */
import { ArchiveBenchOptions, benchArchive } from "./bench-archive";
import { callRows, seconds as s } from "./bench-rows";

/** 20,000 archives across 200 repositories; UpdateImageStorageClass throttled like the registry run's operations, at 200 calls/s. */
export function archiveOptions(quick: boolean): ArchiveBenchOptions {
  return {
    repositories: quick ? 20 : 200,
    archivesPerRepository: 100,
    keptPerRepository: 50,
    latencyMs: 25,
    archiveCallsPerSecond: 200,
    archiveBurst: 200,
    otherCallsPerSecond: 20,
  };
}


export async function archiveRows(quick: boolean): Promise<string[]> {
  const options = archiveOptions(quick);
  const result = await benchArchive(options);
  return [
    `5. Archive run: ${(options.repositories * options.archivesPerRepository).toLocaleString("en")} archives across ${options.repositories} repositories, ` +
      `${options.latencyMs} ms per call, UpdateImageStorageClass at ${options.archiveCallsPerSecond} calls/s (burst ${options.archiveBurst}), other operations at ${options.otherCallsPerSecond}/s`,
    `  wall ${s(result.wallMs)}, throttle bound ${s(result.boundMs)} (${(result.wallMs / result.boundMs).toFixed(2)}x), ${result.archived} archived, ${result.throttles} throttled calls (retried by the SDK)`,
    ...callRows(result.calls, result.minimum, 24),
  ];
}

// `node dist/scripts/bench-archive-rows.js [--quick]`: this section alone (the full `npm run bench` takes many minutes).
if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  archiveRows(process.argv.includes("--quick")).then(
    (rows) => process.stdout.write(`${rows.join("\n")}\n`),
    (err) => {
      process.stderr.write(`bench-archive: ${err?.stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
