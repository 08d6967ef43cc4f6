/** Runs the real `ecr-cleanup` bin in a child process, as a user would. */
import { ChildProcess, spawn } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const BIN = resolve(__dirname, "../../../bin/ecr-cleanup.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `onSpawn` receives the child, so a test can kill it mid-run. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, onSpawn?: (child: ChildProcess) => void): Promise<CliResult & { signal: NodeJS.Signals | null }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/** Writes a policy file into a fresh temporary folder and returns its path. */
export function writePolicyFile(yaml: string, name = "policies.yaml"): string {
  const path = join(mkdtempSync(join(tmpdir(), "ecr-cleanup-")), name);
  writeFileSync(path, yaml);
  return path;
}
