/**
 * Assistants repository with the metadata cache: `get` (every GET /assistants/:id and every run
 * creation's resolve) is read through the cache; every write invalidates the assistant after it
 * committed, and `delete_threads` drops the thread caches too.
 */
import type { AssistantsRepository } from "../assistants/repository.ts";
import { decorate } from "./decorate.ts";
import { type MetadataCache, NS } from "./port.ts";

const variantOf = (scope: unknown) => (scope == null ? "" : JSON.stringify(scope));

/** Wraps `repo` so reads use `cache` and writes invalidate it. */
export function cachedAssistantsRepository(
  repo: AssistantsRepository,
  cache: MetadataCache,
): AssistantsRepository {
  const drop = (id: string) => cache.invalidate(NS.assistants, [id]);
  return decorate<AssistantsRepository>(repo, {
    get: (id, scope) => cache.get(NS.assistants, id, variantOf(scope), () => repo.get(id, scope)),
    async insert(assistant, now, scope) {
      const out = await repo.insert(assistant, now, scope);
      if (out?.created) await drop(assistant.assistantId);
      return out;
    },
    async update(id, ...rest) {
      const out = await repo.update(id, ...rest);
      await drop(id);
      return out;
    },
    async delete(id, options, scope) {
      const out = await repo.delete(id, options, scope);
      await drop(id);
      // Its runs (and, on request, threads) went with it: thread statuses may have changed.
      if (out) {
        await cache.invalidateAll(NS.threads);
        await cache.invalidateAll(NS.threadSearch);
      }
      return out;
    },
    async setLatest(id, ...rest) {
      const out = await repo.setLatest(id, ...rest);
      await drop(id);
      return out;
    },
    async syncSystem(desired, now) {
      const out = await repo.syncSystem(desired, now);
      await drop(desired.assistantId);
      return out;
    },
  });
}
