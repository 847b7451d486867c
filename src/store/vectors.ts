/**
 * Where item embeddings live: `store_vectors (prefix, key, field_name, embedding)`, one row per
 * embedded field, deleted with its item (foreign key, ON DELETE CASCADE: truncation and the TTL
 * sweeper need no extra step). The table is created at start-up, not by a migration, because its
 * shape depends on `store.index.dims`. With the pgvector extension available the column is
 * `vector(dims)` ranked with `<=>`; otherwise (PGlite, or PostgreSQL without pgvector) it is
 * `double precision[]` and cosine similarity is computed in SQL. A table comment records kind and
 * dims; when the config changes them the table is rebuilt (items must be put again to be indexed).
 */
import { type Kysely, type RawBuilder, sql } from "kysely";

/** How embeddings are stored. */
export type VectorKind = "pgvector" | "array";

/** The vector table of one configured index. */
export interface VectorTable {
  kind: VectorKind;
  dims: number;
  /** A SQL literal of `vector` for this kind (cast included). */
  literal(vector: number[]): RawBuilder<unknown>;
  /** The cosine similarity between column `v.embedding` and `query` (higher is closer). */
  similarity(query: number[]): RawBuilder<number>;
}

const LOCK_KEY = "7424013388110292";

function table(kind: VectorKind, dims: number): VectorTable {
  const literal = (vector: number[]) =>
    kind === "pgvector"
      ? sql`${`[${vector.join(",")}]`}::vector`
      : sql`${`{${vector.join(",")}}`}::float8[]`;
  return {
    kind,
    dims,
    literal,
    similarity(query) {
      const q = literal(query);
      return kind === "pgvector"
        ? sql<number>`(1 - (v.embedding <=> ${q}))`
        : sql<number>`(SELECT sum(a * b) / nullif(sqrt(sum(a * a)) * sqrt(sum(b * b)), 0)
            FROM unnest(v.embedding, ${q}) AS t(a, b))`;
    },
  };
}

async function pgvectorUsable(db: Kysely<any>): Promise<boolean> {
  const available = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'vector'`.execute(db);
  if ((available.rows[0]?.n ?? 0) === 0) return false;
  try {
    await sql`CREATE EXTENSION IF NOT EXISTS vector`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** Creates (or rebuilds, if kind or dims changed) the vector table; returns its description. */
export async function ensureVectorTable(
  db: Kysely<any>,
  dims: number,
  onRebuild?: (previous: string) => void,
): Promise<VectorTable> {
  const kind: VectorKind = (await pgvectorUsable(db)) ? "pgvector" : "array";
  const tag = `olg kind=${kind} dims=${dims}`;
  const column = kind === "pgvector" ? `vector(${dims})` : "double precision[]";
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY}::bigint)`.execute(trx);
    const found = await sql<{ tag: string | null; present: boolean }>`
      SELECT to_regclass('store_vectors') IS NOT NULL AS present,
             obj_description(to_regclass('store_vectors'), 'pg_class') AS tag`.execute(trx);
    const row = found.rows[0];
    if (row?.present && row.tag === tag) return;
    if (row?.present) {
      onRebuild?.(row.tag ?? "unknown");
      await sql`DROP TABLE store_vectors`.execute(trx);
    }
    await sql
      .raw(`CREATE TABLE store_vectors (
        org_id text NOT NULL DEFAULT coalesce(nullif(current_setting('app.org_id', true), ''), 'default'),
        prefix text NOT NULL,
        key text NOT NULL,
        field_name text NOT NULL,
        embedding ${column} NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, prefix, key, field_name),
        FOREIGN KEY (org_id, prefix, key) REFERENCES store_items (org_id, prefix, key) ON DELETE CASCADE
      )`)
      .execute(trx);
    await sql.raw(`COMMENT ON TABLE store_vectors IS '${tag}'`).execute(trx);
  });
  return table(kind, dims);
}
