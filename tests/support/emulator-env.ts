/** Environment for a child process (the CLI) that talks to the ECR emulator through the SDK's standard endpoint setting. */
import { awsEnv } from "./moto";

export function emulatorEnv(endpoint: string): NodeJS.ProcessEnv {
  const env = awsEnv(endpoint);
  delete env.AWS_ENDPOINT_URL;
  return { ...env, AWS_ENDPOINT_URL_ECR: endpoint };
}
