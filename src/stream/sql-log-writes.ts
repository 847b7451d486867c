/**
 * The writes of the SQL run event log (`sql-log.ts`), engine-neutral: opening a run's log,
 * appending one event (the head's advance, the event row and the wake-up: one statement with
 * writable CTEs, else one transaction of three), and completing it. Wake-ups are
 * `SELECT pg_notify(…)`, which every engine delivers after COMMIT (`src/storage/ARCHITECTURE.md`).
 */
import { sql } from "kysely";
import type { Db } from "../storage/database.ts";
import { engineOf } from "../storage/engine/index.ts";
import { now, nowPlusMs } from "../storage/engine/neutral.ts";
import { CHANNEL_RUN_EVENTS } from "./sql-log-changes.ts";

const notify = (db: Db, runId: string) =>
  sql`SELECT pg_notify(${CHANNEL_RUN_EVENTS}, ${runId})`.execute(db);

/** Opens (or re-opens, keeping `resumable` once set) the log of `runId`; live for `ttlMs`. */
export async function openLog(db: Db, runId: string, resumable: boolean, ttlMs: number) {
  await db
    .insertInto("run_event_logs")
    .values({ run_id: runId, resumable, expires_at: nowPlusMs(ttlMs) })
    .onConflict((oc) =>
      oc.column("run_id").doUpdateSet({
        resumable: sql<boolean>`${sql.ref("run_event_logs.resumable")} OR ${sql.ref("excluded.resumable")}`,
      }),
    )
    .execute();
  await notify(db, runId);
}

/**
 * Appends one event unless this `token`'s append already committed; returns its sequence number,
 * or undefined when no open log took it (not opened, or already appended).
 */
export async function appendEvent(
  db: Db,
  runId: string,
  token: string,
  event: string,
  data: string,
  ttlMs: number,
): Promise<number | undefined> {
  const { writableCte, listenNotify } = engineOf(db).capabilities;
  if (writableCte) {
    // Without LISTEN/NOTIFY (CockroachDB: no `pg_notify` function) the signal is a statement of
    // its own, which that engine's dialect hands to the wake-up carrier.
    const signal = listenNotify ? sql`, pg_notify(${CHANNEL_RUN_EVENTS}, ${runId}) AS n` : sql``;
    const { rows } = await sql<{ seq: number }>`
      WITH m AS (
        UPDATE run_event_logs
        SET next_seq = next_seq + 1, last_token = ${token}, completed_at = NULL,
            expires_at = ${nowPlusMs(ttlMs)}
        WHERE run_id = ${runId} AND last_token IS DISTINCT FROM ${token}
        RETURNING next_seq - 1 AS seq
      ), i AS (
        INSERT INTO run_events (run_id, seq, event, data)
        SELECT ${runId}, seq, ${event}, ${data} FROM m
        RETURNING seq
      )
      SELECT seq ${signal} FROM i`.execute(db);
    if (!listenNotify && rows.length > 0) await notify(db, runId);
    return rows[0]?.seq;
  }
  return db.transaction().execute(async (trx) => {
    const head = await trx
      .updateTable("run_event_logs")
      .set({
        next_seq: sql`next_seq + 1`,
        last_token: token,
        completed_at: null,
        expires_at: nowPlusMs(ttlMs),
      })
      .where("run_id", "=", runId)
      .where((eb) => eb.or([eb("last_token", "is", null), eb("last_token", "<>", token)]))
      .returning(sql<number>`next_seq - 1`.as("seq"))
      .executeTakeFirst();
    if (!head) return undefined;
    const seq = Number(head.seq);
    await trx.insertInto("run_events").values({ run_id: runId, seq, event, data }).execute();
    await notify(trx, runId);
    return seq;
  });
}

/** Marks the log complete; it expires after `retentionMs` (resumable) or `graceMs`. */
export async function completeLog(db: Db, runId: string, retentionMs: number, graceMs: number) {
  const keep = (resumable: boolean) => Math.max(0, Math.floor(resumable ? retentionMs : graceMs));
  await db
    .insertInto("run_event_logs")
    .values({
      run_id: runId,
      completed_at: now(),
      completions: 1,
      expires_at: nowPlusMs(keep(false)),
    })
    .onConflict((oc) =>
      oc.column("run_id").doUpdateSet({
        completed_at: now(),
        completions: sql`${sql.ref("run_event_logs.completions")} + 1`,
        expires_at: nowPlusMs(
          sql`CASE WHEN ${sql.ref("run_event_logs.resumable")} THEN ${sql.lit(keep(true))} ELSE ${sql.lit(keep(false))} END`,
        ),
      }),
    )
    .execute();
  await notify(db, runId);
}
