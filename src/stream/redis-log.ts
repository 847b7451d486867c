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
 * reads after Redis id `<K+1>-0` without any lookup.
 *
 * Writes (`redis-writer.ts`): appends are queued and sent in batches, one Lua call per batch.
 * Reads: a reader first catches up with non-blocking `XREAD`s on the command connection (readers
 * at the same position share one), then waits on the process's one shared blocking reader
 * (`redis-tail.ts`): no Redis connection per stream. Run heads (`meta`) asked in the same turn are
 * read in one pipeline. On a Redis outage readers wait and resume from their last Redis id, so
 * nothing is lost or repeated. Keys expire `retentionMs` (resumable) or `graceMs` after
 * completion, and `liveTtlMs` after the last append while live (a crashed worker's log).
 */
import type { RedisConnection } from "../redis/connection.ts";
import { COMPLETE, CONSUMED, OPEN } from "../redis/log-scripts.ts";
import { KeyBatcher, SharedFetch } from "./batch.ts";
import type { LoggedEvent, OpenOptions, ReadOptions, RunEvent, RunEventLog } from "./log.ts";
import { startIndex } from "./position.ts";
import { DONE, decode } from "./redis-entry.ts";
import { type Entry, RedisTail } from "./redis-tail.ts";
import { RedisLogWriter } from "./redis-writer.ts";

export { entryIdOf } from "./redis-writer.ts";

/** Entries per catch-up read. */
const PAGE = 1000;

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

/** The run event log on Redis Streams. */
export class RedisRunEventLog implements RunEventLog {
  readonly #redis: RedisConnection;
  readonly #o: Required<Omit<RedisLogOptions, "onWriteFailure">>;
  readonly #closing = new AbortController();
  readonly #writer: RedisLogWriter;
  readonly #tail: RedisTail;
  /** Run heads asked in one event-loop turn, read in one pipeline. */
  readonly #metas: KeyBatcher<Record<string, string>>;
  /** Catch-up reads in flight, shared by readers at the same position. */
  readonly #catchUps = new SharedFetch<Entry[]>();
  /** Coalesced `consumed` marks: run id → highest index read, and whether a write is in flight. */
  readonly #consumed = new Map<string, { upTo: number; busy: boolean }>();

  constructor(redis: RedisConnection, options: RedisLogOptions = {}) {
    this.#redis = redis;
    this.#o = {
      maxEventsPerRun: Math.max(1, options.maxEventsPerRun ?? 10_000),
      retentionMs: options.retentionMs ?? 60 * 60_000,
      graceMs: options.graceMs ?? 30_000,
      liveTtlMs: options.liveTtlMs ?? 6 * 60 * 60_000,
      writeTimeoutMs: options.writeTimeoutMs ?? 60_000,
    };
    this.#writer = new RedisLogWriter(redis, {
      maxEventsPerRun: this.#o.maxEventsPerRun,
      liveTtlMs: this.#o.liveTtlMs,
      writeTimeoutMs: this.#o.writeTimeoutMs,
      onWriteFailure: options.onWriteFailure ?? (() => {}),
      closing: this.#closing.signal,
      meta: this.#meta,
      events: this.#events,
    });
    this.#tail = new RedisTail({
      command: redis.client,
      acquire: () => redis.acquireBlocking(),
      release: (conn, broken) => redis.release(conn, broken),
      waitReady: (ms) => redis.waitReady(ms),
    });
    this.#metas = new KeyBatcher(async (runIds) => {
      const pipeline = redis.client.pipeline();
      for (const id of runIds) pipeline.hgetall(this.#meta(id));
      const results = (await pipeline.exec()) ?? [];
      const out = new Map<string, Record<string, string>>();
      for (const [i, id] of runIds.entries()) {
        const [error, value] = results[i] ?? [new Error("no reply")];
        if (error) throw error;
        out.set(id, value as Record<string, string>);
      }
      return out;
    });
  }

  #meta = (runId: string) => `${this.#redis.prefix}run:${runId}:meta`;
  #events = (runId: string) => `${this.#redis.prefix}run:${runId}:events`;

  async open(runId: string, options: OpenOptions): Promise<void> {
    this.#writer.opened(runId, options.resumable);
    await this.#writer.write(runId, () =>
      this.#redis.client.eval(
        OPEN,
        1,
        this.#meta(runId),
        options.resumable ? "1" : "0",
        String(this.#o.liveTtlMs),
      ),
    );
  }

  append(runId: string, event: RunEvent): Promise<string> {
    return this.#writer.append(runId, event);
  }

  flush(runId: string): Promise<void> {
    return this.#writer.flush(runId);
  }

  async complete(runId: string): Promise<void> {
    await this.#writer.complete(runId, (expectedNext) =>
      this.#redis.client.eval(
        COMPLETE,
        2,
        this.#meta(runId),
        this.#events(runId),
        String(this.#o.retentionMs),
        String(this.#o.graceMs),
        String(expectedNext),
      ),
    );
  }

  async has(runId: string): Promise<boolean> {
    return (await this.#redis.client.exists(this.#meta(runId))) === 1;
  }

  async *read(runId: string, options: ReadOptions = {}): AsyncGenerator<LoggedEvent> {
    const signal = AbortSignal.any(
      [options.signal, this.#closing.signal].filter((s): s is AbortSignal => s != null),
    );
    const idleMs = options.idleCheckMs ?? 1_000;
    const key = this.#events(runId);
    const start = startIndex(options.lastEventId);
    let cursor: string | undefined = start == null ? undefined : `${start}-0`;
    let resumable = false;
    let seen = false;
    /** Whether to re-read the run head and catch up before waiting on the shared reader. */
    let check = true;
    /** The last catch-up page was full: read the next one. */
    let more = false;
    /** The run was seen ended once; the next idle timeout ends the read. */
    let ending = false;
    /** Redis failed under this reader once (its run's keys may be rewritten any moment). */
    let recovered = false;
    const unwatch = this.#tail.watch(key);
    try {
      while (!signal.aborted) {
        let entries: Entry[];
        try {
          if (check || more) {
            if (check) {
              const meta = (await this.#metas.get(runId)) ?? {};
              if (meta.next != null) {
                seen = true;
                resumable = meta.resumable === "1";
                // Live tail / unconsumed head, fixed on first sight of the run.
                cursor ??= `${resumable ? Number(meta.next) : Number(meta.consumed ?? 0)}-0`;
              } else if (seen) return; // expired or dropped while we were reading
              cursor ??= "0-0";
            }
            const after = cursor as string;
            entries = await this.#catchUps.run(`${key} ${after}`, () => this.#xread(key, after));
            // A full page: read on without the head; else what comes next, the shared reader gets.
            more = entries.length >= PAGE;
            check = false;
          } else entries = [];
          if (entries.length === 0) {
            const got = await this.#tail.next(key, cursor as string, idleMs, signal);
            if (got.kind === "error") throw new Error("redis unreachable");
            if (got.kind === "gap") check = true;
            if (got.kind === "timeout") {
              if (signal.aborted) return;
              // A run that ended without completing its log: one more idle period and catch-up
              // read first, for events still being flushed by its writer.
              if (options.stillActive && !(await options.stillActive())) {
                if (ending || (!seen && !recovered)) return;
                ending = true;
              }
              check = true;
            }
            if (got.kind !== "entries") continue;
            entries = got.entries;
          }
        } catch {
          if (signal.aborted) return;
          // Redis unreachable: keep our position, wait for it to come back. If it restarted
          // empty, the run's keys reappear with the next append (same ids): wait for them.
          seen = false;
          recovered = true;
          check = true;
          await this.#redis.waitReady(idleMs, signal);
          if (options.stillActive && !(await options.stillActive().catch(() => true))) return;
          continue;
        }
        if (entries.length > 0) ending = false;
        for (const entry of entries) {
          cursor = entry[0];
          const e = decode(entry);
          if (e === DONE) {
            if (cursor === (await this.#lastCompletion(runId))) return;
            continue; // a later attempt appended after this completion
          }
          if (!resumable) this.#markConsumed(runId, e.index + 1);
          yield { id: e.id, event: e.event, data: e.data };
          if (signal.aborted) return;
        }
      }
    } finally {
      unwatch();
    }
  }

  /** Stops local readers and the shared reader; the logs stay in Redis (other replicas read them). */
  async close(): Promise<void> {
    this.#closing.abort();
    this.#tail.close();
  }

  /** One non-blocking page of entries after `after`. */
  async #xread(key: string, after: string): Promise<Entry[]> {
    const res = (await this.#redis.client.xread("COUNT", PAGE, "STREAMS", key, after)) as
      | [string, Entry[]][]
      | null;
    return res?.[0]?.[1] ?? [];
  }

  /** The id of the newest completion marker while the run is done (else undefined). */
  async #lastCompletion(runId: string) {
    const [done, next, k] = await this.#redis.client.hmget(
      this.#meta(runId),
      "done",
      "next",
      "completions",
    );
    if (done !== "1") return undefined;
    return `${Number(next ?? 0)}-${Number(k ?? 1)}`;
  }

  /** Raises the non-resumable read head; one write in flight per run, the latest wins. */
  #markConsumed(runId: string, upTo: number): void {
    const entry = this.#consumed.get(runId) ?? { upTo: 0, busy: false };
    entry.upTo = Math.max(entry.upTo, upTo);
    this.#consumed.set(runId, entry);
    if (entry.busy) return;
    entry.busy = true;
    const flush = async (): Promise<void> => {
      const target = entry.upTo;
      await this.#redis.client.eval(CONSUMED, 1, this.#meta(runId), String(target)).catch(() => {});
      if (entry.upTo > target) return flush();
      this.#consumed.delete(runId);
    };
    void flush();
  }
}
