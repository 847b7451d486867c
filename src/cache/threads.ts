/**
 * Threads storage with the metadata cache: `find` (GET /threads/:id and every thread lookup) and
 * `search` are read through the cache outside transactions; every write through this storage
 * (thread service, state updates, TTL sweeps, copies) is announced before its statement and
 * invalidates the thread and the search results after it committed — for writes inside a
 * transaction, after the transaction returned.
 */
import type { ThreadsRepository, ThreadsStorage, ThreadsUnit } from "../threads/repository.ts";
import { decorate } from "./decorate.ts";
import { beginWrites, type CacheWrite, type MetadataCache, NS, whileWriting } from "./port.ts";
import { digest } from "./redis-cache.ts";

const variantOf = (scope: unknown) => (scope == null ? "" : JSON.stringify(scope));

/** Invalidates threads (and every cached search) after thread writes from any feature. */
export async function invalidateThreads(cache: MetadataCache, ids: readonly string[]) {
  await cache.invalidate(NS.threads, [...new Set(ids)]);
  await cache.invalidateAll(NS.threadSearch);
}

/** What a write of thread `ids` (or of any thread) changes in the cache. */
export function threadWrites(ids: readonly string[] | "all"): CacheWrite[] {
  return [
    [NS.threads, ids === "all" ? "all" : [...new Set(ids)]],
    [NS.threadSearch, "all"],
  ];
}

/** Runs one write of the thread `id` (`fn`), announced to the cache (see port.ts). */
type Around = <T>(id: string, fn: () => Promise<T>) => Promise<T>;

/** Write methods of the thread rows repository, each around its thread id. */
function writes(repo: ThreadsRepository, around: Around): Partial<ThreadsRepository> {
  return {
    insert: (thread, now) => around(thread.threadId, () => repo.insert(thread, now)),
    patch: (id, patch, now, scope) => around(id, () => repo.patch(id, patch, now, scope)),
    delete: (id, scope) => around(id, () => repo.delete(id, scope)),
    saveState: (id, state, now) => around(id, () => repo.saveState(id, state, now)),
    clearExpiry: (id) => around(id, () => repo.clearExpiry(id)),
  };
}

/** Wraps thread storage so reads use `cache` and writes invalidate it. */
export function cachedThreadsStorage(
  storage: ThreadsStorage,
  cache: MetadataCache,
): ThreadsStorage {
  const repo = storage.threads;
  const threads = decorate<ThreadsRepository>(repo, {
    find: (id, scope) => cache.get(NS.threads, id, variantOf(scope), () => repo.find(id, scope)),
    search(query, scope) {
      const key = JSON.stringify([query, scope ?? null]);
      return cache.get(NS.threadSearch, digest(key), key, () => repo.search(query, scope));
    },
    ...writes(repo, (id, fn) => whileWriting(cache, threadWrites([id]), fn)),
  });
  return decorate<ThreadsStorage>(storage, {
    threads,
    async transaction<T>(fn: (unit: ThreadsUnit) => Promise<T>): Promise<T> {
      // Each write is announced before its statement; all end once the transaction did.
      const ends: (() => Promise<void>)[] = [];
      try {
        return await storage.transaction((unit) => {
          const around: Around = (id, write) => {
            ends.push(beginWrites(cache, threadWrites([id])));
            return write();
          };
          return fn({ ...unit, threads: decorate(unit.threads, writes(unit.threads, around)) });
        });
      } finally {
        for (const end of ends) await end();
      }
    },
  });
}
