/**
 * `olg graph add <name> --template T`: adds a graph from a template (the agents of `olg init`, and
 * retrieval on Pinecone, Weaviate, Qdrant, ChromaDB, Supabase Vector or pgvector) to the project
 * and registers it in the config. `olg graph import <owner/name[:version]>`: imports a prompt
 * from the LangChain Hub as a graph (see ./hub/).
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
  const graph = program
    .command("graph")
    .description("Add graphs to the project: templates, LangChain Hub prompts");
  examples(graph, [
    ["olg graph add docs --template pgvector", "a retrieval graph on pgvector"],
    ["olg graph import hwchase17/react", "a LangChain Hub prompt as a graph"],
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
  const hub = graph
    .command("import")
    .description("Import a prompt or agent template from the LangChain Hub as a graph")
    .argument("<hub-id>", "owner/name, optionally :version (a commit hash or tag)")
    .option("-n, --name <id>", "graph id (default: the Hub name)")
    .option("-c, --config <file>", "project config (default: open_langgraph.json)")
    .option("--update", "move an imported graph to the newest (or the given) version")
    .option(
      "--hub-url <url>",
      "Hub API (default: $LANGCHAIN_HUB_API_URL, else https://api.smith.langchain.com)",
    )
    .option("--api-key <key>", "Hub API key (default: $LANGSMITH_API_KEY / $LANGCHAIN_API_KEY)")
    .option("--no-install", "do not install the packages the graph needs")
    .option("-f, --force", "replace a graph of the same name")
    .option("--json", "print what was imported as JSON")
    .action(async (hubId: string, opts) => {
      const { runGraphImport } = await import("./hub/import-run.ts");
      await runGraphImport(hubId, opts);
    });
  examples(hub, [
    ["olg graph import hwchase17/react", "the newest version of a Hub prompt, as graph react"],
    ["olg graph import rlm/rag-prompt:50442af1 --name rag", "a pinned commit, as graph rag"],
    [
      "olg graph import rlm/rag-prompt --update",
      "move to the newest commit (recorded in hub.lock.json)",
    ],
  ]);
}
