/**
 * Black-box, dedicated servers started with `test/fixtures/store/open_langgraph.json`
 * (`store.index` with the fake embedder, a fast TTL sweeper): semantic search with scores, TTL
 * refresh on read and sweeping, and `listNamespaces` empty after `truncate({store: true})`.
 */
import { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresAvailable, startServer, type TestServer } from "../support/server.ts";

const CONFIG = "test/fixtures/store/open_langgraph.json";
const backends: ("pglite" | "postgres")[] = ["pglite"];
if (await postgresAvailable()) backends.push("postgres");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)("store with index and TTL sweeper (%s)", (backend) => {
  let server: TestServer;
  let client: Client;

  beforeAll(async () => {
    server = await startServer({ backend, config: CONFIG });
    client = new Client({ apiUrl: server.url });
  });
  afterAll(async () => server?.stop());

  it("ranks a query by similarity and returns scores", async () => {
    const ns = ["memories", "u1"];
    await client.store.putItem(ns, "py", { text: "python programming tutorial" });
    await client.store.putItem(ns, "soup", { text: "tomato soup recipe" });
    await client.store.putItem(ns, "plain", { text: "python python" }, { index: false });
    const { items } = await client.store.searchItems(["memories"], { query: "tomato soup" });
    expect(items.map((i) => i.key)).toEqual(["soup", "py", "plain"]);
    expect(items[0]!.score).toBeGreaterThan(0.8);
    expect(typeof items[1]!.score).toBe("number");
    expect(items[2]).not.toHaveProperty("score");
    const top = await client.store.searchItems(["memories"], {
      query: "python tutorial",
      limit: 1,
    });
    expect(top.items.map((i) => i.key)).toEqual(["py"]);
    const filtered = await client.store.searchItems(["memories"], {
      query: "python",
      filter: { text: "tomato soup recipe" },
    });
    expect(filtered.items.map((i) => i.key)).toEqual(["soup"]);
  });

  it("refreshes the TTL on read unless refresh_ttl is false, and sweeps expired rows", async () => {
    const ns = ["ttl", "case"];
    await client.store.putItem(ns, "read", { v: 1 }, { ttl: 0.02 }); // 1.2 s
    await client.store.putItem(ns, "unread", { v: 2 }, { ttl: 0.02 });
    await sleep(700);
    expect(await client.store.getItem(ns, "read")).not.toBeNull(); // refreshed to +1.2 s
    expect(await client.store.getItem(ns, "unread", { refreshTtl: false })).not.toBeNull();
    await sleep(700);
    expect(await client.store.getItem(ns, "unread", { refreshTtl: false })).toBeNull();
    expect(await client.store.getItem(ns, "read", { refreshTtl: false })).not.toBeNull();
    await sleep(1200);
    expect(await client.store.getItem(ns, "read")).toBeNull();
    if (server.databaseUrl) {
      // The sweeper (every 0.3 s here) has deleted the rows themselves.
      const db = new pg.Client({ connectionString: server.databaseUrl });
      await db.connect();
      try {
        const { rows } = await db.query("SELECT key FROM store_items WHERE prefix = 'ttl.case'");
        expect(rows).toEqual([]);
      } finally {
        await db.end();
      }
    }
  });

  it("lists no namespace after truncate({store: true})", async () => {
    await client.store.putItem(["to", "truncate"], "k", { text: "x" });
    expect((await client.store.listNamespaces()).namespaces.length).toBeGreaterThan(0);
    const res = await fetch(`${server.url}/internal/truncate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ store: true }),
    });
    expect(res.status).toBe(200);
    expect((await client.store.listNamespaces()).namespaces).toEqual([]);
    expect((await client.store.searchItems([], { query: "x" })).items).toEqual([]);
  });
});
