/** `node dist/scripts/json-schema.js`: writes docs/json-report.schema.json from the zod schema (runtime/report/json-schema.ts). */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { jsonSchemaDocument } from "../runtime/report/json-schema";

const path = resolve(__dirname, "../../docs/json-report.schema.json");
writeFileSync(path, `${JSON.stringify(jsonSchemaDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${path}\n`);
