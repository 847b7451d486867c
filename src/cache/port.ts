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
  /**
   * Optional (a cache whose tags another writer thread shares, `local-cache.ts`): marks a write of
   * `ids` (or all of `ns`) in flight before it can commit; the returned function, called after
   * COMMIT or rollback, invalidates them (unless given `false`: the caller invalidated what really
   * changed) and ends the mark. Meanwhile no thread serves or keeps them.
   */
  writing?(ns: string, ids: readonly string[] | "all"): (invalidate?: boolean) => Promise<void>;
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

/** One write to announce: a namespace and its ids, or `"all"` of it. */
export type CacheWrite = readonly [ns: string, ids: readonly string[] | "all"];

/**
 * Announces `writes` to `cache` before they are issued ({@link MetadataCache.writing}); the
 * returned function (call it after COMMIT or rollback; later calls do nothing) invalidates them
 * (unless given `false`) and ends the announcement. Caches without `writing` are only invalidated then, as before.
 */
export function beginWrites(
  cache: MetadataCache,
  writes: readonly CacheWrite[],
): (invalidate?: boolean) => Promise<void> {
  const ends = writes.map(
    ([ns, ids]) =>
      cache.writing?.(ns, ids) ??
      (async (invalidate = true) => {
        if (invalidate) await (ids === "all" ? cache.invalidateAll(ns) : cache.invalidate(ns, ids));
      }),
  );
  let open = true;
  return async (invalidate = true) => {
    if (!open) return;
    open = false;
    for (const end of ends) await end(invalidate);
  };
}

/** Runs `fn` with `writes` announced, ending them (invalidating) once it returned or threw. */
export async function whileWriting<T>(
  cache: MetadataCache,
  writes: readonly CacheWrite[],
  fn: () => Promise<T>,
): Promise<T> {
  const end = beginWrites(cache, writes);
  try {
    return await fn();
  } finally {
    await end();
  }
}
