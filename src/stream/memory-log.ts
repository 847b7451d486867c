/**
 * In-memory run event log for a single process. Readers never slow the run: events are appended to
 * an array and each reader walks it with its own cursor, waking on append/complete.
 */
import type {
  LoggedEvent,
  MemoryLogOptions,
  OpenOptions,
  ReadOptions,
  RunEvent,
  RunEventLog,
} from "./log.ts";
import { startIndex } from "./position.ts";

interface RunLog {
  resumable: boolean;
  /** Retained events; `events[0]` has id `firstIndex`. */
  events: RunEvent[];
  firstIndex: number;
  /** Non-resumable runs: index of the first event no reader has received yet (upstream's queue head). */
  consumed: number;
  completedAt: number | undefined;
  touchedAt: number;
}

const nextIndexOf = (log: RunLog) => log.firstIndex + log.events.length;

/** One reader's wait: settled true on append/complete/drop, false on the idle check or abort. */
interface Waiter {
  runId: string;
  idleMs: number;
  resolve: ((woke: boolean) => void) | undefined;
}

/** Idle checks shared by every reader with the same interval: one timer, not one per wait. */
interface IdleBucket {
  timer: ReturnType<typeof setInterval>;
  waiters: Set<Waiter>;
}

/** Logs in a Map, swept by an unref'd timer. */
export class MemoryRunEventLog implements RunEventLog {
  readonly #runs = new Map<string, RunLog>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #idle = new Map<number, IdleBucket>();
  readonly #maxEvents: number;
  readonly #retentionMs: number;
  readonly #graceMs: number;
  readonly #now: () => number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: MemoryLogOptions = {}) {
    this.#maxEvents = Math.max(1, options.maxEventsPerRun ?? 10_000);
    this.#retentionMs = options.retentionMs ?? 60 * 60_000;
    this.#graceMs = options.graceMs ?? 30_000;
    this.#now = options.now ?? Date.now;
    this.#timer = setInterval(() => this.sweep(), options.sweepMs ?? 5_000);
    this.#timer.unref?.();
  }

  async open(runId: string, options: OpenOptions): Promise<void> {
    const log = this.#runs.get(runId);
    if (log) {
      log.resumable ||= options.resumable;
      return;
    }
    this.#runs.set(runId, this.#create(options.resumable));
    this.#wake(runId);
  }

  async append(runId: string, event: RunEvent): Promise<string> {
    let log = this.#runs.get(runId);
    if (!log) {
      log = this.#create(false);
      this.#runs.set(runId, log);
    }
    // A retried attempt appends again after a completion: the log goes live again.
    log.completedAt = undefined;
    log.touchedAt = this.#now();
    log.events.push({ event: event.event, data: event.data });
    const id = nextIndexOf(log) - 1;
    if (log.events.length > this.#maxEvents) {
      const drop = log.events.length - this.#maxEvents;
      log.events.splice(0, drop);
      log.firstIndex += drop;
    }
    this.#wake(runId);
    return String(id);
  }

  async complete(runId: string): Promise<void> {
    let log = this.#runs.get(runId);
    if (!log) {
      log = this.#create(false);
      this.#runs.set(runId, log);
    }
    log.completedAt = this.#now();
    log.touchedAt = log.completedAt;
    this.#wake(runId);
  }

  async has(runId: string): Promise<boolean> {
    return this.#runs.has(runId);
  }

  async *read(runId: string, options: ReadOptions = {}): AsyncGenerator<LoggedEvent> {
    // One generator per reader (no inner `yield*` layer: each is kept suspended per open stream).
    const { signal } = options;
    // An unknown run that opens later is tailed from its very first event.
    let cursor = startIndex(options.lastEventId);
    let seen = false;
    const waiter: Waiter = { runId, idleMs: options.idleCheckMs ?? 1_000, resolve: undefined };
    const onAbort = () => this.#settle(waiter, false);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal?.aborted) {
        const log = this.#runs.get(runId);
        if (log) {
          seen = true;
          cursor ??= log.resumable ? nextIndexOf(log) : log.consumed;
          while (cursor < nextIndexOf(log)) {
            // Checked per event: while this reader was suspended at `yield`, appends past
            // `maxEventsPerRun` may have trimmed the events it had not read yet.
            if (cursor < log.firstIndex) cursor = log.firstIndex;
            const event = log.events[cursor - log.firstIndex] as RunEvent;
            cursor += 1;
            if (cursor > log.consumed) log.consumed = cursor;
            yield { id: String(cursor - 1), event: event.event, data: event.data };
            if (signal?.aborted) return;
          }
          if (log.completedAt != null) return;
        } else if (seen) {
          return; // dropped while we were reading
        } else {
          cursor ??= 0;
        }
        const woke = await this.#waitForChange(waiter);
        if (!woke && options.stillActive && !(await options.stillActive())) return;
      }
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#settle(waiter, false);
    }
  }

  /** Drops logs whose retention (resumable) or grace (non-resumable) has elapsed. */
  sweep(): void {
    const now = this.#now();
    for (const [runId, log] of this.#runs) {
      if (log.completedAt == null) continue;
      const keep = log.resumable ? this.#retentionMs : this.#graceMs;
      if (now - log.completedAt >= keep) {
        this.#runs.delete(runId);
        this.#wake(runId);
      }
    }
  }

  /** Number of runs whose log is held (for metrics and tests). */
  size(): number {
    return this.#runs.size;
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const bucket of this.#idle.values())
      for (const w of bucket.waiters) this.#settle(w, false);
    const ids = [...this.#runs.keys()];
    this.#runs.clear();
    for (const id of ids) this.#wake(id);
  }

  #create(resumable: boolean): RunLog {
    const now = this.#now();
    return {
      resumable,
      events: [],
      firstIndex: 0,
      consumed: 0,
      completedAt: undefined,
      touchedAt: now,
    };
  }

  #wake(runId: string): void {
    const set = this.#waiters.get(runId);
    if (!set) return;
    this.#waiters.delete(runId);
    for (const waiter of set) this.#settle(waiter, true);
  }

  #settle(waiter: Waiter, woke: boolean): void {
    const resolve = waiter.resolve;
    if (!resolve) return;
    waiter.resolve = undefined;
    const set = this.#waiters.get(waiter.runId);
    if (set?.delete(waiter) && set.size === 0) this.#waiters.delete(waiter.runId);
    const bucket = this.#idle.get(waiter.idleMs);
    if (bucket?.waiters.delete(waiter) && bucket.waiters.size === 0) {
      clearInterval(bucket.timer);
      this.#idle.delete(waiter.idleMs);
    }
    resolve(woke);
  }

  /**
   * Resolves true on append/complete/drop, false on the idle check (within `idleMs`: one shared
   * timer per interval wakes every idle reader) or abort.
   */
  #waitForChange(waiter: Waiter): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      waiter.resolve = resolve;
      let set = this.#waiters.get(waiter.runId);
      if (!set) {
        set = new Set();
        this.#waiters.set(waiter.runId, set);
      }
      set.add(waiter);
      let bucket = this.#idle.get(waiter.idleMs);
      if (!bucket) {
        const waiters = new Set<Waiter>();
        const timer = setInterval(() => {
          for (const w of waiters) this.#settle(w, false);
        }, waiter.idleMs);
        timer.unref?.();
        bucket = { timer, waiters };
        this.#idle.set(waiter.idleMs, bucket);
      }
      bucket.waiters.add(waiter);
    });
  }
}
