/**
 * Retrieval on PostgreSQL with pgvector (@langchain/community's PGVectorStore). The database:
 * PGVECTOR_URL; else the embedded database `olg dev` and `olg test` run on (PGlite with pgvector,
 * shared by the server), so it works with no setup at all; else DATABASE_URL (`olg serve` on
 * PostgreSQL, which then needs the vector extension).
 */
import { PGVectorStore } from "@langchain/community/vectorstores/pgvector";
import pg from "pg";
import { embeddings, embeddingsSize } from "./model.js";
import { lazyStore, ragGraph } from "./rag.js";

/** The pg-compatible pool the server publishes for its embedded database (PGlite + pgvector). */
const EMBEDDED_POOL = Symbol.for("open-langgraph.embedded-pg-pool");

function pool(): pg.Pool {
  if (process.env.PGVECTOR_URL) return new pg.Pool({ connectionString: process.env.PGVECTOR_URL });
  const embedded = (globalThis as Record<symbol, unknown>)[EMBEDDED_POOL];
  if (embedded) return embedded as pg.Pool;
  if (process.env.DATABASE_URL) return new pg.Pool({ connectionString: process.env.DATABASE_URL });
  throw new Error(
    "pgvector: set PGVECTOR_URL or DATABASE_URL, or run the graph under `olg dev` / `olg test`",
  );
}

const store = lazyStore(async () =>
  PGVectorStore.initialize(await embeddings(), {
    pool: pool(),
    tableName: process.env.PGVECTOR_TABLE || "documents",
    dimensions: embeddingsSize(),
    distanceStrategy: "cosine",
  }),
);

export const graph = ragGraph(store);
