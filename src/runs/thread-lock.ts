/**
 * Named thread locks: every change of a run's state runs as `locks.run("finish", threadId, fn)`,
 * one unit of work that first locks the thread row (`SELECT … FOR UPDATE`, through the threads
 * owner) and then lets `fn` touch the thread's runs. The name says which state change holds the
 * lock (`create`, `finish`, `cancel`, `delete`, `assistant-delete`): a lock held longer than
 * `slowMs` is reported with it. Commit hooks registered in `fn` run after COMMIT.
 */

import type { Scope } from "../auth/scope.ts";
import type { Db } from "../storage/database.ts";
import { inUnitOfWork, type UnitOfWork } from "../storage/unit-of-work.ts";
import type { LockedThread, ThreadRunRows } from "../threads/run-rows.ts";

/** The state changes that lock a thread. */
export type LockName = "create" | "finish" | "cancel" | "delete" | "assistant-delete";

/** Reported when a lock was held (or waited for) longer than `slowMs`. */
export type SlowLock = (name: LockName, threadIds: readonly string[], ms: number) => void;

/** Runs state changes under thread locks. */
export class ThreadLocks {
  constructor(
    private readonly db: Db,
    readonly threads: ThreadRunRows,
    private readonly onSlow?: SlowLock,
    private readonly slowMs = 1000,
  ) {}

  /**
   * Locks one thread (missing or out of `scope`: `thread` is undefined and nothing is locked) and
   * runs `fn` in the same unit of work; `within` joins the caller's.
   */
  run<T>(
    name: LockName,
    threadId: string,
    fn: (uow: UnitOfWork, thread: LockedThread | undefined) => Promise<T>,
    options: { scope?: Scope; within?: UnitOfWork } = {},
  ): Promise<T> {
    return this.#in(name, [threadId], options.within, async (uow) =>
      fn(uow, await this.threads.lockForRun(uow, threadId, options.scope)),
    );
  }

  /** Locks several threads (in id order) and runs `fn`; `threadIds` may be computed inside. */
  runMany<T>(
    name: LockName,
    threadIds: (uow: UnitOfWork) => Promise<readonly string[]>,
    fn: (uow: UnitOfWork) => Promise<T>,
    within?: UnitOfWork,
  ): Promise<T> {
    let ids: readonly string[] = [];
    return this.#in(
      name,
      () => ids,
      within,
      async (uow) => {
        ids = await threadIds(uow);
        await this.threads.lockManyForRun(uow, ids);
        return fn(uow);
      },
    );
  }

  async #in<T>(
    name: LockName,
    ids: readonly string[] | (() => readonly string[]),
    within: UnitOfWork | undefined,
    fn: (uow: UnitOfWork) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    try {
      return within ? await fn(within) : await inUnitOfWork(this.db, fn);
    } finally {
      const ms = performance.now() - started;
      if (this.onSlow && ms > this.slowMs)
        this.onSlow(name, typeof ids === "function" ? ids() : ids, ms);
    }
  }
}
