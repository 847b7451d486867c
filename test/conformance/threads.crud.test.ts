/** Black-box: thread create / get / patch / delete / search / count / prune through the official SDK. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

const HUMAN = (content: string) => ({ messages: [{ type: "human", content }] });

describe.each(sharedServers())("threads CRUD ($backend)", ({ client, url }) => {
  const request = (method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });

  it("creates, reads, updates and deletes (official flow)", async () => {
    const suite = randomUUID();
    const metadata = { name: "test_thread", suite };
    const one = await client.threads.create({ metadata });
    expect(one.metadata).toEqual(metadata);
    expect(one.status).toBe("idle");
    expect(one.thread_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(typeof one.created_at).toBe("string");

    let got = await client.threads.get(one.thread_id);
    expect(got.thread_id).toBe(one.thread_id);
    expect(got.metadata).toEqual(metadata);

    await client.threads.update(one.thread_id, { metadata: { modified: true } });
    got = await client.threads.get(one.thread_id);
    expect(got.metadata).toEqual({ ...metadata, modified: true });
    expect(new Date(got.updated_at).getTime()).toBeGreaterThanOrEqual(
      new Date(one.updated_at).getTime(),
    );

    const two = await client.threads.create({ metadata: { name: "another_thread", suite } });
    let found = await client.threads.search({ metadata: { suite } });
    expect(found.map((t) => t.thread_id)).toEqual([two.thread_id, one.thread_id]);

    found = await client.threads.search({ metadata: { suite, modified: true } });
    expect(found.map((t) => t.thread_id)).toEqual([one.thread_id]);

    await client.threads.delete(one.thread_id);
    found = await client.threads.search({ metadata: { suite } });
    expect(found.map((t) => t.thread_id)).toEqual([two.thread_id]);
    await expect(client.threads.get(one.thread_id)).rejects.toThrow(
      `HTTP 404: Thread with ID ${one.thread_id} not found`,
    );
  });

  it("honours a client thread id, if_exists raise (409) and do_nothing", async () => {
    const threadId = randomUUID();
    const created = await client.threads.create({ threadId, metadata: { v: 1 } });
    expect(created.thread_id).toBe(threadId);
    await expect(client.threads.create({ threadId })).rejects.toThrow(
      "HTTP 409: Thread already exists",
    );
    const again = await client.threads.create({
      threadId,
      ifExists: "do_nothing",
      metadata: { v: 2 },
    });
    expect(again.metadata).toEqual({ v: 1 });
  });

  it("answers 404 for unknown threads and 400 for malformed ids and bodies", async () => {
    const missing = randomUUID();
    await expect(client.threads.get(missing)).rejects.toThrow(
      `HTTP 404: Thread with ID ${missing} not found`,
    );
    await expect(client.threads.delete(missing)).rejects.toThrow("HTTP 404");
    await expect(client.threads.update(missing, { metadata: { a: 1 } })).rejects.toThrow(
      "HTTP 404: Thread not found",
    );
    const bad = await request("GET", "/threads/not-a-uuid");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.name).toBe("ZodError");

    // Rejected bodies create nothing: the id they name stays unknown.
    const threadId = randomUUID();
    const malformed = await request("POST", "/threads", `{"thread_id": "${threadId}", `);
    expect(malformed.status).toBe(400);
    const wrongType = await request("POST", "/threads", { thread_id: threadId, metadata: "nope" });
    expect(wrongType.status).toBe(400);
    const badTtl = await request("POST", "/threads", { thread_id: threadId, ttl: { ttl: -1 } });
    expect(badTtl.status).toBe(400);
    const badIfExists = await request("POST", "/threads", { thread_id: threadId, if_exists: "x" });
    expect(badIfExists.status).toBe(400);
    expect((await request("GET", `/threads/${threadId}`)).status).toBe(404);
    const badSort = await request("POST", "/threads/search", { sort_by: "nope" });
    expect(badSort.status).toBe(400);
    const badLimit = await request("POST", "/threads/search", { limit: 0 });
    expect(badLimit.status).toBe(400);
    const badStatus = await request("POST", "/threads/count", { status: "sleeping" });
    expect(badStatus.status).toBe(400);
  });

  it("accepts bodies sent as text/plain (as the official server)", async () => {
    const res = await fetch(`${url}/threads`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ metadata: { plain: true } }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).metadata).toEqual({ plain: true });
  });

  it("searches by ids, status, metadata operators and values, with pagination headers", async () => {
    const suite = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const t = await client.threads.create({
        metadata: { suite, i, tags: i % 2 === 0 ? ["even"] : ["odd"] },
        graphId: "agent",
      });
      ids.push(t.thread_id);
    }
    await client.threads.updateState(ids[1]!, { values: HUMAN("needle"), asNode: "agent" });

    const byIds = await client.threads.search({ ids: [ids[0]!, ids[3]!], sortOrder: "asc" });
    expect(byIds.map((t) => t.thread_id)).toEqual([ids[0], ids[3]]);

    const even = await client.threads.search({
      metadata: { suite, tags: { $contains: "even" } } as any,
      sortBy: "created_at",
      sortOrder: "asc",
    });
    expect(even.map((t) => t.thread_id)).toEqual([ids[0], ids[2], ids[4]]);

    const withValues = await client.threads.search({
      metadata: { suite },
      values: { messages: [{ content: "needle" }] },
    });
    expect(withValues.map((t) => t.thread_id)).toEqual([ids[1]]);
    expect(await client.threads.count({ metadata: { suite }, values: HUMAN("x") })).toBe(0);

    expect(await client.threads.count({ metadata: { suite }, status: "idle" })).toBe(5);
    expect(await client.threads.count({ metadata: { suite }, status: "busy" })).toBe(0);
    const none = await client.threads.search({ metadata: { suite }, status: "interrupted" });
    expect(none).toEqual([]);

    const res = await request("POST", "/threads/search", {
      metadata: { suite },
      limit: 2,
      offset: 1,
      sort_by: "created_at",
      sort_order: "asc",
    });
    expect(res.headers.get("x-pagination-total")).toBe("5");
    expect(res.headers.get("x-pagination-next")).toBe("3");
    expect(((await res.json()) as any[]).map((t) => t.thread_id)).toEqual([ids[1], ids[2]]);

    const last = await request("POST", "/threads/search", { metadata: { suite }, offset: 3 });
    expect(last.headers.get("x-pagination-total")).toBe("5");
    expect(last.headers.get("x-pagination-next")).toBeNull();
    expect(await last.json()).toHaveLength(2);
  });

  it("sorts by every supported field and projects with select", async () => {
    const suite = randomUUID();
    const a = await client.threads.create({ metadata: { suite } });
    const b = await client.threads.create({ metadata: { suite } });
    await client.threads.update(a.thread_id, { metadata: { touched: true } });

    const byUpdated = await client.threads.search({ metadata: { suite }, sortBy: "updated_at" });
    expect(byUpdated.map((t) => t.thread_id)).toEqual([a.thread_id, b.thread_id]);

    const byId = await client.threads.search({
      metadata: { suite },
      sortBy: "thread_id",
      sortOrder: "asc",
    });
    expect(byId.map((t) => t.thread_id)).toEqual([a.thread_id, b.thread_id].sort());

    for (const sortBy of ["status", "state_updated_at"] as const) {
      const res = await client.threads.search({ metadata: { suite }, sortBy: sortBy as any });
      expect(res).toHaveLength(2);
    }

    const extracted = await request("POST", "/threads/search", {
      metadata: { suite },
      select: ["thread_id"],
      extract: { owner: "metadata.suite", missing: "values.messages[-1].content" },
    });
    for (const t of (await extracted.json()) as any[]) {
      expect(t.extracted).toEqual({ owner: suite, missing: null });
      expect(Object.keys(t).sort()).toEqual(["extracted", "thread_id"]);
    }
    const badExtract = await request("POST", "/threads/search", { extract: { x: "status" } });
    expect(badExtract.status).toBe(400);

    const selected = await client.threads.search({
      metadata: { suite },
      select: ["thread_id", "status"],
    });
    for (const t of selected) expect(Object.keys(t).sort()).toEqual(["status", "thread_id"]);
  });

  it("reports state_updated_at, config and interrupts on threads", async () => {
    const t = await client.threads.create({ graphId: "agent" });
    expect(t).toMatchObject({ config: {}, interrupts: {}, status: "idle" });
    expect(t).not.toHaveProperty("values");
    expect(typeof (t as any).state_updated_at).toBe("string");
    await client.threads.updateState(t.thread_id, { values: HUMAN("hi"), asNode: "agent" });
    const after = await client.threads.get(t.thread_id);
    expect((after.values as any).messages[0]).toMatchObject({ type: "human", content: "hi" });
    expect(new Date((after as any).state_updated_at).getTime()).toBeGreaterThan(
      new Date((t as any).state_updated_at).getTime(),
    );
  });

  it("deletes a thread together with its checkpoints", async () => {
    const threadId = randomUUID();
    await client.threads.create({ threadId, graphId: "agent" });
    await client.threads.updateState(threadId, { values: HUMAN("x"), asNode: "agent" });
    await client.threads.delete(threadId);
    // Re-creating the same id must start from an empty history.
    await client.threads.create({ threadId, graphId: "agent" });
    expect(await client.threads.getHistory(threadId)).toEqual([]);
  });

  it("prunes threads with the delete and keep_latest strategies", async () => {
    const a = await client.threads.create({ graphId: "agent" });
    const b = await client.threads.create({ graphId: "agent" });
    for (const t of [a, b]) {
      await client.threads.updateState(t.thread_id, { values: HUMAN("1"), asNode: "agent" });
      await client.threads.updateState(t.thread_id, { values: HUMAN("2"), asNode: "agent" });
    }
    expect(await client.threads.getHistory(b.thread_id)).toHaveLength(2);

    const kept = await client.threads.prune([b.thread_id, randomUUID()], {
      strategy: "keep_latest",
    });
    expect(kept).toEqual({ pruned_count: 1 });
    const history = await client.threads.getHistory<any>(b.thread_id);
    expect(history).toHaveLength(1);
    expect(history[0]!.values.messages.map((m: any) => m.content)).toEqual(["1", "2"]);
    expect((await client.threads.getState<any>(b.thread_id)).values.messages).toHaveLength(2);

    const deleted = await client.threads.prune([a.thread_id, randomUUID()]);
    expect(deleted).toEqual({ pruned_count: 1 });
    await expect(client.threads.get(a.thread_id)).rejects.toThrow("HTTP 404");
    await expect(client.threads.get(b.thread_id)).resolves.toMatchObject({ status: "idle" });

    const bad = await request("POST", "/threads/prune", {
      thread_ids: [a.thread_id],
      strategy: "x",
    });
    expect(bad.status).toBe(400);
  });
});
