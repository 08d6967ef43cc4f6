/**
 * A subcommand's flags (restore, doctor, iam-policy), parsed by node:util the same way for each: strict, no
 * positional arguments, `--help`/`-h` for every one, and any mistake a usage error (exit 2).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { flagError } from "./args";

type FlagOptions = NonNullable<ParseArgsConfig["options"]>;

const HELP = { help: { type: "boolean", short: "h", default: false } } as const;

/** What node:util's parseArgs reads from `options` and --help: each flag's value, typed by its option. */
type FlagValues<T extends FlagOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: T & typeof HELP }>
>["values"];

/** The flags' values, or "help" when --help or -h was given. */
export function parseSubcommandFlags<T extends FlagOptions>(argv: string[], options: T): FlagValues<T> | "help" {
  let values: FlagValues<T>;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { ...options, ...HELP } }));
  } catch (err) {
    throw flagError(err, { ...options, ...HELP });
  }
  return (values as { help?: boolean }).help ? "help" : values;
}
