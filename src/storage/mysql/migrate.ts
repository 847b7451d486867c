/**
 * Forward-only migrations on MySQL/MariaDB: the same versions and names as on PostgreSQL
 * (`../migrate.ts`), each engine's DDL. DDL commits implicitly there, so a migration is not one
 * transaction: replicas queue on a named lock (`GET_LOCK`, held by the migrating connection, bounded
 * wait) and every statement is idempotent (`IF NOT EXISTS`), so a migration cut short is finished
 * by the next start.
 */
import { sql } from "kysely";
import type { Db } from "../database.ts";
import * as m001 from "./migrations/001_initial.ts";
import { m002, m003, m004, m005, m006, m007, m008, m009 } from "./migrations/002_009.ts";
import { m010, m011 } from "./migrations/010_011.ts";
import { m012, m013 } from "./migrations/012_013.ts";

/** Every migration, in order (the versions of `../migrate.ts`). Append only. */
export const MYSQL_MIGRATIONS = [
  m001,
  m002,
  m003,
  m004,
  m005,
  m006,
  m007,
  m008,
  m009,
  m010,
  m011,
  m012,
  m013,
].map((m, i) => ({ version: i + 1, name: m.name, up: m.up }));

/** The lock every migrating replica takes (`GET_LOCK` names are server-wide). */
const LOCK = "open-langgraph:migrations";

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrateMysql(
  db: Db,
  collation: string,
  lockTimeoutMs = 60_000,
): Promise<number[]> {
  return db.connection().execute(async (conn) => {
    const seconds = Math.max(1, Math.ceil(lockTimeoutMs / 1000));
    const got = await sql<{
      ok: number | null;
    }>`SELECT GET_LOCK(${LOCK}, ${seconds}) AS ok`.execute(conn);
    if (Number(got.rows[0]?.ok) !== 1)
      throw new Error(`migrations: another process held the migration lock for ${seconds} s`);
    try {
      await sql
        .raw(`CREATE TABLE IF NOT EXISTS olg_migrations (
        version INTEGER PRIMARY KEY,
        name VARCHAR(255) NOT NULL,
        applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
      )${tableOptions(collation)}`)
        .execute(conn);
      const rows = await conn.selectFrom("olg_migrations").select("version").execute();
      const done = new Set(rows.map((r) => Number(r.version)));
      const applied: number[] = [];
      for (const migration of MYSQL_MIGRATIONS) {
        if (done.has(migration.version)) continue;
        for (const statement of splitStatements(migration.up, collation))
          await sql.raw(statement).execute(conn);
        await conn
          .insertInto("olg_migrations")
          .values({ version: migration.version, name: migration.name })
          .execute();
        applied.push(migration.version);
      }
      return applied;
    } finally {
      await sql`SELECT RELEASE_LOCK(${LOCK})`.execute(conn);
    }
  });
}

/** The statements of each pending migration (for `olg migrate --dry-run`). */
export function mysqlStatements(version: number, collation: string): string[] {
  const m = MYSQL_MIGRATIONS.find((x) => x.version === version);
  return m ? splitStatements(m.up, collation) : [];
}

/** Every table: InnoDB (foreign keys, row locks), utf8mb4 with the exact collation. */
const tableOptions = (collation: string) =>
  ` ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`;

/** The statements of a script; each CREATE TABLE gets `tableOptions`. */
function splitStatements(script: string, collation: string): string[] {
  return script
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^CREATE TABLE/i.test(s) ? s + tableOptions(collation) : s));
}
