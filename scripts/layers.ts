// Imports in src/ only point down. The rule is the README's "Source layout" table: one row per
// folder, with the folders it may import from (a folder may always import from itself). This
// reads that table, resolves every relative import in src/**/*.ts and fails on any import the
// table does not allow, on a file in no folder of the table, on a row naming no folder that
// exists, and on a table whose rules would let two folders import each other.
//
// Run: node scripts/layers.ts (part of npm test).

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const SRC = join(ROOT, "src");
const README = join(ROOT, "README.md");
const HEADING = "## Source layout";

/** A layer: a folder of src/ (`routes`) or a file at its top (`index.ts`). */
type Layer = string;
type Rule = { mayImport: Set<Layer> | "anything"; line: number };

function readTable(): Map<Layer, Rule> {
  const lines = readFileSync(README, "utf8").split("\n");
  const start = lines.findIndex((line) => line.trim() === HEADING);
  if (start < 0) fail([`README.md has no "${HEADING}" section: it holds the layer table this check reads`]);
  const rules = new Map<Layer, Rule>();
  for (let i = start + 1; i < lines.length && !lines[i]!.startsWith("## "); i++) {
    const row = /^\|\s*`src\/([^`/]+)\/?`\s*\|.*\|\s*([^|]*?)\s*\|\s*$/.exec(lines[i]!);
    if (!row) continue;
    const [, layer, allowed] = row as unknown as [string, Layer, string];
    const names = [...allowed.matchAll(/`([^`/]+)\/?`/g)].map((m) => m[1]!);
    const mayImport =
      allowed === "anything"
        ? ("anything" as const)
        : allowed === "nothing"
          ? new Set<Layer>()
          : new Set(names);
    if (mayImport !== "anything" && allowed !== "nothing" && names.length === 0) {
      fail([
        `README.md:${i + 1}: the "may import" cell must be folders in backticks, "nothing" or "anything"`,
      ]);
    }
    rules.set(layer, { mayImport, line: i + 1 });
  }
  if (rules.size === 0)
    fail([`README.md: the "${HEADING}" section has no table rows like | \`src/routes/\` | … |`]);
  return rules;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith(".ts")) yield path;
  }
}

function layerOf(file: string): Layer {
  return relative(SRC, file).split("/")[0]!;
}

/** Relative specifiers of static imports and re-exports (type-only ones too) and of dynamic imports. */
function importsOf(text: string): { specifier: string; line: number }[] {
  const found: { specifier: string; line: number }[] = [];
  const patterns = [
    /(?:^|\n)[ \t]*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/g,
    /(?:^|\n)[ \t]*import\s*["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const specifier = match[1]!;
      if (!specifier.startsWith(".")) continue;
      const at = match.index + match[0].length - 1;
      found.push({ specifier, line: text.slice(0, at).split("\n").length });
    }
  }
  return found;
}

/** Two folders each allowed to import the other would make "down" meaningless. */
function cyclesIn(rules: Map<Layer, Rule>): string[] {
  const problems: string[] = [];
  const state = new Map<Layer, "visiting" | "done">();
  const visit = (layer: Layer, path: Layer[]) => {
    if (state.get(layer) === "done") return;
    if (state.get(layer) === "visiting") {
      const circle = [...path.slice(path.indexOf(layer)), layer];
      problems.push(`README.md: the table lets these import each other in a circle: ${circle.join(" → ")}`);
      return;
    }
    state.set(layer, "visiting");
    const rule = rules.get(layer);
    if (rule && rule.mayImport !== "anything")
      for (const next of rule.mayImport) visit(next, [...path, layer]);
    state.set(layer, "done");
  };
  for (const layer of rules.keys()) visit(layer, []);
  return problems;
}

function fail(problems: string[]): never {
  for (const problem of problems) console.error(problem);
  console.error(`layers: ${problems.length} problem(s); the rule is README.md's "${HEADING}" table`);
  process.exit(1);
}

const rules = readTable();
const problems = cyclesIn(rules);
for (const [layer, rule] of rules) {
  if (!existsSync(join(SRC, layer))) problems.push(`README.md:${rule.line}: src/${layer} does not exist`);
  if (rule.mayImport === "anything") continue;
  for (const target of rule.mayImport) {
    if (!rules.has(target))
      problems.push(`README.md:${rule.line}: src/${layer} may import ${target}/, which has no row`);
  }
}

let imports = 0;
const files = [...sourceFiles(SRC)];
for (const file of files) {
  const from = layerOf(file);
  const name = relative(ROOT, file);
  const rule = rules.get(from);
  if (!rule) {
    problems.push(`${name}: src/${from} has no row in the table (add one, or move the file into a folder)`);
    continue;
  }
  for (const { specifier, line } of importsOf(readFileSync(file, "utf8"))) {
    imports++;
    const target = resolve(dirname(file), specifier);
    if (relative(SRC, target).startsWith("..")) {
      problems.push(`${name}:${line}: imports ${specifier}, outside src/`);
      continue;
    }
    const to = layerOf(target);
    if (to === from || rule.mayImport === "anything" || rule.mayImport.has(to)) continue;
    const allowed =
      rule.mayImport.size === 0 ? "nothing" : `only ${[...rule.mayImport].map((l) => `${l}/`).join(", ")}`;
    problems.push(`${name}:${line}: imports ${specifier}, but src/${from}/ may import ${allowed}`);
  }
}

if (problems.length > 0) fail(problems);
console.log(`layers: ${files.length} files, ${imports} relative imports, all allowed by ${rules.size} rows`);
