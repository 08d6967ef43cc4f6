/** The CLI's flags (spec section 5), parsed with node:util. Usage errors exit 2. */
import { parseArgs } from "node:util";
import { parseInstant } from "../config/instant";
import { closestKeys } from "../config/suggestion";

export interface CliArgs {
  config: string;
  apply: boolean;
  output: "table" | "json" | "html";
  /** Absent: the clock. */
  now?: Date;
  region?: string;
  concurrency?: number;
  /** Which images the table lists (default: deletions and safety keeps). */
  show?: "kept" | "all";
  /** Also write the dry run's plan here, for `ecr-cleanup apply`. */
  planOut?: string;
  /** With --apply: append one JSON line per delete, archive or restore call here, flushed before the next call. */
  journal?: string;
}

export class UsageError extends Error {}

/**
 * node:util's parseArgs error as a usage error, for every command alike. An unknown flag is named plainly, with the
 * flag probably meant (`Unknown option --confg (did you mean --config?)`) or the command's own word on it (`hints`);
 * node's text for it advises `--` for positional arguments, which is never what a misspelled flag needs.
 */
export function flagError(err: unknown, options: Readonly<Record<string, unknown>>, hints: Readonly<Record<string, string>> = {}): UsageError {
  const message = (err as Error)?.message ?? String(err);
  const flag = (err as { code?: string })?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /^Unknown option '([^']+)'/.exec(message)?.[1] : undefined;
  if (flag === undefined) return new UsageError(message);
  if (hints[flag]) return new UsageError(`Unknown option ${flag}: ${hints[flag]}`);
  const closest = flag.startsWith("--") ? closestKeys(flag.slice(2), Object.keys(options)) : [];
  return new UsageError(`Unknown option ${flag}${closest.length ? ` (did you mean ${closest.map((key) => `--${key}`).join(" or ")}?)` : ""}`);
}

export const USAGE = `Usage: ecr-cleanup --config FILE [--apply [--journal FILE]] [--output table|json|html] [--now ISO-8601] [--region R] [--concurrency N]
                   [--plan-out FILE] [--show kept|all]
       ecr-cleanup apply PLAN [--expect-sha256 HEX] [--max-age DURATION] [--config FILE] [--output table|json] [--journal FILE] [--region R] [--concurrency N]
       ecr-cleanup restore (--repository R (--digest D | --tag T) | --from-report FILE|s3://BUCKET/KEY) [--wait [--timeout D]] [--output table|json] [--region R]
       ecr-cleanup doctor --config FILE [--output table|json] [--region R]
       ecr-cleanup iam-policy --config FILE [--apply-only] [--region R]
       ecr-cleanup --version

  --config FILE      policy file (YAML)
  --apply            delete; without it, a dry run that only reports
  --output FORMAT    table (default), json (one JSON document on stdout) or html (one self-contained page with a timeline per repository)
  --now ISO-8601     the time the rules are evaluated at (default: the clock); with --apply, not later than the clock
  --region R         AWS region (default: the SDK's chain, e.g. AWS_REGION)
  --concurrency N    repositories processed at once (default 8)
  --plan-out FILE    with a dry run: also write its plan to FILE (its SHA-256 is printed), to review and then apply with \`ecr-cleanup apply FILE\`
  --journal FILE     with --apply: append one JSON line per delete, archive or restore call to FILE, on disk before the next call
  --show kept        the table lists every kept image too, with its reason (and the JSON every image)
  --show all         the table lists every image and shortens nothing (a dry run's table shortens long lists)
  --version          print the version and exit

SIGINT, SIGTERM or SIGHUP during --apply stops before the next delete or archive call and prints what was done; a second one exits at once.
Exit codes: 0 finished, 1 finished with failures, 2 usage or configuration error (nothing deleted), 130 SIGINT, 143 SIGTERM, 129 SIGHUP.`;

/** The top-level command's flags. */
const TOP_LEVEL_FLAGS = {
  config: { type: "string" },
  apply: { type: "boolean", default: false },
  output: { type: "string", default: "table" },
  now: { type: "string" },
  region: { type: "string" },
  concurrency: { type: "string" },
  "plan-out": { type: "string" },
  journal: { type: "string" },
  show: { type: "string" },
  version: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

export function parseCliArgs(argv: string[]): CliArgs | "help" | "version" {
  let values;
  try {
    let tokens;
    ({ values, tokens } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      tokens: true,
      options: TOP_LEVEL_FLAGS,
    }));
    // A flag given twice (two --config files) is a mistake to point out, not a choice to make silently.
    const seen = new Set<string>();
    for (const token of tokens) {
      if (token.kind !== "option") continue;
      if (seen.has(token.name)) throw new UsageError(`--${token.name} given twice`);
      seen.add(token.name);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw flagError(err, TOP_LEVEL_FLAGS);
  }
  if (values.help) return "help";
  if (values.version) return "version";
  if (!values.config) throw new UsageError("--config FILE is required");
  if (values.output !== "table" && values.output !== "json" && values.output !== "html") throw new UsageError(`--output must be table, json or html, not ${values.output}`);
  const args: CliArgs = { config: values.config, apply: values.apply ?? false, output: values.output };
  if (values.show !== undefined) {
    if (values.show !== "kept" && values.show !== "all") throw new UsageError(`--show must be kept or all, not ${values.show}`);
    args.show = values.show;
  }
  if (values.now !== undefined) {
    // A time needs an explicit zone, so that the decision does not depend on the machine's.
    const now = parseInstant(values.now, { dateOnly: true });
    if (now === "malformed") throw new UsageError(`--now must be an ISO-8601 date or date-time with a zone (such as 2026-11-25T12:00:00Z), not ${values.now}`);
    if (now === "impossible") throw new UsageError(`--now must be a date and time that exist, not ${values.now}`);
    args.now = now;
  }
  Object.assign(args, regionAndConcurrency(values));
  const planOut = values["plan-out"];
  if (planOut !== undefined) {
    if (args.apply) throw new UsageError("--plan-out writes a dry run's plan: leave out --apply, and apply the plan with `ecr-cleanup apply FILE`");
    if (!planOut.trim()) throw new UsageError("--plan-out must name a file");
    args.planOut = planOut;
  }
  if (values.journal !== undefined) {
    if (!args.apply) throw new UsageError("--journal records the delete and archive calls of --apply: a dry run makes none");
    args.journal = fileArgument("--journal", values.journal);
  }
  return args;
}

/** A flag's file name: not empty. */
export function fileArgument(flag: string, value: string): string {
  if (!value.trim()) throw new UsageError(`${flag} must name a file`);
  return value;
}

/** --region and --concurrency, shared with `ecr-cleanup apply`. */
export function regionAndConcurrency(values: { region?: string; concurrency?: string }): { region?: string; concurrency?: number } {
  const out: { region?: string; concurrency?: number } = {};
  if (values.region !== undefined) {
    if (!values.region.trim()) throw new UsageError("--region must not be empty");
    out.region = values.region;
  }
  if (values.concurrency !== undefined) {
    const n = Number(values.concurrency);
    if (!Number.isSafeInteger(n) || n < 1 || n > 256) throw new UsageError(`--concurrency must be a whole number from 1 to 256, not ${values.concurrency}`);
    out.concurrency = n;
  }
  return out;
}
