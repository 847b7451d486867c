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

interface Pending {
  source: GraphSource;
  resolve: (schemas: StaticSchemas) => void;
  reject: (error: unknown) => void;
}

/**
 * The official TypeScript parser, in a worker with a timeout. Requests that arrive within a short
 * window are parsed together in one worker and one TypeScript program (the program build is most
 * of the cost, so warming twenty graphs costs about as much as one); if the batch fails, each graph
 * is retried on its own (one worker at a time) so one bad module cannot hide the others' schemas.
 */
export const officialStaticParser = (timeoutMs: number, windowMs = 50): StaticSchemaParser => {
  let batch: Pending[] | null = null;
  // One parser worker at a time: after a failed batch, twenty graphs retried at once were twenty
  // TypeScript programs built in parallel, starving the HTTP thread (seconds of `/ok` latency).
  let queue: Promise<unknown> = Promise.resolve();
  const single = (source: GraphSource): Promise<StaticSchemas> => {
    const next = queue.then(
      async () =>
        (await getStaticGraphSchema(
          { sourceFile: source.file, exportSymbol: source.exportName },
          { timeoutMs },
        )) as StaticSchemas,
    );
    queue = next.catch(() => undefined);
    return next;
  };
  const flush = async (items: Pending[]) => {
    if (items.length === 1) {
      const [only] = items as [Pending];
      return single(only.source).then(only.resolve, only.reject);
    }
    const specs = Object.fromEntries(
      items.map((p, i) => [
        `g${i}`,
        { sourceFile: p.source.file, exportSymbol: p.source.exportName },
      ]),
    );
    try {
      const all = (await getStaticGraphSchema(specs, { timeoutMs: timeoutMs * 2 })) as Record<
        string,
        StaticSchemas
      >;
      items.forEach((p, i) => {
        const found = all[`g${i}`];
        if (found) p.resolve(found);
        else single(p.source).then(p.resolve, p.reject);
      });
    } catch {
      for (const p of items) single(p.source).then(p.resolve, p.reject);
    }
  };
  return (source) =>
    new Promise<StaticSchemas>((resolve, reject) => {
      if (!batch) {
        const current: Pending[] = [];
        batch = current;
        setTimeout(() => {
          batch = null;
          void flush(current);
        }, windowMs);
      }
      batch.push({ source, resolve, reject });
    });
};

/**
 * How long the static parser may take per graph: `LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS` when it is a
 * positive integer (as the official server reads it), else `fallbackMs`.
 */
export function schemaResolveTimeoutMs(
  env: Record<string, string | undefined>,
  fallbackMs = 60_000,
): number {
  const value = Number.parseInt(env.LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS ?? "", 10);
  return Number.isFinite(value) && value > 0 ? value : fallbackMs;
}

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
