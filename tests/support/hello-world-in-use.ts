/**
 * The in-use end-to-end tests' registry and run: hello_world with 10 untagged images, one a day up to NOW, under a
 * policy that keeps the 2 newest; the CLI applied against the emulator with the JSON report parsed.
 */
import type { EcrEmulator } from "../emulator/server";
import { awsEnv } from "./aws-env";
import { runCli, writePolicyFile } from "./cli";

export const NOW = "2026-01-01T00:00:00.000Z";
export const REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const DAY = 86_400_000;

export interface JsonLine {
  digest: string;
  action: string;
  reason: string;
  workloads?: string[];
}

/** Creates hello_world with its 10 images; returns their digests, newest first. */
export function seedHelloWorld(emulator: EcrEmulator): string[] {
  emulator.registry.createRepository("hello_world");
  const digests: string[] = [];
  for (let age = 10; age >= 1; age--) digests.unshift(emulator.registry.putImage("hello_world", { pushedAt: new Date(Date.parse(NOW) - age * DAY) }).digest);
  return digests;
}

/** The policy file: keep the 2 newest of hello_world, then `settings` (YAML, at the top level) as given. */
export function keepTwoPolicy(settings = ""): string {
  return writePolicyFile(`
policies:
  - name: keep two
    protected_period: 0
    protected_count: 2
    significant_tags: '*'
    repositories: [hello_world]
${settings}`);
}

/** `ecr-cleanup --config FILE --now NOW --output json --apply` against the emulator, its report parsed. */
export async function applyJson(emulator: EcrEmulator, config: string) {
  const result = await runCli(["--config", config, "--now", NOW, "--output", "json", "--apply"], awsEnv(emulator.endpoint));
  return { ...result, report: result.stdout ? JSON.parse(result.stdout) : undefined };
}

/** The first repository's report line of a digest. */
export const lineOf = (report: { repositories: { images: JsonLine[] }[] }, digest: string) => report.repositories[0].images.find((l) => l.digest === digest);

/** hello_world's digests after the run, sorted. */
export const survivorsOf = (emulator: EcrEmulator) => emulator.registry.images("hello_world").map((i) => i.digest).sort();
