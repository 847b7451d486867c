/**
 * The one shared blocking reader of the Redis run event log in this process (issue 24: one Redis
 * connection per open stream made 503 clients for 500 streams). A single dedicated connection
 * loops on `XREAD COUNT 500 BLOCK blockMs STREAMS k1 k2 … id1 id2 …` over the event streams that
 * live readers of this process wait on, and hands what it read to every waiter of that stream.
 *
 * Per stream key it keeps `last` (the id it has read up to) and `recent`, the last `keepEntries`
 * entries it read, contiguous after `base`. A reader asks `next(key, after)`:
 * - entries after `after` already in `recent` are returned at once (a reader that was busy writing
 *   its previous batch to its socket loses nothing while the loop went on reading);
 * - `after` before `base` (the reader is further behind than the buffer) returns `gap`: the reader
 *   catches up with its own non-blocking `XREAD` and asks again;
 * - otherwise it waits for the loop (or its idle timeout, or an `error` when Redis is unreachable:
 *   buffers are then dropped, and readers recover from their own last id, so nothing is skipped).
 * A key new to the loop interrupts the blocked `XREAD` with `CLIENT UNBLOCK` (sent on the command
 * connection) so it is read at once; a key without readers is dropped from the next `XREAD`.
 */
import type { RedisConnection } from "../redis/connection.ts";
import { alignedDelay } from "./batch.ts";

/** A Redis connection (the client type of `RedisConnection`). */
type Redis = RedisConnection["client"];

/** A stream entry as ioredis returns it. */
export type Entry = [id: string, fields: string[]];

/** What `next` answers. */
export type TailResult =
  | { kind: "entries"; entries: Entry[] }
  | { kind: "timeout" }
  | { kind: "gap" }
  | { kind: "error" };

/** What the shared reader is built from. */
export interface RedisTailOptions {
  /** The command connection (used for `CLIENT UNBLOCK`). */
  command: Redis;
  /** Borrows the dedicated blocking connection; `release` gives it back (broken = close it). */
  acquire(): Redis;
  release(conn: Redis, broken: boolean): void;
  /** Waits until Redis answers again after an outage (false on timeout). */
  waitReady(timeoutMs: number): Promise<boolean>;
  /** `BLOCK` of each XREAD in ms. Default 5000. */
  blockMs?: number;
  /** Entries kept per stream for readers that come back late. Default 1000. */
  keepEntries?: number;
}

interface Waiter {
  after: string;
  resolve: (result: TailResult) => void;
}

interface KeyState {
  readers: number;
  /** Id read up to (undefined until the first waiter sets it). */
  last: string | undefined;
  /** `recent` holds every entry after `base` up to `last`. */
  base: string | undefined;
  recent: Entry[];
  waiters: Set<Waiter>;
}

/** Compares two stream ids (`ms-seq`) numerically. */
export function compareIds(a: string, b: string): number {
  const [am = "0", as = "0"] = a.split("-");
  const [bm = "0", bs = "0"] = b.split("-");
  const d = Number(am) - Number(bm);
  return d !== 0 ? Math.sign(d) : Math.sign(Number(as) - Number(bs));
}

/** Multiplexes every live reader's blocking read over one connection. */
export class RedisTail {
  readonly #o: Required<RedisTailOptions>;
  readonly #keys = new Map<string, KeyState>();
  #conn: Redis | undefined;
  #clientId: number | undefined;
  /** Keys of the XREAD in flight (a key outside it interrupts the block). */
  #inFlight = new Set<string>();
  #running = false;
  #closed = false;
  #reads = 0;

  constructor(options: RedisTailOptions) {
    this.#o = { blockMs: 5_000, keepEntries: 1_000, ...options };
  }

  /** Declares a reader of `key` for as long as it reads (call the returned function at the end). */
  watch(key: string): () => void {
    const state = this.#state(key);
    state.readers += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      state.readers -= 1;
      if (state.readers === 0 && state.waiters.size === 0) this.#keys.delete(key);
    };
  }

  /** The entries after `after` (see the module comment), waiting at most `idleMs`. */
  next(key: string, after: string, idleMs: number, signal: AbortSignal): Promise<TailResult> {
    const state = this.#state(key);
    if (state.last === undefined || state.base === undefined) {
      state.last = after;
      state.base = after;
    } else {
      if (compareIds(after, state.base) < 0) return Promise.resolve({ kind: "gap" });
      const ready = entriesAfter(state.recent, after);
      if (ready.length > 0) return Promise.resolve({ kind: "entries", entries: ready });
    }
    return new Promise((resolve) => {
      const waiter: Waiter = { after, resolve: (r) => finish(r) };
      const finish = (result: TailResult) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        state.waiters.delete(waiter);
        if (state.readers === 0 && state.waiters.size === 0) this.#keys.delete(key);
        resolve(result);
      };
      const onAbort = () => finish({ kind: "timeout" });
      // Aligned on the clock: idle readers re-check together, so their checks batch.
      const timer = setTimeout(() => finish({ kind: "timeout" }), alignedDelay(idleMs));
      signal.addEventListener("abort", onAbort, { once: true });
      state.waiters.add(waiter);
      this.#kick(key);
    });
  }

  /** XREAD calls sent so far (for tests). */
  get reads(): number {
    return this.#reads;
  }

  /** Stops the loop and releases the connection; waiters get `error`. */
  close(): void {
    this.#closed = true;
    this.#fail();
    if (this.#conn) this.#o.release(this.#conn, true);
    this.#conn = undefined;
  }

  #state(key: string): KeyState {
    let state = this.#keys.get(key);
    if (!state) {
      state = { readers: 0, last: undefined, base: undefined, recent: [], waiters: new Set() };
      this.#keys.set(key, state);
    }
    return state;
  }

  /** Starts the loop, or interrupts its blocked read when it does not cover `key`. */
  #kick(key: string): void {
    if (!this.#running) {
      this.#running = true;
      void this.#loop();
      return;
    }
    if (this.#inFlight.has(key) || this.#clientId === undefined) return;
    this.#inFlight.add(key); // one interrupt per key is enough
    void this.#o.command.client("UNBLOCK", this.#clientId).catch(() => {});
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#closed) {
        const keys = [...this.#keys].filter(([, s]) => s.waiters.size > 0 || s.readers > 0);
        const ids = keys.map(([, s]) => s.last);
        const wanted = keys.filter((_, i) => ids[i] !== undefined);
        if (wanted.length === 0 || !wanted.some(([, s]) => s.waiters.size > 0)) return;
        const conn = await this.#connection();
        this.#inFlight = new Set(wanted.map(([k]) => k));
        let res: [string, Entry[]][] | null;
        try {
          this.#reads += 1;
          res = (await conn.xread(
            "COUNT",
            500,
            "BLOCK",
            this.#o.blockMs,
            "STREAMS",
            ...wanted.map(([k]) => k),
            ...wanted.map(([, s]) => s.last as string),
          )) as [string, Entry[]][] | null;
        } catch {
          if (this.#closed) return;
          this.#o.release(conn, true);
          this.#conn = undefined;
          this.#clientId = undefined;
          this.#fail();
          await this.#o.waitReady(1_000);
          continue;
        }
        for (const [key, entries] of res ?? []) this.#deliver(key, entries);
      }
    } finally {
      this.#running = false;
      this.#inFlight.clear();
      // A waiter that arrived while the loop was stopping starts it again.
      if (!this.#closed && [...this.#keys.values()].some((s) => s.waiters.size > 0)) {
        this.#running = true;
        void this.#loop();
      }
    }
  }

  async #connection(): Promise<Redis> {
    if (!this.#conn) this.#conn = this.#o.acquire();
    if (this.#clientId === undefined) {
      const conn = this.#conn;
      const id = await conn.client("ID").catch(() => undefined);
      if (typeof id === "number") this.#clientId = id;
      conn.once("close", () => {
        if (this.#conn === conn) this.#clientId = undefined;
      });
    }
    return this.#conn;
  }

  #deliver(key: string, entries: Entry[]): void {
    const state = this.#keys.get(key);
    if (!state || entries.length === 0) return;
    state.recent.push(...entries);
    const drop = state.recent.length - this.#o.keepEntries;
    if (drop > 0) state.base = state.recent.splice(0, drop).at(-1)?.[0] ?? state.base;
    state.last = entries.at(-1)?.[0] ?? state.last;
    for (const waiter of [...state.waiters]) {
      // Entries after this waiter's position were already dropped from the buffer: it pages.
      if (compareIds(waiter.after, state.base as string) < 0) {
        waiter.resolve({ kind: "gap" });
        continue;
      }
      const ready = entriesAfter(state.recent, waiter.after);
      if (ready.length > 0) waiter.resolve({ kind: "entries", entries: ready });
    }
  }

  /** Redis failed: every waiter recovers on its own, from its own last id. */
  #fail(): void {
    for (const state of this.#keys.values()) {
      state.last = undefined;
      state.base = undefined;
      state.recent = [];
      for (const waiter of [...state.waiters]) waiter.resolve({ kind: "error" });
    }
  }
}

/** The entries of `recent` (ascending) after id `after`. */
function entriesAfter(recent: Entry[], after: string): Entry[] {
  let lo = 0;
  let hi = recent.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareIds((recent[mid] as Entry)[0], after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo === recent.length ? [] : recent.slice(lo);
}
