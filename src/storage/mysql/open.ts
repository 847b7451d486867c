/**
 * Opens MySQL/MariaDB (`DATABASE_URL=mysql://…` or `mariadb://…`): a mysql2 pool behind Kysely's
 * MySQL dialect, the statement codecs, the wake-up carrier (`notifier.ts`) and the migrations.
 * MariaDB 10.6+ (SKIP LOCKED, JSON functions) or MySQL 8.0+.
 */
import { type Dialect, Kysely, MysqlDialect, sql } from "kysely";
import { codecDialect } from "../codec-dialect.ts";
import type { Database, StorageHandle } from "../database.ts";
import { emulatedNotifyDialect } from "../emulated-notify.ts";
import { withEngine } from "../engine/index.ts";
import { neutralPlugin } from "../engine/plugin.ts";
import type { ListenerLog } from "../postgres/listener.ts";
import { isDeadlockVictim, type RetryStats, retryingTransactions } from "../transaction-retry.ts";
import { mysqlEscapingCodec } from "./codec.ts";
import { mysqlEngine } from "./engine.ts";
import { migrateMysql } from "./migrate.ts";
import type { MysqlNotifier, WakeupStats } from "./notifier.ts";
import { createPool, exactCollation, serverVersion } from "./pool.ts";
import { returningDialect } from "./returning.ts";
import { mysqlRewritePlugin } from "./rewrite.ts";
import { type SiblingWakeups, wakeups } from "./sibling-wakeups.ts";

/** Options of `openMysql`. */
export interface MysqlOptions {
  url: string;
  poolSize?: number;
  wrap?: (d: Dialect) => Dialect;
  log?: ListenerLog;
  /** Wake-ups over Redis pub/sub instead of polling the database. */
  redisUrl?: string | null;
  /** Polling interval of wake-ups without Redis (ms; default 100). */
  pollMs?: number;
  /** The other thread of this process, when role `all` is split (`sibling-wakeups.ts`). */
  siblings?: SiblingWakeups;
}

/** A MySQL/MariaDB handle: the common handle plus the wake-up figures. */
export interface MysqlStorageHandle extends StorageHandle {
  wakeupStats(): WakeupStats;
}

/** Opens the pool and migrates the schema. */
export async function openMysql(options: MysqlOptions): Promise<MysqlStorageHandle> {
  const max = options.poolSize ?? 10;
  const version = await serverVersion(options.url);
  const collation = exactCollation(version);
  const pool = createPool(options.url, max, collation);
  let connectionErrors = 0;
  pool.on("connection", (conn) => {
    conn.on("error", (err: Error) => {
      connectionErrors++;
      options.log?.warn({ err }, "database connection lost; the pool replaces it");
    });
  });
  const wrap = options.wrap ?? ((d) => d);
  const engine = mysqlEngine(collation);
  // Bound once the database is open (the polling carrier reads through it); the migrations
  // before that send no notification.
  let notifier: MysqlNotifier = {
    listen: async () => async () => {},
    notify: async () => {},
    stats: () => ({ mode: "poll", polls: 0, delivered: 0, errors: 0 }),
    close: async () => {},
  };
  // A deadlock victim's transaction runs again whole (../transaction-retry.ts).
  const retries: RetryStats = { retries: 0, exhausted: 0 };
  // Escaping is innermost: encryption (in `wrap`) sees and seals the values as the caller gave them.
  const dialect = codecDialect(
    withEngine(
      emulatedNotifyDialect(
        returningDialect(
          new MysqlDialect({ pool }),
          (q, p) => mysqlEscapingCodec.encodeParams(q, p),
          retries,
        ),
        (channel, payload) => notifier.notify(channel, payload),
      ),
      engine,
    ),
    mysqlEscapingCodec,
  );
  const db = retryingTransactions(
    new Kysely<Database>({
      dialect: wrap(dialect),
      plugins: [neutralPlugin(engine), mysqlRewritePlugin()],
    }),
    retries,
    isDeadlockVictim,
  );
  try {
    await migrateMysql(db, collation);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
  notifier = await wakeups(db, options);
  // mysql2's pool keeps its counters in private fields; read them for metrics.
  const inner = pool as unknown as {
    _allConnections?: { length: number };
    _freeConnections?: { length: number };
    _connectionQueue?: { length: number };
  };
  return {
    kind: "mariadb",
    db,
    poolMax: max,
    listen: (channel, fn) => notifier.listen(channel, fn),
    notify: (channel, payload) => notifier.notify(channel, payload),
    poolStats: () => {
      const size = inner._allConnections?.length ?? 0;
      return {
        size,
        inUse: size - (inner._freeConnections?.length ?? 0),
        waiting: inner._connectionQueue?.length ?? 0,
      };
    },
    connectionStats: () => ({
      connected: true,
      reconnects: 0,
      connectionErrors,
    }),
    wakeupStats: () => notifier.stats(),
    retryStats: () => ({ ...retries }),
    async ping() {
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await notifier.close();
      await db.destroy();
    },
  };
}
