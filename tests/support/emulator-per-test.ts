/** A fresh emulator for every test of a suite (listening on 127.0.0.1, stopped after the test), with these repositories. */
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
