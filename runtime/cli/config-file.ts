/** Reading the policy file for a subcommand: the configuration, or the message that names the file, policy and field. */
import { ConfigError, issueLines } from "../config/errors";
import { loadConfigFile } from "../config/load";
import type { Config } from "../config/schema";
import { escapeControls, escapeControlsPerLine } from "../report/escape";

export async function readConfig(path: string): Promise<{ config: Config } | { error: string }> {
  try {
    return { config: await loadConfigFile(path) };
  } catch (err) {
    if (err instanceof ConfigError) return { error: `configuration error, nothing was done:\n${issueLines(err.source, err.issues, escapeControls, escapeControlsPerLine)}` };
    throw err;
  }
}
