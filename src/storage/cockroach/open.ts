/**
 * Opens CockroachDB (`postgresql://…?engine=cockroachdb`, or a PostgreSQL URL whose server reports
 * CockroachDB in `SELECT version()`): node-postgres behind Kysely's PostgreSQL dialect with the
 * CockroachDB engine (engine.ts), transactions retried on 40001 (../transaction-retry.ts), the lock table, and
 * wake-ups over Redis when `redisUrl` is set, else the polled `olg_notifications` table (the
 * MySQL/MariaDB carriers, ../mysql/notifier.ts: one poll per 100 ms, counted).
 */
import { type Dialect, Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { codecDialect } from "../codec-dialect.ts";
import type { Database, StorageHandle } from "../database.ts";
import { emulatedNotifyDialect } from "../emulated-notify.ts";
import { withEngine } from "../engine/index.ts";
import { escapingCodec } from "../escaping-codec.ts";
import type { MysqlNotifier } from "../mysql/notifier.ts";
import { type SiblingWakeups, wakeups } from "../mysql/sibling-wakeups.ts";
import type { ListenerLog } from "../postgres/listener.ts";
import { type RetryStats, retryingTransactions } from "../transaction-retry.ts";
import { cockroachEngine, LOCKS_DDL } from "./engine.ts";

/** Whether `url` asks for CockroachDB (`engine=cockroachdb` query parameter). */
export function cockroachHinted(url: string): boolean {
  try {
    return new URL(url).searchParams.get("engine")?.toLowerCase() === "cockroachdb";
  } catch {
    return false;
  }
}

/** `url` without our `engine` parameter (node-postgres would pass it to the server). */
export function withoutHint(url: string): string {
  const u = new URL(url);
  u.searchParams.delete("engine");
  return u.toString();
}

/** Whether the server at `url` is CockroachDB (`SELECT version()`). */
export async function isCockroach(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: withoutHint(url) });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT version() AS v");
    return /cockroachdb/i.test(rows[0]?.v ?? "");
  } finally {
    await client.end().catch(() => {});
  }
}

const NOTIFICATIONS_DDL = `CREATE TABLE IF NOT EXISTS olg_notifications (
  id BIGSERIAL PRIMARY KEY, channel TEXT NOT NULL, payload TEXT NOT NULL, origin TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now())`;

/** What `openCockroach` needs. */
export interface CockroachOptions {
  url: string;
  poolSize?: number;
  wrap?: (d: Dialect) => Dialect;
  log?: ListenerLog;
  redisUrl?: string | null;
  /** Wake-up poll interval without Redis (ms). */
  pollMs?: number;
  /** The other thread of this process, when role `all` is split (`../mysql/sibling-wakeups.ts`). */
  siblings?: SiblingWakeups;
}

/** Opens the pool, creates the lock and notification tables; the caller migrates. */
export async function openCockroach(options: CockroachOptions): Promise<StorageHandle> {
  const max = options.poolSize ?? 10;
  const pool = new pg.Pool({ connectionString: withoutHint(options.url), max });
  let connectionErrors = 0;
  pool.on("connect", (client) => {
    client.on("error", (err) => {
      connectionErrors++;
      options.log?.warn({ err }, "database connection lost; the pool replaces it");
    });
  });
  pool.on("error", () => {
    connectionErrors++;
  });
  const wrap = options.wrap ?? ((d) => d);
  // Bound once the tables exist (the polling carrier reads through the pool); nothing notifies
  // before that. `SELECT pg_notify(…)` never reaches CockroachDB, which has no such function.
  let notifier: MysqlNotifier | null = null;
  const dialect = codecDialect(
    withEngine(
      emulatedNotifyDialect(new PostgresDialect({ pool }), async (channel, payload) => {
        await notifier?.notify(channel, payload);
      }),
      cockroachEngine(),
    ),
    escapingCodec,
  );
  const retries: RetryStats = { retries: 0, exhausted: 0 };
  const db = retryingTransactions(new Kysely<Database>({ dialect: wrap(dialect) }), retries);
  try {
    await sql.raw(LOCKS_DDL).execute(db);
    await sql.raw(NOTIFICATIONS_DDL).execute(db);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
  const carrier = await wakeups(db, options);
  notifier = carrier;
  return {
    kind: "cockroachdb",
    db,
    poolMax: max,
    listen: (channel, fn) => carrier.listen(channel, fn),
    notify: (channel, payload) => carrier.notify(channel, payload),
    poolStats: () => ({
      size: pool.totalCount,
      inUse: pool.totalCount - pool.idleCount,
      waiting: pool.waitingCount,
    }),
    connectionStats: () => ({ connected: true, reconnects: 0, connectionErrors }),
    retryStats: () => ({ ...retries }),
    wakeupStats: () => carrier.stats(),
    async ping() {
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await carrier.close();
      await db.destroy();
    },
  };
}
