/**
 * `RunStore` on PostgreSQL/PGlite: run rows, creation with the multitask strategy, cancel and
 * delete. The runs table is owned here (and by `sql-leases.ts` for the queue side); the thread
 * row is changed only through the threads owner's port (`threads/run-rows.ts`), under the named
 * thread lock of each state change (`thread-lock.ts`).
 *
 * Round trips: a stateless run (fresh thread) is created in one statement, its thread and run
 * inserted together; a run on an existing thread takes BEGIN, lock, in-flight read, run insert,
 * thread update, COMMIT.
 */
import { type SqlBool, sql } from "kysely";
import type { Scope } from "../auth/scope.ts";
import type { Db } from "../storage/database.ts";
import { engineOf } from "../storage/engine/index.ts";
import { nowPlusMs } from "../storage/engine/neutral.ts";
import { jsonbMatches } from "../storage/sql/filters.ts";
import { jsonb } from "../storage/sql/json.ts";
import { scopeSql } from "../storage/sql/scope.ts";
import type { UnitOfWork } from "../storage/unit-of-work.ts";
import type { ThreadRunRows } from "../threads/run-rows.ts";
import type { InsertOutcome, InsertRunSpec, RunStore } from "./ports.ts";
import { type RunRow, toRun } from "./rows.ts";
import { cancelRow } from "./sql-cancel.ts";
import { ThreadLocks } from "./thread-lock.ts";
import type { CancelAction, CancelledRun, CancelSelector, Run, RunListQuery } from "./types.ts";

/** Run rows on PostgreSQL/PGlite. */
/** Rows per INSERT of a batch (about 10 parameters each: well under every engine's limit). */
const BATCH_ROWS = 200;

export class SqlRunStore implements RunStore {
  readonly #locks: ThreadLocks;

  constructor(
    private readonly db: Db,
    private readonly threads: ThreadRunRows,
    locks?: ThreadLocks,
  ) {
    this.#locks = locks ?? new ThreadLocks(db, threads);
  }

  async insert(spec: InsertRunSpec, within?: UnitOfWork): Promise<InsertOutcome> {
    if (spec.freshThread && !within) return this.#insertFresh(spec);
    return this.#locks.run(
      "create",
      spec.threadId,
      async (uow, locked) => {
        let thread = locked;
        let created = false;
        if (!thread) {
          if (!spec.createThread) return { kind: "thread_missing" } as const;
          await this.threads.createForRun(uow, spec.threadId, spec.newThreadMetadata);
          thread = await this.threads.lockForRun(uow, spec.threadId, spec.scope);
          if (!thread) return { kind: "thread_missing" } as const;
          created = true;
        }
        const inflight = await uow.trx
          .selectFrom("runs")
          .selectAll()
          .where("thread_id", "=", spec.threadId)
          .where("status", "in", ["pending", "running"])
          .execute();
        if (spec.multitaskStrategy === "reject" && inflight.length > 0)
          return { kind: "busy" } as const;
        const built = spec.build({ ...thread, created });
        const row = await uow.trx
          .insertInto("runs")
          .values(runValues(spec, built))
          .returningAll()
          .executeTakeFirstOrThrow();
        await this.threads.markBusy(
          uow,
          spec.threadId,
          built.threadMetadataPatch,
          built.threadConfig,
        );
        const cancelled: CancelledRun[] = [];
        if (spec.multitaskStrategy === "interrupt" || spec.multitaskStrategy === "rollback")
          for (const old of inflight)
            cancelled.push(await cancelRow(uow, old, spec.multitaskStrategy));
        return { kind: "created", run: toRun(row), cancelled } as const;
      },
      { scope: spec.scope, within },
    );
  }

  /** A run on a thread nobody knows yet: thread and run in one statement (the thread is new). */
  async #insertFresh(spec: InsertRunSpec): Promise<InsertOutcome> {
    const metadata = spec.newThreadMetadata;
    const built = spec.build({ threadId: spec.threadId, metadata, config: {}, created: true });
    const thread = this.threads.newRow(
      spec.threadId,
      { ...metadata, ...built.threadMetadataPatch },
      built.threadConfig,
    );
    // Without writable CTEs: the same two inserts in one transaction.
    const row = engineOf(this.db).capabilities.writableCte
      ? await this.db
          .with("new_thread", (qc) => qc.insertInto("threads").values(thread))
          .insertInto("runs")
          .values(runValues(spec, built))
          .returningAll()
          .executeTakeFirstOrThrow()
      : await this.db.transaction().execute(async (trx) => {
          await trx.insertInto("threads").values(thread).execute();
          return trx
            .insertInto("runs")
            .values(runValues(spec, built))
            .returningAll()
            .executeTakeFirstOrThrow();
        });
    return { kind: "created", run: toRun(row), cancelled: [] };
  }

  async insertFreshMany(specs: InsertRunSpec[]): Promise<Run[]> {
    const rows = specs.map((spec) => {
      const metadata = spec.newThreadMetadata;
      const built = spec.build({ threadId: spec.threadId, metadata, config: {}, created: true });
      const thread = this.threads.newRow(
        spec.threadId,
        { ...metadata, ...built.threadMetadataPatch },
        built.threadConfig,
      );
      return { thread, run: runValues(spec, built) };
    });
    const inserted = await this.db.transaction().execute(async (trx) => {
      const out: RunRow[] = [];
      for (let i = 0; i < rows.length; i += BATCH_ROWS) {
        const chunk = rows.slice(i, i + BATCH_ROWS);
        await trx
          .insertInto("threads")
          .values(chunk.map((r) => r.thread))
          .execute();
        out.push(
          ...(await trx
            .insertInto("runs")
            .values(chunk.map((r) => r.run))
            .returningAll()
            .execute()),
        );
      }
      return out;
    });
    const byId = new Map(inserted.map((row) => [row.run_id, toRun(row)]));
    return specs.map((spec) => byId.get(spec.runId)!);
  }

  async activeAmong(runIds: string[]): Promise<Set<string>> {
    if (runIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom("runs")
      .select("run_id")
      .where("run_id", "in", runIds)
      .where("status", "in", ["pending", "running"])
      .execute();
    return new Set(rows.map((r) => r.run_id));
  }

  async get(runId: string, threadId?: string, scope?: Scope): Promise<Run | null> {
    let q = this.db.selectFrom("runs").selectAll().where("run_id", "=", runId);
    if (threadId) q = q.where("thread_id", "=", threadId);
    if (scope) q = q.where(threadInScope(scope));
    const row = await q.executeTakeFirst();
    return row ? toRun(row) : null;
  }

  async list(threadId: string | null, query: RunListQuery, scope?: Scope): Promise<Run[]> {
    let q = this.db.selectFrom("runs").selectAll();
    if (threadId !== null) q = q.where("thread_id", "=", threadId);
    if (scope) q = q.where(threadInScope(scope));
    if (query.status) q = q.where("status", "=", query.status);
    if (query.assistantId) q = q.where("assistant_id", "=", query.assistantId);
    if (query.metadata) q = q.where((eb) => jsonbMatches(eb, "metadata", query.metadata!));
    const rows = await q
      .orderBy("created_at", "desc")
      .orderBy("run_id", "desc")
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return rows.map(toRun);
  }

  threadExists(threadId: string, scope?: Scope): Promise<boolean> {
    return this.threads.exists(this.db, threadId, scope);
  }

  threadValues(threadId: string): Promise<{ values: unknown } | null> {
    return this.threads.values(this.db, threadId);
  }

  async delete(runId: string, threadId?: string, scope?: Scope): Promise<Run | null> {
    const found = await this.get(runId, threadId, scope);
    if (!found) return null;
    return this.#locks.run("delete", found.threadId, async (uow) => {
      const gone = await uow.trx
        .deleteFrom("runs")
        .where("run_id", "=", runId)
        .returningAll()
        .executeTakeFirst();
      if (!gone) return null;
      await this.threads.repairAfterRuns(uow, [found.threadId]);
      return toRun(gone);
    });
  }

  async cancel(
    selector: CancelSelector,
    action: CancelAction,
    scope?: Scope,
    reason?: string,
  ): Promise<CancelledRun[]> {
    let rows: RunRow[] = [];
    return this.#locks.runMany(
      "cancel",
      async (uow) => {
        let q = uow.trx.selectFrom("runs").selectAll();
        if (scope) q = q.where(threadInScope(scope));
        if (selector.threadId) q = q.where("thread_id", "=", selector.threadId);
        if (selector.runIds) q = q.where("run_id", "in", selector.runIds);
        const statuses = CANCELLABLE[selector.status ?? "any"];
        if (statuses) q = q.where("status", "in", statuses);
        rows = await q.orderBy("thread_id").execute();
        return rows.map((r) => r.thread_id);
      },
      async (uow) => {
        const out: CancelledRun[] = [];
        for (const row of rows) out.push(await cancelRow(uow, row, action));
        const marked = out.filter((t) => t.effect === "ended" || t.effect === "signalled");
        if (reason && marked.length > 0)
          await uow.trx
            .updateTable("runs")
            .set({ cancel_reason: reason })
            .where(
              "run_id",
              "in",
              marked.map((t) => t.runId),
            )
            .execute();
        await this.threads.repairAfterRuns(
          uow,
          rows.map((r) => r.thread_id),
        );
        return out;
      },
    );
  }

  async deleteForAssistant(uow: UnitOfWork, assistantId: string): Promise<Run[]> {
    return this.#locks.runMany(
      "assistant-delete",
      async (u) =>
        (
          await u.trx
            .selectFrom("runs")
            .select("thread_id")
            .where("assistant_id", "=", assistantId)
            .execute()
        ).map((r) => r.thread_id),
      async (u) => {
        const gone = await u.trx
          .deleteFrom("runs")
          .where("assistant_id", "=", assistantId)
          .returningAll()
          .execute();
        await this.threads.repairAfterRuns(
          u,
          gone.map((r) => r.thread_id),
        );
        return gone.map(toRun);
      },
      uow,
    );
  }
}

const CANCELLABLE: Record<string, string[] | null> = {
  pending: ["pending"],
  running: ["running"],
  all: ["pending", "running"],
  any: null,
};

/** The stored values of a new run. */
function runValues(spec: InsertRunSpec, built: ReturnType<InsertRunSpec["build"]>) {
  return {
    run_id: spec.runId,
    thread_id: spec.threadId,
    assistant_id: spec.assistantId,
    status: "pending",
    metadata: jsonb(built.metadata),
    kwargs: jsonb(built.kwargs),
    multitask_strategy: spec.multitaskStrategy,
    available_at: nowPlusMs(spec.afterSeconds * 1000),
  };
}

/** Runs are scoped through their thread's metadata: the run's thread must match the auth scope. */
function threadInScope(scope: NonNullable<Scope>) {
  return sql<SqlBool>`EXISTS (SELECT 1 FROM threads t WHERE t.thread_id = runs.thread_id AND ${scopeSql(sql.ref("t.metadata"), scope)})`;
}
