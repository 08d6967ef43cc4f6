/**
 * `ecr-cleanup iam-policy`: prints the least-privilege IAM policy document that the CLI needs for a configuration,
 * built from the same statements as the component's role (runtime/iam/). The ARNs name the caller's account (STS
 * GetCallerIdentity, which needs no permission) and the region: IAM has no placeholder for an account, so a document
 * with one could not be used as it is. Exit 0 printed, 2 usage, configuration, region or credentials (nothing printed).
 */
import { cliPolicy } from "../iam/cliPolicy";
import { createClients, destroyClients } from "../ecr/client";
import { errorMessage } from "../shared/errors";
import { escapeControls } from "../report/escape";
import { regionAndConcurrency, UsageError } from "./args";
import { parseSubcommandFlags } from "./subcommandFlags";
import { callerIn, NO_CREDENTIALS_HINT } from "./caller";
import { readConfig } from "./config-file";
import type { CliIo } from "./io";
import { credentialsProblem, NO_REGION, resolveCredentials, resolvedRegion } from "./region";

export const IAM_POLICY_USAGE = `Usage: ecr-cleanup iam-policy --config FILE [--apply-only] [--region R]

  --config FILE   policy file (YAML)
  --apply-only    print only the statements that --apply (and ecr-cleanup apply) adds to a dry run
  --region R      AWS region (default: the SDK's chain, e.g. AWS_REGION)

Prints the IAM policy document (JSON) the CLI needs for that configuration, in the caller's account and the region.
Exit codes: 0 printed, 2 usage, configuration, region or credentials error (nothing printed).`;

interface IamPolicyArgs {
  config: string;
  applyOnly: boolean;
  region?: string;
}

function parse(argv: string[]): IamPolicyArgs | "help" {
  const values = parseSubcommandFlags(argv, {
    config: { type: "string" },
    "apply-only": { type: "boolean", default: false },
    region: { type: "string" },
  });
  if (values === "help") return "help";
  if (!values.config) throw new UsageError("--config FILE is required: the policy file whose permissions to print");
  return { config: values.config, applyOnly: values["apply-only"] ?? false, ...regionAndConcurrency({ region: values.region }) };
}

export async function iamPolicyCommand(argv: string[], io: CliIo): Promise<number> {
  const fail = (message: string, usage = false): number => {
    io.stderr(`ecr-cleanup iam-policy: ${message}\n${usage ? `\n${IAM_POLICY_USAGE}\n` : ""}`);
    return 2;
  };
  let args;
  try {
    args = parse(argv);
  } catch (err) {
    if (err instanceof UsageError) return fail(escapeControls(err.message), true);
    throw err;
  }
  if (args === "help") {
    io.stdout(`${IAM_POLICY_USAGE}\n`);
    return 0;
  }
  const read = await readConfig(args.config);
  if ("error" in read) return fail(read.error);
  const clients = createClients({ region: args.region });
  try {
    const region = await resolvedRegion(clients);
    if (region === undefined) return fail(NO_REGION);
    try {
      await resolveCredentials(clients);
    } catch (err) {
      // Absent credentials are STS's to name below (exit 2); a source that did not answer ends here (exit 1).
      const problem = credentialsProblem(err);
      if (problem.exitCode === 1) {
        fail(`cannot tell which account the policy is for: ${escapeControls(problem.message)}`);
        return problem.exitCode;
      }
    }
    let caller;
    try {
      caller = await callerIn(clients.sdkConfig, region);
    } catch (err) {
      return fail(`cannot tell which account the policy is for: STS GetCallerIdentity failed (${escapeControls(errorMessage(err))}): ${NO_CREDENTIALS_HINT}`);
    }
    io.stdout(`${JSON.stringify(cliPolicy(read.config, caller, { applyOnly: args.applyOnly }), null, 2)}\n`);
    return 0;
  } finally {
    destroyClients(clients);
  }
}
