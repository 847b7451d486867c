/**
 * Transactions the database aborted to break a conflict, run again whole:
 * - CockroachDB runs every transaction SERIALIZABLE and aborts one that lost a conflict with
 *   SQLSTATE 40001 ("restart transaction"); the client must run the whole transaction again
 *   (CockroachDB docs, "Transaction retry error reference"). Single statements outside a
 *   transaction are retried by the server itself.
 * - MariaDB/MySQL InnoDB picks a victim when two transactions wait on each other's row or gap
 *   locks (error 1213 `ER_LOCK_DEADLOCK`, SQLSTATE 40001) and rolls it back whole; the MariaDB
 *   docs ("Deadlocks", InnoDB) say to retry it. Concurrent run creation hit it (a 500).
 * So every `db.transaction().execute(fn)` of such a handle runs `fn` again on the engine's
 * conflict error, at most `MAX_ATTEMPTS` times with a short jittered backoff, counting retries and
 * the transactions that still failed (`StorageHandle.retryStats`). Transactions are written to be
 * run again: their side effects outside the database wait for COMMIT (`unit-of-work.ts`).
 */
import type { Kysely } from "kysely";

/** How many times one transaction runs at most. */
export const MAX_ATTEMPTS = 5;

/** Retry figures for metrics. */
export interface RetryStats {
  /** Transactions run again after a 40001. */
  retries: number;
  /** Transactions that still failed with 40001 after `MAX_ATTEMPTS`. */
  exhausted: number;
}

/** Whether `error` is an aborted transaction to run again. */
export type Retryable = (error: unknown) => boolean;

/** Whether `error` is CockroachDB's (or PostgreSQL's) serialization failure. */
export const isRetryable: Retryable = (error) => {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === "40001" || /restart transaction/i.test(String(e?.message ?? ""));
};

/** Whether `error` is InnoDB's deadlock victim (mysql2: `errno` 1213, `sqlState` 40001). */
export const isDeadlockVictim: Retryable = (error) => {
  const e = error as { errno?: unknown; code?: unknown; sqlState?: unknown } | null;
  return e?.errno === 1213 || e?.code === "ER_LOCK_DEADLOCK";
};

/** Runs `fn`, again when `retryable` says so, at most `MAX_ATTEMPTS` times. */
export async function withRetry<T>(
  stats: RetryStats,
  fn: () => Promise<T>,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
  retryable: Retryable = isRetryable,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!retryable(error)) throw error;
      if (attempt >= MAX_ATTEMPTS) {
        stats.exhausted++;
        throw error;
      }
      stats.retries++;
      await sleep(Math.random() * 10 * 2 ** attempt);
    }
  }
}

/** Wraps a builder so its `execute` (and that of builders it returns) retries. */
function retrying<T extends object>(builder: T, stats: RetryStats, retryable: Retryable): T {
  return new Proxy(builder, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "execute")
        return (fn: unknown) =>
          withRetry(stats, () => value.call(target, fn), undefined, retryable);
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        return result && typeof result === "object" && "execute" in result
          ? retrying(result, stats, retryable)
          : result;
      };
    },
  });
}

/** `db` whose `transaction()` builders retry on `retryable` errors (other methods unchanged). */
export function retryingTransactions<DB>(
  db: Kysely<DB>,
  stats: RetryStats,
  retryable: Retryable = isRetryable,
): Kysely<DB> {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "transaction" && typeof value === "function")
        return () => retrying(value.call(target), stats, retryable);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
