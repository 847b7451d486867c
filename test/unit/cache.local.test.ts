/**
 * Unit: the in-process metadata cache of the embedded default (`src/cache/local-cache.ts`): hits
 * are copies, writes invalidate an id or a whole namespace, a read that raced a write is not kept,
 * and memory stays within its byte bounds.
 */
import { describe, expect, it } from "vitest";
import { LocalMetadataCache } from "../../src/cache/local-cache.ts";

function counted() {
  const counts = { hit: 0, miss: 0 };
  return {
    counts,
    counters: { hit: () => void counts.hit++, miss: () => void counts.miss++ },
  };
}

describe("LocalMetadataCache", () => {
  it("serves a copy until the id is invalidated", async () => {
    const { counts, counters } = counted();
    const cache = new LocalMetadataCache(counters);
    let loads = 0;
    const load = async () => ({ n: ++loads, at: new Date(0), tags: ["a"] });
    const first = await cache.get("threads", "t1", "", load);
    first.tags.push("mutated by the caller");
    const second = await cache.get("threads", "t1", "", load);
    expect(second).toEqual({ n: 1, at: new Date(0), tags: ["a"] });
    expect(second.at).toBeInstanceOf(Date);
    expect(counts).toEqual({ hit: 1, miss: 1 });
    // Another variant (auth scope) is its own entry.
    expect((await cache.get("threads", "t1", "scope", load)).n).toBe(2);
    await cache.invalidate("threads", ["t1"]);
    expect((await cache.get("threads", "t1", "", load)).n).toBe(3);
    expect((await cache.get("threads", "t1", "scope", load)).n).toBe(4);
    // Other ids and namespaces are untouched by an id's invalidation; invalidateAll drops a namespace.
    expect((await cache.get("assistants", "t1", "", load)).n).toBe(5);
    await cache.invalidate("threads", ["t2"]);
    expect((await cache.get("threads", "t1", "", load)).n).toBe(3);
    await cache.invalidateAll("threads");
    expect((await cache.get("threads", "t1", "", load)).n).toBe(6);
    expect((await cache.get("assistants", "t1", "", load)).n).toBe(5);
  });

  it("does not keep a value read before a concurrent write committed", async () => {
    const cache = new LocalMetadataCache(counted().counters);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const stale = cache.get("assistants", "a1", "", async () => {
      await gate;
      return "old";
    });
    await cache.invalidate("assistants", ["a1"]); // the write lands while the read is in flight
    release();
    expect(await stale).toBe("old");
    expect(await cache.get("assistants", "a1", "", async () => "new")).toBe("new");
    const searching = cache.get("threads-search", "q", "q", async () => {
      await cache.invalidateAll("threads-search");
      return ["old"];
    });
    expect(await searching).toEqual(["old"]);
    expect(await cache.get("threads-search", "q", "q", async () => ["new"])).toEqual(["new"]);
  });

  it("stays within its byte bounds and skips entries over the per-entry limit", async () => {
    const cache = new LocalMetadataCache(counted().counters, {
      maxBytes: 64 * 1024,
      maxEntryBytes: 16 * 1024,
    });
    await cache.get("threads", "big", "", async () => "x".repeat(32 * 1024));
    expect(cache.stats.entries).toBe(0);
    for (let i = 0; i < 40; i++)
      await cache.get("threads", `t${i}`, "", async () => "y".repeat(4 * 1024));
    expect(cache.stats.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(cache.stats.entries).toBeGreaterThan(10);
    expect(cache.stats.entries).toBeLessThan(40);
    // The most recent entries are the ones kept.
    let loaded = false;
    await cache.get("threads", "t39", "", async () => {
      loaded = true;
      return "";
    });
    expect(loaded).toBe(false);
  });

  it("expires entries past their age limit", async () => {
    let now = 0;
    const cache = new LocalMetadataCache(counted().counters, { maxAgeMs: 1000, now: () => now });
    await cache.get("assistants", "a", "", async () => 1);
    now = 500;
    expect(await cache.get("assistants", "a", "", async () => 2)).toBe(1);
    now = 2000;
    expect(await cache.get("assistants", "a", "", async () => 3)).toBe(3);
  });
});
