/**
 * SQL of the crons feature. A tick is claimed with `FOR UPDATE SKIP LOCKED` on the cron row; the
 * caller creates the run with the same transaction and `next_run_at` is advanced before commit, so
 * a tick fires on exactly one replica (a competing replica either skips the locked row or sees the
 * advanced `next_run_at`).
 */
import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import type { Scope } from "../auth/scope.ts";
import type { CronsTable, Database } from "../storage/database.ts";
import { epochMs, now } from "../storage/engine/neutral.ts";
import { jsonbMatches } from "../storage/sql/filters.ts";
import { fromJson, jsonb } from "../storage/sql/json.ts";
import { scopeMatches } from "../storage/sql/scope.ts";
import type {
  Cron,
  CronAuth,
  CronFilter,
  CronRecord,
  CronSearch,
  OnRunCompleted,
} from "./types.ts";

type Tx = Transaction<Database>;
type Row = Selectable<CronsTable>;

const j = (v: unknown) => jsonb(v ?? {});
const json = fromJson;
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const maybeDate = (v: unknown): Date | null => (v == null ? null : date(v));

/** The domain cron of a row. */
function toCron(row: Row): Cron {
  return {
    cronId: row.cron_id,
    assistantId: row.assistant_id,
    threadId: row.thread_id,
    userId: row.user_id,
    schedule: row.schedule,
    timezone: row.timezone,
    endTime: maybeDate(row.end_time),
    enabled: row.enabled,
    onRunCompleted: row.on_run_completed as OnRunCompleted | null,
    payload: json<Record<string, unknown>>(row.payload) ?? {},
    metadata: json<Record<string, unknown>>(row.metadata) ?? {},
    nextRunAt: maybeDate(row.next_run_at),
    auth: row.auth == null ? null : json<CronAuth>(row.auth),
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

const SORT_COLUMNS = {
  cron_id: "cron_id",
  assistant_id: "assistant_id",
  thread_id: "thread_id",
  created_at: "created_at",
  updated_at: "updated_at",
  next_run_date: "next_run_at",
} as const;

/** A due cron as seen by the claiming transaction, with the database clock. */
export interface ClaimedTick {
  cron: Cron;
  now: Date;
}

/** What the firing step decided: the next tick (null = finished) and the tick it fired. */
export interface TickOutcome {
  nextRunAt: Date | null;
  firedTick: Date | null;
}

/** Cron rows on PostgreSQL/PGlite. */
export class CronsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts a cron. */
  async insert(record: CronRecord): Promise<Cron> {
    const row = await this.db
      .insertInto("crons")
      .values({
        cron_id: record.cronId,
        assistant_id: record.assistantId,
        thread_id: record.threadId,
        user_id: record.userId,
        schedule: record.schedule,
        timezone: record.timezone,
        end_time: record.endTime,
        enabled: record.enabled,
        on_run_completed: record.onRunCompleted,
        payload: j(record.payload),
        metadata: j(record.metadata),
        next_run_at: record.nextRunAt,
        auth: record.auth ? jsonb(record.auth) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toCron(row);
  }

  /** One cron (null when missing). */
  async get(cronId: string, scope?: Scope): Promise<Cron | null> {
    const row = await this.db
      .selectFrom("crons")
      .selectAll()
      .where("cron_id", "=", cronId)
      .where(scopeMatches("crons.metadata", scope))
      .executeTakeFirst();
    return row ? toCron(row) : null;
  }

  /**
   * Rewrites a cron under a row lock: `change` gets the current cron and returns the new one with
   * its next tick (it may throw to abort). Returns null when the cron does not exist.
   */
  async update(
    cronId: string,
    change: (current: Cron) => { cron: Cron; nextRunAt: Date | null },
    scope?: Scope,
  ): Promise<Cron | null> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("crons")
        .selectAll()
        .where("cron_id", "=", cronId)
        .where(scopeMatches("crons.metadata", scope))
        .forUpdate()
        .executeTakeFirst();
      if (!row) return null;
      const { cron, nextRunAt } = change(toCron(row));
      const updated = await trx
        .updateTable("crons")
        .set({
          schedule: cron.schedule,
          timezone: cron.timezone,
          end_time: cron.endTime,
          enabled: cron.enabled,
          on_run_completed: cron.onRunCompleted,
          payload: j(cron.payload),
          metadata: j(cron.metadata),
          next_run_at: nextRunAt,
          updated_at: now(),
        })
        .where("cron_id", "=", cronId)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toCron(updated);
    });
  }

  /** Deletes a cron; returns whether it existed. */
  async delete(cronId: string, scope?: Scope): Promise<boolean> {
    const rows = await this.db
      .deleteFrom("crons")
      .where("cron_id", "=", cronId)
      .where(scopeMatches("crons.metadata", scope))
      .returning("cron_id")
      .execute();
    return rows.length > 0;
  }

  /** Crons matching the filter, sorted and paged. */
  async search(query: CronSearch, scope?: Scope): Promise<Cron[]> {
    const column = SORT_COLUMNS[query.sortBy];
    const rows = await this.#filtered(query, scope)
      .selectAll()
      .orderBy(column, query.sortOrder)
      .orderBy("cron_id", query.sortOrder)
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return rows.map(toCron);
  }

  /** How many crons match the filter. */
  async count(filter: CronFilter, scope?: Scope): Promise<number> {
    const row = await this.#filtered(filter, scope)
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  #filtered(filter: CronFilter, scope?: Scope) {
    let q = this.db.selectFrom("crons").where(scopeMatches("crons.metadata", scope));
    if (filter.assistantId) q = q.where("assistant_id", "=", filter.assistantId);
    if (filter.threadId) q = q.where("thread_id", "=", filter.threadId);
    if (filter.enabled !== undefined) q = q.where("enabled", "=", filter.enabled);
    if (filter.metadata) q = q.where((eb) => jsonbMatches(eb, "metadata", filter.metadata!));
    return q;
  }

  /** Whether a thread row exists. */
  async threadExists(threadId: string, scope?: Scope): Promise<boolean> {
    const row = await this.db
      .selectFrom("threads")
      .select("thread_id")
      .where("thread_id", "=", threadId)
      .where(scopeMatches("threads.metadata", scope))
      .executeTakeFirst();
    return row != null;
  }

  /** Enabled crons whose tick is due by the database clock (oldest first). */
  async due(limit: number): Promise<{ cronId: string; assistantId: string }[]> {
    const rows = await this.db
      .selectFrom("crons")
      .select(["cron_id", "assistant_id"])
      .where("enabled", "=", true)
      .where("next_run_at", "<=", now())
      .orderBy("next_run_at")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ cronId: r.cron_id, assistantId: r.assistant_id }));
  }

  /** Milliseconds until the earliest enabled tick by the database clock (null when none). */
  async msUntilNextDue(): Promise<number | null> {
    const result = await sql<{ ms: number | null }>`
      SELECT ${epochMs(sql`min(next_run_at)`)} - ${epochMs(now())} AS ms
      FROM crons WHERE enabled AND next_run_at IS NOT NULL`.execute(this.db);
    const ms = result.rows[0]?.ms;
    return ms == null ? null : Number(ms);
  }

  /**
   * Claims the due tick of `cronId` and runs `fire` in the claiming transaction, then stores the
   * outcome. Returns null when the tick is not (or no longer) due or another replica holds it.
   */
  async claimTick<T extends TickOutcome>(
    cronId: string,
    fire: (trx: Tx, tick: ClaimedTick) => Promise<T>,
  ): Promise<T | null> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom("crons")
        .selectAll()
        .select(now().as("db_now"))
        .where("cron_id", "=", cronId)
        .where("enabled", "=", true)
        .where("next_run_at", "<=", now())
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!row) return null;
      const outcome = await fire(trx, { cron: toCron(row), now: date(row.db_now) });
      await trx
        .updateTable("crons")
        .set({
          next_run_at: outcome.nextRunAt,
          ...(outcome.firedTick ? { last_tick_at: outcome.firedTick } : {}),
        })
        .where("cron_id", "=", cronId)
        .execute();
      return outcome;
    });
  }
}
