/** A fresh emulator for every test of a suite (listening on 127.0.0.1, stopped after the test), with these repositories. */
import type { ByDigestAnswer } from "../emulator/registry";
import { EcrEmulator, startEcrEmulator } from "../emulator/server";

export function emulatorPerTest(use: (emulator: EcrEmulator) => void, ...repositories: string[]): void {
  let current: EcrEmulator | undefined;
  beforeEach(async () => {
    current = await startEcrEmulator();
    for (const name of repositories) current.registry.createRepository(name);
    use(current);
  });
  afterEach(async () => {
    await current?.stop();
  });
}

/**
 * ECR does not document whether DescribeImages by digest returns archived and activating images: the tests of what
 * depends on it run once under each answer (tests/emulator/registry.ts, ByDigestAnswer).
 */
export const BY_DIGEST_ANSWERS = ["every-status", "active-only"] as const satisfies readonly ByDigestAnswer[];

/** Like emulatorPerTest, with the emulator answering DescribeImages by digest as `answer` says. */
export function emulatorPerTestAnswering(answer: ByDigestAnswer, use: (emulator: EcrEmulator) => void, ...repositories: string[]): void {
  emulatorPerTest((emulator) => {
    emulator.registry.byDigestAnswer = answer;
    use(emulator);
  }, ...repositories);
}
