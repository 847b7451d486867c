/**
 * Thread-cache invalidation for the runs engine, which writes thread rows in its own SQL (status
 * `busy` on insert, final status/values on finish, repairs on cancel/delete). Wraps the runs
 * repository without touching it: after each of those writes the thread is invalidated.
 *
 * A run inserted inside a caller's transaction (`within`, cron ticks) cannot be invalidated at
 * commit time from here, so it is invalidated right away and again shortly after (the commit
 * follows within milliseconds); the run's own finish invalidates once more.
 */
import type { RunsRepository } from "../runs/repository.ts";
import { decorate } from "./decorate.ts";
import type { MetadataCache } from "./port.ts";
import { NS } from "./port.ts";
import { invalidateThreads } from "./threads.ts";

const LATE_INVALIDATIONS_MS = [250, 2000];

/** Wraps `repo` so every thread write it makes invalidates the thread in `cache`. */
export function invalidatingRunsRepository(
  repo: RunsRepository,
  cache: MetadataCache,
): RunsRepository {
  /** Thread of each run claimed here (finish only gets the run id). */
  const threadOf = new Map<string, string>();
  const drop = (ids: string[]) => invalidateThreads(cache, ids).catch(() => {});
  const later = (id: string) => {
    for (const ms of LATE_INVALIDATIONS_MS) setTimeout(() => void drop([id]), ms).unref?.();
  };
  return decorate<RunsRepository>(repo, {
    async insert(spec, within) {
      const out = await repo.insert(spec, within);
      await drop([spec.threadId]);
      if (within) later(spec.threadId);
      return out;
    },
    async claim(...args: Parameters<RunsRepository["claim"]>) {
      const run = await repo.claim(...args);
      if (run) threadOf.set(run.runId, run.threadId);
      return run;
    },
    async finish(runId, ...rest) {
      const out = await repo.finish(runId, ...rest);
      const threadId = threadOf.get(runId);
      threadOf.delete(runId);
      if (threadId) await drop([threadId]);
      return out;
    },
    async release(runId, ...rest) {
      threadOf.delete(runId);
      return repo.release(runId, ...rest);
    },
    async cancel(...args: Parameters<RunsRepository["cancel"]>) {
      const touched = await repo.cancel(...args);
      if (touched.length) await drop(touched.map((t) => t.threadId));
      return touched;
    },
    async delete(...args: Parameters<RunsRepository["delete"]>) {
      const run = await repo.delete(...args);
      if (run) await drop([run.threadId]);
      return run;
    },
    async deleteThread(threadId) {
      await repo.deleteThread(threadId);
      await drop([threadId]);
    },
    async repairBusyThreads() {
      const n = await repo.repairBusyThreads();
      if (n > 0) {
        await cache.invalidateAll(NS.threads).catch(() => {});
        await cache.invalidateAll(NS.threadSearch).catch(() => {});
      }
      return n;
    },
  });
}
