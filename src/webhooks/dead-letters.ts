/**
 * Dead letters: webhook deliveries that were given up. Listed through the API scoped like runs
 * (through their thread's metadata: with an auth scope, only dead letters of visible threads).
 */
import { type SqlBool, sql } from "kysely";
import type { Scope } from "../auth/scope.ts";
import { newId } from "../core/ids.ts";
import type { Db } from "../storage/database.ts";
import { fromJson, jsonb } from "../storage/sql/json.ts";
import { scopeSql } from "../storage/sql/scope.ts";

/** A delivery that was given up. */
export interface DeadLetter {
  deadLetterId: string;
  runId: string;
  threadId: string;
  assistantId: string | null;
  url: string;
  payload: Record<string, unknown>;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
}

/** What the dispatcher records. */
export type NewDeadLetter = Omit<DeadLetter, "deadLetterId" | "createdAt">;

/** A listing query. */
export interface DeadLetterQuery {
  threadId?: string;
  runId?: string;
  limit: number;
  offset: number;
}

const inScope = (scope: Scope) =>
  sql<SqlBool>`EXISTS (SELECT 1 FROM threads t WHERE t.thread_id = webhook_dead_letters.thread_id AND ${scopeSql(sql.ref("t.metadata"), scope)})`;

/** Storage of dead letters. */
export class DeadLetterRepository {
  constructor(private readonly db: Db) {}

  /** Records a given-up delivery. */
  async record(entry: NewDeadLetter): Promise<DeadLetter> {
    const row = await this.db
      .insertInto("webhook_dead_letters")
      .values({
        dead_letter_id: newId(),
        run_id: entry.runId,
        thread_id: entry.threadId,
        assistant_id: entry.assistantId,
        url: entry.url,
        payload: jsonb(entry.payload),
        attempts: entry.attempts,
        last_status: entry.lastStatus,
        last_error: entry.lastError,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDeadLetter(row);
  }

  /** Newest first; with a scope, only dead letters of threads within it. */
  async list(query: DeadLetterQuery, scope?: Scope): Promise<DeadLetter[]> {
    let q = this.db.selectFrom("webhook_dead_letters").selectAll();
    if (query.threadId) q = q.where("thread_id", "=", query.threadId);
    if (query.runId) q = q.where("run_id", "=", query.runId);
    if (scope) q = q.where(inScope(scope));
    const rows = await q
      .orderBy("created_at", "desc")
      .orderBy("dead_letter_id", "desc")
      .limit(query.limit)
      .offset(query.offset)
      .execute();
    return rows.map(toDeadLetter);
  }

  /** One dead letter (null when missing or out of scope). */
  async get(id: string, scope?: Scope): Promise<DeadLetter | null> {
    let q = this.db.selectFrom("webhook_dead_letters").selectAll().where("dead_letter_id", "=", id);
    if (scope) q = q.where(inScope(scope));
    const row = await q.executeTakeFirst();
    return row ? toDeadLetter(row) : null;
  }

  /** Removes one (after a successful redelivery, or on request); false when missing. */
  async delete(id: string, scope?: Scope): Promise<boolean> {
    let q = this.db.deleteFrom("webhook_dead_letters").where("dead_letter_id", "=", id);
    if (scope) q = q.where(inScope(scope));
    const res = await q.executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }
}

function toDeadLetter(row: {
  dead_letter_id: string;
  run_id: string;
  thread_id: string;
  assistant_id: string | null;
  url: string;
  payload: unknown;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  created_at: Date | string;
}): DeadLetter {
  return {
    deadLetterId: row.dead_letter_id,
    runId: row.run_id,
    threadId: row.thread_id,
    assistantId: row.assistant_id,
    url: row.url,
    payload: fromJson<Record<string, unknown>>(row.payload),
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: new Date(row.created_at),
  };
}
