/**
 * The metadata cache of a single process without Redis (the embedded default: PGlite lives in one
 * process, so every write goes through this process's repositories and invalidates here).
 *
 * Entries are kept as `v8.serialize` bytes: a hit returns a fresh copy (callers may mutate what
 * they get), and each entry's size is known, so the cache is bounded in bytes (default 32 MiB in
 * all, no entry over 1 MiB: a thread whose values are megabytes is read from the database).
 * Freshness as in redis-cache.ts, in O(1) per write: each id has a version and each namespace an
 * epoch; an entry is tagged with them as read *before* its database read, and served only while
 * the tag is current (a write raises the version, a stale entry is dropped when met or evicted).
 */
import { deserialize, serialize } from "node:v8";
import type { MetadataCache } from "./port.ts";
import type { CacheCounters } from "./redis-cache.ts";

const SEP = "\u0000";

/** Size and age bounds. */
export interface LocalCacheOptions {
  /** Bytes of serialized entries in all. Default 32 MiB. */
  maxBytes?: number;
  /** Largest entry kept. Default 1 MiB. */
  maxEntryBytes?: number;
  /** Entry age limit (a safety net; writes invalidate). Default 5 min. */
  maxAgeMs?: number;
  now?: () => number;
}

interface Entry {
  bytes: Buffer;
  at: number;
  tag: string;
}

/** Invalidated ids remembered before the version table restarts (with a new generation). */
const MAX_VERSIONS = 100_000;

/** In-process, byte-bounded, write-invalidated metadata cache. */
export class LocalMetadataCache implements MetadataCache {
  readonly #entries = new Map<string, Entry>();
  readonly #versions = new Map<string, number>();
  readonly #epochs = new Map<string, number>();
  readonly #counters: CacheCounters;
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #bytes = 0;
  #clock = 0;
  #generation = 0;

  constructor(counters: CacheCounters, o: LocalCacheOptions = {}) {
    this.#counters = counters;
    this.#maxBytes = o.maxBytes ?? 32 * 1024 * 1024;
    this.#maxEntryBytes = o.maxEntryBytes ?? 1024 * 1024;
    this.#maxAgeMs = o.maxAgeMs ?? 5 * 60_000;
    this.#now = o.now ?? Date.now;
  }

  async get<T>(ns: string, id: string, variant: string, load: () => Promise<T>): Promise<T> {
    const key = `${ns}${SEP}${id}${SEP}${variant}`;
    const tag = this.#tag(ns, id);
    const entry = this.#entries.get(key);
    if (entry) {
      this.#drop(key, entry);
      if (entry.tag === tag && this.#now() - entry.at <= this.#maxAgeMs) {
        this.#insert(key, entry); // most recently used
        this.#counters.hit(ns);
        return deserialize(entry.bytes) as T;
      }
    }
    this.#counters.miss(ns);
    const value = await load();
    if (this.#tag(ns, id) === tag) {
      const bytes = serialize(value);
      if (bytes.length <= this.#maxEntryBytes) this.#insert(key, { bytes, at: this.#now(), tag });
    }
    return value;
  }

  async invalidate(ns: string, ids: readonly string[]): Promise<void> {
    if (this.#versions.size + ids.length > MAX_VERSIONS) {
      // Every tag changes with the generation: nothing cached before is served again.
      this.#versions.clear();
      this.#generation++;
    }
    for (const id of ids) this.#versions.set(`${ns}${SEP}${id}`, ++this.#clock);
  }

  async invalidateAll(ns: string): Promise<void> {
    this.#epochs.set(ns, ++this.#clock);
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** Entries and bytes held (tests, diagnostics). */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
  }

  /** The freshness tag of an id (generation, namespace epoch, id version). */
  #tag(ns: string, id: string): string {
    const version = this.#versions.get(`${ns}${SEP}${id}`) ?? 0;
    return `${this.#generation}:${this.#epochs.get(ns) ?? 0}:${version}`;
  }

  #insert(key: string, entry: Entry) {
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes.length;
    for (const [oldest, e] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#drop(oldest, e);
    }
  }

  #drop(key: string, entry: Entry) {
    if (this.#entries.delete(key)) this.#bytes -= entry.bytes.length;
  }
}
