/**
 * Graph introspection for the assistants API: drawing (`drawable.toJSON()` as upstream, with
 * xray), JSON schemas and subgraphs. Graphs are resolved through the registry with the
 * assistant's config, so graph factories see the same config a run would.
 */
import type { GraphRegistry } from "./registry.ts";
import type { GraphSchema, GraphSchemas } from "./schemas.ts";

/** An assistant's stored config (snake_case, as on the wire). */
export type StoredConfig = Record<string, unknown>;

/** `true`/`false` or a depth: how far subgraphs are expanded in a drawing. */
export type Xray = boolean | number;

/** Converts a stored config to the RunnableConfig a graph factory receives. */
export function toRunnableConfig(config: StoredConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { configurable: config.configurable ?? {} };
  if (config.tags !== undefined) out.tags = config.tags;
  if (config.metadata !== undefined) out.metadata = config.metadata;
  if (config.run_name !== undefined) out.runName = config.run_name;
  if (config.max_concurrency !== undefined) out.maxConcurrency = config.max_concurrency;
  if (config.recursion_limit !== undefined) out.recursionLimit = config.recursion_limit;
  return out;
}

/** What the assistants service needs to know about graphs. */
export interface GraphIntrospector {
  /** Whether the graph is configured. */
  has(graphId: string): boolean;
  /** The drawable graph as JSON (`{nodes, edges}`). */
  draw(graphId: string, config: StoredConfig, xray: Xray | undefined): Promise<unknown>;
  /** The root graph's JSON schemas. */
  schemas(graphId: string, config: StoredConfig): Promise<GraphSchema>;
  /** Schemas of subgraphs, keyed by namespace (`a`, `a|b`). */
  subgraphs(
    graphId: string,
    config: StoredConfig,
    namespace: string | undefined,
    recurse: boolean,
  ): Promise<Record<string, GraphSchema>>;
}

/** The introspector over the loaded graphs. */
export class GraphIntrospection implements GraphIntrospector {
  constructor(
    private readonly registry: GraphRegistry,
    private readonly schemaCache: GraphSchemas,
  ) {}

  has(graphId: string): boolean {
    return this.registry.has(graphId);
  }

  async draw(graphId: string, config: StoredConfig, xray: Xray | undefined): Promise<unknown> {
    const runnable = toRunnableConfig(config);
    const graph = await this.#graph(graphId, runnable);
    const drawable = await graph.getGraphAsync({ ...runnable, xray: xray || undefined });
    return drawable.toJSON();
  }

  async schemas(graphId: string, config: StoredConfig): Promise<GraphSchema> {
    const graph = await this.#graph(graphId, toRunnableConfig(config));
    return this.schemaCache.of(graphId, this.#source(graphId), graph);
  }

  async subgraphs(
    graphId: string,
    config: StoredConfig,
    namespace: string | undefined,
    recurse: boolean,
  ): Promise<Record<string, GraphSchema>> {
    const graph = await this.#graph(graphId, toRunnableConfig(config));
    const out: Record<string, GraphSchema> = {};
    for await (const [ns, subgraph] of graph.getSubgraphsAsync(namespace, recurse)) {
      out[ns] = await this.schemaCache.of(graphId, this.#source(graphId), subgraph, ns);
    }
    return out;
  }

  /**
   * Computes every graph's schemas in the background (the static parser batches them), so the first schemas
   * request (Studio opens it at once) does not wait for the TypeScript parser. Failures are
   * already handled by the schema cache; this never rejects.
   */
  async warmUp(graphIds: string[]): Promise<void> {
    // A factory is never called at boot: it would run with no user and an empty config.
    const plain = graphIds.filter((id) => !this.registry.isFactory(id));
    await Promise.all(plain.map((graphId) => this.schemas(graphId, {}).catch(() => undefined)));
  }

  #graph(graphId: string, config: Record<string, unknown>) {
    return this.registry.get(graphId, config, { checkpointer: null, access: "assistants.read" });
  }

  #source(graphId: string) {
    const entry = this.registry.entry(graphId);
    return { file: entry.file, exportName: entry.exportName };
  }
}
