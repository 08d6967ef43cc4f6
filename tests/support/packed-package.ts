/**
 * The package as it ships: the files `npm pack` would put in the tarball (package.json's `files`), copied into a
 * fresh folder, with this repository's node_modules beside them. What Pulumi's schema analyzer and a user's
 * install see, without tests, examples or scripts.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { packageRoot } from "../../component/bundle";

export const ROOT = packageRoot();

/** The paths `npm pack` would include, relative to the package root. */
export function packedFiles(root: string = ROOT): string[] {
  const run = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`npm pack --dry-run failed: ${run.stderr}`);
  return (JSON.parse(run.stdout)[0].files as { path: string }[]).map((f) => f.path).sort();
}

/** A folder holding what the package ships, and node_modules linked to this repository's. */
export function stagePackage(root: string = ROOT): string {
  const dir = mkdtempSync(join(tmpdir(), "ecr-cleanup-packed-"));
  for (const file of packedFiles(root)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(root, file), join(dir, file));
  }
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}
