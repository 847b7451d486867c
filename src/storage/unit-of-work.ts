/**
 * A unit of work: one transaction plus hooks that run once its COMMIT succeeded (in registration
 * order; never after a rollback). Owners of tables register what must follow their writes (cache
 * invalidation, notifications) with `afterCommit`, so a write that commits is always followed by
 * its invalidation and a write that rolls back never is: no timers, no guessing when a caller's
 * transaction ends. `afterRollback` hooks run instead when it did not commit. A hook that throws is reported to `onHookError` and does not stop the others.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "./database.ts";

/** A transaction with commit hooks. */
export class UnitOfWork {
  readonly #hooks: (() => void | Promise<void>)[] = [];
  readonly #rollbackHooks: (() => void | Promise<void>)[] = [];

  constructor(readonly trx: Transaction<Database>) {}

  /** Runs `fn` after COMMIT (the caller of {@link inUnitOfWork} awaits it before returning). */
  afterCommit(fn: () => void | Promise<void>): void {
    this.#hooks.push(fn);
  }

  /**
   * Runs `fn` if the transaction did not commit (rolled back or failed): what was announced
   * before COMMIT (a cache write mark, `cache/port.ts`) must end either way.
   */
  afterRollback(fn: () => void | Promise<void>): void {
    this.#rollbackHooks.push(fn);
  }

  /** Runs the rollback hooks; call exactly once, after the transaction failed. */
  async rolledBack(onHookError?: (err: unknown) => void): Promise<void> {
    this.#hooks.length = 0;
    await run(this.#rollbackHooks.splice(0), onHookError);
  }

  /** Runs the hooks; call exactly once, after the transaction committed. */
  async committed(onHookError?: (err: unknown) => void): Promise<void> {
    this.#rollbackHooks.length = 0;
    await run(this.#hooks.splice(0), onHookError);
  }
}

async function run(hooks: (() => void | Promise<void>)[], onHookError?: (err: unknown) => void) {
  for (const hook of hooks) {
    try {
      await hook();
    } catch (err) {
      onHookError?.(err);
    }
  }
}

/** Runs `fn` in one transaction, then the commit hooks it registered; returns what `fn` returned. */
export async function inUnitOfWork<T>(
  db: Kysely<Database>,
  fn: (uow: UnitOfWork) => Promise<T>,
): Promise<T> {
  let unit: UnitOfWork | undefined;
  const out = await db
    .transaction()
    .execute((trx) => {
      unit = new UnitOfWork(trx);
      return fn(unit);
    })
    .catch(async (error) => {
      await unit?.rolledBack();
      throw error;
    });
  await unit?.committed();
  return out;
}
