/**
 * Adds a graph from a template to a project: the graph module (and the modules it imports, when
 * the project lacks them), its scenario file, its entry in open_langgraph.json, its packages in
 * package.json and its settings in .env.example. Shared by `olg init` and `olg graph add`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseConfigFile } from "../../config/load.ts";
import { usageError } from "../errors.ts";
import type { GraphTemplate } from "./catalog.ts";
import { sorted } from "./project.ts";
import { fileFor, graphSource, type Lang, readTemplate } from "./sources.ts";

/** A valid graph id: starts with a letter; letters, digits, `_` and `-`. */
export const GRAPH_ID = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** What was written. */
export interface AddedGraph {
  id: string;
  template: string;
  /** Project-relative paths written. */
  files: string[];
  /** Packages added to package.json. */
  dependencies: Record<string, string>;
  /** Settings added to .env.example. */
  env: string[];
}

/** The language of an existing project: TypeScript when it has a tsconfig or a .ts graph. */
export function projectLang(root: string, configText: string): Lang {
  if (existsSync(path.join(root, "tsconfig.json"))) return "ts";
  return /\.m?ts:/.test(configText) ? "ts" : "js";
}

function write(root: string, relative: string, text: string, files: string[]): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  files.push(relative);
}

/**
 * Adds `deps` to package.json's dependencies (or devDependencies with `dev`), keeping versions
 * already there; returns the ones added.
 */
export function addDependencies(
  root: string,
  deps: Record<string, string>,
  dev = false,
): Record<string, string> {
  const file = path.join(root, "package.json");
  const pkg = existsSync(file) ? JSON.parse(readFileSync(file, "utf-8")) : { private: true };
  const key = dev ? "devDependencies" : "dependencies";
  const has = (name: string) =>
    name in (pkg.dependencies ?? {}) || name in (pkg.devDependencies ?? {});
  const added = Object.fromEntries(Object.entries(deps).filter(([name]) => !has(name)));
  if (Object.keys(added).length === 0) return {};
  pkg[key] = sorted({ ...(pkg[key] ?? {}), ...added });
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  return added;
}

/** Appends the settings `.env.example` lacks; returns the lines added. */
export function addEnvLines(root: string, lines: string[]): string[] {
  const file = path.join(root, ".env.example");
  const text = existsSync(file) ? readFileSync(file, "utf-8") : "";
  const has = (line: string) => {
    const key = /^#?\s*([A-Z0-9_]+)=/.exec(line)?.[1];
    return key ? new RegExp(`^#?\\s*${key}=`, "m").test(text) : text.includes(line);
  };
  if (lines.filter((l) => !l.startsWith("#")).every(has)) return [];
  const missing = lines.filter((l) => l.startsWith("#") || !has(l));
  writeFileSync(
    file,
    `${text}${text && !text.endsWith("\n\n") ? "\n" : ""}${missing.join("\n")}\n`,
  );
  return missing;
}

/** Registers graph `id` → `spec` in the config file (refuses an id already there unless `force`). */
export function registerGraph(
  configPath: string,
  id: string,
  entry: string | { path: string; description?: string },
  force = false,
): void {
  const text = readFileSync(configPath, "utf-8");
  parseConfigFile(text, path.basename(configPath));
  const config = JSON.parse(text);
  config.graphs ??= {};
  if (config.graphs[id] && !force)
    throw usageError(
      `graph "${id}" is already in ${path.basename(configPath)}`,
      "Choose another name, or pass --force to replace it.",
    );
  config.graphs[id] = entry;
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
}

/** Writes the graph's files (not the config entry); refuses to overwrite unless `force`. */
export function writeGraphFiles(
  root: string,
  id: string,
  template: GraphTemplate,
  lang: Lang,
  force = false,
): { files: string[]; graphPath: string } {
  if (!GRAPH_ID.test(id))
    throw usageError(
      `invalid graph name "${id}"`,
      "Use letters, digits, _ and -, starting with a letter.",
    );
  const graphFile = path.join("src", fileFor(`${id}.ts`, lang));
  const scenarioFile = path.join("tests", `${id}.scenario.yaml`);
  for (const relative of [graphFile, scenarioFile])
    if (!force && existsSync(path.join(root, relative)))
      throw usageError(`${relative} already exists`, "Pass --force to overwrite it.");
  const files: string[] = [];
  for (const support of template.support) {
    const relative = path.join("src", fileFor(support, lang));
    if (!existsSync(path.join(root, relative)))
      write(root, relative, graphSource(`graphs/${support}`, lang), files);
  }
  write(root, graphFile, graphSource(`graphs/${template.source}`, lang), files);
  let scenario = readTemplate(`tests/${template.scenario}`).replaceAll("__GRAPH__", id);
  if (template.requiresEnv?.length)
    scenario = scenario.replace(
      `graph: ${id}\n`,
      `graph: ${id}\nrequires_env: [${template.requiresEnv.join(", ")}]\n`,
    );
  write(root, scenarioFile, scenario, files);
  return { files, graphPath: `./${graphFile.split(path.sep).join("/")}:graph` };
}
