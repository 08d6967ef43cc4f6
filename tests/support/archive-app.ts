/**
 * The archive end-to-end tests' repository `app` and run: images dated back from NOW, a multi-arch unit with its
 * signature, the CLI's JSON run against the emulator, and what became of each image.
 */
import type { EcrEmulator } from "../emulator/server";
import { awsEnv } from "./aws-env";
import { runCli } from "./cli";
import { cosignTag, JsonLine } from "./report-lines";

export const NOW = "2026-01-01T00:00:00.000Z";
export const DAY = 86_400_000;
/** `daysAgo` days (and `ms` milliseconds) before NOW. */
export const at = (daysAgo: number, ms = 0) => new Date(Date.parse(NOW) - daysAgo * DAY - ms);

/** `ecr-cleanup --config FILE --now NOW --output json` plus `extra`, against the emulator. */
export const runJson = (emulator: EcrEmulator, file: string, ...extra: string[]) =>
  runCli(["--config", file, "--now", NOW, "--output", "json", ...extra], awsEnv(emulator.endpoint));

/** Pushes an image to `app`, `daysAgo` days before NOW; returns its digest. */
export const pushApp = (emulator: EcrEmulator, daysAgo: number, tags: string[] = []) => emulator.registry.putImage("app", { tags, pushedAt: at(daysAgo) }).digest;

/** An image's status in `app`, or GONE. */
export const statusInApp = (emulator: EcrEmulator, digest: string) => emulator.registry.image("app", digest)?.status ?? "GONE";

/** The JSON report's lines of the first repository, by digest. */
export const linesByDigest = <L extends JsonLine>(stdout: string): Map<string, L> => new Map((JSON.parse(stdout).repositories[0].images as L[]).map((l) => [l.digest, l]));

/** A multi-arch unit in `app`: an index of two platform images, and a cosign signature of the index. */
export function pushAppUnit(emulator: EcrEmulator, daysAgo: number) {
  const amd = emulator.registry.putImage("app", { pushedAt: at(daysAgo, 3) }).digest;
  const arm = emulator.registry.putImage("app", { pushedAt: at(daysAgo, 2) }).digest;
  const index = emulator.registry.putImage("app", { pushedAt: at(daysAgo), children: [amd, arm] }).digest;
  const signature = emulator.registry.putImage("app", { pushedAt: at(daysAgo, -1), tags: [cosignTag(index)] }).digest;
  return { amd, arm, index, signature };
}
