/**
 * The import graph of src/: every `.ts` file (tests excluded) and the specifiers it imports or
 * re-exports (static `import … from`, `export … from`, type-only ones included; dynamic `import()`
 * with a string literal too, unless asked not to). Used by the architecture and import-cycle tests.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export const SRC = path.resolve(import.meta.dirname, "../../src");

/** Every source file under `dir`, absolute. */
export function sourceFiles(dir: string = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|mts|mjs)$/.test(name) && !/\.test\.ts$/.test(name) ? [full] : [];
  });
}

const STATIC_RE = /(?:import|export)[^'";]*?from\s*["']([^"']+)["']/g;
const DYNAMIC_RE = /import\(\s*["']([^"']+)["']\s*\)/g;

/** The specifiers `file` imports, as written; `dynamic: false` leaves out `import("…")`. */
export function importsOf(file: string, { dynamic = true } = {}): string[] {
  const text = readFileSync(file, "utf-8");
  const found = [...text.matchAll(STATIC_RE)].map((m) => m[1]!);
  if (dynamic) found.push(...[...text.matchAll(DYNAMIC_RE)].map((m) => m[1]!));
  return found;
}

/** `file` relative to src/, with forward slashes. */
export const rel = (file: string) => path.relative(SRC, file).split(path.sep).join("/");

/** A relative specifier resolved to its src/-relative path; bare specifiers as they are. */
export const resolvedSpec = (file: string, spec: string) =>
  spec.startsWith(".") ? rel(path.resolve(path.dirname(file), spec)) : spec;

/**
 * Every import cycle among src/ files, each as the list of files on it (src/-relative). Dynamic
 * `import()` is left out: it runs after both modules are evaluated (the CLI loads a command's
 * module when it runs, and that module may import the command table back).
 */
export function importCycles(files: string[] = sourceFiles()): string[][] {
  const known = new Set(files);
  const edges = new Map(
    files.map((f) => [
      f,
      importsOf(f, { dynamic: false })
        .filter((s) => s.startsWith("."))
        .map((s) => path.resolve(path.dirname(f), s))
        .filter((t) => known.has(t)),
    ]),
  );
  return findCycles(files, (f) => edges.get(f) ?? []).map((c) => c.map(rel));
}

/** The cycles a depth-first search meets in a directed graph (each back edge gives one). */
export function findCycles(nodes: string[], edgesOf: (node: string) => string[]): string[][] {
  const state = new Map<string, "open" | "done">();
  const cycles: string[][] = [];
  // Iterative, so deep graphs cannot overflow the stack.
  for (const root of nodes) {
    if (state.has(root)) continue;
    const stack: { node: string; next: number }[] = [{ node: root, next: 0 }];
    state.set(root, "open");
    while (stack.length > 0) {
      const top = stack.at(-1)!;
      const targets = edgesOf(top.node);
      if (top.next >= targets.length) {
        state.set(top.node, "done");
        stack.pop();
        continue;
      }
      const target = targets[top.next++]!;
      const seen = state.get(target);
      if (seen === "open") {
        const from = stack.findIndex((s) => s.node === target);
        cycles.push(stack.slice(from).map((s) => s.node));
      } else if (!seen) {
        state.set(target, "open");
        stack.push({ node: target, next: 0 });
      }
    }
  }
  return cycles;
}
