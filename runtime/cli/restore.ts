/**
 * `ecr-cleanup restore`: brings archived images back by repository and digest or tag, or every image an --apply
 * run's JSON report archived. Units are restored whole. Exit 0 every image restored or on its way, 1 some failed
 * (or --wait timed out), 2 usage.
 */
import { parsePolicyDuration } from "../config/duration";
import { clientConfig, createClients, destroyClients } from "../ecr/client";
import { errorMessage, firstLine } from "../shared/errors";
import { RestoreLine, RestoreReport, restoreImages, RestoreTarget } from "../engine/restore";
import { escapeControls as shown } from "../report/escape";
import { fileArgument, regionAndConcurrency, UsageError } from "./args";
import { parseSubcommandFlags } from "./subcommandFlags";
import { watchSignals, SIGNAL_EXIT } from "./interrupt";
import { readReportSource } from "./report-source";
import { FileProblem, readTextFile } from "../shared/files";
import type { CliIo } from "./io";
import { missingSetup } from "./region";

export const RESTORE_USAGE = `Usage: ecr-cleanup restore (--repository R (--digest D | --tag T) | --from-report FILE|s3://BUCKET/KEY) [--wait [--timeout D]] [--output table|json] [--region R]

  --repository R     the repository of the image to restore
  --digest D         the image's digest, or
  --tag T            one of its tags
  --from-report FILE every image that the JSON report (--output json) or the --journal of an --apply run archived
                     (images since deleted are listed and skipped); FILE may be s3://BUCKET/KEY, a report the
                     component's function wrote
  --wait             wait until the images are ACTIVE (restores take up to 20 minutes), with progress on a terminal
  --timeout D        how long --wait waits (default 30m, at most 24d)

Units are restored whole: an index with its platform manifests, an image with its signatures.
SIGINT, SIGTERM or SIGHUP stops before the next restore call (and stops waiting) and prints what was done; a second SIGINT or SIGTERM exits at once.
Exit codes: 0 restored or restoring, 1 some image failed or --wait timed out, 2 usage error (nothing done), 130 SIGINT, 143 SIGTERM, 129 SIGHUP.`;

const DEFAULT_TIMEOUT_MS = 30 * 60_000;
/**
 * The longest --timeout: Node's timers wait at most 2^31-1 ms (24.8 days) and fire at once past that, which gave up
 * the wait at its start. Restores take minutes; refusing a longer wait is clearer than one that is not kept.
 */
const MAX_TIMEOUT = { ms: 24 * 86_400_000, text: "24d" };
/** Status checks while waiting: every 15 s, or a twentieth of --timeout when that is shorter. */
const POLL_MS = 15_000;

interface RestoreArgs {
  targets?: RestoreTarget[];
  fromReport?: string;
  wait: boolean;
  timeoutMs: number;
  output: "table" | "json";
  region?: string;
}

function parse(argv: string[]): RestoreArgs | "help" {
  const values = parseSubcommandFlags(argv, {
    repository: { type: "string" },
    digest: { type: "string" },
    tag: { type: "string" },
    "from-report": { type: "string" },
    wait: { type: "boolean", default: false },
    timeout: { type: "string" },
    output: { type: "string", default: "table" },
    region: { type: "string" },
  });
  if (values === "help") return "help";
  if (values.output !== "table" && values.output !== "json") throw new UsageError(`--output must be table or json, not ${values.output}`);
  const args: RestoreArgs = { wait: values.wait ?? false, timeoutMs: DEFAULT_TIMEOUT_MS, output: values.output, ...regionAndConcurrency({ region: values.region }) };
  if (values.timeout !== undefined) {
    if (!args.wait) throw new UsageError("--timeout is how long --wait waits: add --wait");
    const ms = parsePolicyDuration(values.timeout);
    if (typeof ms !== "number" || ms <= 0) throw new UsageError(`--timeout must be a duration such as 30m or 1h, not ${values.timeout}`);
    if (ms > MAX_TIMEOUT.ms) throw new UsageError(`--timeout can be at most ${MAX_TIMEOUT.text} (restores take minutes), not ${values.timeout}`);
    args.timeoutMs = ms;
  }
  const fromReport = values["from-report"];
  if (fromReport !== undefined) {
    if (values.repository !== undefined || values.digest !== undefined || values.tag !== undefined) {
      throw new UsageError("--from-report restores what a report archived: leave out --repository, --digest and --tag");
    }
    args.fromReport = fileArgument("--from-report", fromReport);
    return args;
  }
  if (!values.repository) throw new UsageError("name what to restore: --repository R with --digest D or --tag T, or --from-report FILE");
  if ((values.digest === undefined) === (values.tag === undefined)) throw new UsageError("--repository takes exactly one of --digest D and --tag T");
  if (values.digest !== undefined && !/^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/.test(values.digest)) throw new UsageError(`--digest must be a digest such as sha256:…, not ${values.digest}`);
  args.targets = [{ repository: values.repository, ...(values.digest !== undefined ? { digest: values.digest } : { tag: values.tag }) }];
  return args;
}

/** `s3://BUCKET/KEY`: a report the component's function wrote to S3. */
const S3_URL = /^s3:\/\/([^/]+)\/(.+)$/;

/** An object's text from S3 (the S3 client loads only then). */
async function s3Text(bucket: string, key: string, region: string | undefined): Promise<string> {
  const { S3Client, GetObjectCommand } = await import("@aws-sdk/client-s3");
  const client = new S3Client(clientConfig({ region }));
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await object.Body!.transformToString("utf8");
  } finally {
    client.destroy();
  }
}

/** The images an --apply run's JSON report or journal says it archived: a file, or a report in S3. */
async function targetsFromFile(path: string, region: string | undefined, io: CliIo): Promise<RestoreTarget[]> {
  const s3 = S3_URL.exec(path);
  let text: string;
  try {
    text = s3 ? await s3Text(s3[1], s3[2], region) : await readTextFile(path);
  } catch (err) {
    if (err instanceof FileProblem) throw new UsageError(`--from-report ${path}: ${err.message}`);
    // The SDK's deserialization errors add lines about its own fields: the first says what went wrong.
    if (s3) throw new UsageError(`--from-report ${path}: cannot read it (${firstLine(errorMessage(err))})`);
    throw err;
  }
  return readReportSource(text, path, (line) =>
    io.stderr(`ecr-cleanup restore: warning: ${shown(path)} line ${line} is a record cut off while it was written (a full disk or a crash): skipped; the images of that call are not restored by this command (the run's report lists them)\n`),
  );
}

const OUTCOME_TEXT: Record<RestoreLine["outcome"], string> = {
  restoring: "RESTORING",
  restored: "RESTORED",
  "already-active": "active (nothing to do)",
  activating: "ACTIVATING (already being restored)",
  "not-found": "NOT FOUND (skipped)",
  failed: "FAILED",
  "timed-out": "STILL ACTIVATING (--timeout reached)",
  interrupted: "NOT RESTORED (interrupted)",
};

function renderTable(report: RestoreReport): string {
  const rows = report.lines.map((l) => `${shown(l.repository)}  ${shown(l.digest)}  ${l.tags.map(shown).join(",") || "-"}  ${OUTCOME_TEXT[l.outcome]}${l.failure ? ` ${shown(l.failure.code)}: ${shown(l.failure.message)}` : ""}${l.asked ? "" : "  (same unit)"}`);
  return `${rows.join("\n")}\n`;
}

export async function restoreCommand(argv: string[], io: CliIo): Promise<number> {
  const fail = (message: string): number => {
    io.stderr(`ecr-cleanup restore: ${shown(message)}\n\n${RESTORE_USAGE}\n`);
    return 2;
  };
  let args;
  let targets: RestoreTarget[];
  try {
    args = parse(argv);
    if (args === "help") {
      io.stdout(`${RESTORE_USAGE}\n`);
      return 0;
    }
    targets = args.targets ?? (await targetsFromFile(args.fromReport!, args.region, io));
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message);
    throw err;
  }
  if (args.fromReport !== undefined && !targets.length) {
    io.stderr(`ecr-cleanup restore: ${shown(args.fromReport)} names no archived image: nothing to restore\n`);
  }
  const clients = createClients({ region: args.region });
  const missing = await missingSetup(clients);
  if (missing) {
    if (missing.exitCode === 2) return fail(missing.message);
    io.stderr(`ecr-cleanup restore: ${shown(missing.message)}\n`);
    return missing.exitCode;
  }
  const onProgress = io.stderrIsTty && args.wait ? (active: number, total: number) => io.stderr(`\r${active}/${total} images ACTIVE\x1b[K`) : undefined;
  let restoring = 0;
  const interruption = watchSignals(io, { dryRun: false, command: "ecr-cleanup restore", calls: "restore call", soFar: () => `${restoring} restore ${restoring === 1 ? "call" : "calls"} made so far` });
  const report = await restoreImages(clients.ecr, targets, {
    wait: args.wait,
    timeoutMs: args.timeoutMs,
    pollMs: Math.min(POLL_MS, args.timeoutMs / 20),
    onProgress,
    signal: interruption.signal,
    onRestoreCall: () => restoring++,
  });
  interruption.dispose();
  destroyClients(clients);
  if (onProgress) io.stderr("\n");
  // From a report, an image since deleted is skipped and listed; named by hand, it is an error.
  const failed = report.lines.filter((l) => l.outcome === "failed" || l.outcome === "timed-out" || l.outcome === "interrupted" || (l.outcome === "not-found" && !args.fromReport));
  for (const note of report.notes) io.stderr(`ecr-cleanup restore: ${shown(note)}\n`);
  for (const line of failed) io.stderr(`ecr-cleanup restore: error: ${shown(line.repository)} ${shown(line.digest)}: ${OUTCOME_TEXT[line.outcome]}${line.failure ? ` (${shown(line.failure.code)}: ${shown(line.failure.message)})` : ""}\n`);
  io.stdout(args.output === "json" ? `${JSON.stringify({ images: report.lines, notes: report.notes }, null, 2)}\n` : renderTable(report));
  const signal = interruption.received();
  return signal ? SIGNAL_EXIT[signal] : failed.length ? 1 : 0;
}
