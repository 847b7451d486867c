/**
 * Threads storage with the metadata cache: `find` (GET /threads/:id and every thread lookup) and
 * `search` are read through the cache outside transactions; every write through this storage
 * (thread service, state updates, TTL sweeps, copies) invalidates the thread and the search
 * results after it committed — for writes inside a transaction, after the transaction returned.
 */
import type { ThreadsRepository, ThreadsStorage, ThreadsUnit } from "../threads/repository.ts";
import { decorate } from "./decorate.ts";
import { type MetadataCache, NS } from "./port.ts";
import { digest } from "./redis-cache.ts";

const variantOf = (scope: unknown) => (scope == null ? "" : JSON.stringify(scope));

/** Invalidates threads (and every cached search) after thread writes from any feature. */
export async function invalidateThreads(cache: MetadataCache, ids: readonly string[]) {
  await cache.invalidate(NS.threads, [...new Set(ids)]);
  await cache.invalidateAll(NS.threadSearch);
}

/** Write methods of the thread rows repository and the thread id each one touches. */
function writes(
  repo: ThreadsRepository,
  touched: (id: string) => Promise<void>,
): Partial<ThreadsRepository> {
  return {
    async insert(thread, now) {
      const out = await repo.insert(thread, now);
      if (out) await touched(thread.threadId);
      return out;
    },
    async patch(id, patch, now, scope) {
      const out = await repo.patch(id, patch, now, scope);
      await touched(id);
      return out;
    },
    async delete(id, scope) {
      const out = await repo.delete(id, scope);
      await touched(id);
      return out;
    },
    async saveState(id, state, now) {
      await repo.saveState(id, state, now);
      await touched(id);
    },
    async clearExpiry(id) {
      await repo.clearExpiry(id);
      await touched(id);
    },
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
    ...writes(repo, (id) => invalidateThreads(cache, [id])),
  });
  return decorate<ThreadsStorage>(storage, {
    threads,
    async transaction<T>(fn: (unit: ThreadsUnit) => Promise<T>): Promise<T> {
      const ids = new Set<string>();
      try {
        return await storage.transaction((unit) => {
          const record = async (id: string) => void ids.add(id);
          return fn({ ...unit, threads: decorate(unit.threads, writes(unit.threads, record)) });
        });
      } finally {
        if (ids.size > 0) await invalidateThreads(cache, [...ids]);
      }
    },
  });
}
