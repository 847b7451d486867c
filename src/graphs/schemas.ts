/**
 * JSON schemas of a graph, as the official server computes them (`@langchain/langgraph-api/schema`):
 * first from the runtime definition (StateSchema, zod), else from the TypeScript types of the
 * source file (static parser, run in a worker and cached per graph, never waited for longer than a
 * short budget). Unlike the official server we never fail: when neither answers (e.g. a plain
 * `.mjs` module, or a parser still busy) we describe the graph from its runtime definition.
 */
import { getRuntimeGraphSchema } from "@langchain/langgraph-api/schema";
import type { CompiledGraph } from "./registry.ts";
import { runtimeFallbackSchema } from "./schema-fallback.ts";
import { staticSchemaInChild } from "./schema-process.ts";

import type { GraphSchema, StaticSchemas } from "./schema-types.ts";

export type { GraphSchema, StaticSchemas };

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

/** Sources the TypeScript parser reads as TypeScript; a JavaScript module is parsed on its own. */
const TYPESCRIPT = /\.[cm]?tsx?$/i;

/**
 * The official TypeScript parser, in a low-priority child process with a timeout
 * (schema-process.ts). Requests that arrive within a short window are parsed together in one
 * worker and one TypeScript program (the program build is most of the cost, so warming twenty
 * graphs costs about as much as one). One module the parser cannot take fails the whole program:
 * a JavaScript module (`.mjs`, `.js`; the parser fails on it) is never put in a batch, and a failed
 * batch is halved until the culprit stands alone, about 2·log2(n) programs instead of one per
 * graph (the test fixtures' 17 graphs with one `.mjs`: 78 CPU-seconds of parser before, 8 after).
 * One program at a time: twenty built in parallel starved the HTTP thread (seconds of `/ok`).
 * `extract` is the parser process (injectable for tests).
 */
export const officialStaticParser = (
  timeoutMs: number,
  windowMs = 50,
  extract: typeof staticSchemaInChild = staticSchemaInChild,
): StaticSchemaParser => {
  let batch: Pending[] | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  const queued = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };
  const single = (p: Pending) =>
    queued(
      async () =>
        (await extract(
          { sourceFile: p.source.file, exportSymbol: p.source.exportName },
          { timeoutMs },
        )) as StaticSchemas,
    ).then(p.resolve, p.reject);
  const together = async (items: Pending[]): Promise<void> => {
    if (items.length === 1) return single(items[0]!);
    const specs = Object.fromEntries(
      items.map((p, i) => [
        `g${i}`,
        { sourceFile: p.source.file, exportSymbol: p.source.exportName },
      ]),
    );
    let all: Record<string, StaticSchemas>;
    try {
      all = (await queued(() => extract(specs, { timeoutMs: timeoutMs * 2 }))) as Record<
        string,
        StaticSchemas
      >;
    } catch {
      const half = Math.ceil(items.length / 2);
      await Promise.all([together(items.slice(0, half)), together(items.slice(half))]);
      return;
    }
    await Promise.all(
      items.map((p, i) => {
        const found = all[`g${i}`];
        return found ? p.resolve(found) : single(p);
      }),
    );
  };
  const flush = async (items: Pending[]) => {
    const typescript = items.filter((p) => TYPESCRIPT.test(p.source.file));
    for (const p of items) if (!TYPESCRIPT.test(p.source.file)) void single(p);
    if (typescript.length) await together(typescript);
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
 * positive integer (as the official server reads it), else `fallbackMs` (60 s: upstream's 30 s is
 * too short for a cold TypeScript program on a loaded machine, and a timeout is cached).
 */
export function schemaResolveTimeoutMs(
  env: Record<string, string | undefined>,
  fallbackMs = 60_000,
): number {
  const value = Number.parseInt(env.LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS ?? "", 10);
  return Number.isFinite(value) && value > 0 ? value : fallbackMs;
}

/** How long a request waits for the static parser by default. */
export const DEFAULT_SCHEMA_BUDGET_MS = 3000;

/**
 * How long a schemas request waits for the static parser: `OLG_SCHEMA_REQUEST_BUDGET_MS` when it
 * is a non-negative integer, else 3 s; never more than the extraction may take
 * (`schemaResolveTimeoutMs`). After it, the request answers the runtime fallback.
 */
export function schemaRequestBudgetMs(env: Record<string, string | undefined>): number {
  const value = Number.parseInt(env.OLG_SCHEMA_REQUEST_BUDGET_MS ?? "", 10);
  const budget = Number.isFinite(value) && value >= 0 ? value : DEFAULT_SCHEMA_BUDGET_MS;
  return Math.min(budget, schemaResolveTimeoutMs(env));
}

/** A static extraction under way or done, and when it started. */
interface Extraction {
  startedAt: number;
  result: Promise<StaticSchemas | null>;
  settled: boolean;
}

/**
 * Resolves and caches schemas per graph id: the runtime definition when it has a schema (zod,
 * StateSchema), else the static parser's result, else a fallback from the runtime definition
 * (`schema-fallback.ts`). The static parser runs once per graph and its outcome, success or
 * failure (a timeout too), is cached. A request waits for it at most `budgetMs` after the
 * extraction started, then answers the fallback; later requests get the static result once it
 * has arrived.
 */
export class GraphSchemas {
  readonly #static = new Map<string, Extraction>();

  constructor(
    private readonly parser: StaticSchemaParser,
    private readonly onError: (graphId: string, error: unknown) => void = () => {},
    private readonly budgetMs = DEFAULT_SCHEMA_BUDGET_MS,
  ) {}

  /** Schemas of `graph` (the root graph of `graphId`, or its subgraph at `namespace`). */
  async of(
    graphId: string,
    source: GraphSource,
    graph: CompiledGraph,
    namespace?: string,
  ): Promise<GraphSchema> {
    const runtime = (await getRuntimeGraphSchema(graph).catch(() => undefined)) as
      | GraphSchema
      | undefined;
    if (runtime?.state || runtime?.input) return runtime;
    const all = await this.#staticWithin(graphId, source);
    const root = all && Object.keys(all).find((k) => !k.includes("|"));
    const fallback = await runtimeFallbackSchema(graph);
    if (all && root) {
      const found = namespace ? (all[`${root}|${namespace}`] ?? all[root]) : all[root];
      if (found) return { ...found, config: found.config ?? fallback.config ?? runtime?.config };
    }
    return { ...fallback, config: fallback.config ?? runtime?.config };
  }

  /** The static result if it is there within the budget (null: failed, or not yet). */
  async #staticWithin(graphId: string, source: GraphSource): Promise<StaticSchemas | null> {
    const extraction = this.#extraction(graphId, source);
    if (extraction.settled) return extraction.result;
    const left = extraction.startedAt + this.budgetMs - Date.now();
    if (left <= 0) return null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), left);
    });
    try {
      return await Promise.race([extraction.result, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  #extraction(graphId: string, source: GraphSource): Extraction {
    let extraction = this.#static.get(graphId);
    if (!extraction) {
      const started: Extraction = {
        startedAt: Date.now(),
        result: Promise.resolve(null),
        settled: false,
      };
      // A failure is cached like a success: the parser takes seconds and would fail the same way.
      started.result = this.parser(source)
        .catch((error) => {
          this.onError(graphId, error);
          return null;
        })
        .finally(() => {
          started.settled = true;
        });
      extraction = started;
      this.#static.set(graphId, extraction);
    }
    return extraction;
  }
}
