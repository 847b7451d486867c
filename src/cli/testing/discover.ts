/** Finds scenario files: `*.scenario.{yaml,yml,json}` under `tests/`, `test/` or `scenarios/`, or given paths. */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

const SCENARIO = /\.scenario\.(ya?ml|json)$/;
const SKIP = new Set(["node_modules", ".git", ".olg", "dist", "__recordings__"]);

async function walk(dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (SCENARIO.test(entry.name)) out.push(full);
  }
}

/** Scenario files for the given paths (files as given, folders searched), sorted. */
export async function discoverScenarios(cwd: string, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const roots = paths.length ? paths : ["tests", "test", "scenarios"];
  for (const p of roots) {
    const full = path.resolve(cwd, p);
    const info = await stat(full).catch(() => null);
    if (!info) {
      if (paths.length) throw new Error(`no such file or folder: ${p}`);
      continue;
    }
    if (info.isDirectory()) await walk(full, out);
    else out.push(full);
  }
  return [...new Set(out)].sort();
}
