/**
 * RedisMetadataCache on the real Redis (127.0.0.1:6379): two instances stand for two replicas
 * sharing one Redis. Reads are served from L1/L2 after the first load; an invalidation on one
 * replica is seen by the other on its very next read (no waiting for pub/sub); values keep their
 * Dates through Redis; without a reachable Redis every read goes to the loader. Unique key prefix
 * per test, deleted afterwards. Not registered (with a warning) when Redis is unreachable.
 */
import { randomBytes } from "node:crypto";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { RedisMetadataCache } from "../../src/cache/redis-cache.ts";
import { redisPing } from "../../src/metrics/redis-ping.ts";
import { RedisConnection } from "../../src/redis/connection.ts";
import { REDIS_TEST_URL } from "../support/server.ts";

const available = await redisPing(REDIS_TEST_URL);
if (!available)
  console.warn(`[skip] Redis not reachable at ${REDIS_TEST_URL}: cache tests not registered`);

const quiet = pino({ level: "silent" });
const conns: RedisConnection[] = [];
const caches: RedisMetadataCache[] = [];
let prefix = "";

function counters() {
  const c = { hits: 0, misses: 0 };
  return { c, counters: { hit: () => void c.hits++, miss: () => void c.misses++ } };
}

async function replica(url = REDIS_TEST_URL) {
  const redis = new RedisConnection({ url, logger: quiet, prefix });
  conns.push(redis);
  await redis.waitReady(url === REDIS_TEST_URL ? 3000 : 300);
  const { c, counters: k } = counters();
  const cache = new RedisMetadataCache({ redis, counters: k, logger: quiet });
  await cache.start();
  caches.push(cache);
  return { cache, stats: c };
}

afterEach(async () => {
  const cleanup = conns[0];
  if (cleanup?.ready) {
    const keys = await cleanup.client.keys(`${prefix}*`);
    if (keys.length) await cleanup.client.del(...keys);
  }
  for (const c of caches.splice(0)) await c.close();
  for (const c of conns.splice(0)) await c.close();
});

describe.runIf(available)("RedisMetadataCache", () => {
  const fresh = () => {
    prefix = `olgtest:${randomBytes(4).toString("hex")}:`;
  };

  it("loads once, then serves hits from L1 and, on another replica, from Redis", async () => {
    fresh();
    const a = await replica();
    const b = await replica();
    let loads = 0;
    const row = { id: "t1", createdAt: new Date("2024-01-02T03:04:05.000Z"), n: 1 };
    const load = async () => {
      loads++;
      return row;
    };
    expect(await a.cache.get("threads", "t1", "", load)).toEqual(row);
    expect(await a.cache.get("threads", "t1", "", load)).toEqual(row);
    await new Promise((r) => setTimeout(r, 50)); // L2 write is in the background
    const fromB = await b.cache.get("threads", "t1", "", load);
    expect(loads).toBe(1);
    expect(fromB.createdAt).toBeInstanceOf(Date);
    expect(fromB).toEqual(row);
    expect(a.stats).toEqual({ hits: 1, misses: 1 });
    expect(b.stats).toEqual({ hits: 1, misses: 0 });
  });

  it("an invalidation on one replica is seen by the other on its next read", async () => {
    fresh();
    const a = await replica();
    const b = await replica();
    let version = 1;
    const load = async () => ({ version });
    for (let i = 0; i < 20; i++) {
      expect(await b.cache.get("threads", "x", "", load)).toEqual({ version });
      expect(await b.cache.get("threads", "x", "", load)).toEqual({ version }); // cached
      version++;
      await a.cache.invalidate("threads", ["x"]); // the write returned here
      expect(await b.cache.get("threads", "x", "", load)).toEqual({ version });
    }
  });

  it("keeps variants apart and drops a whole namespace with invalidateAll", async () => {
    fresh();
    const a = await replica();
    const b = await replica();
    let gen = 0;
    const load = (v: string) => async () => `${v}:${gen}`;
    expect(await b.cache.get("threads-search", "q", "v1", load("v1"))).toBe("v1:0");
    expect(await b.cache.get("threads-search", "q", "v2", load("v2"))).toBe("v2:0");
    gen = 1;
    expect(await b.cache.get("threads-search", "q", "v1", load("v1"))).toBe("v1:0");
    await a.cache.invalidateAll("threads-search");
    expect(await b.cache.get("threads-search", "q", "v1", load("v1"))).toBe("v1:1");
    expect(await b.cache.get("threads-search", "q", "v2", load("v2"))).toBe("v2:1");
  });

  it("returns copies: a caller mutating its result does not change the cache", async () => {
    fresh();
    const a = await replica();
    const load = async () => ({ metadata: { k: 1 } });
    const first = await a.cache.get("assistants", "a", "", load);
    first.metadata.k = 99;
    const second = await a.cache.get("assistants", "a", "", load);
    second.metadata.k = 42;
    expect((await a.cache.get("assistants", "a", "", load)).metadata.k).toBe(1);
  });

  it("goes to the loader for every read while Redis is unreachable", async () => {
    fresh();
    const down = await replica("redis://127.0.0.1:1");
    let loads = 0;
    const load = async () => ++loads;
    for (let i = 0; i < 3; i++) await down.cache.get("threads", "t", "", load);
    await down.cache.invalidate("threads", ["t"]); // must not throw
    expect(loads).toBe(3);
    expect(down.stats).toEqual({ hits: 0, misses: 3 });
  });
});
