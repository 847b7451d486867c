/** Chooses the backend: PostgreSQL when a URL is given, PGlite otherwise. */
import type { Dialect } from "kysely";
import type { StorageHandle } from "./database.ts";
import { migrate } from "./migrate.ts";
import { openMysql } from "./mysql/open.ts";
import { isMysqlUrl } from "./mysql/pool.ts";
import { type EmbeddedThread, openPGlite } from "./pglite/open.ts";
import type { ListenerLog } from "./postgres/listener.ts";
import { openPostgres } from "./postgres/open.ts";

/** Where the data lives. */
export interface StorageOptions {
  databaseUrl: string | null;
  dataDir: string | null;
  poolSize?: number;
  /** PGlite only: where it executes (default a worker thread). */
  embeddedThread?: EmbeddedThread;
  /** Wraps the SQL dialect (at-rest encryption runs every statement through it). */
  wrapDialect?: (dialect: Dialect) => Dialect;
  /** Where connection losses and LISTEN reconnects are reported. */
  log?: ListenerLog;
  /** MySQL/MariaDB: wake-ups over this Redis instead of polling the database. */
  redisUrl?: string | null;
}

/** Opens the database and brings its schema up to date. */
export async function openStorage(options: StorageOptions): Promise<StorageHandle> {
  if (isMysqlUrl(options.databaseUrl)) {
    const { databaseUrl: url, poolSize, wrapDialect: wrap, log, redisUrl } = options;
    return openMysql({ url, poolSize, wrap, log, redisUrl }); // migrates with its own DDL
  }
  const handle = options.databaseUrl
    ? await openPostgres(options.databaseUrl, options.poolSize, options.wrapDialect, options.log)
    : await openPGlite(options.dataDir, options.wrapDialect, options.embeddedThread, options.log);
  try {
    await migrate(handle.db);
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  return handle;
}
