/**
 * The JSON report's documented shape (docs/json-report.md): the demo's `--output json` report, from the real CLI,
 * matches the schema and uses no field the schema does not document; the committed JSON Schema is the one the zod
 * schema generates; and the page's example is itself a valid report.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { seedDemoRegistry } from "../examples/demo/registry";
import { jsonReportSchema, jsonSchemaDocument } from "../runtime/report/json-schema";
import { EcrEmulator, startEcrEmulator } from "./emulator/server";
import { awsEnv } from "./support/aws-env";
import { runCli } from "./support/cli";

const ROOT = resolve(__dirname, "../..");
const NOW = "2026-12-01T12:00:00Z";

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; additionalProperties?: JsonSchema | boolean; items?: JsonSchema };

/** Paths in `value` that `schema` does not describe (an object's property missing from its `properties`). */
function undocumented(value: unknown, schema: JsonSchema, path = "$"): string[] {
  if (Array.isArray(value)) return schema.items ? value.flatMap((item, i) => undocumented(item, schema.items!, `${path}[${i}]`)) : [];
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const described = schema.properties?.[key] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
    return described ? undocumented(child, described, `${path}.${key}`) : [`${path}.${key}`];
  });
}

describe("the JSON report's schema (docs/json-report.md)", () => {
  let emulator: EcrEmulator;
  let report: unknown;
  before(async () => {
    emulator = await startEcrEmulator();
    seedDemoRegistry(emulator, new Date(NOW));
    const result = await runCli(["--config", resolve(ROOT, "examples/policies.yaml"), "--output", "json", "--now", NOW], awsEnv(emulator.endpoint));
    expect(result.code, result.stderr).to.equal(0);
    report = JSON.parse(result.stdout);
  });
  after(async () => {
    await emulator.stop();
  });

  it("the demo's report matches the schema", () => {
    const parsed = jsonReportSchema.safeParse(report);
    expect(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 5))).to.equal(true);
  });

  it("the demo's report uses only documented fields", () => {
    expect(undocumented(report, jsonSchemaDocument() as JsonSchema)).to.deep.equal([]);
  });

  it("format version 1, and the fields a reader of the first version relies on", () => {
    const r = report as { formatVersion: number; summary: object; repositories: { images: object[] }[] };
    expect(r.formatVersion).to.equal(1);
    expect(r.summary).to.include.keys("repositories", "imagesScanned", "toDelete", "deleted", "bytesToFree", "bytesFreed", "keptBySafety", "failures");
    for (const line of r.repositories.flatMap((repo) => repo.images)) expect(line).to.include.keys("digest", "tags", "pushedAt", "sizeBytes", "action", "reason", "policies");
  });

  it("docs/json-report.schema.json is the schema the code generates (node dist/scripts/json-schema.js)", () => {
    const committed = JSON.parse(readFileSync(resolve(ROOT, "docs/json-report.schema.json"), "utf8"));
    expect(committed).to.deep.equal(jsonSchemaDocument());
  });

  it("the page's example is a valid report that uses only documented fields", () => {
    const page = readFileSync(resolve(ROOT, "docs/json-report.md"), "utf8");
    const example = /```json\n([\s\S]*?)\n```/.exec(page);
    expect(example, "a ```json block").to.not.equal(null);
    const parsed = JSON.parse(example![1]);
    expect(jsonReportSchema.safeParse(parsed).success).to.equal(true);
    expect(undocumented(parsed, jsonSchemaDocument() as JsonSchema)).to.deep.equal([]);
  });

  it("the schema refuses what a reader could not read: a wrong format version, an unknown action", () => {
    expect(jsonReportSchema.safeParse({ ...(report as object), formatVersion: 2 }).success).to.equal(false);
    const r = structuredClone(report) as { repositories: { images: { action: string }[] }[] };
    r.repositories[0].images[0].action = "purge";
    expect(jsonReportSchema.safeParse(r).success).to.equal(false);
  });
});
