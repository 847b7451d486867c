/** Black-box: the store through the official SDK (`client.store.*`) on every backend. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

const uniq = () => `s${randomUUID().replaceAll("-", "").slice(0, 12)}`;

describe.each(sharedServers())("store ($backend)", ({ client, url }) => {
  it("puts, gets, overwrites, searches and deletes (official test flow)", async () => {
    const namespace = [uniq(), "data"];
    const key = randomUUID();
    expect((await client.store.searchItems(namespace)).items).toEqual([]);
    expect((await client.store.listNamespaces({ prefix: namespace })).namespaces).toEqual([]);

    await client.store.putItem(namespace, key, { foo: "bar" });
    const got = await client.store.getItem(namespace, key);
    expect(got).toMatchObject({ namespace, key, value: { foo: "bar" } });
    expect(typeof got!.createdAt).toBe("string");
    expect(Number.isNaN(Date.parse(got!.updatedAt))).toBe(false);

    const afterPut = await client.store.searchItems(namespace);
    expect(afterPut.items).toHaveLength(1);
    expect(afterPut.items[0]).toMatchObject({ key, value: { foo: "bar" } });
    expect(afterPut.items[0]!.createdAt).toBeDefined();
    expect(afterPut.items[0]).not.toHaveProperty("score");

    await client.store.putItem(namespace, key, { foo: "baz" });
    expect((await client.store.getItem(namespace, key))!.value).toEqual({ foo: "baz" });
    const afterUpdate = await client.store.searchItems(namespace);
    expect(afterUpdate.items[0]!.value).toEqual({ foo: "baz" });
    expect(new Date(afterUpdate.items[0]!.updatedAt).getTime()).toBeGreaterThan(
      new Date(afterPut.items[0]!.updatedAt).getTime(),
    );
    expect(afterUpdate.items[0]!.createdAt).toBe(afterPut.items[0]!.createdAt);

    expect((await client.store.listNamespaces({ prefix: [namespace[0]!] })).namespaces).toEqual([
      namespace,
    ]);

    await client.store.deleteItem(namespace, key);
    expect(await client.store.getItem(namespace, key)).toBeNull();
    expect((await client.store.searchItems(namespace)).items).toEqual([]);
  });

  it("GET of a missing item answers 200 null", async () => {
    const res = await fetch(`${url}/store/items?namespace=${uniq()}.x&key=nope`);
    expect(res.status).toBe(200);
    expect(await res.json()).toBeNull();
  });

  it("searches by prefix with filter, limit and offset", async () => {
    const r = uniq();
    await client.store.putItem([r, "a"], "1", { kind: "x", n: 1 });
    await client.store.putItem([r, "a", "deep"], "2", { kind: "y", n: 2 });
    await client.store.putItem([r, "ab"], "3", { kind: "x", n: 3 });
    await client.store.putItem([r, "b"], "4", { kind: "x", n: 4 });
    const keys = async (...args: Parameters<typeof client.store.searchItems>) =>
      (await client.store.searchItems(...args)).items.map((i) => i.key);
    expect(await keys([r, "a"])).toEqual(["1", "2"]);
    expect(await keys([r], { filter: { kind: "x" } })).toEqual(["1", "3", "4"]);
    expect(await keys([r], { filter: { n: { $gte: 2, $lt: 4 } } })).toEqual(["2", "3"]);
    expect(await keys([r], { limit: 2, offset: 1 })).toEqual(["2", "3"]);
    expect(await keys([r], { limit: 1 })).toEqual(["1"]);
  });

  it("lists namespaces by prefix, suffix and max depth", async () => {
    const r = uniq();
    await client.store.putItem([r, "users", "u1", "prefs"], "k", { a: 1 });
    await client.store.putItem([r, "users", "u2", "prefs"], "k", { a: 1 });
    await client.store.putItem([r, "docs", "v1"], "k", { a: 1 });
    const list = async (options: Parameters<typeof client.store.listNamespaces>[0]) =>
      (await client.store.listNamespaces(options)).namespaces;
    expect(await list({ prefix: [r] })).toEqual([
      [r, "docs", "v1"],
      [r, "users", "u1", "prefs"],
      [r, "users", "u2", "prefs"],
    ]);
    expect(await list({ prefix: [r], suffix: ["prefs"] })).toHaveLength(2);
    expect(await list({ prefix: [r], maxDepth: 2 })).toEqual([
      [r, "docs"],
      [r, "users"],
    ]);
    expect(await list({ prefix: [r], limit: 1, offset: 2 })).toEqual([[r, "users", "u2", "prefs"]]);
  });

  it("rejects bad namespaces with the official statuses and writes nothing", async () => {
    const r = uniq();
    const put = (namespace: string[]) =>
      fetch(`${url}/store/items`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ namespace, key: "k", value: { a: 1 } }),
      });
    const empty = await put([]);
    expect(empty.status).toBe(400);
    expect(await empty.text()).toBe("Namespace is required");
    const dotted = await put([r, "a.b"]);
    expect(dotted.status).toBe(422);
    expect(await dotted.text()).toBe(
      `Namespace labels cannot be empty or contain periods. Received: ${r}.a.b`,
    );
    expect((await put([r, ""])).status).toBe(422);
    expect((await client.store.listNamespaces({ prefix: [r] })).namespaces).toEqual([]);
    const noValue = await fetch(`${url}/store/items`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ namespace: [r], key: "k" }),
    });
    expect(noValue.status).toBe(400);
    await expect(client.store.putItem([r, "x.y"], "k", {})).rejects.toThrow(/periods/);
  });

  it("hides an item once its ttl has passed; a null ttl never expires", async () => {
    const ns = [uniq()];
    await client.store.putItem(ns, "short", { v: 1 }, { ttl: 0.01 });
    await client.store.putItem(ns, "long", { v: 2 }, { ttl: null });
    expect(await client.store.getItem(ns, "short")).not.toBeNull();
    await new Promise((r) => setTimeout(r, 800));
    expect(await client.store.getItem(ns, "short")).toBeNull();
    expect((await client.store.searchItems(ns)).items.map((i) => i.key)).toEqual(["long"]);
  });

  it("a query without a configured index neither ranks nor filters", async () => {
    const ns = [uniq()];
    await client.store.putItem(ns, "a", { text: "cats" });
    await client.store.putItem(ns, "b", { text: "dogs" });
    const { items } = await client.store.searchItems(ns, { query: "dogs" });
    expect(items.map((i) => i.key)).toEqual(["a", "b"]);
    expect(items[0]).not.toHaveProperty("score");
  });
});
