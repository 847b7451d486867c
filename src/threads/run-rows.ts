/**
 * The threads table as runs change it: the threads feature owns the table, and this is the port
 * it offers the runs engine, always inside the caller's unit of work (transaction + commit hooks).
 * Every write registers the thread with `afterCommit`, so the owner's change listener (the
 * metadata cache) hears of it once the transaction committed, never before, never on a timer.
 *
 * Rules (docs: src/runs/ARCHITECTURE.md, "Invariants"):
 * - `lockForRun` (`SELECT … FOR UPDATE`) comes before any read or write of the thread's runs, on
 *   every path, so locks are always taken in the same order (thread, then run rows).
 * - A thread is `busy` while one of its runs is pending or running; when the last one ends its
 *   status is `error` (failed) / `interrupted` (pending interrupt) / `idle`.
 * - Fragments (`outcomeSql`, `deleteSql`) are this owner's SQL for one statement the runs engine
 *   composes (the run's end and its thread's outcome in one round trip).
 */
import { type OperationNodeSource, type RawBuilder, type SqlBool, sql } from "kysely";
import type { Scope } from "../auth/scope.ts";
import { deleteThreads as deleteThreadCheckpoints } from "../storage/checkpointer/maintenance.ts";
import type { Db } from "../storage/database.ts";
import { jsonMerge, jsonText, now } from "../storage/engine/neutral.ts";
import { jsonb, jsonObject } from "../storage/sql/json.ts";
import { scopeMatches } from "../storage/sql/scope.ts";
import type { UnitOfWork } from "../storage/unit-of-work.ts";

/** Told which threads changed (after COMMIT); `"all"` after a sweep over many. */
export type ThreadsChanged = (ids: readonly string[] | "all") => Promise<void>;

/**
 * Told which threads are about to change, before the write can commit; the returned function
 * runs after COMMIT or rollback (the metadata cache's write marks, `cache/port.ts`); with
 * `false` it only ends the mark (what changed was told to `ThreadsChanged` already).
 */
export type ThreadsChanging = (
  ids: readonly string[] | "all",
) => (changed?: boolean) => Promise<void>;

/** A locked thread, as a run sees it. */
export interface LockedThread {
  threadId: string;
  metadata: Record<string, unknown>;
  config: Record<string, unknown>;
  status: string;
}

/** How a run ended, for its thread. */
export interface RunOutcome {
  failed?: boolean;
  interrupted?: boolean;
  /** Cached state (values, interrupts) to store; undefined keeps the stored one. */
  values?: unknown;
  interrupts?: Record<string, unknown>;
}

const IN_FLIGHT = sql.raw("('pending', 'running')");

/** The threads owner's port for the runs engine. */
export class ThreadRunRows {
  readonly #changing: ThreadsChanging;

  constructor(
    private readonly changed: ThreadsChanged = async () => {},
    changing?: ThreadsChanging,
  ) {
    this.#changing =
      changing ??
      ((ids) =>
        async (changed = true) =>
          void (changed && (await this.changed(ids))));
  }

  /**
   * Registers `ids` as changing in `uow` (call it before COMMIT): the listener hears of them now
   * and once `uow` committed or rolled back.
   */
  touched(uow: UnitOfWork, ids: readonly string[]): void {
    if (ids.length === 0) return;
    const end = this.#changing([...new Set(ids)]);
    uow.afterCommit(() => end());
    uow.afterRollback(() => end());
  }

  /** Locks a thread for the rest of the transaction; out of `scope` it is missing (not locked). */
  async lockForRun(
    uow: UnitOfWork,
    threadId: string,
    scope?: Scope,
  ): Promise<LockedThread | undefined> {
    const row = await uow.trx
      .selectFrom("threads")
      .select(["thread_id", "metadata", "config", "status"])
      .where("thread_id", "=", threadId)
      .where(scopeMatches("threads.metadata", scope))
      .forUpdate()
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      threadId: row.thread_id,
      metadata: jsonObject(row.metadata),
      config: jsonObject(row.config),
      status: row.status,
    };
  }

  /** Locks threads in id order (bulk cancel, assistant delete): no two paths deadlock. */
  async lockManyForRun(uow: UnitOfWork, threadIds: readonly string[]): Promise<void> {
    const ids = [...new Set(threadIds)].sort();
    if (ids.length === 0) return;
    await uow.trx
      .selectFrom("threads")
      .select("thread_id")
      .where("thread_id", "in", ids)
      .orderBy("thread_id")
      .forUpdate()
      .execute();
  }

  /** Creates the thread of a run if it is missing (if_not_exists=create); lock it after. */
  async createForRun(
    uow: UnitOfWork,
    threadId: string,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    await uow.trx
      .insertInto("threads")
      .values(newThreadRow(threadId, metadata, {}))
      .onConflict((oc) => oc.column("thread_id").doNothing())
      .execute();
    this.touched(uow, [threadId]);
  }

  /** A new thread row for a run (status `busy`: its run is inserted with it). */
  newRow(threadId: string, metadata: Record<string, unknown>, config: Record<string, unknown>) {
    return newThreadRow(threadId, metadata, config);
  }

  /** The locked thread gets a run: `busy`, run metadata merged in, run config stored. */
  async markBusy(
    uow: UnitOfWork,
    threadId: string,
    metadataPatch: Record<string, unknown>,
    config: Record<string, unknown>,
  ): Promise<void> {
    await uow.trx
      .updateTable("threads")
      .set({
        status: "busy",
        metadata: jsonMerge("metadata", metadataPatch),
        config: jsonb(config),
        updated_at: now(),
      })
      .where("thread_id", "=", threadId)
      .execute();
    this.touched(uow, [threadId]);
  }

  /**
   * One `UPDATE threads` writing a run's outcome, applied only when `when` holds (the run's own
   * end in the same statement). `endingRunId` is still in flight in the statement's snapshot, so
   * it does not count as a reason to stay `busy`. Returns the new status (`busy`: runs wait).
   */
  outcomeSql(
    db: Db,
    threadId: string,
    endingRunId: string,
    outcome: RunOutcome,
    when: RawBuilder<SqlBool>,
  ): OperationNodeSource & { execute(): Promise<{ status: string }[]> } {
    const final = outcome.failed ? "error" : outcome.interrupted ? "interrupted" : "idle";
    const state =
      outcome.values === undefined
        ? {}
        : {
            values: jsonb(outcome.values),
            interrupts: jsonb(outcome.interrupts ?? {}),
            state_updated_at: now(),
          };
    return db
      .updateTable("threads")
      .set({
        status: sql`CASE WHEN EXISTS (SELECT 1 FROM runs o
          WHERE o.thread_id = ${threadId} AND o.run_id <> ${endingRunId} AND o.status IN ${IN_FLIGHT})
        THEN 'busy' ELSE ${final} END`,
        updated_at: now(),
        ...state,
      })
      .where("thread_id", "=", threadId)
      .where(when)
      .returning("status");
  }

  /** One `DELETE FROM threads` (a temporary thread ends with its run), applied when `when` holds. */
  deleteSql(threadId: string, when: RawBuilder<SqlBool>): RawBuilder<{ thread_id: string }> {
    return sql`DELETE FROM threads WHERE thread_id = ${threadId} AND ${when} RETURNING thread_id`;
  }

  /** After runs of a locked thread were removed or ended: leave `busy` once none is in flight. */
  async repairAfterRuns(uow: UnitOfWork, threadIds: readonly string[]): Promise<void> {
    const ids = [...new Set(threadIds)];
    if (ids.length === 0) return;
    await sql`UPDATE threads AS t SET status = CASE
        WHEN t.interrupts IS NOT NULL AND t.interrupts <> ${jsonb({})} THEN 'interrupted'
        ELSE 'idle' END, updated_at = ${now()}
      WHERE t.thread_id IN (${sql.join(ids)}) AND t.status = 'busy' AND NOT EXISTS (
        SELECT 1 FROM runs r WHERE r.thread_id = t.thread_id AND r.status IN ${IN_FLIGHT})`.execute(
      uow.trx,
    );
    this.touched(uow, ids);
  }

  /** Sweep: threads left `busy` with no pending or running run (e.g. a manual SQL change). */
  async repairBusy(db: Db): Promise<number> {
    // Which threads it repairs is known only after: all are marked, the repaired ones invalidated.
    const end = this.#changing("all");
    const rows = {
      rows: await db
        .updateTable("threads as t")
        .set({
          status: sql`CASE
          WHEN t.interrupts IS NOT NULL AND t.interrupts <> ${jsonb({})} THEN 'interrupted'
          ELSE 'idle' END`,
          updated_at: now(),
        })
        .where("t.status", "=", "busy")
        .where(
          sql<SqlBool>`NOT EXISTS (
        SELECT 1 FROM runs r WHERE r.thread_id = t.thread_id AND r.status IN ${IN_FLIGHT})`,
        )
        .returning("thread_id")
        .execute()
        .catch(async (error) => {
          await end();
          throw error;
        }),
    };
    try {
      if (rows.rows.length > 0) await this.changed(rows.rows.map((r) => r.thread_id));
    } finally {
      await end(false);
    }
    return rows.rows.length;
  }

  /** Deletes the threads whose metadata names the assistant, their runs and checkpoints. */
  async deleteOfAssistant(uow: UnitOfWork, assistantId: string): Promise<string[]> {
    const ids = (
      await uow.trx
        .selectFrom("threads")
        .select("thread_id")
        .where(jsonText("metadata", "assistant_id"), "=", assistantId)
        .execute()
    ).map((r) => r.thread_id);
    if (ids.length === 0) return [];
    // Same transaction: the threads, their runs (by foreign key) and their checkpoints.
    await deleteThreadCheckpoints(uow.trx, ids);
    await uow.trx.deleteFrom("threads").where("thread_id", "in", ids).execute();
    this.touched(uow, ids);
    return ids;
  }

  /** Whether a thread row exists (and is in `scope`). */
  async exists(db: Db, threadId: string, scope?: Scope): Promise<boolean> {
    const row = await db
      .selectFrom("threads")
      .select("thread_id")
      .where("thread_id", "=", threadId)
      .where(scopeMatches("threads.metadata", scope))
      .executeTakeFirst();
    return row != null;
  }

  /** The cached values of a thread (null when missing). */
  async values(db: Db, threadId: string): Promise<{ values: unknown } | null> {
    const row = await db
      .selectFrom("threads")
      .select("values")
      .where("thread_id", "=", threadId)
      .executeTakeFirst();
    return row ? { values: row.values ?? null } : null;
  }
}

function newThreadRow(
  threadId: string,
  metadata: Record<string, unknown>,
  config: Record<string, unknown>,
) {
  return {
    thread_id: threadId,
    metadata: jsonb(metadata),
    config: jsonb(config),
    status: "busy",
    values: null,
    interrupts: jsonb({}),
    error: null,
    ttl_strategy: null,
    ttl_minutes: null,
    expires_at: null,
  };
}
