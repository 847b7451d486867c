/**
 * Unit: the in-process metadata cache of the embedded default (`src/cache/local-cache.ts`): hits
 * are copies, writes invalidate an id or a whole namespace, a read that raced a write is not kept,
 * and memory stays within its byte bounds. Two caches over shared tags (the embedded default's
 * HTTP and executor threads, `src/cache/shared-tags.ts`) never serve what the other's write in
 * flight or committed changed, and a dead writer's marks can be dropped.
 */
import { describe, expect, it } from "vitest";
import { LocalMetadataCache } from "../../src/cache/local-cache.ts";
import { SharedTags } from "../../src/cache/shared-tags.ts";

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

  it("shared tags: a write announced by the other writer is neither served nor kept", async () => {
    const buffer = SharedTags.buffer();
    const http = new LocalMetadataCache(counted().counters, { tags: new SharedTags(buffer, 0) });
    const executor = new LocalMetadataCache(counted().counters, {
      tags: new SharedTags(buffer, 1),
    });
    expect(await http.get("threads", "t1", "", async () => "busy")).toBe("busy");
    expect(await http.get("threads", "t1", "", async () => "unused")).toBe("busy");
    // The executor thread's run end: announced inside its transaction, committed, hook not yet run.
    const end = executor.writing("threads", ["t1"]);
    let db = "idle"; // committed
    expect(await http.get("threads", "t1", "", async () => db)).toBe("idle");
    // ...and not kept while the mark stands, even though the read saw the new value.
    db = "idle, read again";
    expect(await http.get("threads", "t1", "", async () => db)).toBe("idle, read again");
    await end();
    db = "after the hook";
    expect(await http.get("threads", "t1", "", async () => db)).toBe("after the hook");
    expect(await http.get("threads", "t1", "", async () => "unused")).toBe("after the hook");
    // A whole namespace: the other writer's search entries go too, and a second end is a no-op.
    await http.get("threads-search", "q", "q", async () => ["old"]);
    const all = executor.writing("threads-search", "all");
    expect(await http.get("threads-search", "q", "q", async () => ["mid"])).toEqual(["mid"]);
    await all();
    await all();
    expect(await http.get("threads-search", "q", "q", async () => ["new"])).toEqual(["new"]);
    expect(await http.get("threads-search", "q", "q", async () => ["unused"])).toEqual(["new"]);
    // Invalidation without a mark reaches the other writer's entries too.
    await executor.invalidate("threads", ["t1"]);
    expect(await http.get("threads", "t1", "", async () => "x")).toBe("x");
  });

  it("shared tags: a load that straddles the other writer's whole write is not kept", async () => {
    const buffer = SharedTags.buffer();
    const http = new LocalMetadataCache(counted().counters, { tags: new SharedTags(buffer, 0) });
    const other = new SharedTags(buffer, 1);
    const value = await http.get("assistants", "a", "", async () => {
      other.writing("assistants", ["a"])(); // announced, committed and ended during the read
      return "old";
    });
    expect(value).toBe("old");
    expect(await http.get("assistants", "a", "", async () => "new")).toBe("new");
  });

  it("shared tags: a dead writer's marks are dropped and every tag changes", async () => {
    const buffer = SharedTags.buffer();
    const tags = new SharedTags(buffer, 0);
    const http = new LocalMetadataCache(counted().counters, { tags });
    await http.get("assistants", "a", "", async () => 1);
    const dead = new SharedTags(buffer, 1);
    dead.writing("threads", ["t"]); // never ended: its thread died mid-write
    dead.writing("threads-search", "all");
    expect(tags.tag("threads", "t")).toBeNull();
    expect(tags.tag("threads-search", "q")).toBeNull();
    tags.reset(1);
    expect(tags.tag("threads", "t")).not.toBeNull();
    expect(tags.tag("threads-search", "q")).not.toBeNull();
    // Its writes may have committed: nothing cached before the reset is served.
    expect(await http.get("assistants", "a", "", async () => 2)).toBe(2);
    expect(() => new SharedTags(buffer, 2)).toThrow(/slot/);
  });
});
