/** EKS clients and targets on an emulator started for each test (emulatorPerTest), the clients destroyed after it. */
import { EKSClient, type EKSClientConfig } from "@aws-sdk/client-eks";
import type { EksTarget } from "../../runtime/inuse/eks/source";
import type { EcrEmulator } from "../emulator/server";
import { emulatorPerTest } from "./emulator-per-test";

const TEST_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

export function eksTargetsPerTest(account: string, use: (emulator: EcrEmulator) => void) {
  let emulator: EcrEmulator;
  const clients: EKSClient[] = [];
  emulatorPerTest((e) => use((emulator = e)));
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
  });
  /** An EKS client on the emulator (2 attempts), destroyed after the test. */
  const eksClient = (region = "us-east-1", credentials: EKSClientConfig["credentials"] = TEST_CREDENTIALS): EKSClient => {
    const eks = new EKSClient({ endpoint: emulator.endpoint, region, credentials, maxAttempts: 2 });
    clients.push(eks);
    return eks;
  };
  /** A target of the account, read through such a client. */
  const target = (region = "us-east-1", credentials = TEST_CREDENTIALS, targetAccount = account, label = ""): EksTarget => ({
    account: targetAccount,
    region,
    eks: eksClient(region, credentials),
    label,
  });
  return { eksClient, target };
}
