/**
 * `ecr-cleanup doctor`: read-only checks of everything a run with a configuration needs (runtime/cli/doctor/checks.ts),
 * one line per check with what to do when it fails, as a table or one JSON document. Exit 0 every check passed
 * (warnings included), 1 some check failed, 2 usage or configuration error (nothing checked).
 */
import { createClients, destroyClients } from "../ecr/client";
import { escapeControls } from "../report/escape";
import { regionAndConcurrency, UsageError } from "./args";
import { parseSubcommandFlags } from "./subcommandFlags";
import { callerIn, NO_CREDENTIALS_HINT } from "./caller";
import { readConfig } from "./config-file";
import { Check, inUseChecks, pullTimeCheck, repositoryChecks } from "./doctor/checks";
import type { CliIo } from "./io";
import { credentialsProblem, NO_REGION, resolveCredentials, resolvedRegion } from "./region";
import { errorMessage } from "../shared/errors";

export const DOCTOR_USAGE = `Usage: ecr-cleanup doctor --config FILE [--output table|json] [--region R]

  --config FILE      policy file (YAML)
  --output FORMAT    table (default): one line per check; json: one JSON document on stdout
  --region R         AWS region (default: the SDK's chain, e.g. AWS_REGION)

Checks, without changing anything, what a run with that policy file needs: credentials, region, the repositories,
each in-use source in every account and region, each EKS cluster, the delete and archive permissions, and the
pull-time exclusion when keep_pulled_within is in play.
Exit codes: 0 every check passed, 1 some check failed, 2 usage or configuration error.`;

/** What to do when the credentials' source did not answer (it is there, but hangs or cannot be reached). */
const UNANSWERED_CREDENTIALS_HINT =
  "make the source named above answer (run the profile's credential_process by hand, `aws sso login`, or check the network to STS), then run doctor again";

/** The JSON document's format version (docs/cli.md describes the document). */
export const DOCTOR_FORMAT = 1;
/** Each check tries a call at most this many times: a doctor should answer in seconds, not wait out a full run's retries. */
const DOCTOR_ATTEMPTS = 3;

interface DoctorArgs {
  config: string;
  output: "table" | "json";
  region?: string;
}

function parse(argv: string[]): DoctorArgs | "help" {
  const values = parseSubcommandFlags(argv, {
    config: { type: "string" },
    output: { type: "string", default: "table" },
    region: { type: "string" },
  });
  if (values === "help") return "help";
  if (!values.config) throw new UsageError("--config FILE is required: the policy file whose run to check");
  if (values.output !== "table" && values.output !== "json") throw new UsageError(`--output must be table or json, not ${values.output}`);
  return { config: values.config, output: values.output, ...regionAndConcurrency({ region: values.region }) };
}

const MARK: Record<Check["status"], string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };

/** One line per check; a check that is not ok has its remedy on the next line. Registry text is escaped. */
export function renderDoctorTable(checks: readonly Check[]): string {
  const lines = checks.map((c) => {
    const line = `${MARK[c.status]}  ${c.check}  ${escapeControls(c.target)}: ${escapeControls(c.detail)}`;
    return c.remedy ? `${line}\n      -> ${escapeControls(c.remedy)}` : line;
  });
  const failed = checks.filter((c) => c.status === "fail").length;
  const summary = failed ? `${failed} of ${checks.length} checks failed` : `all ${checks.length} checks passed`;
  return `${lines.join("\n")}\n\n${summary}\n`;
}

export async function doctorCommand(argv: string[], io: CliIo): Promise<number> {
  const usage = (message: string): number => {
    io.stderr(`ecr-cleanup doctor: ${message}\n\n${DOCTOR_USAGE}\n`);
    return 2;
  };
  let args;
  try {
    args = parse(argv);
  } catch (err) {
    if (err instanceof UsageError) return usage(escapeControls(err.message));
    throw err;
  }
  if (args === "help") {
    io.stdout(`${DOCTOR_USAGE}\n`);
    return 0;
  }
  const read = await readConfig(args.config);
  if ("error" in read) {
    io.stderr(`ecr-cleanup doctor: ${read.error}\n`);
    return 2;
  }
  const checks = await runChecks(read.config, args.region);
  const passed = checks.every((c) => c.status !== "fail");
  io.stdout(args.output === "json" ? `${JSON.stringify({ format: DOCTOR_FORMAT, ok: passed, checks }, null, 2)}\n` : renderDoctorTable(checks));
  return passed ? 0 : 1;
}

/** Every check in order; a missing region or credentials stop there (nothing after them could be checked). */
async function runChecks(config: Parameters<typeof repositoryChecks>[0]["config"], regionFlag: string | undefined): Promise<Check[]> {
  const clients = createClients({ region: regionFlag });
  try {
    const region = await resolvedRegion(clients);
    if (region === undefined) return [{ check: "region", target: "-", status: "fail", detail: "no region", remedy: NO_REGION }];
    const checks: Check[] = [{ check: "region", target: region, status: "ok", detail: regionFlag ? "from --region" : "from the SDK's chain" }];
    try {
      await resolveCredentials(clients);
    } catch (err) {
      const problem = credentialsProblem(err);
      const remedy = problem.exitCode === 1 ? UNANSWERED_CREDENTIALS_HINT : NO_CREDENTIALS_HINT;
      return [...checks, { check: "credentials", target: "-", status: "fail", detail: problem.message, remedy }];
    }
    const sdkConfig = { ...clients.sdkConfig, maxAttempts: DOCTOR_ATTEMPTS };
    let caller;
    try {
      caller = await callerIn(sdkConfig, region);
    } catch (err) {
      return [...checks, { check: "credentials", target: "-", status: "fail", detail: `STS GetCallerIdentity: ${errorMessage(err)}`, remedy: NO_CREDENTIALS_HINT }];
    }
    checks.push({ check: "credentials", target: caller.arn, status: "ok", detail: `account ${caller.accountId}` });
    const ctx = { config, caller, ecr: clients.ecr, sdkConfig };
    checks.push(...(await repositoryChecks(ctx)), ...(await inUseChecks(ctx)), ...(await pullTimeCheck(ctx)));
    return checks;
  } finally {
    destroyClients(clients);
  }
}
