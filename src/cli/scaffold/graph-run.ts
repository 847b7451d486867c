/** The work of `olg graph add` once its flags are parsed. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { requireConfigFile } from "../../config/load.ts";
import { usageError } from "../errors.ts";
import type { GraphFlags } from "../graph.ts";
import { printJson, printTable, say } from "../ui/term.ts";
import { findTemplate, TEMPLATES } from "./catalog.ts";
import {
  type AddedGraph,
  addDependencies,
  addEnvLines,
  projectLang,
  registerGraph,
  writeGraphFiles,
} from "./graphs.ts";
import { detectPackageManager, installProject } from "./install.ts";

/** `olg graph add --list`. */
export function listTemplates(json?: boolean): void {
  if (json) {
    printJson(TEMPLATES.map((t) => ({ id: t.id, title: t.title, dependencies: t.dependencies })));
    return;
  }
  printTable(
    ["template", "what", "packages"],
    TEMPLATES.map((t) => [t.id, t.title, Object.keys(t.dependencies).join(", ")]),
  );
}

/** Installs after a change to package.json, with the project's package manager. */
export async function installAdded(root: string, added: Record<string, string>, quiet?: boolean) {
  if (Object.keys(added).length === 0) return;
  await installProject(detectPackageManager(readdirSync(root)), root, quiet);
}

/**
 * @langchain/community lists dozens of optional peers, some pinned to zod 3: npm refuses the
 * install (ERESOLVE) next to zod 4 unless peers are resolved the legacy way. Writes that to the
 * project's .npmrc (npm projects only); returns whether it did.
 */
function allowPeerConflicts(root: string, added: Record<string, string>): boolean {
  if (!("@langchain/community" in added)) return false;
  if (detectPackageManager(readdirSync(root)) !== "npm") return false;
  const file = path.join(root, ".npmrc");
  const text = existsSync(file) ? readFileSync(file, "utf-8") : "";
  if (/^legacy-peer-deps\s*=/m.test(text)) return false;
  const line =
    "# @langchain/community's optional peers (some on zod 3) would make npm refuse the install\nlegacy-peer-deps=true\n";
  writeFileSync(file, `${text}${text && !text.endsWith("\n") ? "\n" : ""}${line}`);
  return true;
}

/** `olg graph add <name> --template T`. */
export async function runGraphAdd(
  name: string | undefined,
  opts: GraphFlags & { template?: string },
): Promise<AddedGraph> {
  if (!name) throw usageError("missing graph name", "olg graph add <name> --template <template>");
  if (!opts.template)
    throw usageError("missing --template", "See the templates with: olg graph add --list");
  const template = findTemplate(opts.template);
  if (!template)
    throw usageError(
      `unknown template "${opts.template}"`,
      `Templates: ${TEMPLATES.map((t) => t.id).join(", ")}`,
    );
  const configPath = requireConfigFile(process.cwd(), opts.config);
  const root = path.dirname(configPath);
  const configText = readFileSync(configPath, "utf-8");
  const existing = JSON.parse(configText).graphs?.[name];
  if (existing && !opts.force)
    throw usageError(
      `graph "${name}" is already in ${path.basename(configPath)}`,
      "Choose another name, or pass --force to replace it.",
    );
  const lang = projectLang(root, configText);
  const { files, graphPath } = writeGraphFiles(root, name, template, lang, opts.force);
  registerGraph(configPath, name, { path: graphPath, description: template.title }, opts.force);
  const dependencies = {
    ...addDependencies(root, template.dependencies),
    ...(lang === "ts" ? addDependencies(root, template.devDependencies ?? {}, true) : {}),
  };
  const env = addEnvLines(root, template.env);
  if (env.length) files.push(".env.example");
  if (allowPeerConflicts(root, dependencies)) files.push(".npmrc");
  say.ok(`Added graph ${name} (${template.id}): ${files.join(", ")}`);
  if (opts.install !== false) await installAdded(root, dependencies, opts.json);
  else if (Object.keys(dependencies).length && !existsSync(path.join(root, "node_modules")))
    say.info("Run your package manager's install to fetch the new packages.");
  const added: AddedGraph = { id: name, template: template.id, files, dependencies, env };
  if (opts.json) printJson(added);
  return added;
}
