/**
 * `olg graph add <name> --template T`: adds a graph from a template (the agents of `olg init`, and
 * retrieval on Pinecone, Weaviate, Qdrant, ChromaDB, Supabase Vector or pgvector) to the project
 * and registers it in the config.
 */
import type { Command } from "commander";
import { examples } from "./help.ts";
import { TEMPLATES } from "./scaffold/catalog.ts";

/** Flags shared by the graph subcommands that change the project. */
export interface GraphFlags {
  config?: string;
  install?: boolean;
  force?: boolean;
  json?: boolean;
}

/** Adds `graph` to the program. */
export function registerGraph(program: Command): void {
  const graph = program.command("graph").description("Add graphs to the project from templates");
  examples(graph, [
    ["olg graph add docs --template pgvector", "a retrieval graph on pgvector"],
    ["olg graph add --list", "the templates"],
  ]);
  const add = graph
    .command("add")
    .description("Add a graph from a template and register it in the config")
    .argument("[name]", "graph id (also the file name: src/<name>.ts)")
    .option("-t, --template <name>", "template (see --list)")
    .option("-l, --list", "list the templates")
    .option("-c, --config <file>", "project config (default: open_langgraph.json)")
    .option("--no-install", "do not install the packages the graph needs")
    .option("-f, --force", "replace a graph (files and config entry) of the same name")
    .option("--json", "print what was added as JSON")
    .action(
      async (
        name: string | undefined,
        opts: GraphFlags & { template?: string; list?: boolean },
      ) => {
        const { runGraphAdd, listTemplates } = await import("./scaffold/graph-run.ts");
        if (opts.list) return listTemplates(opts.json);
        await runGraphAdd(name, opts);
      },
    );
  examples(add, [
    ["olg graph add --list", "the templates"],
    ["olg graph add docs --template pgvector", "retrieval on the embedded database's pgvector"],
    ["olg graph add support --template qdrant --no-install", "files only; install later"],
    ["olg graph add helper -t react", "a second agent"],
  ]);
  add.addHelpText(
    "after",
    `\nTemplates:\n${TEMPLATES.map((t) => `  ${t.id.padEnd(10)} ${t.title}`).join("\n")}\n`,
  );
}
