/** The `ecr-cleanup` command: parse, validate, run, render, exit (0 finished, 1 failures, 2 nothing done). */
import { ConfigError, issueLines } from "../config/errors";
import { loadConfigDocument } from "../config/load";
import { createClients, destroyClients } from "../ecr/client";
import { exitCodeOf } from "../engine/report";
import { runCleanup } from "../engine/run";
import { errorText } from "../report/error-text";
import { escapeControls, escapeControlsPerLine } from "../report/escape";
import { renderHtml } from "../report/html";
import { renderJson } from "../report/json";
import { renderTable } from "../report/table";
import { tableWidth } from "../report/width";
import { applyCommand } from "./apply";
import { CliIo, endProcess, exitProcess, processStreams, SignalName, WATCHED_SIGNALS } from "./io";
import { parseCliArgs, USAGE, UsageError } from "./args";
import { dryRunWithPlan, PlannedRun, sameFile } from "./plan-out";
import { restoreCommand } from "./restore";
import { Acting, startActing } from "./acting";
import { watchSignals } from "./interrupt";
import { checkWritableFile, FileProblem } from "../shared/files";
import { shellWord } from "../shared/shellWord";
import { iamPolicyCommand } from "./iam-policy";
import { doctorCommand } from "./doctor";
import { progress } from "./progress";
import { packageVersion } from "./version";
import { missingSetup } from "./region";

const processIo: CliIo = {
  ...processStreams(),
  stderrIsTty: Boolean(process.stderr.isTTY),
  clock: () => new Date(),
  tableWidth: tableWidth(process.stdout.isTTY ? process.stdout.columns : undefined, process.env.COLUMNS),
  onSignals: (handler) => {
    const listener = (signal: NodeJS.Signals) => handler(signal as SignalName);
    for (const signal of WATCHED_SIGNALS) process.on(signal, listener);
    return () => {
      for (const signal of WATCHED_SIGNALS) process.off(signal, listener);
    };
  },
  exit: exitProcess,
};

/** The bin's entry: runs the command with the process's streams, then ends the process with its exit code. */
export async function runProcess(argv: string[]): Promise<void> {
  endProcess(await main(argv));
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const fail = (message: string): number => {
    io.stderr(`ecr-cleanup: ${message}\n`);
    return 2;
  };
  if (argv[0] === "apply") return applyCommand(argv.slice(1), io);
  if (argv[0] === "restore") return restoreCommand(argv.slice(1), io);
  if (argv[0] === "iam-policy") return iamPolicyCommand(argv.slice(1), io);
  if (argv[0] === "doctor") return doctorCommand(argv.slice(1), io);
  let args;
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    // The message may quote an argument: escaped, so that it cannot drive the terminal.
    if (err instanceof UsageError) return fail(`${escapeControls(err.message)}\n\n${USAGE}`);
    throw err;
  }
  if (args === "help") {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (args === "version") {
    io.stdout(`ecr-cleanup ${packageVersion()}\n`);
    return 0;
  }

  const clock = io.clock();
  const now = args.now ?? clock;
  if (args.apply && now.getTime() > clock.getTime()) {
    return fail(`--apply with --now ${now.toISOString()}, later than the clock (${clock.toISOString()}): that would delete images still inside their protected window`);
  }

  if (args.planOut && sameFile(args.planOut, args.config)) {
    return fail(`--plan-out ${escapeControls(args.planOut)} is the policy file that --config reads: the plan would replace it; write the plan to another file`);
  }
  if (args.journal && sameFile(args.journal, args.config)) {
    return fail(`--journal ${escapeControls(args.journal)} is the policy file that --config reads: the journal would be appended to it; name another file`);
  }

  let config, document;
  try {
    ({ config, document } = await loadConfigDocument(args.config));
  } catch (err) {
    if (err instanceof ConfigError) {
      // Names escaped whole; a message line by line (a YAML error quotes the file's lines under its own).
      return fail(`configuration error, nothing was done:\n${issueLines(err.source, err.issues, escapeControls, escapeControlsPerLine)}`);
    }
    throw err;
  }

  if (args.planOut) {
    try {
      await checkWritableFile(args.planOut, { replacedByRename: true });
    } catch (err) {
      if (err instanceof FileProblem) return fail(`--plan-out ${escapeControls(args.planOut)}: ${escapeControls(err.message)}; nothing was done`);
      throw err;
    }
  }
  let acting: Acting | undefined;
  try {
    if (args.apply) acting = startActing(io, "ecr-cleanup", args.journal);
  } catch (err) {
    if (err instanceof FileProblem) return fail(`--journal ${escapeControls(args.journal!)}: ${escapeControls(err.message)}; nothing was done`);
    throw err;
  }
  // A dry run has nothing to stop safely: a signal ends it at once.
  const dryRunSignals = acting ? undefined : watchSignals(io, { dryRun: true, command: "ecr-cleanup" });

  const clients = createClients({ region: args.region });
  const missing = await missingSetup(clients);
  if (missing) {
    dryRunSignals?.dispose();
    acting?.close();
    fail(missing.message);
    return missing.exitCode;
  }

  const options = {
    config,
    now,
    apply: args.apply,
    ...clients,
    concurrency: args.concurrency,
    // The timeline draws every image, the ones the policies keep too; --show lists them in the table.
    listKept: args.output === "html" || args.show !== undefined,
    onRepositoryDone: io.stderrIsTty ? progress(io.stderr, args.apply) : undefined,
    signal: acting?.signal,
    onDeleteCall: acting?.onDeleteCall,
  };
  const planned: PlannedRun = args.planOut
    ? await dryRunWithPlan(options, { path: args.planOut, source: args.config, document, clock })
    : { report: await runCleanup(options) };
  const { report } = planned;
  destroyClients(clients);
  dryRunSignals?.dispose();
  const signalExit = acting?.finish(report);

  // Warnings and errors quote repository names, tags and AWS's messages: escaped, like the table.
  for (const warning of report.warnings) io.stderr(`ecr-cleanup: warning: ${escapeControls(warning)}\n`);
  for (const error of report.errors) io.stderr(`ecr-cleanup: error: ${errorText(error, true)}\n`);
  io.stdout(args.output === "json" ? renderJson(report) : args.output === "html" ? renderHtml(report) : renderTable(report, { width: io.tableWidth, show: args.show }));
  if (planned.planError) io.stderr(`ecr-cleanup: error: no plan was written to ${escapeControls(args.planOut!)}: ${escapeControls(planned.planError)}\n`);
  if (planned.written) {
    const { images, repositories, sha256 } = planned.written;
    io.stderr(`ecr-cleanup: plan written to ${escapeControls(args.planOut!)} (${images} ${images === 1 ? "image" : "images"} in ${repositories} ${repositories === 1 ? "repository" : "repositories"}), sha256 ${sha256}; review it, then: ecr-cleanup apply ${shellWord(escapeControls(args.planOut!))} --expect-sha256 ${sha256} --config ${shellWord(escapeControls(args.config))}\n`);
  }
  return signalExit ?? (planned.planError ? 1 : exitCodeOf(report));
}
