/**
 * The embedded database, offered to graphs that run in the server's process (`olg dev`, in-process
 * `olg test`) as a minimal `pg.Pool` look-alike under `globalThis[Symbol.for(
 * "open-langgraph.embedded-pg-pool")]`: `query(text, params)` → `{ rows, rowCount }`, `connect()`
 * → a client with `query` and `release`, `end()` (a no-op: the server owns the database). Queries
 * go through the server's Kysely driver, so they queue behind its transactions instead of running
 * inside them. A documented extension: the pgvector template of `olg graph add` uses it to keep
 * vectors in the embedded PGlite's pgvector with no setup.
 */
import { CompiledQuery, type Kysely } from "kysely";

/** The global key graphs read. */
export const EMBEDDED_POOL = Symbol.for("open-langgraph.embedded-pg-pool");

/** The pg-compatible surface. */
export interface EmbeddedPool {
  query(text: string, params?: unknown[]): Promise<{ rows: any[]; rowCount: number }>;
  connect(): Promise<{ query: EmbeddedPool["query"]; release(): void }>;
  end(): Promise<void>;
}

/** Publishes `db` as the embedded pool; returns a function that withdraws it. */
export function publishEmbeddedPool(db: Kysely<any>): () => void {
  const query: EmbeddedPool["query"] = async (text, params = []) => {
    const result = await db.executeQuery(CompiledQuery.raw(text, params));
    return {
      rows: result.rows as any[],
      rowCount: Number(result.numAffectedRows ?? result.rows.length),
    };
  };
  const pool: EmbeddedPool = {
    query,
    connect: async () => ({ query, release() {} }),
    end: async () => {},
  };
  const slot = globalThis as Record<symbol, unknown>;
  slot[EMBEDDED_POOL] = pool;
  return () => {
    if (slot[EMBEDDED_POOL] === pool) delete slot[EMBEDDED_POOL];
  };
}
