/**
 * Layering rules from STYLE.md, checked on the import graph of src/. Every top-level folder of src/
 * has a layer in `LAYERS` (a new folder fails here until it is given one), and each layer's rules
 * are checked for every file in it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf, rel, resolvedSpec, SRC, sourceFiles } from "../support/import-graph.ts";

type Layer =
  /** A feature: services and ports; no Hono, no HTTP layer, no driver choice. */
  | "feature"
  /** Adapters to infrastructure (database, Redis, telemetry): no Hono, no HTTP layer. */
  | "infrastructure"
  /** The HTTP edge (Hono). Authentication is an edge concern too. */
  | "edge"
  /** Reads the environment and the config file. */
  | "config"
  /** Chooses and constructs implementations: `server/`, `main.ts`, the CLI. */
  | "composition";

const LAYERS: Record<string, Layer> = {
  a2a: "feature",
  artifacts: "feature",
  assistants: "feature",
  crons: "feature",
  graphs: "feature",
  mcp: "feature",
  protocol: "feature",
  runs: "feature",
  store: "feature",
  stream: "feature",
  threads: "feature",
  tenancy: "feature",
  sso: "feature",
  webhooks: "feature",
  ui: "feature",
  core: "feature",
  peers: "feature",
  storage: "infrastructure",
  redis: "infrastructure",
  cache: "infrastructure",
  encryption: "infrastructure",
  logging: "infrastructure",
  metrics: "infrastructure",
  tracing: "infrastructure",
  http: "edge",
  auth: "edge",
  config: "config",
  server: "composition",
  cli: "composition",
};

/**
 * Files still over the limit, each with an owner splitting it (issue 15); remove a file once split.
 * Nothing may be added here.
 */
const OVER_LIMIT_FOR_NOW = new Set<string>([]);

const all = sourceFiles();
const layerOf = (file: string): Layer | undefined => {
  const r = rel(file);
  return r === "main.ts" ? "composition" : LAYERS[r.split("/")[0]!];
};
const violations = (
  files: string[],
  bad: (spec: string, resolved: string, file: string) => boolean,
): string[] =>
  files.flatMap((f) =>
    importsOf(f)
      .filter((s) => bad(s, resolvedSpec(f, s), f))
      .map((s) => `${rel(f)} -> ${s}`),
  );
const inLayers = (...layers: Layer[]) => all.filter((f) => layers.includes(layerOf(f)!));

describe("architecture", () => {
  it("every folder of src/ has a layer", () => {
    const folders = readdirSync(SRC).filter((n) => statSync(path.join(SRC, n)).isDirectory());
    expect(folders.length).toBeGreaterThan(10);
    expect(folders.filter((f) => !(f in LAYERS))).toEqual([]);
  });

  it("features and infrastructure never import Hono or the HTTP layer", () => {
    const bad = violations(
      inLayers("feature", "infrastructure"),
      (s, r) => s === "hono" || s.startsWith("hono/") || r.startsWith("http/"),
    );
    expect(bad).toEqual([]);
  });

  it("nothing but the composition imports the composition root or the CLI", () => {
    const bad = violations(
      inLayers("feature", "infrastructure", "edge", "config"),
      (_s, r) => r.startsWith("server/") || r.startsWith("cli/") || r === "main.ts",
    );
    expect(bad).toEqual([]);
  });

  it("features see ports, not drivers: no pg, PGlite or ioredis import", () => {
    const bad = violations(inLayers("feature"), (s) =>
      ["pg", "@electric-sql/pglite", "ioredis"].includes(s),
    );
    expect(bad).toEqual([]);
  });

  it("http never imports database drivers or storage adapters", () => {
    const bad = violations(
      inLayers("edge"),
      (s, r) =>
        ["pg", "kysely", "@electric-sql/pglite", "ioredis"].includes(s) ||
        /^storage\/(pglite|postgres|sql)\//.test(r) ||
        r.startsWith("redis/"),
    );
    expect(bad).toEqual([]);
  });

  it("only the composition root and the CLI construct storage adapters", () => {
    const bad = violations(
      all.filter((f) => layerOf(f) !== "composition" && !rel(f).startsWith("storage/")),
      (_s, r) => /^storage\/(pglite|postgres)\/open(\.ts)?$|^storage\/open(\.ts)?$/.test(r),
    );
    expect(bad).toEqual([]);
  });

  it("process.env is read only in config and the composition", () => {
    const bad = all
      .filter((f) => !["config", "composition"].includes(layerOf(f)!))
      .filter((f) => /process\.env/.test(readFileSync(f, "utf-8")))
      .map(rel);
    expect(bad).toEqual([]);
  });

  it("no source file over 300 lines unless it is a declarative table", () => {
    // Declarative tables (the config schema, the database row types, migrations) read as lists.
    const tables = /^(config\/schema\.ts|storage\/database\.ts|storage\/migrations\/)/;
    const long = all
      .map((f) => ({ file: rel(f), lines: readFileSync(f, "utf-8").trimEnd().split("\n").length }))
      .filter((f) => f.lines > 300 && !tables.test(f.file) && !OVER_LIMIT_FOR_NOW.has(f.file))
      .map((f) => `${f.file} (${f.lines})`);
    expect(long).toEqual([]);
  });
});
