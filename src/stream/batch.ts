/**
 * Helpers that let thousands of readers of one process share their reads instead of each sending
 * its own (issue 24: no per-stream database polling):
 * - `KeyBatcher`: every `get(key)` asked in the same turn of the event loop is answered by one
 *   `load(keys)` call (flushed on `setImmediate`), and concurrent asks for the same key share it;
 * - `SharedFetch`: concurrent identical fetches (same key) share one promise while it is in flight;
 * - `alignedDelay(ms)`: a delay that ends on the next multiple of `ms` of the wall clock, so idle
 *   timers of readers that started at different times fire together and their checks batch.
 */

/** Answers the keys asked within one event-loop turn with one `load` call. */
export class KeyBatcher<V> {
  readonly #load: (keys: string[]) => Promise<Map<string, V>>;
  readonly #maxKeys: number;
  #pending = new Map<
    string,
    { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]
  >();
  #scheduled = false;
  #loads = 0;

  /** `load` returns the found keys (absent = undefined); at most `maxKeys` keys per call. */
  constructor(load: (keys: string[]) => Promise<Map<string, V>>, maxKeys = 1000) {
    this.#load = load;
    this.#maxKeys = Math.max(1, maxKeys);
  }

  /** The value of `key` (undefined when `load` did not return it). */
  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.#pending.get(key);
      if (list) list.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  /** Number of `load` calls so far (for tests). */
  get loads(): number {
    return this.#loads;
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = new Map();
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += this.#maxKeys) {
      const chunk = keys.slice(i, i + this.#maxKeys);
      this.#loads += 1;
      try {
        const found = await this.#load(chunk);
        for (const key of chunk) for (const w of batch.get(key) ?? []) w.resolve(found.get(key));
      } catch (error) {
        for (const key of chunk) for (const w of batch.get(key) ?? []) w.reject(error);
      }
    }
  }
}

/** Shares one in-flight promise between concurrent calls with the same key. */
export class SharedFetch<V> {
  readonly #inFlight = new Map<string, Promise<V>>();

  /** Runs `fetch` unless a call with the same key is in flight, whose result is then shared. */
  run(key: string, fetch: () => Promise<V>): Promise<V> {
    const running = this.#inFlight.get(key);
    if (running) return running;
    const started = fetch().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return started;
  }
}

/** Milliseconds until the next multiple of `ms` on the wall clock (at least 1). */
export function alignedDelay(ms: number, now = Date.now()): number {
  if (ms <= 0) return 0;
  return Math.max(1, ms - (now % ms));
}
