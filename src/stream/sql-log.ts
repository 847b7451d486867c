/**
 * Run event log on PostgreSQL, shared by every process on the same database: what lets an `api`
 * process (`olg serve --role api`) stream, join and resume a run that a `worker` process executes
 * when no Redis is configured. Same semantics as the in-memory and Redis logs (see log.ts and
 * ARCHITECTURE.md); Redis Streams stay the faster choice at scale.
 *
 * Tables (migration 007): `run_event_logs` (per run: `next_seq`, `first_seq` after trimming,
 * `consumed` read head of non-resumable runs, `resumable`, `completed_at`, `expires_at`) and
 * `run_events` (`run_id`, `seq`, `event`, `data` as JSON text). An append is one statement: it
 * bumps `next_seq`, inserts the event and NOTIFYs `olg_run_events` with the run id, all in one
 * commit; it carries a token (`last_token`) so a retry after an ambiguous failure never
 * duplicates. Readers LISTEN once per process (sql-log-changes.ts) and re-query their run on a
 * notification, or every `idleCheckMs` when none came (a lost notification only delays); what
 * readers of one process ask in the same event-loop turn is one query (run heads batched, pages
 * shared per position, idle timers clock-aligned), so idle streams cost no statement each
 * (issue 24). Retention: `expires_at` is `retentionMs` (resumable) or `graceMs` after completion,
 * `liveTtlMs` after the last append while live; a sweep on every process deletes expired logs and
 * trims runs to `maxEventsPerRun`.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { Db, Listen } from "../storage/database.ts";
import { greatest, now } from "../storage/engine/neutral.ts";
import { KeyBatcher, SharedFetch } from "./batch.ts";
import type { LoggedEvent, OpenOptions, ReadOptions, RunEvent, RunEventLog } from "./log.ts";
import { startIndex } from "./position.ts";
import { RunChanges } from "./sql-log-changes.ts";
import { appendEvent, completeLog, openLog } from "./sql-log-writes.ts";

/** What the log is built from, and its limits. */
export interface SqlLogOptions {
  db: Db;
  listen: Listen;
  /** Max events kept per run (oldest trimmed by the sweep). Default 10 000. */
  maxEventsPerRun?: number;
  /** How long a resumable run's log survives completion. Default 1 hour. */
  retentionMs?: number;
  /** How long a non-resumable run's log survives completion. Default 30 s. */
  graceMs?: number;
  /** Expiry of a live log without appends (its worker died). Default 6 hours. */
  liveTtlMs?: number;
  /** How long a write retries through a database outage before the event is dropped. Default 30 s. */
  writeTimeoutMs?: number;
  /** Interval of the expiry and trim sweep. Default 60 s. */
  sweepMs?: number;
  /** Called when a write failed for good (the event is dropped, the run goes on). */
  onWriteFailure?: (runId: string, error: unknown) => void;
}

interface MetaRow {
  next_seq: number;
  first_seq: number;
  consumed: number;
  resumable: boolean;
  completed_at: Date | null;
}

interface LoggedRow {
  seq: number;
  event: string;
  data: unknown;
}

/** The run event log in PostgreSQL tables. */
export class SqlRunEventLog implements RunEventLog {
  readonly #db: Db;
  readonly #o: Required<Omit<SqlLogOptions, "db" | "listen" | "onWriteFailure">>;
  readonly #onWriteFailure: (runId: string, error: unknown) => void;
  readonly #closing = new AbortController();
  /** Per run read here: a change counter, the readers and those waiting for the next change. */
  readonly #changes: RunChanges;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Coalesced `consumed` updates: run id → highest index read, and whether a write is in flight. */
  readonly #consumed = new Map<string, { upTo: number; busy: boolean }>();
  /** Log heads asked by readers in one event-loop turn, loaded with one query. */
  readonly #metas = new KeyBatcher<MetaRow>((ids) => this.#loadMetas(ids));
  /** Event pages being fetched, shared by the readers at the same position. */
  readonly #fetches = new SharedFetch<LoggedRow[]>();

  constructor(options: SqlLogOptions) {
    this.#db = options.db;
    this.#changes = new RunChanges(options.listen);
    this.#o = {
      maxEventsPerRun: Math.max(1, options.maxEventsPerRun ?? 10_000),
      retentionMs: options.retentionMs ?? 60 * 60_000,
      graceMs: options.graceMs ?? 30_000,
      liveTtlMs: options.liveTtlMs ?? 6 * 60 * 60_000,
      writeTimeoutMs: options.writeTimeoutMs ?? 30_000,
      sweepMs: options.sweepMs ?? 60_000,
    };
    this.#onWriteFailure = options.onWriteFailure ?? (() => {});
    this.#timer = setInterval(() => void this.sweep().catch(() => {}), this.#o.sweepMs);
    this.#timer.unref?.();
  }

  async open(runId: string, options: OpenOptions): Promise<void> {
    await this.#write(runId, () => openLog(this.#db, runId, options.resumable, this.#o.liveTtlMs));
  }

  async append(runId: string, event: RunEvent): Promise<string> {
    const token = randomUUID();
    const data = JSON.stringify(event.data ?? null);
    const seq = await this.#write(runId, async () => {
      for (let tries = 0; tries < 2; tries++) {
        const appended = await appendEvent(
          this.#db,
          runId,
          token,
          event.event,
          data,
          this.#o.liveTtlMs,
        );
        if (appended != null) return appended;
        // No row: either an earlier try of this append committed (same token), or the run was
        // never opened (append opens it as non-resumable, as the other logs do).
        const meta = await this.#db
          .selectFrom("run_event_logs")
          .select(["next_seq", "last_token"])
          .where("run_id", "=", runId)
          .executeTakeFirst();
        if (meta?.last_token === token) return meta.next_seq - 1;
        if (!meta) await this.open(runId, { resumable: false });
      }
      throw new Error(`run event log of ${runId} could not be appended to`);
    });
    return seq == null ? "" : String(seq);
  }

  async complete(runId: string): Promise<void> {
    await this.#write(runId, () =>
      completeLog(this.#db, runId, this.#o.retentionMs, this.#o.graceMs),
    );
  }

  async has(runId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom("run_event_logs")
      .select("run_id")
      .where("run_id", "=", runId)
      .where("expires_at", ">", now())
      .executeTakeFirst();
    return row != null;
  }

  async *read(runId: string, options: ReadOptions = {}): AsyncGenerator<LoggedEvent> {
    const signal = AbortSignal.any(
      [options.signal, this.#closing.signal].filter((s): s is AbortSignal => s != null),
    );
    await this.#changes.subscribe();
    const change = this.#changes.acquire(runId);
    // An unknown run that opens later is read from its very first event.
    let cursor = startIndex(options.lastEventId);
    let seen = false;
    try {
      while (!signal.aborted) {
        const version = change.version;
        const meta = await this.#meta(runId);
        if (meta) {
          seen = true;
          cursor ??= meta.resumable ? meta.next_seq : meta.consumed;
          if (cursor < meta.first_seq) cursor = meta.first_seq;
          if (cursor < meta.next_seq) {
            const rows = await this.#eventsFrom(runId, cursor);
            for (const row of rows) {
              cursor = row.seq + 1;
              if (!meta.resumable) this.#markConsumed(runId, cursor);
              yield { id: String(row.seq), event: row.event, data: row.data };
              if (signal.aborted) return;
            }
            if (rows.length > 0) continue;
          }
          if (meta.completed_at != null && cursor >= meta.next_seq) return;
        } else if (seen) {
          return; // expired or dropped while we were reading
        } else {
          cursor ??= 0;
        }
        if (change.version !== version) continue; // changed while we queried
        const woke = await this.#changes.wait(change, options.idleCheckMs ?? 1_000, signal);
        if (!woke && !signal.aborted && options.stillActive && !(await options.stillActive()))
          return;
      }
    } finally {
      this.#changes.release(runId, change);
    }
  }

  /** Deletes expired logs and trims every run to `maxEventsPerRun` events. */
  async sweep(): Promise<void> {
    await sql`DELETE FROM run_events WHERE run_id IN (
      SELECT m.run_id FROM run_event_logs m WHERE m.expires_at <= ${now()})`.execute(this.#db);
    await sql`DELETE FROM run_event_logs WHERE expires_at <= ${now()}`.execute(this.#db);
    const max = this.#o.maxEventsPerRun;
    await sql`UPDATE run_event_logs SET first_seq = next_seq - ${max}
      WHERE next_seq - ${max} > first_seq`.execute(this.#db);
    await sql`DELETE FROM run_events WHERE EXISTS (SELECT 1 FROM run_event_logs m
      WHERE m.run_id = run_events.run_id AND run_events.seq < m.first_seq)`.execute(this.#db);
  }

  /** Stops local readers and the sweep; the logs stay in the database for other processes. */
  async close(): Promise<void> {
    this.#closing.abort();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#changes.close();
  }

  #meta(runId: string): Promise<MetaRow | undefined> {
    return this.#metas.get(runId);
  }

  /** Up to 500 events from `cursor`, parsed once and shared by the readers at the same position. */
  #eventsFrom(runId: string, cursor: number): Promise<LoggedRow[]> {
    return this.#fetches.run(`${runId}\u0000${cursor}`, async () => {
      const rows = await this.#db
        .selectFrom("run_events")
        .select(["seq", "event", "data"])
        .where("run_id", "=", runId)
        .where("seq", ">=", cursor)
        .orderBy("seq")
        .limit(500)
        .execute();
      return rows.map((r) => ({ seq: r.seq, event: r.event, data: JSON.parse(r.data) }));
    });
  }

  /** One query for the logs of every run asked about in the same event-loop turn. */
  async #loadMetas(runIds: string[]): Promise<Map<string, MetaRow>> {
    const rows = await this.#db
      .selectFrom("run_event_logs")
      .select(["run_id", "next_seq", "first_seq", "consumed", "resumable", "completed_at"])
      .where("run_id", "in", runIds)
      .where("expires_at", ">", now())
      .execute();
    return new Map(rows.map((r) => [r.run_id, r]));
  }

  /** Moves the non-resumable read head forward; one update in flight per run, the latest wins. */
  #markConsumed(runId: string, upTo: number): void {
    const entry = this.#consumed.get(runId) ?? { upTo: 0, busy: false };
    entry.upTo = Math.max(entry.upTo, upTo);
    this.#consumed.set(runId, entry);
    if (entry.busy) return;
    entry.busy = true;
    const flush = async (): Promise<void> => {
      const target = entry.upTo;
      await sql`UPDATE run_event_logs SET consumed = ${greatest(sql.ref("consumed"), target)}
        WHERE run_id = ${runId}`
        .execute(this.#db)
        .catch(() => {});
      if (entry.upTo > target) return flush();
      this.#consumed.delete(runId);
    };
    void flush();
  }

  /** Runs a write, retrying through a database outage up to the write timeout. */
  async #write<T>(runId: string, fn: () => Promise<T>): Promise<T | undefined> {
    const deadline = Date.now() + this.#o.writeTimeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      try {
        return await fn();
      } catch (error) {
        const left = deadline - Date.now();
        if (left <= 0 || this.#closing.signal.aborted) {
          this.#onWriteFailure(runId, error);
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, left)));
      }
    }
  }
}
