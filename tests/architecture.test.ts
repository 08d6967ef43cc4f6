/**
 * The floors of ARCHITECTURE.md hold: every import of runtime/ and component/ (tests, scripts and examples excluded)
 * goes to the importer's own folder or to a folder on a lower floor, and no files import each other round a cycle.
 * The floors are read from ARCHITECTURE.md's table, so the page and this check cannot drift apart. And no file is
 * over 400 lines, no function over 120: signs that one file or function holds more than one idea.
 */
import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as ts from "typescript";

const ROOT = resolve(__dirname, "../..");
const LAYERED = ["runtime", "component"];

function floorsOfArchitecturePage(): Map<string, number> {
  const floors = new Map<string, number>();
  for (const line of readFileSync(join(ROOT, "ARCHITECTURE.md"), "utf8").split("\n")) {
    const row = /^\| (\d+) \| ([\w/-]+) \|/.exec(line);
    if (row) floors.set(row[2], Number(row[1]));
  }
  return floors;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The project files a file imports (static, type-only and dynamic imports, re-exports), relative to the root. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return importedFiles
    .map(({ fileName }) => fileName)
    .filter((name) => name.startsWith("."))
    .map((name) => resolve(dirname(file), name))
    .map((target) => [`${target}.ts`, join(target, "index.ts")].find(existsSync))
    .filter((target): target is string => target !== undefined)
    .map((target) => relative(ROOT, target));
}

/** The folder of the floors table that holds a file: the longest listed prefix (`runtime/inuse/eks/x.ts` is in runtime/inuse). */
function folderOf(file: string, floors: ReadonlyMap<string, number>): string | undefined {
  return [...floors.keys()].filter((folder) => file.startsWith(`${folder}/`)).sort((a, b) => b.length - a.length)[0];
}

/** Strongly connected components of more than one file (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

/** Lines of a file, not counting the newline that ends the last. */
function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** Every function of a file with a body (declarations, methods, constructors, arrows) and its lines, closures included. */
function functionSizes(file: string, text: string): { name: string; lines: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const sizes: { name: string; lines: number }[] = [];
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = lineOf(node.getStart(source));
      const holder = ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent) ? node.parent.name : undefined;
      const name = (node.name ?? holder)?.getText(source) ?? (ts.isConstructorDeclaration(node) ? "constructor" : "(a function)");
      sizes.push({ name: `${name} (line ${start + 1})`, lines: lineOf(node.getEnd()) - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sizes;
}

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 120;

/**
 * Files allowed past the limits while someone splits them. Empty this list as they land; an entry whose file is
 * within the limits fails the check, so that none outstays its reason.
 */
const SIZE_ALLOWED: ReadonlySet<string> = new Set<string>([]);

/** What is too long in the files: `FILE: N lines` and `FILE: NAME (line L): N lines`. */
function oversized(files: readonly string[]): string[] {
  return files.flatMap((file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    const lines = lineCount(text);
    return [
      ...(lines > MAX_FILE_LINES ? [`${file}: ${lines} lines`] : []),
      ...functionSizes(file, text).filter((f) => f.lines > MAX_FUNCTION_LINES).map((f) => `${file}: ${f.name}: ${f.lines} lines`),
    ];
  });
}

describe("architecture (ARCHITECTURE.md's floors)", () => {
  const floors = floorsOfArchitecturePage();
  const graph = new Map(LAYERED.flatMap((dir) => sourceFiles(join(ROOT, dir))).map((file) => [relative(ROOT, file), importsOf(file)]));

  it("lists every folder of runtime/ and component/ that holds code, each once", () => {
    expect(floors.size).to.be.greaterThan(5);
    const unplaced = [...graph.keys()].filter((file) => folderOf(file, floors) === undefined);
    expect(unplaced, "files in no folder of ARCHITECTURE.md's table").to.deep.equal([]);
  });

  it("no file imports a folder above it or beside it", () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const from = folderOf(file, floors)!;
      for (const target of targets) {
        const to = folderOf(target, floors);
        if (to === undefined || to === from) continue;
        if (floors.get(to)! >= floors.get(from)!) wrong.push(`${file} (floor ${floors.get(from)}) imports ${target} (floor ${floors.get(to)})`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it("no files import each other, directly or round a cycle", () => {
    expect(cycles(graph)).to.deep.equal([]);
  });

  it(`no file over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}, but for the allowed ones`, () => {
    const files = [...graph.keys()];
    expect(oversized(files.filter((file) => !SIZE_ALLOWED.has(file)))).to.deep.equal([]);
    const stale = [...SIZE_ALLOWED].filter((file) => !files.includes(file) || oversized([file]).length === 0);
    expect(stale, "allowed past the limits, but within them now: remove from SIZE_ALLOWED").to.deep.equal([]);
  });

  it("measures functions with their closures, methods, constructors and arrows (the size check can fail)", () => {
    const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `  x${i}();`).join("\n");
    const text = [
      `function outer() {\n  const inner = () => {\n${body(4)}\n  };\n${body(3)}\n}`,
      `class C {\n  constructor() {\n${body(3)}\n  }\n  method() {}\n}`,
    ].join("\n");
    expect(functionSizes("x.ts", text)).to.deep.equal([
      { name: "outer (line 1)", lines: 7 },
      { name: "inner (line 2)", lines: 4 },
      { name: "constructor (line 9)", lines: 3 },
      { name: "method (line 12)", lines: 1 },
    ]);
    expect(lineCount("a\nb\n")).to.equal(2);
    expect(lineCount("a\nb")).to.equal(2);
  });

  it("finds a cycle and an upward import when there is one (the check can fail)", () => {
    expect(cycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]))).to.deep.equal([["a", "b", "c"]]);
    expect(folderOf("runtime/inuse/eks/source.ts", floors)).to.equal("runtime/inuse");
  });
});
