/**
 * Chooses the engine by `DATABASE_URL` (../storage/ARCHITECTURE.md "Engines"): none → PGlite;
 * `postgres://`/`postgresql://` → PostgreSQL (`?engine=cockroachdb` → CockroachDB);
 * `sqlite:PATH` / `sqlite::memory:` → SQLite; `mysql://`/`mariadb://` → MariaDB.
 * Each engine's module (and its driver: pg, mysql2, ioredis, better-sqlite3, PGlite) is imported
 * only when that engine is opened: a server or CLI call on one engine loads no other's driver.
 */
import type { Dialect } from "kysely";
import type { BackendKind, StorageHandle } from "./database.ts";
import { migrate } from "./migrate.ts";
import type { SiblingWakeups } from "./mysql/sibling-wakeups.ts";
import type { EmbeddedThread } from "./pglite/open.ts";
import type { ListenerLog } from "./postgres/listener.ts";

/** Where the data lives. */
export interface StorageOptions {
  databaseUrl: string | null;
  dataDir: string | null;
  poolSize?: number;
  /**
   * PGlite: where it executes (default a worker thread). PGlite and SQLite: a client port of the
   * database another thread of this process opened (the run executor's thread).
   */
  embeddedThread?: EmbeddedThread;
  /** Wraps the SQL dialect (at-rest encryption runs every statement through it). */
  wrapDialect?: (dialect: Dialect) => Dialect;
  /** Where connection losses and LISTEN reconnects are reported. */
  log?: ListenerLog;
  /** MySQL/MariaDB: wake-ups over this Redis instead of polling the database. */
  redisUrl?: string | null;
  /** MySQL/MariaDB, CockroachDB: wake-ups shared with the other thread of role `all`. */
  siblings?: SiblingWakeups;
}

/** The engine a `DATABASE_URL` names (null: the embedded PGlite). */
export function engineKind(databaseUrl: string | null): BackendKind {
  if (!databaseUrl) return "pglite";
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1]?.toLowerCase();
  if (scheme === "sqlite") return "sqlite";
  if (scheme === "mysql" || scheme === "mariadb") return "mariadb";
  if (scheme === "postgres" || scheme === "postgresql")
    return /[?&]engine=cockroachdb(&|$)/i.test(databaseUrl) ? "cockroachdb" : "postgres";
  throw new Error(
    `DATABASE_URL: unknown scheme "${scheme ?? databaseUrl.slice(0, 12)}:" (postgresql://, mysql://, mariadb://, sqlite:)`,
  );
}

/** Opens the engine `options.databaseUrl` names, without touching its schema (`olg migrate`). */
export async function openEngine(options: StorageOptions): Promise<StorageHandle> {
  const url = options.databaseUrl;
  const kind = engineKind(url);
  if (kind === "pglite") {
    const { openPGlite } = await import("./pglite/open.ts");
    return openPGlite(options.dataDir, options.wrapDialect, options.embeddedThread, options.log);
  }
  if (kind === "sqlite") {
    const { openSqlite } = await import("./sqlite/open.ts");
    const thread = options.embeddedThread;
    return openSqlite(url!, options.wrapDialect, typeof thread === "object" ? thread : undefined);
  }
  if (kind === "mariadb") {
    const { openMysql } = await import("./mysql/open.ts");
    const { poolSize, wrapDialect: wrap, log, redisUrl, siblings } = options;
    return openMysql({ url: url!, poolSize, wrap, log, redisUrl, siblings }); // migrates with its own DDL
  }
  // A plain PostgreSQL URL may still reach CockroachDB: `SELECT version()` tells.
  const { isCockroach, openCockroach } = await import("./cockroach/open.ts");
  if (kind === "cockroachdb" || (await isCockroach(url!).catch(() => false))) {
    const { poolSize, wrapDialect: wrap, log, redisUrl, siblings } = options;
    return openCockroach({ url: url!, poolSize, wrap, log, redisUrl, siblings });
  }
  const { openPostgres } = await import("./postgres/open.ts");
  return openPostgres(url!, options.poolSize, options.wrapDialect, options.log);
}

/** Opens the database and brings its schema up to date. */
export async function openStorage(options: StorageOptions): Promise<StorageHandle> {
  // MySQL/MariaDB brings its schema up to date itself (its own DDL under GET_LOCK).
  if (engineKind(options.databaseUrl) === "mariadb") return openEngine(options);
  const handle = await openEngine(options);
  try {
    await migrate(handle.db);
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  return handle;
}
