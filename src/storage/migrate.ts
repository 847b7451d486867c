/**
 * Forward-only, versioned migrations. Each start (and `olg migrate`) applies the missing ones in
 * one transaction under a PostgreSQL advisory lock, so replicas starting together queue up instead
 * of colliding; the lock wait is bounded so a stuck migration fails the start-up loudly rather than
 * looping a rolling deploy.
 */
import { sql } from "kysely";
import type { Db } from "./database.ts";
import { engineOf } from "./engine/index.ts";
import type { Migration } from "./engine/port.ts";
import * as m001 from "./migrations/001_initial.ts";
import * as m002 from "./migrations/002_checkpoint_blobs.ts";
import * as m003 from "./migrations/003_runs_queue.ts";
import * as m004 from "./migrations/004_crons.ts";
import * as m005 from "./migrations/005_cron_auth.ts";
import * as m006 from "./migrations/006_webhook_dead_letters.ts";
import * as m007 from "./migrations/007_run_events.ts";
import * as m008 from "./migrations/008_run_cancel_reason.ts";
import * as m009 from "./migrations/009_artifacts.ts";
import * as m010 from "./migrations/010_tenancy.ts";
import * as m011 from "./migrations/011_store_org_key.ts";
import * as m012 from "./migrations/012_audit_append_only.ts";
import * as m013 from "./migrations/013_sso_sessions.ts";

/** Every migration, in order. Append only. */
export const MIGRATIONS: Migration[] = [
  { version: 1, name: m001.name, up: m001.up },
  { version: 2, name: m002.name, up: m002.up },
  { version: 3, name: m003.name, up: m003.up },
  { version: 4, name: m004.name, up: m004.up },
  { version: 5, name: m005.name, up: m005.up },
  { version: 6, name: m006.name, up: m006.up },
  { version: 7, name: m007.name, up: m007.up },
  { version: 8, name: m008.name, up: m008.up },
  { version: 9, name: m009.name, up: m009.up },
  { version: 10, name: m010.name, up: m010.up },
  { version: 11, name: m011.name, up: m011.up },
  { version: 12, name: m012.name, up: m012.up },
  { version: 13, name: m013.name, up: m013.up },
];

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS olg_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** The migrations of the engine behind `db`. */
function migrationsOf(db: Db): readonly Migration[] {
  return engineOf(db).migrations?.list ?? MIGRATIONS;
}

/** Advisory-lock key: a fixed 64-bit number derived from "open-langgraph:migrations". */
const LOCK_KEY = 7_424_013_388_110_291n;

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(db: Db, lockTimeoutMs = 60_000): Promise<number[]> {
  const engine = engineOf(db);
  return db.transaction().execute(async (trx) => {
    await engine.lockInTransaction(trx, LOCK_KEY, lockTimeoutMs);
    await sql.raw(engine.migrations?.table ?? MIGRATIONS_TABLE).execute(trx);
    const rows = await trx.selectFrom("olg_migrations").select("version").execute();
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const migration of migrationsOf(db)) {
      if (done.has(migration.version)) continue;
      for (const statement of splitStatements(migration.up)) await sql.raw(statement).execute(trx);
      await trx
        .insertInto("olg_migrations")
        .values({ version: migration.version, name: migration.name })
        .execute();
      applied.push(migration.version);
    }
    return applied;
  });
}

/** The versions not yet applied (for readiness checks). */
export async function pendingMigrations(db: Db): Promise<number[]> {
  try {
    const rows = await db.selectFrom("olg_migrations").select("version").execute();
    const done = new Set(rows.map((r) => r.version));
    return migrationsOf(db)
      .filter((m) => !done.has(m.version))
      .map((m) => m.version);
  } catch {
    return migrationsOf(db).map((m) => m.version);
  }
}

/** One migration and whether (and when) it was applied, for `olg migrate status`. */
export interface MigrationState {
  version: number;
  name: string;
  appliedAt: Date | null;
}

/** Every known migration with its applied time (null when pending); never writes. */
export async function migrationStatus(db: Db): Promise<MigrationState[]> {
  let rows: { version: number; applied_at: Date | string }[] = [];
  try {
    const result = await sql<{ version: number; applied_at: Date | string }>`
      SELECT version, applied_at FROM olg_migrations ORDER BY version`.execute(db);
    rows = result.rows;
  } catch {
    rows = []; // a fresh database: the bookkeeping table does not exist yet
  }
  const applied = new Map(rows.map((r) => [Number(r.version), new Date(r.applied_at)]));
  return migrationsOf(db).map((m) => ({
    version: m.version,
    name: m.name,
    appliedAt: applied.get(m.version) ?? null,
  }));
}

/** The statements `migrate` would run for the pending migrations (for `--dry-run`). */
export async function pendingStatements(
  db: Db,
): Promise<{ version: number; name: string; statements: string[] }[]> {
  const pending = new Set(await pendingMigrations(db));
  return migrationsOf(db)
    .filter((m) => pending.has(m.version))
    .map((m) => ({
      version: m.version,
      name: m.name,
      statements: splitStatements(m.up),
    }));
}

/** Splits a migration script on statement-ending semicolons (our scripts hold no procedural code). */
function splitStatements(script: string): string[] {
  return script
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
