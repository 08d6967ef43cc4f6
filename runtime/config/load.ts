/** Reads a policy file (YAML) into a validated configuration. */
import { readFile } from "node:fs/promises";
import { parse, YAMLParseError } from "yaml";
import { ConfigError } from "./errors";
import { Config, prepareValidation, validateConfig } from "./schema";

const BYTE_ORDER_MARK = /^\uFEFF/;

/**
 * Integers beyond 2^53 are kept as YAML reads them with intAsBigInt (bigints), so that the validator reports them as
 * too large and as written: as a number, 9007199254740993 would already be 9007199254740992. The others are numbers.
 */
function exactIntegers(_key: unknown, value: unknown): unknown {
  const safe = typeof value === "bigint" && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  return safe ? Number(value) : value;
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
  try {
    return parse(text.replace(BYTE_ORDER_MARK, ""), exactIntegers, { uniqueKeys: true, intAsBigInt: true });
  } catch (err) {
    const message = err instanceof YAMLParseError ? err.message : String(err);
    throw new ConfigError(source, [{ message: `not valid YAML: ${message}` }]);
  }
}

export async function loadConfigFile(path: string): Promise<Config> {
  return (await loadConfigDocument(path)).config;
}

export async function loadConfigDocument(path: string): Promise<{ document: unknown; config: Config }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(path, [{ message: `cannot be read: ${(err as Error).message}` }]);
  }
  const raw = parseYamlDocument(text, path);
  await prepareValidation(raw);
  return { document: raw, config: validateConfig(raw, path, "snake") };
}
