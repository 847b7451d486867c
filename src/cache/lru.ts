/** A small least-recently-used map with a size bound and a per-entry age limit. */

interface Slot<V> {
  value: V;
  at: number;
}

/** LRU map on insertion order of a `Map` (re-inserted on every hit). */
export class Lru<V> {
  readonly #map = new Map<string, Slot<V>>();

  constructor(
    private readonly max: number,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value under `key` (refreshing its recency), or undefined when absent or too old. */
  get(key: string): V | undefined {
    const slot = this.#map.get(key);
    if (!slot) return undefined;
    this.#map.delete(key);
    if (this.now() - slot.at > this.maxAgeMs) return undefined;
    this.#map.set(key, slot);
    return slot.value;
  }

  /** Stores `value`, evicting the least recently used entry beyond the bound. */
  set(key: string, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, { value, at: this.now() });
    while (this.#map.size > this.max) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
    }
  }

  /** Deletes every key starting with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const key of this.#map.keys()) if (key.startsWith(prefix)) this.#map.delete(key);
  }

  /** Drops everything. */
  clear(): void {
    this.#map.clear();
  }

  /** Number of entries. */
  get size(): number {
    return this.#map.size;
  }
}
