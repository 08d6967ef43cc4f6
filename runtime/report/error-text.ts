/** A run error as the table and the CLI's stderr print it: `[repository: ]code: message`, registry text escaped. */
import type { RunError } from "../engine/report";
import { escapeControls } from "./escape";

export function errorText(error: RunError, withRepository = false): string {
  const repository = withRepository && error.repository ? `${error.repository}: ` : "";
  return escapeControls(`${repository}${error.code}: ${error.message}`);
}
