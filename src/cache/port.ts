/**
 * The metadata cache port: read-through caching of assistants, threads and searches, keyed by a
 * namespace and an id, with a `variant` for everything else the result depends on (auth scope,
 * search query). Writers invalidate ids (or a whole namespace) after their write committed and
 * before it returns, so no replica serves the old value afterwards.
 */

/** Read-through cache of metadata rows. */
export interface MetadataCache {
  /** The cached value of (`ns`, `id`, `variant`), or `load()`'s result (then cached). */
  get<T>(ns: string, id: string, variant: string, load: () => Promise<T>): Promise<T>;
  /** Drops `ids` of `ns` everywhere (every replica, every variant). */
  invalidate(ns: string, ids: readonly string[]): Promise<void>;
  /** Drops every entry of `ns` everywhere. */
  invalidateAll(ns: string): Promise<void>;
  /** Releases timers and subscriptions. */
  close(): Promise<void>;
}

/** No cache (single process without Redis): every read goes to the database. */
export class NoopMetadataCache implements MetadataCache {
  get<T>(_ns: string, _id: string, _variant: string, load: () => Promise<T>): Promise<T> {
    return load();
  }
  async invalidate(): Promise<void> {}
  async invalidateAll(): Promise<void> {}
  async close(): Promise<void> {}
}

/** Cache namespaces used by the features. */
export const NS = {
  assistants: "assistants",
  threads: "threads",
  threadSearch: "threads-search",
} as const;
