/**
 * Which SQL engine a Kysely instance talks to, for the few statements whose text differs per engine
 * (upserts, JSON functions, byte encodings). Read from the dialect's adapter, so a transaction
 * (`trx`) answers like the database it was opened on: `MysqlAdapter` (MySQL, MariaDB),
 * `SqliteAdapter` (SQLite), anything else PostgreSQL (PostgreSQL, PGlite). CockroachDB speaks the
 * PostgreSQL protocol through the same adapter, so its opener marks it (`markEngine`).
 */
import { type Kysely, MysqlAdapter, SqliteAdapter } from "kysely";

/** The engines the storage runs on. */
export type SqlEngine = "postgres" | "cockroachdb" | "mysql" | "sqlite";

const marked = new WeakMap<object, SqlEngine>();

/** The adapter object shared by a Kysely instance and every transaction opened on it. */
const adapterOf = (db: Kysely<any>): object => db.getExecutor().adapter;

/** Records that `db` (and its transactions) run on `engine` where the adapter cannot tell. */
export function markEngine(db: Kysely<any>, engine: SqlEngine): void {
  marked.set(adapterOf(db), engine);
}

/** The engine behind `db`. */
export function engineOf(db: Kysely<any>): SqlEngine {
  const adapter = adapterOf(db);
  const engine = marked.get(adapter);
  if (engine !== undefined) return engine;
  if (adapter instanceof MysqlAdapter) return "mysql";
  if (adapter instanceof SqliteAdapter) return "sqlite";
  return "postgres";
}

/** PostgreSQL's SQL (jsonb, arrays, `encode`): PostgreSQL, PGlite and CockroachDB. */
export const isPostgresFamily = (engine: SqlEngine): boolean =>
  engine === "postgres" || engine === "cockroachdb";
