/**
 * `SqlStore` on PGlite and on PostgreSQL: BaseStore semantics (batch, get/put/delete, search with
 * prefix, filters and pagination, namespaces), TTL expiry/refresh/sweep, and semantic search with
 * the deterministic fake embedder on the vector table.
 */
import { InvalidNamespaceError } from "@langchain/langgraph-checkpoint";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StorageHandle } from "../../src/storage/database.ts";
import { createStore } from "../../src/store/setup.ts";
import type { SqlStore } from "../../src/store/sql-store.ts";
import { storageBackends } from "../support/storage.ts";

const backends = await storageBackends("store storage tests", "olg_store");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
/** A namespace root unique to one test. */
const root = () => `t${Date.now().toString(36)}${(seq++).toString(36)}`;

describe.each(backends)("SqlStore ($name)", ({ open }) => {
  let handle: StorageHandle;
  let cleanup: () => Promise<void>;
  let store: SqlStore;
  let indexed: SqlStore;

  beforeAll(async () => {
    ({ handle, cleanup } = await open());
    store = await createStore(handle.db, undefined, process.cwd());
    indexed = await createStore(
      handle.db,
      { index: { dims: 64, embed: "fake", fields: ["text"] } },
      process.cwd(),
    );
  });
  afterAll(async () => cleanup());

  it("puts, gets, overwrites (updatedAt increases, createdAt kept) and deletes", async () => {
    const ns = [root(), "docs"];
    expect(await store.get(ns, "a")).toBeNull();
    await store.put(ns, "a", { n: 1 });
    const first = await store.get(ns, "a");
    expect(first).toMatchObject({ namespace: ns, key: "a", value: { n: 1 } });
    expect(first!.createdAt).toBeInstanceOf(Date);
    await store.put(ns, "a", { n: 2 });
    const second = await store.get(ns, "a");
    expect(second!.value).toEqual({ n: 2 });
    expect(second!.updatedAt.getTime()).toBeGreaterThan(first!.updatedAt.getTime());
    expect(second!.createdAt.getTime()).toBe(first!.createdAt.getTime());
    await store.delete(ns, "a");
    expect(await store.get(ns, "a")).toBeNull();
  });

  it("rejects invalid namespaces on put, as BaseStore does", async () => {
    await expect(store.put([], "k", { a: 1 })).rejects.toBeInstanceOf(InvalidNamespaceError);
    await expect(store.put(["a.b"], "k", { a: 1 })).rejects.toBeInstanceOf(InvalidNamespaceError);
    await expect(store.put(["langgraph"], "k", { a: 1 })).rejects.toBeInstanceOf(
      InvalidNamespaceError,
    );
  });

  it("batch: reads see the state before the batch's writes; the last put of a key wins", async () => {
    const ns = [root()];
    const results = await store.batch([
      { namespace: ns, key: "k", value: { v: 1 } },
      { namespace: ns, key: "k" },
      { namespace: ns, key: "k", value: { v: 2 } },
      { namespacePrefix: ns, limit: 10, offset: 0 },
    ]);
    expect(results[1]).toBeNull();
    expect(results[3]).toEqual([]);
    expect((await store.get(ns, "k"))!.value).toEqual({ v: 2 });
  });

  it("searches by label-wise prefix, with limit and offset, in creation order", async () => {
    const r = root();
    await store.put([r, "a"], "1", { i: 1 });
    await store.put([r, "a", "deep"], "2", { i: 2 });
    await store.put([r, "ab"], "3", { i: 3 });
    await store.put([r, "b"], "4", { i: 4 });
    const underA = await store.search([r, "a"]);
    expect(underA.map((i) => i.key)).toEqual(["1", "2"]);
    expect(underA[0]!.score).toBeUndefined();
    const all = await store.search([r]);
    expect(all.map((i) => i.key)).toEqual(["1", "2", "3", "4"]);
    expect((await store.search([r], { limit: 2, offset: 1 })).map((i) => i.key)).toEqual([
      "2",
      "3",
    ]);
    // Without an index a query does not rank or filter (in-memory store semantics).
    expect((await store.search([r], { query: "anything" })).length).toBe(4);
  });

  it("filters with equality and the comparison operators", async () => {
    const ns = [root()];
    await store.put(ns, "a", { color: "red", score: 1, tags: ["x"], meta: { k: 1 } });
    await store.put(ns, "b", { color: "blue", score: 5 });
    await store.put(ns, "c", { color: "red", score: 10, when: "2024-05-01" });
    const keys = async (filter: Record<string, unknown>) =>
      (await store.search(ns, { filter })).map((i) => i.key).sort();
    expect(await keys({ color: "red" })).toEqual(["a", "c"]);
    expect(await keys({ color: { $eq: "blue" } })).toEqual(["b"]);
    expect(await keys({ color: { $ne: "red" } })).toEqual(["b"]);
    expect(await keys({ score: { $gt: 1 } })).toEqual(["b", "c"]);
    expect(await keys({ score: { $gte: 5, $lt: 10 } })).toEqual(["b"]);
    expect(await keys({ score: { $lte: 5 } })).toEqual(["a", "b"]);
    expect(await keys({ color: "red", score: { $gt: 4 } })).toEqual(["c"]);
    expect(await keys({ score: { $in: [1, 10] } })).toEqual(["a", "c"]);
    expect(await keys({ score: { $nin: [1, 10] } })).toEqual(["b"]);
    expect(await keys({ when: { $gt: "2024-01-01" } })).toEqual(["c"]);
    expect(await keys({ tags: ["x"] })).toEqual(["a"]);
    expect(await keys({ meta: { k: 1 } })).toEqual(["a"]);
    expect(await keys({ missing: "x" })).toEqual([]);
    expect(await keys({ score: "1" })).toEqual([]);
  });

  it("object and array equality is exact (jsonb =), not containment, on every engine", async () => {
    const ns = [root()];
    await store.put(ns, "a", { tags: ["x"], meta: { k: 1, j: { z: [1, "2"] } } });
    await store.put(ns, "b", { tags: ["x", "y"], meta: { k: 1 } });
    await store.put(ns, "c", { tags: ["y", "x"], meta: { j: { z: [1, "2"] }, k: 1 } });
    await store.put(ns, "d", { tags: [["x"]], meta: { k: 1.0, extra: null } });
    const keys = async (filter: Record<string, unknown>) =>
      (await store.search(ns, { filter })).map((i) => i.key).sort();
    expect(await keys({ tags: ["x"] })).toEqual(["a"]);
    expect(await keys({ tags: { $eq: ["x", "y"] } })).toEqual(["b"]);
    expect(await keys({ tags: { $eq: [] } })).toEqual([]);
    expect(await keys({ tags: [["x"]] })).toEqual(["d"]);
    expect(await keys({ meta: { k: 1 } })).toEqual(["b"]);
    // Object keys in any order, nested arrays in order.
    expect(await keys({ meta: { $eq: { k: 1, j: { z: [1, "2"] } } } })).toEqual(["a", "c"]);
    expect(await keys({ meta: { j: { z: ["2", 1] }, k: 1 } })).toEqual([]);
    expect(await keys({ meta: { k: 1, extra: null } })).toEqual(["d"]);
    expect(await keys({ meta: { $ne: { k: 1 } } })).toEqual(["a", "c", "d"]);
    expect(await keys({ tags: { $in: [["y", "x"], ["x"]] } })).toEqual(["a", "c"]);
    expect(await keys({ tags: { $nin: [["x"]] } })).toEqual(["b", "c", "d"]);
  });

  it("lists namespaces with prefix, suffix, wildcards, max depth and pagination", async () => {
    const r = root();
    await store.put([r, "users", "u1", "prefs"], "k", { a: 1 });
    await store.put([r, "users", "u2", "prefs"], "k", { a: 1 });
    await store.put([r, "users", "u2", "notes"], "k", { a: 1 });
    await store.put([r, "docs"], "k", { a: 1 });
    expect(await store.listNamespaces({ prefix: [r] })).toEqual([
      [r, "docs"],
      [r, "users", "u1", "prefs"],
      [r, "users", "u2", "notes"],
      [r, "users", "u2", "prefs"],
    ]);
    expect(await store.listNamespaces({ prefix: [r, "users"], suffix: ["prefs"] })).toEqual([
      [r, "users", "u1", "prefs"],
      [r, "users", "u2", "prefs"],
    ]);
    expect(await store.listNamespaces({ prefix: [r, "*", "u2"] })).toEqual([
      [r, "users", "u2", "notes"],
      [r, "users", "u2", "prefs"],
    ]);
    expect(await store.listNamespaces({ prefix: [r], maxDepth: 2 })).toEqual([
      [r, "docs"],
      [r, "users"],
    ]);
    expect(await store.listNamespaces({ prefix: [r], limit: 2, offset: 1 })).toEqual([
      [r, "users", "u1", "prefs"],
      [r, "users", "u2", "notes"],
    ]);
  });

  it("hides expired items at once, refreshes TTL on read, and sweeps expired rows", async () => {
    const ns = [root()];
    await store.putItem(ns, "short", { v: 1 }, { ttl: 0.01 }); // 0.6 s
    await store.putItem(ns, "kept", { v: 2 }, { ttl: 0.02 }); // 1.2 s
    await store.putItem(ns, "forever", { v: 3 }, { ttl: null });
    await sleep(700);
    expect(await store.get(ns, "short")).toBeNull();
    expect((await store.search(ns)).map((i) => i.key).sort()).toEqual(["forever", "kept"]);
    // The search above refreshed "kept" (1.2 s from then); reading without refresh does not.
    await sleep(700);
    expect(await store.getItem(ns, "kept", { refreshTtl: false })).not.toBeNull();
    await sleep(700);
    expect(await store.getItem(ns, "kept", { refreshTtl: false })).toBeNull();
    expect(await store.listNamespaces({ prefix: ns })).toEqual([ns]);
    expect(await store.sweepExpired()).toBeGreaterThanOrEqual(2);
    const rows = await handle.db
      .selectFrom("store_items")
      .select("key")
      .where("prefix", "=", ns[0]!)
      .execute();
    expect(rows.map((r) => r.key)).toEqual(["forever"]);
  });

  it("applies store.ttl.default_ttl when a put gives no ttl", async () => {
    const withDefault = await createStore(
      handle.db,
      { ttl: { default_ttl: 0.01, refresh_on_read: false } },
      process.cwd(),
    );
    const ns = [root()];
    await withDefault.put(ns, "k", { v: 1 });
    await withDefault.putItem(ns, "never", { v: 1 }, { ttl: null });
    const row = await handle.db
      .selectFrom("store_items")
      .select(["ttl_minutes", "expires_at"])
      .where("prefix", "=", ns[0]!)
      .where("key", "=", "k")
      .executeTakeFirstOrThrow();
    expect(row.ttl_minutes).toBe(0.01);
    expect(row.expires_at).not.toBeNull();
    await sleep(700);
    expect(await withDefault.get(ns, "k")).toBeNull();
    expect(await withDefault.get(ns, "never")).not.toBeNull();
  });

  it("ranks by semantic similarity with an index, unembedded items last", async () => {
    const ns = [root(), "memories"];
    await indexed.put(ns, "py", { text: "python programming tutorial for beginners" });
    await indexed.put(ns, "ts", { text: "typescript generics deep dive" });
    await indexed.put(ns, "cook", { text: "slow cooked tomato soup recipe" });
    await indexed.put(ns, "off", { text: "python python python" }, false);
    const hits = await indexed.search(ns, { query: "python tutorial" });
    expect(hits.map((h) => h.key)).toEqual(["py", expect.any(String), expect.any(String), "off"]);
    expect(hits[0]!.score).toBeGreaterThan(0.4);
    expect(hits[0]!.score!).toBeGreaterThan(hits[1]!.score ?? -1);
    expect(hits[3]!.score).toBeUndefined();
    const soup = await indexed.search(ns, { query: "tomato soup", limit: 1 });
    expect(soup.map((h) => h.key)).toEqual(["cook"]);
    const filtered = await indexed.search(ns, { query: "python", filter: { text: { $ne: "x" } } });
    expect(filtered[0]!.key).toBe("py");
    // Re-put with other text re-embeds; deleting removes the vectors with the item.
    await indexed.put(ns, "py", { text: "tomato soup with basil" });
    const again = await indexed.search(ns, { query: "tomato soup", limit: 2 });
    expect(again.map((h) => h.key).sort()).toEqual(["cook", "py"]);
    await indexed.delete(ns, "py");
    const left = await sql<{ n: number }>`
      SELECT count(*) AS n FROM store_vectors WHERE prefix = ${ns.join(".")} AND ${sql.ref("key")} = 'py'`.execute(
      handle.db,
    );
    expect(Number(left.rows[0]!.n)).toBe(0);
  });

  it("indexes the fields named on put, one vector per match", async () => {
    const ns = [root()];
    await indexed.put(ns, "doc", { title: "gardening", chapters: ["roses", "tulips"] }, [
      "chapters[*]",
    ]);
    const rows = await sql<{ field_name: string }>`
      SELECT field_name FROM store_vectors WHERE prefix = ${ns[0]!} ORDER BY field_name`.execute(
      handle.db,
    );
    expect(rows.rows.map((r) => r.field_name)).toEqual(["chapters[*].0", "chapters[*].1"]);
    const hits = await indexed.search(ns, { query: "tulips" });
    expect(hits[0]!.score).toBeGreaterThan(0.9);
  });
});
