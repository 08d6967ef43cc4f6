/**
 * Runs a deployed bundle the way Lambda's Node.js runtime does, in its own process: loads `<module>` from the task
 * root as the runtime interface client does (the first of `.js`, `.mjs`, `.cjs` that exists; `.mjs` as an ES module,
 * with import()), calls the exported handler with (event, context), and awaits it. Not a test; started by
 * tests/support/lambda-invoke.ts as `node lambda-runner.js TASK_ROOT HANDLER EVENT_FILE RESULT_FILE`.
 * The result file receives `{"result": ...}` or `{"error": {"name", "message"}}`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// A real import(): this file compiles to CommonJS, where TypeScript would turn `import()` into require().
const importModule = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

async function main(): Promise<void> {
  const [taskRoot, handlerSetting, eventFile, resultFile] = process.argv.slice(2);
  const [moduleName, exportName] = handlerSetting.split(".");
  const timeoutMs = Number(process.env.AWS_LAMBDA_FUNCTION_TIMEOUT ?? "900") * 1000;
  const deadline = Date.now() + timeoutMs;
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "test-function";
  const context = {
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "512",
    // Lambda gives each invocation its own; a test that invokes twice as two runs names the second's.
    awsRequestId: process.env.TEST_AWS_REQUEST_ID ?? "00000000-0000-4000-8000-000000000000",
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2030/01/01/[$LATEST]0000",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const event = JSON.parse(readFileSync(eventFile, "utf8"));
  try {
    const file = [".js", ".mjs", ".cjs"].map((ext) => join(taskRoot, `${moduleName}${ext}`)).find((f) => existsSync(f));
    if (!file) throw new Error(`no ${moduleName}.js, .mjs or .cjs in ${taskRoot}`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = file.endsWith(".mjs") ? await importModule(pathToFileURL(file).href) : require(file);
    const handler = loaded[exportName] as (event: unknown, context: unknown) => Promise<unknown>;
    if (typeof handler !== "function") throw new Error(`${handlerSetting} is not a function in ${taskRoot}`);
    const result = await handler(event, context);
    writeFileSync(resultFile, JSON.stringify({ result }));
  } catch (err) {
    const e = err as Error;
    writeFileSync(resultFile, JSON.stringify({ error: { name: e?.name, message: e?.message ?? String(err) } }));
  }
}

main().catch((err) => {
  process.stderr.write(`lambda-runner: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
