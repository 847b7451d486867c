/**
 * Which SQL family the checkpointer and the store write for, from the storage port's engine
 * (`../engine/index.ts`): the few statements that differ in shape, not just in one expression
 * (json aggregates vs reads joined in process, `ON CONFLICT` vs `ON DUPLICATE KEY UPDATE`), pick a
 * family here. A Kysely instance built without the port (tests over a bare dialect) is recognised
 * by its dialect adapter.
 */
import { type Kysely, MysqlAdapter, SqliteAdapter } from "kysely";
import { engineOf } from "../engine/index.ts";

/** PostgreSQL (and PGlite), CockroachDB, MySQL/MariaDB, SQLite. */
export type SqlFamily = "postgres" | "cockroachdb" | "mysql" | "sqlite";

/** The family of `db` (a database or a transaction on it). */
export function familyOf(db: Kysely<any>): SqlFamily {
  const kind = engineOf(db).kind;
  if (kind === "cockroachdb") return "cockroachdb";
  if (kind === "mariadb") return "mysql";
  if (kind === "sqlite") return "sqlite";
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof MysqlAdapter) return "mysql";
  if (adapter instanceof SqliteAdapter) return "sqlite";
  return "postgres";
}

/** PostgreSQL's SQL (jsonb, arrays, `encode`, json aggregates): PostgreSQL, PGlite, CockroachDB. */
export const isPostgresFamily = (family: SqlFamily): boolean =>
  family === "postgres" || family === "cockroachdb";
