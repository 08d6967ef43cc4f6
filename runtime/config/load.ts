/** Reads a policy file (YAML) into a validated configuration. */
import { readFile } from "node:fs/promises";
import { parse, YAMLParseError } from "yaml";
import { ConfigError } from "./errors";
import { Config, validateConfig } from "./schema";

/** Parses YAML text; `source` names the file in every error. */
export function parseConfig(text: string, source: string): Config {
  let raw: unknown;
  try {
    raw = parse(text, { uniqueKeys: true });
  } catch (err) {
    const message = err instanceof YAMLParseError ? err.message : String(err);
    throw new ConfigError(source, [{ message: `not valid YAML: ${message}` }]);
  }
  return validateConfig(raw, source, "snake");
}

export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(path, [{ message: `cannot be read: ${(err as Error).message}` }]);
  }
  return parseConfig(text, path);
}
