/**
 * Parsing of `open_langgraph.json`: JSON, the zod schema, error lines that name the bad key (with a
 * "did you mean" for typos), graph entries (`"./file.ts:export"`) and the file's `env`.
 * Errors: `ConfigError` whose message lists every problem, one per line.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseDotenv, populate } from "dotenv";
import type { z } from "zod";
import { ConfigError } from "./errors.ts";
import { type ConfigFile, configFileSchema } from "./schema.ts";
import type { GraphEntry } from "./settings.ts";

/** Levenshtein distance, to suggest the key an unknown one was probably meant to be. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length]!;
}

/** The known key closest to `key`, when close enough to be a typo. */
function suggestion(key: string, known: string[]): string | undefined {
  const best = known
    .map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.k : undefined;
}

/** Known keys at `at` (a path into the file), for suggestions. */
function knownKeysAt(at: PropertyKey[]): string[] {
  if (at.length === 0) return Object.keys(configFileSchema.shape);
  if (at.length === 2 && at[0] === "graphs") return ["path", "module", "description", "endpoints"];
  return [];
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = issue.path.join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const near = suggestion(key, knownKeysAt(issue.path));
      const where = at ? ` in "${at}"` : "";
      return `  - unknown key "${key}"${where}${near ? ` (did you mean "${near}"?)` : ""}`;
    });
  }
  if (issue.code === "invalid_union" && issue.path[0] === "graphs") {
    // A graph entry is a "./file.ts:export" string or an object; report the object's problems.
    const objectIssues = issue.errors.at(-1) ?? [];
    const nested = objectIssues.flatMap((i) =>
      describeIssue({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue),
    );
    if (nested.length > 0) return nested;
  }
  return [`  - ${at || "(root)"}: ${issue.message}`];
}

/** Parses and validates the file, naming the bad key on failure. */
export function parseConfigFile(text: string, where: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  const result = configFileSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.flatMap(describeIssue);
    throw new ConfigError(`${where}: invalid configuration\n${lines.join("\n")}`);
  }
  return result.data;
}

/** Splits `"./file.ts:export"` into file and export (default export name `graph`? no: required). */
export function parseGraphEntries(file: ConfigFile, cwd: string): GraphEntry[] {
  return Object.entries(file.graphs).map(([graphId, spec]) => {
    const raw = typeof spec === "string" ? spec : (spec.path ?? spec.module);
    if (!raw) throw new ConfigError(`graphs.${graphId}: needs "path" ("./file.ts:export")`);
    const idx = raw.lastIndexOf(":");
    const hasExport = idx > 1 && !raw.slice(idx).includes("/");
    const modulePath = hasExport ? raw.slice(0, idx) : raw;
    const exportName = hasExport ? raw.slice(idx + 1) : "default";
    return {
      graphId,
      file: path.resolve(cwd, modulePath),
      exportName,
      description: typeof spec === "string" ? undefined : spec.description,
      endpoints: typeof spec === "string" ? [] : (spec.endpoints ?? []),
    };
  });
}

/** Applies the config's `env` (a .env path or a record) without overriding the real environment. */
export function applyConfigEnv(file: ConfigFile, cwd: string, env: NodeJS.ProcessEnv): void {
  const spec = file.env;
  if (spec == null) return;
  if (typeof spec === "string") {
    const envPath = path.resolve(cwd, spec);
    if (!existsSync(envPath)) return;
    populate(env as Record<string, string>, parseDotenv(readFileSync(envPath, "utf-8")));
  } else if (!Array.isArray(spec)) {
    populate(env as Record<string, string>, spec);
  }
}
