/**
 * The write side of the Redis run event log: batched appends (issue 24: one awaited Lua call per
 * event capped a run at 2-3k events/s). `append` queues the event and answers its index at once
 * once the writer knows the run's next index (after the run's first write here); a flush per run,
 * one in flight at a time, sends everything queued as one `APPEND_BATCH` script call (atomic
 * index + XADDs, idempotent by token). Events keep their order; `complete` flushes first, so the
 * completion marker is always after the last event. Backpressure: when `maxQueued` events wait
 * (Redis slow or down), `append` waits for its own event to be written, so a run pauses instead
 * of buffering without bound, as it did when every append waited.
 *
 * If Redis restarts empty mid-run, the batch script finds the log gone (-1) and the writer first
 * rewrites the run's retained events with the same ids (`recent`), so live readers lose nothing.
 * Writes retry through an outage up to `writeTimeoutMs`, then the events are dropped and reported.
 */
import { randomUUID } from "node:crypto";
import type { RedisConnection } from "../redis/connection.ts";
import { APPEND_BATCH } from "../redis/log-scripts.ts";
import type { RunEvent } from "./log.ts";

/** Redis entry id of SSE index `n`. */
export const entryIdOf = (n: number): string => `${n + 1}-0`;

/** Limits of the writer. */
export interface RedisWriterOptions {
  maxEventsPerRun: number;
  liveTtlMs: number;
  writeTimeoutMs: number;
  /** Events queued per run before `append` waits for Redis. Default 5000. */
  maxQueued?: number;
  onWriteFailure: (runId: string, error: unknown) => void;
  closing: AbortSignal;
  meta: (runId: string) => string;
  events: (runId: string) => string;
}

interface Queued {
  e: string;
  d: string;
  /** Set when the caller waits for the written index. */
  written?: (index: number | undefined) => void;
}

/** What this process remembers of a run it writes. */
interface Writer {
  /** Next index to hand out (confirmed by Redis when `known`). */
  next: number;
  known: boolean;
  resumable: boolean;
  /** The last `maxEventsPerRun` written events (index, name, JSON data), to rebuild a lost log. */
  recent: { i: number; e: string; d: string }[];
  queue: Queued[];
  flushing: Promise<void> | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Batches the appends of the runs this process writes. */
export class RedisLogWriter {
  readonly #redis: RedisConnection;
  readonly #o: RedisWriterOptions & { maxQueued: number };
  /** Runs whose last write failed for good: later writes try once instead of waiting. */
  readonly #degraded = new Set<string>();
  readonly #writers = new Map<string, Writer>();

  constructor(redis: RedisConnection, options: RedisWriterOptions) {
    this.#redis = redis;
    this.#o = { maxQueued: 5_000, ...options };
  }

  /** Notes the run's resumable flag (used when the log has to be rebuilt). */
  opened(runId: string, resumable: boolean): void {
    const w = this.#writer(runId);
    w.resumable ||= resumable;
  }

  /** Queues one event; its index (predicted once known, else after the write), "" if dropped. */
  async append(runId: string, event: RunEvent): Promise<string> {
    const w = this.#writer(runId);
    const item: Queued = { e: event.event, d: JSON.stringify(event.data ?? null) };
    // Waits while Redis is away, so a run pauses through an outage instead of finishing ahead of
    // its own log (readers stop on a finished run once they have read everything written).
    const wait =
      !w.known ||
      !this.#redis.ready ||
      w.queue.length >= this.#o.maxQueued ||
      this.#degraded.has(runId);
    const index = w.next;
    w.next += 1;
    const written = wait
      ? new Promise<number | undefined>((resolve) => {
          item.written = resolve;
        })
      : undefined;
    w.queue.push(item);
    this.#schedule(runId, w);
    if (!written) return String(index);
    const n = await written;
    return n == null ? "" : String(n);
  }

  /** Waits until every queued event of the run is written (or dropped). */
  async flush(runId: string): Promise<void> {
    const w = this.#writers.get(runId);
    while (w && (w.flushing || w.queue.length > 0)) {
      this.#schedule(runId, w);
      await w.flushing;
    }
  }

  /**
   * Writes what is queued, then `send(expectedNext)` (the completion); when that answers -1 (the
   * log is gone: Redis restarted empty after our last write), rewrites the run's events first and
   * sends again. Then forgets the run.
   */
  async complete(runId: string, send: (expectedNext: number) => Promise<unknown>): Promise<void> {
    await this.flush(runId);
    const w = this.#writers.get(runId);
    const expected = w?.known ? (w.recent.at(-1)?.i ?? -1) + 1 : 0;
    await this.write(runId, async () => {
      if (Number(await send(expected)) !== -1 || !w) return;
      await this.#restore(runId, w);
      await send(expected);
    });
    this.#degraded.delete(runId);
    this.#writers.delete(runId);
  }

  /** Runs a write, retrying through a Redis outage up to the write timeout. */
  async write<T>(runId: string, fn: () => Promise<T>): Promise<T | undefined> {
    const deadline = Date.now() + (this.#degraded.has(runId) ? 0 : this.#o.writeTimeoutMs);
    let delay = 50;
    for (;;) {
      try {
        const out = await fn();
        this.#degraded.delete(runId);
        return out;
      } catch (error) {
        const left = deadline - Date.now();
        if (left <= 0 || this.#o.closing.aborted) {
          this.#degraded.add(runId);
          this.#o.onWriteFailure(runId, error);
          return undefined;
        }
        if (!this.#redis.ready) await this.#redis.waitReady(Math.min(left, 1000));
        else await sleep(Math.min(delay, left));
        delay = Math.min(delay * 2, 1000);
      }
    }
  }

  #writer(runId: string): Writer {
    let w = this.#writers.get(runId);
    if (!w) {
      w = { next: 0, known: false, resumable: false, recent: [], queue: [], flushing: undefined };
      this.#writers.set(runId, w);
      // Bounded: runs opened here may complete on another replica.
      if (this.#writers.size > 10_000) {
        const oldest = this.#writers.keys().next().value as string;
        if (!this.#writers.get(oldest)?.flushing) this.#writers.delete(oldest);
      }
    }
    return w;
  }

  #schedule(runId: string, w: Writer): void {
    if (w.flushing || w.queue.length === 0) return;
    w.flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.#drain(runId, w))
      .finally(() => {
        w.flushing = undefined;
        this.#schedule(runId, w);
      });
  }

  /** Writes the queue in batches of at most 1000 events. */
  async #drain(runId: string, w: Writer): Promise<void> {
    while (w.queue.length > 0) {
      const batch = w.queue.splice(0, 1000);
      const token = randomUUID();
      const expected = w.known ? (w.recent.at(-1)?.i ?? -1) + 1 : 0;
      const send = () => {
        const args: string[] = [
          token,
          String(this.#o.maxEventsPerRun),
          String(this.#o.liveTtlMs),
          String(expected),
          w.resumable ? "1" : "0",
          String(batch.length),
        ];
        for (const q of batch) args.push(q.e, q.d);
        return this.#redis.client.eval(
          APPEND_BATCH,
          2,
          this.#o.meta(runId),
          this.#o.events(runId),
          ...args,
        );
      };
      const first = await this.write(runId, async () => {
        const out = await send();
        if (Number(out) !== -1) return Number(out);
        await this.#restore(runId, w); // Redis came back empty: put our events back first
        return Number(await send());
      });
      if (first == null) {
        for (const q of batch) q.written?.(undefined);
        continue;
      }
      for (const [k, q] of batch.entries()) {
        w.recent.push({ i: first + k, e: q.e, d: q.d });
        q.written?.(first + k);
      }
      const excess = w.recent.length - this.#o.maxEventsPerRun;
      if (excess > 0) w.recent.splice(0, excess);
      // Another writer may have moved the index (a retry elsewhere): continue after it.
      if (!w.known || first !== expected) w.next = first + batch.length + w.queue.length;
      w.known = true;
    }
  }

  /** Rewrites the retained events of a run this process writes (after Redis lost them). */
  async #restore(runId: string, w: Writer): Promise<void> {
    const events = this.#o.events(runId);
    const meta = this.#o.meta(runId);
    const multi = this.#redis.client.multi().del(events);
    for (const r of w.recent)
      multi.xadd(
        events,
        "MAXLEN",
        "~",
        this.#o.maxEventsPerRun,
        entryIdOf(r.i),
        "e",
        r.e,
        "d",
        r.d,
      );
    multi
      .hset(meta, {
        next: (w.recent.at(-1)?.i ?? -1) + 1,
        resumable: w.resumable ? "1" : "0",
        consumed: 0,
        done: "0",
      })
      .pexpire(meta, this.#o.liveTtlMs)
      .pexpire(events, this.#o.liveTtlMs);
    await multi.exec();
  }
}
