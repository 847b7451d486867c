/**
 * Auth filters with `$or` / `$and` end to end on a dedicated server (PGlite and PostgreSQL): a
 * thread shared with bob through `shared_with` is visible to him, carol sees neither, `$and` narrows
 * to what matches every branch; a filter over the size limits is refused with a 403 naming the
 * limit and changes nothing.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackendName, startServer, type TestServer } from "../support/server.ts";

const backends: BackendName[] = ["pglite", "postgres"];

describe.each(backends)("auth $or/$and filters (%s)", (backend) => {
  let server: TestServer;
  const as = (user: string) =>
    new Client({ apiUrl: server.url, defaultHeaders: { Authorization: `Bearer ${user}` } });

  beforeAll(async () => {
    server = await startServer({ backend, config: "test/fixtures/auth-or/open_langgraph.json" });
  }, 150_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  it("$or: owner or shared_with; $and: both at once; others see 404", async () => {
    const alice = as("alice");
    const own = await alice.threads.create({ metadata: { tag: "own" } });
    const shared = await alice.threads.create({ metadata: { tag: "shared" } });
    await alice.threads.update(shared.thread_id, {
      metadata: { shared_with: ["bob"] },
    });
    const bob = as("bob");
    const seen = await bob.threads.search({ limit: 100 });
    expect(seen.map((t) => t.thread_id)).toEqual([shared.thread_id]);
    expect((await bob.threads.get(shared.thread_id)).metadata?.owner).toBe("alice");
    await expect(bob.threads.get(own.thread_id)).rejects.toThrow(/404/);
    const carol = as("carol");
    expect(await carol.threads.search({ limit: 100 })).toEqual([]);
    await expect(carol.threads.get(shared.thread_id)).rejects.toThrow(/404/);
    expect(await bob.threads.count()).toBe(1);
    expect(await alice.threads.count()).toBe(2);

    // $and: alice's threads that are also shared with bob.
    const dave = as("dave");
    const both = (await dave.threads.search({ limit: 100 })).map((t) => t.thread_id);
    expect(both).toContain(shared.thread_id);
    expect(both).not.toContain(own.thread_id);
    await expect(dave.threads.get(own.thread_id)).rejects.toThrow(/404/);
  });

  it("a filter over the size limits is refused (403, naming the limit) and writes nothing", async () => {
    const res = await fetch(`${server.url}/threads`, {
      method: "POST",
      headers: { Authorization: "Bearer huge", "content-type": "application/json" },
      body: JSON.stringify({ metadata: { probe: "huge" } }),
    });
    expect(res.status).toBe(403);
    // Like every refusal of the official server: a text/plain message.
    expect(await res.text()).toBe("Auth filter $or has more than 16 filters");
    const search = await fetch(`${server.url}/threads/search`, {
      method: "POST",
      headers: { Authorization: "Bearer huge", "content-type": "application/json" },
      body: "{}",
    });
    expect(search.status).toBe(403);
    const found = await as("alice").threads.search({ metadata: { probe: "huge" } });
    expect(found).toEqual([]);
  });
});
