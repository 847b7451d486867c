/**
 * Assistants repository with the metadata cache: `get` (every GET /assistants/:id and every run
 * creation's resolve) is read through the cache; every write is announced before it is issued and
 * invalidates the assistant after it committed (or failed), and a delete drops the thread caches too.
 */
import type { AssistantsRepository } from "../assistants/repository.ts";
import { decorate } from "./decorate.ts";
import { type CacheWrite, type MetadataCache, NS, whileWriting } from "./port.ts";

const variantOf = (scope: unknown) => (scope == null ? "" : JSON.stringify(scope));

/** Wraps `repo` so reads use `cache` and writes invalidate it. */
export function cachedAssistantsRepository(
  repo: AssistantsRepository,
  cache: MetadataCache,
): AssistantsRepository {
  const one = (id: string): CacheWrite[] => [[NS.assistants, [id]]];
  // Its runs (and, on request, threads) go with a deleted assistant: thread statuses may change.
  const deleting = (id: string): CacheWrite[] => [
    [NS.assistants, [id]],
    [NS.threads, "all"],
    [NS.threadSearch, "all"],
  ];
  return decorate<AssistantsRepository>(repo, {
    get: (id, scope) => cache.get(NS.assistants, id, variantOf(scope), () => repo.get(id, scope)),
    insert: (assistant, now, scope) =>
      whileWriting(cache, one(assistant.assistantId), () => repo.insert(assistant, now, scope)),
    update: (id, ...rest) => whileWriting(cache, one(id), () => repo.update(id, ...rest)),
    delete: (id, options, scope) =>
      whileWriting(cache, deleting(id), () => repo.delete(id, options, scope)),
    setLatest: (id, ...rest) => whileWriting(cache, one(id), () => repo.setLatest(id, ...rest)),
    syncSystem: (desired, now) =>
      whileWriting(cache, one(desired.assistantId), () => repo.syncSystem(desired, now)),
  });
}
