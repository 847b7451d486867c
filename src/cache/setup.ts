/**
 * Builds the metadata cache for the composition root and the wrappers that apply it: with Redis,
 * an L1 + Redis cache and repositories that read through it and invalidate on writes; without
 * Redis on the embedded PGlite (one process by construction: every write passes here, or through
 * the run executor thread that shares this cache's tags), an in-process cache with the same wrappers; without Redis on PostgreSQL (replicas may write behind
 * this process's back), nothing changes (the repositories are returned as they are).
 */
import type { AssistantsRepository } from "../assistants/repository.ts";
import type { Logger } from "../logging/logger.ts";
import type { RedisConnection } from "../redis/connection.ts";
import type { ThreadsStorage } from "../threads/repository.ts";
import { cachedAssistantsRepository } from "./assistants.ts";
import { decorate } from "./decorate.ts";
import { LocalMetadataCache } from "./local-cache.ts";
import { beginWrites, type MetadataCache, NoopMetadataCache, NS } from "./port.ts";
import { type CacheCounters, RedisMetadataCache } from "./redis-cache.ts";
import type { SharedTags } from "./shared-tags.ts";
import { cachedThreadsStorage, invalidateThreads, threadWrites } from "./threads.ts";

/** The cache and its repository wrappers. */
export interface MetadataCaching {
  cache: MetadataCache;
  assistants(repo: AssistantsRepository): AssistantsRepository;
  threads(storage: ThreadsStorage): ThreadsStorage;
  /**
   * Thread rows changed outside the threads storage (the runs engine, through the threads
   * owner's run port): called after COMMIT by the unit of work that wrote them.
   */
  threadsChanged(ids: readonly string[] | "all"): Promise<void>;
  /**
   * Announces such a change before it can commit (inside the transaction); the returned function
   * (after COMMIT or rollback) invalidates like `threadsChanged` (unless given `false`) and ends
   * the announcement.
   */
  threadsChanging(ids: readonly string[] | "all"): (invalidate?: boolean) => Promise<void>;
  /** Drops every cached entry everywhere (after a test-mode truncate). */
  invalidateAll(): Promise<void>;
}

/** Caching on Redis when `redis` is given, else a pass-through. */
export async function createMetadataCaching(deps: {
  redis: RedisConnection | undefined;
  counters: CacheCounters;
  logger: Logger;
  /** True when no other process can write the database (the embedded PGlite). */
  singleProcess?: boolean;
  /**
   * The freshness tags this process's other writer thread shares (the embedded default's HTTP and
   * run executor threads, `shared-tags.ts`): an in-process cache then, per thread.
   */
  sharedTags?: SharedTags;
  /** Part of every cache key (tenancy: the current org, so no org reads another's entry). */
  variant?: () => string;
}): Promise<MetadataCaching> {
  if (!deps.redis && (deps.singleProcess || deps.sharedTags))
    return wrappers(
      keyed(new LocalMetadataCache(deps.counters, { tags: deps.sharedTags }), deps.variant),
    );
  if (!deps.redis) {
    const cache = new NoopMetadataCache();
    return {
      cache,
      assistants: (r) => r,
      threads: (s) => s,
      threadsChanged: async () => {},
      threadsChanging: () => async () => {},
      invalidateAll: async () => {},
    };
  }
  const cache = new RedisMetadataCache({
    redis: deps.redis,
    counters: deps.counters,
    logger: deps.logger,
  });
  await cache.start();
  return wrappers(keyed(cache, deps.variant));
}

/** A cache whose entries are also keyed by `variant()` (invalidation by id still drops them all). */
function keyed(cache: MetadataCache, variant: (() => string) | undefined): MetadataCache {
  if (!variant) return cache;
  return decorate(cache, {
    get: (ns, id, v, load) => cache.get(ns, id, `${variant()}|${v}`, load),
  });
}

/** The repository wrappers that read through `cache` and invalidate it. */
function wrappers(cache: MetadataCache): MetadataCaching {
  return {
    cache,
    assistants: (r) => cachedAssistantsRepository(r, cache),
    threads: (s) => cachedThreadsStorage(s, cache),
    async threadsChanged(ids) {
      if (ids !== "all") return invalidateThreads(cache, ids).catch(() => {});
      await cache.invalidateAll(NS.threads).catch(() => {});
      await cache.invalidateAll(NS.threadSearch).catch(() => {});
    },
    threadsChanging: (ids) => beginWrites(cache, threadWrites(ids)),
    async invalidateAll() {
      for (const ns of Object.values(NS)) await cache.invalidateAll(ns);
    },
  };
}
