/**
 * The docs cannot drift from the code: every component arg (from the schema Pulumi's analyzer infers), every policy
 * field and `settings` key (from the config schema), and every CLI flag (from the CLI's parseArgs options) has a row
 * in its reference page; each measured figure lives on one page (docs/scale.md, docs/bundle.md) and the README's
 * benchmark table repeats only figures those pages hold; and the pages speak to users, not to the project's own
 * documents.
 */
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ACCOUNT_KEYS, IN_USE_KEYS, inUseKey } from "../runtime/config/inUseSettings";
import { policySchema, settingsSchema } from "../runtime/config/schema";
import { SOURCES } from "../runtime/inuse/sources";
import { inferredSchema } from "./support/inferred-schema";
import { ROOT } from "./support/packed-package";

const read = (page: string) => readFileSync(join(ROOT, page), "utf8");
const DOC_PAGES = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The text a reader sees as prose: fenced code blocks and inline code removed. */
function prose(markdown: string): string {
  return markdown.replace(/^ *```[\s\S]*?^ *```/gm, "").replace(/`[^`\n]*`/g, "");
}

/** The first cell of every table row of a page, as written (backticks included). */
function firstCells(markdown: string): string[] {
  return markdown.split("\n").filter((line) => /^\|/.test(line) && !/^\|\s*-/.test(line)).map((line) => line.split(/(?<!\\)\|/)[1].trim());
}

/** The names that have a row of their own: a first cell holding `name`, or `name VALUE`, or `a.b.name`. */
function missingRows(page: string, names: readonly string[]): string[] {
  const cells = firstCells(read(page));
  return names.filter((name) => !cells.some((cell) => [...cell.matchAll(/`([^`]+)`/g)].some((m) => m[1] === name || m[1].startsWith(`${name} `))));
}

/** A zod (mini) object's keys, nested objects as dotted paths, behind optional() wrappers. */
function objectPaths(schema: unknown, prefix = ""): string[] {
  let def = (schema as { _zod: { def: { type: string; innerType?: unknown; shape?: Record<string, unknown> } } })._zod.def;
  while (def.type === "optional") def = (def.innerType as typeof schema as { _zod: { def: typeof def } })._zod.def;
  if (def.type !== "object" || !def.shape) return [];
  return Object.entries(def.shape).flatMap(([key, inner]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const nested = objectPaths(inner, path);
    return nested.length ? [path, ...nested] : [path];
  });
}

/** Every long option the CLI's commands declare (node:util parseArgs `options`, one per line), in every runtime/cli file. */
function cliFlags(): string[] {
  const dir = join(ROOT, "runtime/cli");
  const flags = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    for (const m of readFileSync(join(dir, file), "utf8").matchAll(/^\s+"?([a-z][a-z0-9-]*)"?: \{ type: "(?:string|boolean)"/gm)) flags.add(`--${m[1]}`);
  }
  return [...flags].sort();
}

/**
 * A measured figure: a decimal with a unit of time, size or ratio (`29.8 s`, `625.2 KB`, `1.03×`), or milliseconds.
 * Whole seconds and sizes (`900 s`, `4 KB`) are limits and settings, not measurements.
 */
const MEASURED = /\b\d+\.\d+ ?(?:ms|s|MiB|KiB|GiB|KB|MB|GB|x|×)(?![\w-])|\b\d+ ?ms\b/g;
/** Where measurements live: each figure on one page, which others link to. */
const HOMES = ["docs/scale.md", "docs/bundle.md"];
/** Figures that are not measurements of this project, page by page, with why. */
const NOT_MEASUREMENTS: Record<string, string[]> = {
  // The benchmark's configured latency per call, a setting of the emulator.
  "*": ["25 ms"],
  // An example of the preview's output format.
  "docs/pulumi.md": ["1.1 GiB"],
  "docs/component.md": ["1.1 GiB"],
  // The sizes of the libraries weighed for a choice; the longest a silent call can take, computed from the deadlines.
  "docs/choices.md": ["2.2 MB", "3.5 KB"],
  // The deadlines' bounds, computed from the attempts and the retry waits (the arithmetic is on the page), and half
  // the deadline (a stall then reset: tests/stall-reset.test.ts checks it against the code).
  "docs/cli.md": ["50 ms", "250 ms", "7.5 s"],
};

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  expect(start, heading).to.be.greaterThan(-1);
  const end = markdown.indexOf("\n## ", start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
}

describe("the docs hold every arg, field, setting and flag, and one figure per measurement", function () {
  this.timeout(300_000);

  it("docs/component.md has a row for every component arg and every field of its types, as the analyzer infers them", async () => {
    const schema = await inferredSchema();
    const [resource] = Object.values(schema.resources);
    const names = [...Object.keys(resource.inputProperties), ...Object.values(schema.types).flatMap((t) => Object.keys(t.properties))];
    expect(names).to.include.members(["policies", "inUseEks", "eksClusters", "inUseAccounts", "roleName", "protectedPeriod", "roleArn"]);
    expect(missingRows("docs/component.md", names)).to.deep.equal([]);
  });

  it("docs/policy-file.md has a row for every policy field and every settings key", () => {
    const policyFields = objectPaths(policySchema("snake"));
    expect(policyFields).to.include.members(["name", "significant_tags", "action", "max_deletions"]);
    const settings = objectPaths(settingsSchema("snake"), "settings");
    expect(settings).to.include.members(["settings.in_use", "settings.archive", "settings.archive.delete_after"]);
    const inUse = [...IN_USE_KEYS.map((k) => `settings.in_use.${inUseKey(k, "snake")}`), ...ACCOUNT_KEYS.map((k) => `settings.in_use.accounts[].${inUseKey(k, "snake")}`)];
    expect(missingRows("docs/policy-file.md", [...policyFields, ...settings, ...inUse])).to.deep.equal([]);
  });

  it("docs/cli.md has a row for every flag of every command", () => {
    const flags = cliFlags();
    expect(flags).to.include.members(["--config", "--apply", "--plan-out", "--max-age", "--from-report", "--wait"]);
    expect(missingRows("docs/cli.md", flags)).to.deep.equal([]);
  });

  it("states each measured figure on one page only: scale.md or bundle.md, which the others link to", () => {
    const stray: string[] = [];
    for (const page of DOC_PAGES.filter((p) => !HOMES.includes(p))) {
      const text = page === "README.md" ? read(page).replace(section(read(page), "Speed and size"), "") : read(page);
      const allowed = [...NOT_MEASUREMENTS["*"], ...(NOT_MEASUREMENTS[page] ?? [])];
      for (const [figure] of prose(text).matchAll(MEASURED)) if (!allowed.includes(figure)) stray.push(`${page}: ${figure}`);
    }
    expect(stray).to.deep.equal([]);
  });

  it("the README's benchmark table repeats only figures that docs/scale.md or docs/bundle.md state", () => {
    const table = section(read("README.md"), "Speed and size");
    const homes = HOMES.map(read).join("\n");
    const figures = [...table.matchAll(/\b\d[\d,]*(?:\.\d+)? ?(?:ms|s|MiB|KiB|GiB|KB|MB|GB|x|×)(?![\w-])/g)].map((m) => m[0]);
    expect(figures.length).to.be.greaterThan(10);
    expect(figures.filter((f) => !homes.includes(f))).to.deep.equal([]);
  });

  it("speaks to users: no contract, issue numbers or earlier tool they do not have", () => {
    const found: string[] = [];
    for (const page of DOC_PAGES) {
      prose(read(page)).split("\n").forEach((line) => {
        if (/(?<!pod )\bspec\b|SPEC\.md|\bissue \d+|original tool/i.test(line)) found.push(`${page}: ${line.trim()}`);
      });
    }
    expect(found).to.deep.equal([]);
  });

  it("gives one minimum Node.js version, package.json's engines, which the AWS SDK it installs supports", () => {
    const minimum = /^>=(\d+\.\d+)$/.exec(JSON.parse(read("package.json")).engines.node)?.[1];
    expect(minimum, "package.json's engines.node").to.be.a("string");
    const stated = DOC_PAGES.flatMap((page) => [...read(page).matchAll(/Node(?:\.js)?\*{0,2} (\d+(?:\.\d+)*)(?: or newer|\+)/g)].map((m) => `${page}: ${m[1]}`));
    expect(stated.filter((s) => s.startsWith("README.md: "))).to.have.length.greaterThan(0);
    expect(stated.filter((s) => !s.endsWith(`: ${minimum}`))).to.deep.equal([]);
    const sdk = /^>=(\d+)\.(\d+)/.exec(JSON.parse(read("node_modules/@aws-sdk/client-ecr/package.json")).engines.node)!;
    const [major, minor] = minimum!.split(".").map(Number);
    expect(major > Number(sdk[1]) || (major === Number(sdk[1]) && minor >= Number(sdk[2])), `the AWS SDK needs Node ${sdk[0]}`).to.equal(true);
  });

  it("lists every in-use source wherever a page lists them: (ECS, Lambda, …) names all of them", () => {
    const labels = Object.values(SOURCES).map((source) => source.label.replace(/^AWS /, ""));
    expect(labels).to.include.members(["ECS", "Lambda", "EKS", "App Runner", "Batch"]);
    const short: string[] = [];
    for (const page of [...DOC_PAGES, "ARCHITECTURE.md"]) {
      for (const [list] of prose(read(page)).matchAll(/\(ECS, Lambda\b[^)]*\)/g)) if (labels.some((label) => !list.includes(label))) short.push(`${page}: ${list}`);
    }
    expect(short).to.deep.equal([]);
  });

  it("names no install address or tag that does not exist: the package is not on npm and has no public home yet", () => {
    const found: string[] = [];
    for (const page of [...DOC_PAGES, "examples/yaml/Pulumi.yaml", "examples/python/Pulumi.yaml", "examples/python/__main__.py"]) {
      read(page).split("\n").forEach((line) => {
        if (/github\.com\/ecr-cleanup|[#@]v\d+\.\d+\.\d+|npm install (?:--save-exact )?ecr-cleanup\b/.test(line)) found.push(`${page}: ${line.trim()}`);
      });
    }
    expect(found).to.deep.equal([]);
    const pkg = JSON.parse(read("package.json"));
    expect([pkg.homepage, pkg.repository, pkg.bugs]).to.deep.equal([undefined, undefined, undefined]);
  });
});
