/**
 * The CockroachDB engine of the storage port: PostgreSQL's SQL (CockroachDB speaks the PostgreSQL
 * wire protocol and dialect, JSONB included), with what it lacks designed around:
 * - no LISTEN/NOTIFY (`listenNotify: false`): wake-ups over Redis when configured, otherwise the
 *   polled `olg_notifications` table (open.ts);
 * - no advisory locks: `lockInTransaction` takes a row lock in `olg_locks` (held to commit, like
 *   `pg_advisory_xact_lock`; a first-time key is inserted, a concurrent insert waits on it);
 * - serializable only: transactions retry on 40001 (retry.ts);
 * - no pgvector: the store ranks over `double precision[]` in SQL (store/vectors.ts);
 * - no row-level security used (tenancy relies on the application's org filter there).
 * Not run against a CockroachDB server here (none is available): docs/databases.md.
 */
import { sql } from "kysely";
import { postgresSql } from "../engine/neutral.ts";
import type { SqlEngine } from "../engine/port.ts";

/** The lock table (created by the opener). */
export const LOCKS_DDL = "CREATE TABLE IF NOT EXISTS olg_locks (lock_key INT8 PRIMARY KEY)";

/** The CockroachDB engine. */
export function cockroachEngine(): SqlEngine {
  return {
    kind: "cockroachdb",
    capabilities: {
      returning: true,
      writableCte: true,
      skipLocked: true,
      listenNotify: false,
      multiProcess: true,
      rowLevelSecurity: false,
      updateFrom: true,
      rowLocks: true,
    },
    render: postgresSql,
    async lockInTransaction(trx, key, timeoutMs) {
      // lock_timeout bounds this wait and every lock the rest of the transaction takes.
      if (timeoutMs !== undefined)
        await sql
          .raw(`SET LOCAL lock_timeout = '${Math.max(1, Math.floor(timeoutMs))}ms'`)
          .execute(trx);
      await sql`INSERT INTO olg_locks (lock_key) VALUES (${key.toString()}::int8)
        ON CONFLICT DO NOTHING`.execute(trx);
      await sql`SELECT lock_key FROM olg_locks WHERE lock_key = ${key.toString()}::int8
        FOR UPDATE`.execute(trx);
    },
  };
}
