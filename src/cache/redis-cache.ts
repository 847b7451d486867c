/**
 * Two-level metadata cache shared by every replica: an in-process LRU (L1) in front of Redis (L2),
 * in front of the database.
 *
 * Freshness uses versioned keys. Each id has a version token `<p>cache:<ns>:v:<id>` and each
 * namespace an epoch token `<p>cache:<ns>:epoch`; a cached value is tagged `epoch:version` as read
 * *before* the database read. A write commits, then replaces the tokens with fresh random ones
 * (never reused, even after a Redis restart) before it returns. Every read first fetches the
 * current tag (one round trip, together with the L2 value on an L1 miss) and only serves an entry
 * whose tag matches — so after a write returns no replica serves the old row, even before the
 * pub/sub broadcast (which only frees L1 memory early) arrives. A reader that raced the write
 * stored its value under the old tag, which never matches again.
 *
 * Degradation: while Redis is unreachable reads go straight to the database (counted as misses),
 * a failed invalidation marks this replica "suspect", and on reconnect every replica clears its
 * L1 while a suspect one also renews the epochs of the namespaces it failed to invalidate.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "../logging/logger.ts";
import type { RedisConnection } from "../redis/connection.ts";
import { decode, encode } from "./codec.ts";
import { Lru } from "./lru.ts";
import type { MetadataCache } from "./port.ts";

/** Hit/miss counters (the `Metrics.cache` handles fit). */
export interface CacheCounters {
  hit(cache: string): void;
  miss(cache: string): void;
}

/** Options of the Redis-backed cache. */
export interface RedisCacheOptions {
  redis: RedisConnection;
  counters: CacheCounters;
  logger: Logger;
  /** L1 entries per process. Default 5 000. */
  l1Size?: number;
  /** L1 entry age limit. Default 60 s. */
  l1MaxAgeMs?: number;
  /** L2 entry expiry. Default 10 min. */
  l2TtlMs?: number;
}

interface L1Entry {
  tag: string;
  value: unknown;
}

const VERSION_TTL_MS = 24 * 60 * 60_000;
const SEP = "\u0000";

/** Short stable id of a long key (search queries). */
export const digest = (text: string): string => createHash("sha1").update(text).digest("base64url");

/** The L1 + Redis metadata cache. */
export class RedisMetadataCache implements MetadataCache {
  readonly #redis: RedisConnection;
  readonly #counters: CacheCounters;
  readonly #log: Logger;
  readonly #l1: Lru<L1Entry>;
  readonly #l2TtlMs: number;
  readonly #channel: string;
  readonly #suspect = new Set<string>();
  #off: Array<() => unknown> = [];

  constructor(o: RedisCacheOptions) {
    this.#redis = o.redis;
    this.#counters = o.counters;
    this.#log = o.logger;
    this.#l1 = new Lru(o.l1Size ?? 5_000, o.l1MaxAgeMs ?? 60_000);
    this.#l2TtlMs = o.l2TtlMs ?? 10 * 60_000;
    this.#channel = `${o.redis.prefix}cache:invalidate`;
  }

  /** Subscribes to invalidation broadcasts and reconnect notices. */
  async start(): Promise<void> {
    this.#off.push(
      await this.#redis.subscribe(this.#channel, (message) => this.#onBroadcast(message)),
    );
    this.#off.push(this.#redis.onReady(() => void this.#recovered()));
  }

  async get<T>(ns: string, id: string, variant: string, load: () => Promise<T>): Promise<T> {
    if (!this.#redis.ready || this.#suspect.size > 0) {
      this.#counters.miss(ns);
      return load();
    }
    const l1Key = `${ns}${SEP}${id}${SEP}${variant}`;
    const local = this.#l1.get(l1Key);
    let tag: string;
    let l2: string | null = null;
    try {
      const pipe = this.#redis.client.pipeline().mget(this.#epochKey(ns), this.#versionKey(ns, id));
      if (!local) pipe.hget(this.#dataKey(ns, id), variant);
      const results = (await pipe.exec()) ?? [];
      for (const [err] of results) if (err) throw err;
      const [epoch, version] = results[0]?.[1] as [string | null, string | null];
      tag = `${epoch ?? "0"}:${version ?? "0"}`;
      if (!local) l2 = (results[1]?.[1] as string | null) ?? null;
    } catch {
      this.#counters.miss(ns);
      return load();
    }
    if (local && local.tag === tag) {
      this.#counters.hit(ns);
      return structuredClone(local.value) as T;
    }
    if (l2?.startsWith(`${tag}|`)) {
      const value = decode<T>(l2.slice(tag.length + 1));
      this.#l1.set(l1Key, { tag, value });
      this.#counters.hit(ns);
      return structuredClone(value);
    }
    this.#counters.miss(ns);
    const value = await load();
    this.#l1.set(l1Key, { tag, value: structuredClone(value) });
    const dataKey = this.#dataKey(ns, id);
    void this.#redis.client
      .multi()
      .hset(dataKey, variant, `${tag}|${encode(value)}`)
      .pexpire(dataKey, this.#l2TtlMs)
      .exec()
      .catch(() => {});
    return value;
  }

  async invalidate(ns: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) this.#l1.deletePrefix(`${ns}${SEP}${id}${SEP}`);
    try {
      const multi = this.#redis.client.multi();
      for (const id of ids) {
        multi.set(this.#versionKey(ns, id), randomUUID(), "PX", VERSION_TTL_MS);
        multi.del(this.#dataKey(ns, id));
      }
      multi.publish(this.#channel, JSON.stringify({ ns, ids }));
      await multi.exec();
    } catch (err) {
      this.#markSuspect(ns, err);
    }
  }

  async invalidateAll(ns: string): Promise<void> {
    this.#l1.deletePrefix(`${ns}${SEP}`);
    try {
      await this.#redis.client
        .multi()
        .set(this.#epochKey(ns), randomUUID(), "PX", VERSION_TTL_MS)
        .publish(this.#channel, JSON.stringify({ ns }))
        .exec();
    } catch (err) {
      this.#markSuspect(ns, err);
    }
  }

  async close(): Promise<void> {
    for (const off of this.#off.splice(0)) await off();
    this.#l1.clear();
  }

  /** Entries held in L1 (tests, diagnostics). */
  get localSize(): number {
    return this.#l1.size;
  }

  #onBroadcast(message: string): void {
    try {
      const { ns, ids } = JSON.parse(message) as { ns: string; ids?: string[] };
      if (!ids) this.#l1.deletePrefix(`${ns}${SEP}`);
      else for (const id of ids) this.#l1.deletePrefix(`${ns}${SEP}${id}${SEP}`);
    } catch {
      // not ours
    }
  }

  #markSuspect(ns: string, err: unknown): void {
    if (this.#suspect.size === 0)
      this.#log.warn({ err, ns }, "cache invalidation failed; cache bypassed until redis is back");
    this.#suspect.add(ns);
    this.#l1.clear();
  }

  /** After a reconnect: Redis may have lost or missed updates, start from a clean slate. */
  async #recovered(): Promise<void> {
    this.#l1.clear();
    for (const ns of [...this.#suspect]) {
      try {
        await this.#redis.client.set(this.#epochKey(ns), randomUUID(), "PX", VERSION_TTL_MS);
        this.#suspect.delete(ns);
      } catch {
        return; // still down; the next ready event retries
      }
    }
    this.#log.info("metadata cache back on redis");
  }

  #epochKey = (ns: string) => `${this.#redis.prefix}cache:${ns}:epoch`;
  #versionKey = (ns: string, id: string) => `${this.#redis.prefix}cache:${ns}:v:${id}`;
  #dataKey = (ns: string, id: string) => `${this.#redis.prefix}cache:${ns}:d:${id}`;
}
