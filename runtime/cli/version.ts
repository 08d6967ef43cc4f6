/** The package's version, read from its package.json (dist/runtime/cli/ is three folders below it). */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(resolve(__dirname, "../../../package.json"), "utf8")) as { version: string };
  return manifest.version;
}
