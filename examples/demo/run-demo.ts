/**
 * `npm run demo`: starts the local ECR emulator on 127.0.0.1 with the demo registry, runs the real
 * `ecr-cleanup` CLI against it with the example policy file (a dry run unless you pass --apply), and stops.
 * Extra arguments go to the CLI: `npm run demo -- --output json`. The policy file is the demo's: a file of one's own
 * goes to `npm run emulator`'s registry.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { startEcrEmulator } from "../../tests/emulator/server";
import { seedDemoRegistry } from "./registry";

const ROOT = resolve(__dirname, "../../..");
const POLICIES = "examples/policies.yaml";

/** The commands that need a registry that outlives one run (a plan to apply, an archive to restore). */
const STATEFUL_COMMANDS = ["apply", "restore", "doctor", "iam-policy"];

async function main(): Promise<number> {
  const command = process.argv[2];
  if (STATEFUL_COMMANDS.includes(command)) {
    process.stderr.write(
      `npm run demo runs the dry run (or --apply) on a fresh registry each time, with examples/policies.yaml: ${command} needs one that stays.\n` +
        "Start it with `npm run emulator` (it prints the environment to export), then run `npx ecr-cleanup " + command + " ...` in another shell.\n",
    );
    return 2;
  }
  if (process.argv.slice(2).some((arg) => arg === "--config" || arg.startsWith("--config="))) {
    process.stderr.write(
      `npm run demo runs the CLI with the demo's policy file, ${POLICIES}, on the demo registry; to try a policy file of your own,\n` +
        "start the same registry with `npm run emulator` (it prints the environment to export), then run `npx ecr-cleanup --config FILE` in another shell.\n",
    );
    return 2;
  }
  const emulator = await startEcrEmulator();
  try {
    seedDemoRegistry(emulator, new Date());
    const args = ["--config", POLICIES, ...process.argv.slice(2)];
    process.stderr.write(
      `Demo: a local ECR emulator at ${emulator.endpoint} holds hello_world (two years of releases), payments-api (multi-arch builds, images ECS and Lambda run), web-frontend and some_ignored_repository.\n` +
        `Running: ecr-cleanup ${args.join(" ")}\n\n`,
    );
    const child = spawn(process.execPath, [resolve(ROOT, "bin/ecr-cleanup.js"), ...args], {
      cwd: ROOT,
      stdio: "inherit",
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: emulator.endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "demo",
        AWS_SECRET_ACCESS_KEY: "demo",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    });
    return await new Promise<number>((done) => child.on("close", (code) => done(code ?? 1)));
  } finally {
    await emulator.stop();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
