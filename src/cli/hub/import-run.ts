/**
 * The work of `olg graph import <owner/name[:version]>`: pulls the prompt from the Hub, writes its
 * manifest (src/hub/<id>.json) and a graph module around it, registers the graph, records the
 * version in hub.lock.json, and installs what the graph needs. `--update` re-pulls an imported
 * graph's prompt at the newest (or the given) version and records the move.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { requireConfigFile } from "../../config/load.ts";
import { CliError, usageError } from "../errors.ts";
import type { GraphFlags } from "../graph.ts";
import { installAdded } from "../scaffold/graph-run.ts";
import { addDependencies, GRAPH_ID, projectLang, registerGraph } from "../scaffold/graphs.ts";
import { langchainDependencies } from "../scaffold/project.ts";
import { fileFor, graphSource, readTemplate } from "../scaffold/sources.ts";
import { printJson, say } from "../ui/term.ts";
import { type HubCommit, hubTarget, parseHubId, pullCommit } from "./client.ts";

/** Flags of `olg graph import`. */
export interface ImportFlags extends GraphFlags {
  name?: string;
  update?: boolean;
  hubUrl?: string;
  apiKey?: string;
}

/** One entry of hub.lock.json. */
export interface HubLockEntry {
  hub: string;
  commit: string;
  /** What was asked for: a version, or "latest". */
  requested: string;
  api_url: string;
  imported_at: string;
}

const LOCK = "hub.lock.json";

function readLock(root: string): Record<string, HubLockEntry> {
  const file = path.join(root, LOCK);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf-8")) : {};
}

function writeFile(root: string, relative: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
  writeFileSync(path.join(root, relative), text);
}

/** The prompt inside a manifest (a `prompt | model` sequence keeps its prompt); refuses others. */
async function promptManifest(pulled: HubCommit): Promise<unknown> {
  let manifest = pulled.manifest as { id?: string[]; kwargs?: { first?: unknown } };
  if (manifest?.id?.at(-1) === "RunnableSequence" && manifest.kwargs?.first)
    manifest = manifest.kwargs.first as typeof manifest;
  const { load } = await import("@langchain/core/load");
  let loaded: unknown;
  try {
    loaded = await load(JSON.stringify(manifest));
  } catch (error) {
    throw new CliError(
      `${pulled.owner}/${pulled.repo} does not load as a LangChain object`,
      "failed",
      String(error),
    );
  }
  if (typeof (loaded as { formatPromptValue?: unknown })?.formatPromptValue !== "function")
    throw new CliError(
      `${pulled.owner}/${pulled.repo} is not a prompt (${manifest?.id?.join(".") ?? "unknown"})`,
      "failed",
    );
  return manifest;
}

/** `olg graph import`. */
export async function runGraphImport(hubId: string, flags: ImportFlags): Promise<void> {
  const ref = parseHubId(hubId);
  const configPath = requireConfigFile(process.cwd(), flags.config);
  const root = path.dirname(configPath);
  const id = flags.name ?? ref.repo.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^[^A-Za-z]+/, "");
  if (!GRAPH_ID.test(id)) throw usageError(`invalid graph name "${id}"`, "Pass --name.");
  const lock = readLock(root);
  const configText = readFileSync(configPath, "utf-8");
  const registered = JSON.parse(configText).graphs?.[id];
  if (flags.update && !lock[id])
    throw usageError(`graph "${id}" was not imported from the Hub (no entry in ${LOCK})`);
  if (!flags.update && registered && !flags.force)
    throw usageError(
      `graph "${id}" is already in ${path.basename(configPath)}`,
      "Update it with --update, pick another name with --name, or replace it with --force.",
    );
  const target = hubTarget(flags);
  const pulled = await pullCommit(ref, target);
  const manifest = await promptManifest(pulled);
  const manifestFile = path.join("src", "hub", `${id}.json`);
  writeFile(root, manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  const files = [manifestFile];
  const previous = lock[id]?.commit;
  if (!flags.update) {
    const lang = projectLang(root, configText);
    const graphFile = path.join("src", fileFor(`${id}.ts`, lang));
    writeFile(root, graphFile, graphSource("graphs/hub.ts", lang).replaceAll("__GRAPH__", id));
    files.push(graphFile);
    const model = path.join("src", fileFor("model.ts", lang));
    if (!existsSync(path.join(root, model))) {
      writeFile(root, model, graphSource("graphs/model.ts", lang));
      files.push(model);
    }
    const scenario = path.join("tests", `${id}.scenario.yaml`);
    writeFile(root, scenario, readTemplate("tests/hub.scenario.yaml").replaceAll("__GRAPH__", id));
    files.push(scenario);
    const entry = {
      path: `./${graphFile.split(path.sep).join("/")}:graph`,
      description: `LangChain Hub prompt ${ref.owner}/${ref.repo}`,
    };
    registerGraph(configPath, id, entry, true);
  }
  lock[id] = {
    hub: `${ref.owner}/${ref.repo}`,
    commit: pulled.commit,
    requested: ref.version ?? "latest",
    api_url: target.apiUrl,
    imported_at: new Date().toISOString(),
  };
  writeFile(root, LOCK, `${JSON.stringify(lock, null, 2)}\n`);
  files.push(LOCK);
  const core = langchainDependencies();
  const dependencies = addDependencies(root, {
    "@langchain/core": core["@langchain/core"]!,
    "@langchain/langgraph": core["@langchain/langgraph"]!,
  });
  if (flags.update)
    say.ok(
      previous === pulled.commit
        ? `${id} is at ${ref.owner}/${ref.repo}:${pulled.commit} already`
        : `Updated ${id}: ${ref.owner}/${ref.repo} ${previous?.slice(0, 8)} → ${pulled.commit.slice(0, 8)}`,
    );
  else say.ok(`Imported ${ref.owner}/${ref.repo}:${pulled.commit.slice(0, 8)} as graph ${id}`);
  if (flags.install !== false && existsSync(path.join(root, "package.json")))
    await installAdded(root, dependencies, flags.json);
  if (flags.json)
    printJson({ id, hub: lock[id], previous_commit: previous ?? null, files, dependencies });
}
