/**
 * CockroachDB runs every transaction SERIALIZABLE and aborts one that lost a conflict with SQLSTATE
 * 40001 ("restart transaction"); the client must run the whole transaction again (CockroachDB docs,
 * "Transaction retry error reference"). Single statements outside a transaction are retried by the
 * server itself. So every `db.transaction().execute(fn)` of a CockroachDB handle runs `fn` again
 * on 40001, at most `MAX_ATTEMPTS` times with a short jittered backoff, counting retries and the
 * transactions that still failed (exported as metrics, `retryStats`).
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

/** Whether `error` is CockroachDB's (or PostgreSQL's) serialization failure. */
export function isRetryable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === "40001" || /restart transaction/i.test(String(e?.message ?? ""));
}

/** Runs `fn`, again on a serialization failure, at most `MAX_ATTEMPTS` times. */
export async function withRetry<T>(
  stats: RetryStats,
  fn: () => Promise<T>,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error)) throw error;
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
function retrying<T extends object>(builder: T, stats: RetryStats): T {
  return new Proxy(builder, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "execute")
        return (fn: unknown) => withRetry(stats, () => value.call(target, fn));
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        return result && typeof result === "object" && "execute" in result
          ? retrying(result, stats)
          : result;
      };
    },
  });
}

/** `db` whose `transaction()` builders retry on 40001 (other methods unchanged). */
export function retryingTransactions<DB>(db: Kysely<DB>, stats: RetryStats): Kysely<DB> {
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "transaction" && typeof value === "function")
        return () => retrying(value.call(target), stats);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
