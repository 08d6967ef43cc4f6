/** Reads a policy file (YAML) into a validated configuration. */
import { parse, YAMLParseError } from "yaml";
import { ConfigError } from "./errors";
import { Config, prepareValidation, validateConfig } from "./schema";
import { readTextFile } from "../shared/files";

const BYTE_ORDER_MARK = /^\uFEFF/;

/**
 * Integers beyond 2^53 are kept as YAML reads them with intAsBigInt (bigints), so that the validator reports them as
 * too large and as written: as a number, 9007199254740993 would already be 9007199254740992. The others are numbers.
 */
function exactIntegers(_key: unknown, value: unknown): unknown {
  const safe = typeof value === "bigint" && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  return safe ? Number(value) : value;
}

/**
 * The parser's message, pointing at the right line. An unclosed `[`, `{` or quote is found only at the end of the
 * input, which the parser reports as the line after the last (a line the file does not have, shown empty): such an
 * error points at the end of the last line that holds anything instead, where the construct was left open.
 */
function yamlErrorText(err: YAMLParseError, text: string): string {
  if (err.code === "BAD_ALIAS" && text[err.pos[0]] === "*") return err.message.replace(/^[^\n]*? at line/, `${unquotedStar("")} at line`);
  const at = /^([\s\S]*?) at line \d+, column \d+:/.exec(err.message);
  if (!at || text.slice(err.pos[0]).trim() !== "") return err.message;
  const lines = text.trimEnd().split("\n");
  const last = lines[lines.length - 1];
  const column = last.length;
  return `${at[1]} at line ${lines.length}, column ${column}:\n\n${last}\n${" ".repeat(Math.max(0, column - 1))}^\n`;
}

/**
 * An unquoted `*` (`significant_tags: *`, `[*]`, `[*-rc]`) is YAML's alias mark, the most common slip in a policy
 * file: the parser's own words ("Alias cannot be an empty string", "Unresolved alias") do not say what to type.
 */
const unquotedStar = (rest: string) => `an unquoted *${rest} starts a YAML alias: quote it, '*${rest}'`;

/** An alias of an anchor the file does not set (`[*-rc]`), where it first appears, as the parser shows its errors. */
function unresolvedAliasText(err: Error, text: string): string | undefined {
  const name = /^Unresolved alias[^:]*: (.+)$/.exec(err.message)?.[1];
  const index = name === undefined ? -1 : text.indexOf(`*${name}`);
  if (index < 0) return undefined;
  const lineStart = text.lastIndexOf("\n", index) + 1;
  const lineEnd = text.indexOf("\n", index);
  const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const lineNumber = text.slice(0, index).split("\n").length;
  const column = index - lineStart + 1;
  return `${unquotedStar(name!)} at line ${lineNumber}, column ${column}:\n\n${line}\n${" ".repeat(column - 1)}^\n`;
}

/** Parses YAML text; `source` names the file in every error. A leading byte order mark is not part of the YAML. */
export function parseConfig(text: string, source: string): Config {
  return parseConfigDocument(text, source).config;
}

/**
 * The document as written (a plan file carries it, to validate again when it is applied) and its validated form.
 * A policy with group_by needs the regular expression engine loaded first (loadConfigDocument does).
 */
export function parseConfigDocument(text: string, source: string): { document: unknown; config: Config } {
  const raw = parseYamlDocument(text, source);
  return { document: raw, config: validateConfig(raw, source, "snake") };
}

function parseYamlDocument(text: string, source: string): unknown {
  const yaml = text.replace(BYTE_ORDER_MARK, "");
  try {
    return parse(yaml, exactIntegers, { uniqueKeys: true, intAsBigInt: true });
  } catch (err) {
    const message = err instanceof YAMLParseError
      ? yamlErrorText(err, yaml)
      : (err instanceof ReferenceError && unresolvedAliasText(err, yaml)) || String(err);
    throw new ConfigError(source, [{ message: `not valid YAML: ${message}` }]);
  }
}

export async function loadConfigFile(path: string): Promise<Config> {
  return (await loadConfigDocument(path)).config;
}

export async function loadConfigDocument(path: string): Promise<{ document: unknown; config: Config }> {
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (err) {
    throw new ConfigError(path, [{ message: `cannot be read: ${(err as Error).message}` }]);
  }
  const raw = parseYamlDocument(text, path);
  await prepareValidation(raw);
  return { document: raw, config: validateConfig(raw, path, "snake") };
}
