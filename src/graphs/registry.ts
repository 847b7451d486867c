/**
 * The graphs named in the config: loaded once at boot (TypeScript modules, no build step), resolved
 * per run. A module may export a compiled graph, an uncompiled StateGraph, a promise of either, or a
 * factory `(config, runtime) => graph` (langgraph-api 1.5): called for each operation that needs the
 * graph, with that operation's config and a runtime naming the operation (`accessContext`) and, for
 * runs, the run's context (`executionRuntime.context`). Never called at boot.
 */
import { stat } from "node:fs/promises";
import type { BaseCheckpointSaver, BaseStore } from "@langchain/langgraph";
import type { GraphEntry } from "../config/load.ts";
import { notFound } from "../core/errors.ts";
import { importUserModule } from "../core/modules.ts";

/** A compiled LangGraph graph (Pregel), kept structural to avoid importing driver types. */
export type CompiledGraph = any;

/** The operation a factory is called for, as in langgraph-api 1.5 (`GraphFactoryRuntime`). */
export type AccessContext =
  | "threads.create_run"
  | "threads.read"
  | "threads.update"
  | "assistants.read";

/** The second argument of a graph factory. */
export interface GraphFactoryRuntime {
  accessContext: AccessContext;
  /** Set for runs (`threads.create_run`): the run's context; null otherwise. */
  executionRuntime: { context: unknown } | null;
}

type GraphFactory = (
  config: Record<string, unknown>,
  runtime: GraphFactoryRuntime,
) => Promise<CompiledGraph>;

/** What a run needs attached to the graph. */
export interface AttachOptions {
  /** Our checkpointer; `null` runs without persistence (stateless runs). */
  checkpointer: BaseCheckpointSaver<string | number> | null;
  store?: BaseStore;
  /** What the graph is for (a factory's `runtime.accessContext`); default `assistants.read`. */
  access?: AccessContext;
  /** The run's context (`runtime.executionRuntime.context` when `access` is `threads.create_run`). */
  context?: unknown;
}

/** A loaded graph. */
export interface LoadedGraph {
  entry: GraphEntry;
  resolved: CompiledGraph | GraphFactory;
  isFactory: boolean;
}

const isUncompiled = (g: any): boolean =>
  g != null && typeof g === "object" && typeof g.compile === "function";
const isCompiled = (g: any): boolean => g != null && typeof g === "object" && g.builder != null;

function normalize(graphLike: any): CompiledGraph {
  const graph = isUncompiled(graphLike) ? graphLike.compile() : graphLike;
  // createAgent returns a wrapper whose `.graph` is the real compiled graph.
  if (graph?.graph != null && isCompiled(graph.graph)) return graph.graph;
  return graph;
}

/** Imports one graph module and resolves its export. */
export async function loadGraph(entry: GraphEntry): Promise<LoadedGraph> {
  await stat(entry.file).catch(() => {
    throw new Error(`graphs.${entry.graphId}: file not found: ${entry.file}`);
  });
  let mod: Record<string, unknown>;
  try {
    mod = await importUserModule(entry.file);
  } catch (error) {
    // The graph's own error (its message and stack) stays the cause; ours says which graph.
    throw new Error(
      `graphs.${entry.graphId}: importing ${entry.file} failed: ${(error as Error)?.message ?? error}`,
      { cause: error },
    );
  }
  const exported = mod[entry.exportName] as any;
  if (exported == null) {
    throw new Error(
      `graphs.${entry.graphId}: "${entry.exportName}" is not exported by ${entry.file}`,
    );
  }
  if (typeof exported === "function" && !isUncompiled(exported) && !isCompiled(exported)) {
    const factory: GraphFactory = async (config, runtime) =>
      normalize(await exported(config, runtime));
    return { entry, resolved: factory, isFactory: true };
  }
  return { entry, resolved: normalize(await exported), isFactory: false };
}

/** A copy of `graph` with our checkpointer and store, so concurrent runs never share settings. */
function attach(graph: CompiledGraph, options: AttachOptions): CompiledGraph {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(graph)), graph);
  copy.checkpointer = options.checkpointer ?? undefined;
  if (options.store) copy.store = options.store;
  return copy;
}

/** The graphs of this server. */
export class GraphRegistry {
  readonly #graphs = new Map<string, LoadedGraph>();

  constructor(graphs: LoadedGraph[]) {
    for (const g of graphs) this.#graphs.set(g.entry.graphId, g);
  }

  /** Loads every configured graph. */
  static async load(entries: GraphEntry[]): Promise<GraphRegistry> {
    return new GraphRegistry(await Promise.all(entries.map(loadGraph)));
  }

  /** Graph ids, in config order. */
  ids(): string[] {
    return [...this.#graphs.keys()];
  }

  has(graphId: string): boolean {
    return this.#graphs.has(graphId);
  }

  /** The config entry of a graph (source file, export, endpoints). */
  entry(graphId: string): GraphEntry {
    return this.#require(graphId).entry;
  }

  /** The graph for `config`, with our persistence attached. */
  async get(
    graphId: string,
    config: Record<string, unknown>,
    options: AttachOptions,
  ): Promise<CompiledGraph> {
    const loaded = this.#require(graphId);
    if (!loaded.isFactory) return attach(loaded.resolved, options);
    const accessContext = options.access ?? "assistants.read";
    const runtime: GraphFactoryRuntime = {
      accessContext,
      executionRuntime:
        accessContext === "threads.create_run" ? { context: options.context } : null,
    };
    return attach(await (loaded.resolved as GraphFactory)(config, runtime), options);
  }

  /** Whether the graph is a factory (built per operation, so not inspected at boot). */
  isFactory(graphId: string): boolean {
    return this.#require(graphId).isFactory;
  }

  #require(graphId: string): LoadedGraph {
    const loaded = this.#graphs.get(graphId);
    if (!loaded) throw notFound(`Graph "${graphId}" not found`);
    return loaded;
  }
}
