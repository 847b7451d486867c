/**
 * JSON schemas of a graph, as the official server computes them (`@langchain/langgraph-api/schema`):
 * first from the runtime definition (StateSchema, zod), else from the TypeScript types of the
 * source file (static parser, run in a worker and cached per graph). Unlike the official server we
 * never fail: when neither works (e.g. a plain `.mjs` module) we describe the state channels.
 */
import { getRuntimeGraphSchema, getStaticGraphSchema } from "@langchain/langgraph-api/schema";
import type { CompiledGraph } from "./registry.ts";

/** JSON schemas of one graph (undefined: unknown). */
export interface GraphSchema {
  state: Record<string, unknown> | undefined;
  input: Record<string, unknown> | undefined;
  output: Record<string, unknown> | undefined;
  config: Record<string, unknown> | undefined;
}

/** Schemas of a module's graph and of its subgraphs, keyed `root`, `root|ns`, `root|ns|ns2`. */
export type StaticSchemas = Record<string, GraphSchema>;

/** Where a graph's source lives, for the static parser. */
export interface GraphSource {
  file: string;
  exportName: string;
}

/** Computes static schemas; injectable so tests and other parsers can replace it. */
export type StaticSchemaParser = (source: GraphSource) => Promise<StaticSchemas>;

/** The official TypeScript parser, in a worker with a timeout. */
export const officialStaticParser =
  (timeoutMs: number): StaticSchemaParser =>
  async (source) =>
    (await getStaticGraphSchema(
      { sourceFile: source.file, exportSymbol: source.exportName },
      { timeoutMs },
    )) as StaticSchemas;

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

function channelSchema(keys: string[]): Record<string, unknown> {
  return {
    type: "object",
    properties: Object.fromEntries(keys.map((k) => [k, {}])),
    $schema: DRAFT_07,
  };
}

const asKeys = (channels: unknown): string[] =>
  (Array.isArray(channels) ? channels : typeof channels === "string" ? [channels] : []).filter(
    (k: string) => !k.startsWith("__"),
  );

/** The last resort: the names of the state, input and output channels, untyped. */
export function channelGraphSchema(graph: CompiledGraph): GraphSchema {
  const state = Object.keys(graph?.builder?.channels ?? {});
  const output = asKeys(graph?.outputChannels);
  const input = asKeys(graph?.inputChannels);
  return {
    state: channelSchema(state),
    input: channelSchema(input.length > 0 ? input : state),
    output: channelSchema(output.length > 0 ? output : state),
    config: undefined,
  };
}

/** Resolves and caches schemas per graph id. */
export class GraphSchemas {
  readonly #static = new Map<string, Promise<StaticSchemas | null>>();

  constructor(
    private readonly parser: StaticSchemaParser,
    private readonly onError: (graphId: string, error: unknown) => void = () => {},
  ) {}

  /** Schemas of `graph` (the root graph of `graphId`, or its subgraph at `namespace`). */
  async of(
    graphId: string,
    source: GraphSource,
    graph: CompiledGraph,
    namespace?: string,
  ): Promise<GraphSchema> {
    const runtime = await getRuntimeGraphSchema(graph).catch(() => undefined);
    if (runtime) return runtime as GraphSchema;
    const all = await this.#staticFor(graphId, source);
    const root = all && Object.keys(all).find((k) => !k.includes("|"));
    if (all && root) {
      const found = namespace ? (all[`${root}|${namespace}`] ?? all[root]) : all[root];
      if (found) return found;
    }
    return channelGraphSchema(graph);
  }

  #staticFor(graphId: string, source: GraphSource): Promise<StaticSchemas | null> {
    let pending = this.#static.get(graphId);
    if (!pending) {
      // A failure is cached too (the parser takes seconds and would fail the same way again),
      // except a timeout, which says more about the machine's load than about the graph.
      pending = this.parser(source).catch((error) => {
        this.onError(graphId, error);
        if (/timed out/i.test(String(error))) this.#static.delete(graphId);
        return null;
      });
      this.#static.set(graphId, pending);
    }
    return pending;
  }
}
