/**
 * Run event log on Redis Streams, shared by every replica: a run started on replica A can be read,
 * joined and resumed with `Last-Event-ID` on replica B. Same semantics as the in-memory log (see
 * log.ts and ARCHITECTURE.md).
 *
 * Keys per run: `<p>run:<id>:events` (stream, `XADD MAXLEN ~ cap`) and `<p>run:<id>:meta` (hash:
 * `next` index, `resumable`, `done`, `consumed`, last append token). SSE ids stay "0", "1", … as
 * upstream sends them; the Redis entry id is derived, never shown: event N is `<N+1>-0`, and a
 * completion marker after N events is `<N>-<k>` (k = how many times the run completed, so a
 * retried attempt that appends again stays ordered after it). Resuming after SSE id K therefore
 * reads after Redis id `<K+1>-0` without any lookup. Appends are one Lua script (atomic index +
 * XADD) carrying a token, so a retry after a timeout never duplicates an event; the writer also
 * keeps its run's recent events until completion: if Redis restarts empty mid-run, the next append
 * finds the log gone and rebuilds it with the same ids first, so readers lose nothing. Readers block in
 * `XREAD` on a pooled dedicated connection; on a Redis outage they wait and resume from their
 * last Redis id, so nothing is lost or repeated. Keys expire `retentionMs` (resumable) or `graceMs`
 * after completion, and `liveTtlMs` after the last append while live (a crashed worker's log).
 */
import { randomUUID } from "node:crypto";
import type { RedisConnection } from "../redis/connection.ts";
import { APPEND, COMPLETE, CONSUMED, OPEN } from "../redis/log-scripts.ts";
import type { LoggedEvent, OpenOptions, ReadOptions, RunEvent, RunEventLog } from "./log.ts";
import { startIndex } from "./position.ts";

/** Limits of the Redis log. */
export interface RedisLogOptions {
  /** Max events kept per run (approximate trim, oldest first). Default 10 000. */
  maxEventsPerRun?: number;
  /** How long a resumable run's log survives completion. Default 1 hour. */
  retentionMs?: number;
  /** How long a non-resumable run's log survives completion. Default 30 s. */
  graceMs?: number;
  /** Expiry of a live log without appends (worker died). Default 6 hours. */
  liveTtlMs?: number;
  /** How long a write waits for Redis to come back before giving up. Default 60 s. */
  writeTimeoutMs?: number;
  /** Called when a write failed for good (the event is dropped, the run goes on). */
  onWriteFailure?: (runId: string, error: unknown) => void;
}

/** Redis entry id of SSE index `n`. */
export const entryIdOf = (n: number): string => `${n + 1}-0`;

type Entry = [id: string, fields: string[]];

/** What this process remembers of a run it writes: enough to rebuild the log if Redis lost it. */
interface Writer {
  next: number;
  resumable: boolean;
  /** The last `maxEventsPerRun` events (index, name, JSON data). */
  recent: { i: number; e: string; d: string }[];
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** The run event log on Redis Streams. */
export class RedisRunEventLog implements RunEventLog {
  readonly #redis: RedisConnection;
  readonly #o: Required<Omit<RedisLogOptions, "onWriteFailure">>;
  readonly #onWriteFailure: (runId: string, error: unknown) => void;
  /** Runs whose last write failed for good: later writes try once instead of waiting. */
  readonly #degraded = new Set<string>();
  readonly #closing = new AbortController();
  /** Runs written by this process: next index and resumable flag (restored if Redis lost them). */
  readonly #writing = new Map<string, Writer>();

  constructor(redis: RedisConnection, options: RedisLogOptions = {}) {
    this.#redis = redis;
    this.#o = {
      maxEventsPerRun: Math.max(1, options.maxEventsPerRun ?? 10_000),
      retentionMs: options.retentionMs ?? 60 * 60_000,
      graceMs: options.graceMs ?? 30_000,
      liveTtlMs: options.liveTtlMs ?? 6 * 60 * 60_000,
      writeTimeoutMs: options.writeTimeoutMs ?? 60_000,
    };
    this.#onWriteFailure = options.onWriteFailure ?? (() => {});
  }

  #meta = (runId: string) => `${this.#redis.prefix}run:${runId}:meta`;
  #events = (runId: string) => `${this.#redis.prefix}run:${runId}:events`;

  async open(runId: string, options: OpenOptions): Promise<void> {
    const w = this.#writing.get(runId);
    this.#remember(runId, {
      next: w?.next ?? 0,
      resumable: (w?.resumable ?? false) || options.resumable,
      recent: w?.recent ?? [],
    });
    await this.#write(runId, () =>
      this.#redis.client.eval(
        OPEN,
        1,
        this.#meta(runId),
        options.resumable ? "1" : "0",
        String(this.#o.liveTtlMs),
      ),
    );
  }

  async append(runId: string, event: RunEvent): Promise<string> {
    const token = randomUUID();
    const w = this.#writing.get(runId) ?? { next: 0, resumable: false, recent: [] };
    this.#remember(runId, w);
    const data = JSON.stringify(event.data ?? null);
    const send = () =>
      this.#redis.client.eval(
        APPEND,
        2,
        this.#meta(runId),
        this.#events(runId),
        token,
        String(this.#o.maxEventsPerRun),
        event.event,
        data,
        String(this.#o.liveTtlMs),
        String(w.next),
        w.resumable ? "1" : "0",
      );
    const n = await this.#write(runId, async () => {
      const out = await send();
      if (Number(out) !== -1) return out;
      await this.#restore(runId, w); // Redis came back empty: put our events back first
      return send();
    });
    if (n == null) return "";
    w.next = Number(n) + 1;
    w.recent.push({ i: Number(n), e: event.event, d: data });
    if (w.recent.length > this.#o.maxEventsPerRun) w.recent.shift();
    return String(n);
  }

  async complete(runId: string): Promise<void> {
    await this.#write(runId, () =>
      this.#redis.client.eval(
        COMPLETE,
        2,
        this.#meta(runId),
        this.#events(runId),
        String(this.#o.retentionMs),
        String(this.#o.graceMs),
      ),
    );
    this.#degraded.delete(runId);
    this.#writing.delete(runId);
  }

  async has(runId: string): Promise<boolean> {
    return (await this.#redis.client.exists(this.#meta(runId))) === 1;
  }

  async *read(runId: string, options: ReadOptions = {}): AsyncGenerator<LoggedEvent> {
    const signal = AbortSignal.any(
      [options.signal, this.#closing.signal].filter((s): s is AbortSignal => s != null),
    );
    const idleMs = options.idleCheckMs ?? 1_000;
    const start = startIndex(options.lastEventId);
    let cursor: string | undefined = start == null ? undefined : `${start}-0`;
    let resumable = false;
    let seen = false;
    let conn = this.#redis.acquireBlocking();
    let broken = false;
    try {
      while (!signal.aborted) {
        let meta: Record<string, string>;
        let entries: Entry[] | null;
        try {
          meta = await conn.hgetall(this.#meta(runId));
          const exists = meta.next != null;
          if (exists) {
            seen = true;
            resumable = meta.resumable === "1";
            // Live tail / unconsumed head, fixed on first sight of the run.
            cursor ??= `${resumable ? Number(meta.next) : Number(meta.consumed ?? 0)}-0`;
          } else if (seen) return; // expired or dropped while we were reading
          cursor ??= "0-0";
          entries = await this.#xread(conn, runId, cursor, idleMs);
        } catch {
          if (signal.aborted) return;
          // Redis unreachable: keep our position, wait for it to come back. If it restarted
          // empty, the run's keys reappear with the next append (same ids): wait for them.
          seen = false;
          this.#redis.release(conn, true);
          broken = true;
          await this.#redis.waitReady(idleMs, signal);
          conn = this.#redis.acquireBlocking();
          broken = false;
          if (options.stillActive && !(await options.stillActive().catch(() => true))) return;
          continue;
        }
        if (!entries || entries.length === 0) {
          if (options.stillActive && !(await options.stillActive())) return;
          continue;
        }
        for (const [id, fields] of entries) {
          cursor = id;
          const f = fieldMap(fields);
          if (f.x === "done") {
            if (id === (await this.#lastCompletion(conn, runId))) return;
            continue; // a later attempt appended after this completion
          }
          const index = Number(id.split("-", 1)[0]) - 1;
          if (!resumable) this.#markConsumed(runId, index + 1);
          yield { id: String(index), event: f.e ?? "", data: JSON.parse(f.d ?? "null") };
          if (signal.aborted) return;
        }
      }
    } finally {
      if (!broken) this.#redis.release(conn, conn.status !== "ready");
    }
  }

  /** Stops local readers; the shared logs stay in Redis (other replicas may read them). */
  async close(): Promise<void> {
    this.#closing.abort();
  }

  async #xread(conn: RedisConnection["client"], runId: string, after: string, blockMs: number) {
    const res = (await conn.xread(
      "COUNT",
      500,
      "BLOCK",
      blockMs,
      "STREAMS",
      this.#events(runId),
      after,
    )) as [string, Entry[]][] | null;
    return res?.[0]?.[1] ?? null;
  }

  /** The id of the newest completion marker while the run is done (else undefined). */
  async #lastCompletion(conn: RedisConnection["client"], runId: string) {
    const [done, next, k] = await conn.hmget(this.#meta(runId), "done", "next", "completions");
    if (done !== "1") return undefined;
    return `${Number(next ?? 0)}-${Number(k ?? 1)}`;
  }

  /** Rewrites the retained events of a run this process writes (after Redis lost them). */
  async #restore(runId: string, w: Writer): Promise<void> {
    const multi = this.#redis.client.multi().del(this.#events(runId));
    for (const r of w.recent)
      multi.xadd(
        this.#events(runId),
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
      .hset(this.#meta(runId), {
        next: w.next,
        resumable: w.resumable ? "1" : "0",
        consumed: 0,
        done: "0",
      })
      .pexpire(this.#meta(runId), this.#o.liveTtlMs)
      .pexpire(this.#events(runId), this.#o.liveTtlMs);
    await multi.exec();
  }

  /** Tracks a run written here; bounded, since runs opened here may complete on another replica. */
  #remember(runId: string, w: Writer): void {
    this.#writing.set(runId, w);
    if (this.#writing.size > 10_000) {
      const oldest = this.#writing.keys().next().value as string;
      this.#writing.delete(oldest);
    }
  }

  #markConsumed(runId: string, upTo: number): void {
    void this.#redis.client.eval(CONSUMED, 1, this.#meta(runId), String(upTo)).catch(() => {});
  }

  /** Runs a write, retrying through a Redis outage up to the write timeout. */
  async #write<T>(runId: string, fn: () => Promise<T>): Promise<T | undefined> {
    const deadline = Date.now() + (this.#degraded.has(runId) ? 0 : this.#o.writeTimeoutMs);
    let delay = 50;
    for (;;) {
      try {
        const out = await fn();
        this.#degraded.delete(runId);
        return out;
      } catch (error) {
        const left = deadline - Date.now();
        if (left <= 0 || this.#closing.signal.aborted) {
          this.#degraded.add(runId);
          this.#onWriteFailure(runId, error);
          return undefined;
        }
        if (!this.#redis.ready) await this.#redis.waitReady(Math.min(left, 1000));
        else await sleep(Math.min(delay, left));
        delay = Math.min(delay * 2, 1000);
      }
    }
  }
}

function fieldMap(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i] as string] = fields[i + 1] as string;
  return out;
}
