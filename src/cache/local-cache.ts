/**
 * The metadata cache of a single process without Redis (the embedded default: PGlite lives in one
 * process, so every write goes through this process's repositories and invalidates here).
 *
 * Entries are kept as `v8.serialize` bytes: a hit returns a fresh copy (callers may mutate what
 * they get), and each entry's size is known, so the cache is bounded in bytes (default 32 MiB in
 * all, no entry over 1 MiB: a thread whose values are megabytes is read from the database).
 * Freshness as in redis-cache.ts, in O(1) per write: each id has a version and each namespace an
 * epoch (`shared-tags.ts`); an entry is tagged with them as read *before* its database read, and
 * served only while the tag is current (a write raises the version, a stale entry is dropped when
 * met or evicted). The tags may be shared with another thread that writes the same database (the
 * embedded default's run executor thread): writes announced with `writing` are then in flight
 * for both threads until their unit of work ended, and nothing of them is served or kept meanwhile.
 */
import { deserialize, serialize } from "node:v8";
import type { MetadataCache } from "./port.ts";
import type { CacheCounters } from "./redis-cache.ts";
import { SharedTags } from "./shared-tags.ts";

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
  /** Freshness tags shared with another writer thread (default: this cache's own). */
  tags?: SharedTags;
}

interface Entry {
  bytes: Buffer;
  at: number;
  tag: string;
}

/** In-process, byte-bounded, write-invalidated metadata cache. */
export class LocalMetadataCache implements MetadataCache {
  readonly #entries = new Map<string, Entry>();
  readonly #tags: SharedTags;
  readonly #counters: CacheCounters;
  readonly #maxBytes: number;
  readonly #maxEntryBytes: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(counters: CacheCounters, o: LocalCacheOptions = {}) {
    this.#counters = counters;
    this.#maxBytes = o.maxBytes ?? 32 * 1024 * 1024;
    this.#maxEntryBytes = o.maxEntryBytes ?? 1024 * 1024;
    this.#maxAgeMs = o.maxAgeMs ?? 5 * 60_000;
    this.#now = o.now ?? Date.now;
    this.#tags = o.tags ?? new SharedTags();
  }

  async get<T>(ns: string, id: string, variant: string, load: () => Promise<T>): Promise<T> {
    const key = `${ns}${SEP}${id}${SEP}${variant}`;
    const tag = this.#tags.tag(ns, id);
    if (tag === null) {
      // A write of it is in flight (maybe in another thread): neither served nor kept.
      this.#counters.miss(ns);
      return load();
    }
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
    if (this.#tags.tag(ns, id) === tag) {
      const bytes = serialize(value);
      if (bytes.length <= this.#maxEntryBytes) this.#insert(key, { bytes, at: this.#now(), tag });
    }
    return value;
  }

  async invalidate(ns: string, ids: readonly string[]): Promise<void> {
    this.#tags.bump(ns, ids);
  }

  async invalidateAll(ns: string): Promise<void> {
    this.#tags.bumpAll(ns);
  }

  writing(ns: string, ids: readonly string[] | "all"): (invalidate?: boolean) => Promise<void> {
    const end = this.#tags.writing(ns, ids);
    return async (invalidate = true) => end(invalidate);
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** Entries and bytes held (tests, diagnostics). */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.#entries.size, bytes: this.#bytes };
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
