/** Starts an empty emulator (ECR, ECS, Lambda) for manual use: `node dist/tests/emulator/main.js [--port N] [--region R]`. */
import { startEcrEmulator } from "./server";

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const port = Number(value("--port") ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${value("--port")}`);
  const emulator = await startEcrEmulator({ port, region: value("--region") });
  console.log(emulator.endpoint);
  console.error(
    `ECR, ECS and Lambda emulator for account ${emulator.account}, region ${emulator.region}; e.g. AWS_ENDPOINT_URL=${emulator.endpoint}`,
  );
  const stop = () => void emulator.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
