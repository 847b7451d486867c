/** Layering rules from STYLE.md, checked on the import graph of src/. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(import.meta.dirname, "../../src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return /\.(ts|mts|mjs)$/.test(name) && !name.endsWith(".test.ts") ? [full] : [];
  });
}

const imports = (file: string): string[] =>
  [...readFileSync(file, "utf-8").matchAll(/(?:import|export)[^'"]*?from\s+["']([^"']+)["']/g)].map(
    (m) => m[1]!,
  );

const rel = (file: string) => path.relative(SRC, file);
const resolved = (file: string, spec: string) =>
  spec.startsWith(".") ? path.relative(SRC, path.resolve(path.dirname(file), spec)) : spec;

const FEATURES = [
  "assistants",
  "threads",
  "runs",
  "store",
  "stream",
  "crons",
  "graphs",
  "core",
  "artifacts",
];

describe("architecture", () => {
  const all = files(SRC);

  it("finds the source tree", () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it("features never import Hono or the HTTP layer", () => {
    const bad = all
      .filter((f) => FEATURES.includes(rel(f).split(path.sep)[0]!))
      .flatMap((f) =>
        imports(f)
          .filter(
            (s) => s === "hono" || s.startsWith("hono/") || resolved(f, s).startsWith("http/"),
          )
          .map((s) => `${rel(f)} -> ${s}`),
      );
    expect(bad).toEqual([]);
  });

  it("http never imports database drivers or storage adapters", () => {
    const bad = all
      .filter((f) => rel(f).startsWith("http/"))
      .flatMap((f) =>
        imports(f)
          .filter(
            (s) =>
              ["pg", "kysely", "@electric-sql/pglite", "ioredis"].includes(s) ||
              /^storage\/(pglite|postgres|sql)\//.test(resolved(f, s)),
          )
          .map((s) => `${rel(f)} -> ${s}`),
      );
    expect(bad).toEqual([]);
  });

  it("only the composition root and the CLI construct storage adapters", () => {
    const bad = all
      .filter(
        (f) =>
          !["main.ts"].includes(rel(f)) &&
          !rel(f).startsWith("server/") &&
          !rel(f).startsWith("cli/") &&
          !rel(f).startsWith("storage/"),
      )
      .flatMap((f) =>
        imports(f)
          .filter((s) =>
            /^storage\/(pglite|postgres)\/open(\.ts)?$|^storage\/open(\.ts)?$/.test(resolved(f, s)),
          )
          .map((s) => `${rel(f)} -> ${s}`),
      );
    expect(bad).toEqual([]);
  });

  it("process.env is read only in config, CLI and the composition root", () => {
    const allowed = (r: string) =>
      r.startsWith("config/") || r.startsWith("cli/") || r.startsWith("server/") || r === "main.ts";
    const bad = all
      .filter((f) => !allowed(rel(f)) && /process\.env/.test(readFileSync(f, "utf-8")))
      .map(rel);
    expect(bad).toEqual([]);
  });
});
