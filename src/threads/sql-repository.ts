/**
 * The SQL adapter of the threads port (PGlite and PostgreSQL run the same queries). Every filter,
 * including the metadata scope, is applied inside the query.
 */
import type { ExpressionBuilder, Selectable } from "kysely";
import type { Scope } from "../auth/scope.ts";
import type { Database, Db, ThreadsTable } from "../storage/database.ts";
import { jsonContains, jsonMerge } from "../storage/engine/neutral.ts";
import { jsonbMatches } from "../storage/sql/filters.ts";
import { jsonb } from "../storage/sql/json.ts";
import { scopeMatches } from "../storage/sql/scope.ts";
import type { ExpiredThread, ThreadsRepository } from "./repository.ts";
import type {
  NewThread,
  Thread,
  ThreadFilter,
  ThreadPage,
  ThreadPatch,
  ThreadSearch,
  ThreadStateCache,
  ThreadStatus,
  ThreadTtlInput,
  ThreadTtlStrategy,
} from "./types.ts";

type Row = Selectable<ThreadsTable>;
type Eb = ExpressionBuilder<Database, "threads">;

/** The alias of the total count carried by each row of a search page. */
const TOTAL = "olg_total";

const expiryOf = (ttl: ThreadTtlInput, now: Date) => new Date(now.getTime() + ttl.minutes * 60_000);

function toThread(row: Row): Thread {
  return {
    threadId: row.thread_id,
    metadata: row.metadata ?? {},
    config: row.config ?? {},
    status: row.status as ThreadStatus,
    values: row.values ?? null,
    interrupts: row.interrupts ?? {},
    error: row.error ?? null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    stateUpdatedAt: new Date(row.state_updated_at),
    ttl:
      row.ttl_strategy && row.ttl_minutes != null
        ? {
            strategy: row.ttl_strategy as ThreadTtlStrategy,
            minutes: Number(row.ttl_minutes),
            expiresAt: row.expires_at ? new Date(row.expires_at) : null,
          }
        : null,
  };
}

function matching(eb: Eb, filter: ThreadFilter, scope: Scope) {
  const parts = [jsonbMatches(eb, "threads.metadata", filter.metadata)];
  if (scope) parts.push(scopeMatches("threads.metadata", scope));
  if (filter.ids && filter.ids.length > 0) parts.push(eb("threads.thread_id", "in", filter.ids));
  if (filter.status) parts.push(eb("threads.status", "=", filter.status));
  if (filter.values) parts.push(jsonContains("threads.values", filter.values));
  return eb.and(parts);
}

/** Thread rows on a Kysely connection (or transaction). */
export class SqlThreadsRepository implements ThreadsRepository {
  constructor(private readonly db: Db) {}

  async find(threadId: string, scope?: Scope): Promise<Thread | null> {
    const row = await this.db
      .selectFrom("threads")
      .selectAll()
      .where((eb) => matching(eb, { ids: [threadId] }, scope))
      .executeTakeFirst();
    return row ? toThread(row) : null;
  }

  async findForUpdate(threadId: string, scope?: Scope): Promise<Thread | null> {
    const row = await this.db
      .selectFrom("threads")
      .selectAll()
      .where((eb) => matching(eb, { ids: [threadId] }, scope))
      .forUpdate()
      .executeTakeFirst();
    return row ? toThread(row) : null;
  }

  async insert(thread: NewThread, now: Date): Promise<Thread | null> {
    const row = await this.db
      .insertInto("threads")
      .values({
        thread_id: thread.threadId,
        metadata: jsonb(thread.metadata) as any,
        config: jsonb(thread.config ?? {}) as any,
        status: thread.state?.status ?? "idle",
        values: thread.state ? (jsonb(thread.state.values) as any) : null,
        interrupts: jsonb(thread.state?.interrupts ?? {}) as any,
        created_at: now,
        updated_at: now,
        state_updated_at: now,
        ttl_strategy: thread.ttl?.strategy ?? null,
        ttl_minutes: thread.ttl?.minutes ?? null,
        expires_at: thread.ttl ? expiryOf(thread.ttl, now) : null,
      })
      .onConflict((oc) => oc.column("thread_id").doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? toThread(row) : null;
  }

  async patch(
    threadId: string,
    patch: ThreadPatch,
    now: Date,
    scope?: Scope,
  ): Promise<Thread | null> {
    const ttl = patch.ttl;
    const row = await this.db
      .updateTable("threads")
      .set({
        updated_at: now,
        ...(patch.metadata ? { metadata: jsonMerge("metadata", patch.metadata) as any } : {}),
        ...(ttl
          ? {
              ttl_strategy: ttl.strategy,
              ttl_minutes: ttl.minutes,
              expires_at: expiryOf(ttl, now),
            }
          : {}),
      })
      .where((eb) => matching(eb, { ids: [threadId] }, scope))
      .returningAll()
      .executeTakeFirst();
    return row ? toThread(row) : null;
  }

  async delete(threadId: string, scope?: Scope): Promise<boolean> {
    const result = await this.db
      .deleteFrom("threads")
      .where((eb) => matching(eb, { ids: [threadId] }, scope))
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * One statement for the page and its total: the count rides on each row as an uncorrelated
   * subquery (evaluated once, same snapshot as the page). Only an empty page past the first row
   * has no row to carry it and asks again; an empty first page means no match at all.
   */
  async search(query: ThreadSearch, scope?: Scope): Promise<ThreadPage> {
    const rows = await this.db
      .selectFrom("threads")
      .selectAll()
      .select((eb) =>
        eb
          .selectFrom("threads")
          .select((sub) => sub.fn.countAll<string>().as("n"))
          .where((sub) => matching(sub, query, scope))
          .as(TOTAL),
      )
      .where((eb) => matching(eb, query, scope))
      .orderBy(`threads.${query.sortBy}`, query.sortOrder)
      .orderBy("threads.thread_id", query.sortOrder)
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    const first = rows[0];
    const total = first
      ? Number(first[TOTAL])
      : query.offset > 0
        ? await this.count(query, scope)
        : 0;
    return { threads: rows.map(toThread), total };
  }

  async count(filter: ThreadFilter, scope?: Scope): Promise<number> {
    const row = await this.db
      .selectFrom("threads")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where((eb) => matching(eb, filter, scope))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async existing(ids: string[], scope?: Scope): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom("threads")
      .select("thread_id")
      .where((eb) => matching(eb, { ids }, scope))
      .execute();
    return rows.map((r) => r.thread_id);
  }

  async saveState(threadId: string, state: Partial<ThreadStateCache>, now: Date): Promise<void> {
    await this.db
      .updateTable("threads")
      .set({
        updated_at: now,
        state_updated_at: now,
        ...("values" in state ? { values: jsonb(state.values ?? null) as any } : {}),
        ...(state.interrupts ? { interrupts: jsonb(state.interrupts) as any } : {}),
        ...(state.status ? { status: state.status } : {}),
      })
      .where("thread_id", "=", threadId)
      .execute();
  }

  async hasActiveRuns(threadId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("runs")
      .select("run_id")
      .where("thread_id", "=", threadId)
      .where("status", "in", ["pending", "running"])
      .limit(1)
      .executeTakeFirst();
    return row != null;
  }

  async expired(now: Date, limit: number): Promise<ExpiredThread[]> {
    const rows = await this.db
      .selectFrom("threads")
      .select(["thread_id", "ttl_strategy"])
      .where("expires_at", "<=", now)
      .orderBy("expires_at", "asc")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      threadId: r.thread_id,
      strategy: r.ttl_strategy === "keep_latest" ? "keep_latest" : "delete",
    }));
  }

  async clearExpiry(threadId: string): Promise<void> {
    await this.db
      .updateTable("threads")
      .set({ expires_at: null })
      .where("thread_id", "=", threadId)
      .execute();
  }
}
