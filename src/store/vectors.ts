/**
 * Where item embeddings live: `store_vectors (prefix, key, field_name, embedding)`, one row per
 * embedded field, deleted with its item (foreign key, ON DELETE CASCADE: truncation and the TTL
 * sweeper need no extra step). The table is created at start-up, not by a migration, because its
 * shape depends on `store.index.dims`. With the pgvector extension available the column is
 * `vector(dims)` ranked with `<=>`; otherwise (PGlite, or PostgreSQL without pgvector) it is
 * `double precision[]` and cosine similarity is computed in SQL. A table comment records kind and
 * dims; when the config changes them the table is rebuilt (items must be put again to be indexed).
 * CockroachDB has no pgvector here: `double precision[]` as above. MySQL/MariaDB and SQLite store
 * the vector as a JSON array (kind `json`) and rank in process (`portable.ts`, with its bound); the
 * kind and dims are recorded in `store_vectors_meta` (neither engine has table comments in common).
 */
import { type Kysely, type RawBuilder, sql } from "kysely";
import { engineOf } from "../storage/engine/index.ts";
import { familyOf, isPostgresFamily, type SqlFamily } from "../storage/sql/family.ts";

/** How embeddings are stored. */
export type VectorKind = "pgvector" | "array" | "json";

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
      : kind === "json"
        ? sql`${JSON.stringify(vector)}`
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
  // CockroachDB: no pg_available_extensions / pgvector; cosine over float8[] in SQL instead.
  if (familyOf(db) !== "postgres") return false;
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
  const family = familyOf(db);
  if (!isPostgresFamily(family)) return ensureJsonVectorTable(db, family, dims, onRebuild);
  const kind: VectorKind = (await pgvectorUsable(db)) ? "pgvector" : "array";
  const tag = `olg kind=${kind} dims=${dims}`;
  const column = kind === "pgvector" ? `vector(${dims})` : "double precision[]";
  await db.transaction().execute(async (trx) => {
    await engineOf(trx).lockInTransaction(trx, BigInt(LOCK_KEY));
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

/** MySQL/MariaDB and SQLite: the vector table with JSON embeddings, tagged in `store_vectors_meta`. */
async function ensureJsonVectorTable(
  db: Kysely<any>,
  family: SqlFamily,
  dims: number,
  onRebuild?: (previous: string) => void,
): Promise<VectorTable> {
  const tag = `olg kind=json dims=${dims}`;
  const mysql = family === "mysql";
  // Key lengths as store_items on MariaDB (InnoDB keys hold at most 3072 bytes).
  const text = (n: number) => (mysql ? `VARCHAR(${n})` : "TEXT");
  const ts = mysql
    ? "DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
    : "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
  await db.transaction().execute(async (trx) => {
    // MySQL/MariaDB: a named lock on this connection (DDL commits implicitly, so no row lock
    // would last), released whatever happens (the pooled connection would keep it otherwise);
    // SQLite: its write transaction is already exclusive.
    if (!mysql) return rebuild(trx);
    const got = await sql<{
      got: number | null;
    }>`SELECT GET_LOCK('olg_store_vectors', 30) AS got`.execute(trx);
    if (Number(got.rows[0]?.got) !== 1)
      throw new Error(
        "the store's vector table: the lock olg_store_vectors was not free within 30 s (another replica is rebuilding the table)",
      );
    try {
      await rebuild(trx);
    } finally {
      await sql`SELECT RELEASE_LOCK('olg_store_vectors')`.execute(trx).catch(() => {});
    }
  });
  return table("json", dims);

  /** Creates the table unless its tag is `tag` (under the lock above). */
  async function rebuild(trx: Kysely<any>): Promise<void> {
    await sql
      .raw(`CREATE TABLE IF NOT EXISTS store_vectors_meta (tag ${text(128)} NOT NULL)`)
      .execute(trx);
    const found = await sql<{ tag: string }>`SELECT tag FROM store_vectors_meta`.execute(trx);
    const previous = found.rows[0]?.tag;
    if (previous === tag) return;
    if (previous !== undefined) onRebuild?.(previous);
    await sql`DROP TABLE IF EXISTS store_vectors`.execute(trx);
    const key = mysql ? "`key`" : '"key"';
    // MariaDB: (org_id, prefix, key, field_name) is past InnoDB's 3072-byte key limit in utf8mb4;
    // a surrogate key instead (each put replaces an item's rows, field names are unique per item).
    const primary = mysql ? "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY," : "";
    const unique = mysql
      ? `INDEX store_vectors_item_idx (org_id, prefix, ${key})`
      : `PRIMARY KEY (org_id, prefix, ${key}, field_name)`;
    // MariaDB: the foreign key needs store_items' exact collation.
    const options = mysql
      ? ` ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${await itemsCollation(trx)}`
      : "";
    await sql
      .raw(`CREATE TABLE store_vectors (
        ${primary}
        org_id ${text(64)} NOT NULL DEFAULT 'default',
        prefix ${text(512)} NOT NULL,
        ${key} ${text(190)} NOT NULL,
        field_name ${mysql ? "LONGTEXT" : "TEXT"} NOT NULL,
        embedding ${mysql ? "LONGTEXT" : "TEXT"} NOT NULL,
        created_at ${ts},
        ${unique},
        FOREIGN KEY (org_id, prefix, ${key})
          REFERENCES store_items (org_id, prefix, ${key}) ON DELETE CASCADE
      )${options}`)
      .execute(trx);
    await sql`DELETE FROM store_vectors_meta`.execute(trx);
    await sql`INSERT INTO store_vectors_meta (tag) VALUES (${tag})`.execute(trx);
  }
}

/** MariaDB: the collation of `store_items` (set by the migrations), a plain identifier. */
async function itemsCollation(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{
    c: string;
  }>`SELECT TABLE_COLLATION AS c FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'store_items'`.execute(db);
  const collation = rows[0]?.c ?? "utf8mb4_bin";
  if (!/^\w+$/.test(collation)) throw new Error(`unexpected collation ${collation}`);
  return collation;
}
