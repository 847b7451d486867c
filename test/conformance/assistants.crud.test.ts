/** Black-box: assistants create / get / update / delete / versions through the official SDK. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";

const SYSTEM_AGENT_ID = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"; // uuid5("agent", official namespace)

describe.each(sharedServers())("assistants CRUD ($backend)", ({ client, url }) => {
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("creates, reads, updates and deletes (official flow)", async () => {
    const config = { configurable: { model_name: "gpt" } };
    const created = await client.assistants.create({
      graphId: "agent",
      config,
      description: "foo",
    });
    expect(created).toMatchObject({
      graph_id: "agent",
      config,
      description: "foo",
      name: "Untitled",
      version: 1,
      metadata: {},
      context: {},
    });
    expect(created.assistant_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    await client.assistants.update(created.assistant_id, {
      graphId: "agent",
      metadata: { name: "woof" },
      description: "bar",
    });
    const got = await client.assistants.get(created.assistant_id);
    expect(got).toMatchObject({
      config,
      metadata: { name: "woof" },
      description: "bar",
      version: 2,
    });
    expect(await client.assistants.delete(created.assistant_id)).toEqual([created.assistant_id]);
    await expect(client.assistants.get(created.assistant_id)).rejects.toThrow(
      "HTTP 404: Assistant not found",
    );
  });

  it("honours a given id, name, context and if_exists", async () => {
    const assistantId = randomUUID();
    const a = await client.assistants.create({
      graphId: "agent",
      assistantId,
      name: "named",
      context: { k: 1 },
    });
    expect(a).toMatchObject({ assistant_id: assistantId, name: "named", context: { k: 1 } });
    await expect(client.assistants.create({ graphId: "agent", assistantId })).rejects.toThrow(
      "HTTP 409: Assistant already exists",
    );
    const again = await client.assistants.create({
      graphId: "agent",
      assistantId,
      name: "other",
      ifExists: "do_nothing",
    });
    expect(again).toMatchObject({ assistant_id: assistantId, name: "named", version: 1 });
    const emptyName = await client.assistants.create({ graphId: "agent", name: "" });
    expect(emptyName.name).toBe("agent");
  });

  it("rejects an unknown graph with 404 and creates nothing", async () => {
    const assistantId = randomUUID();
    await expect(
      client.assistants.create({ graphId: "no_such_graph", assistantId }),
    ).rejects.toThrow('HTTP 404: Graph "no_such_graph" not found');
    await expect(client.assistants.get(assistantId)).rejects.toThrow("HTTP 404");
    const patch = await client.assistants.create({ graphId: "agent" });
    await expect(
      client.assistants.update(patch.assistant_id, { graphId: "no_such_graph" }),
    ).rejects.toThrow('HTTP 404: Graph "no_such_graph" not found');
    expect((await client.assistants.get(patch.assistant_id)).version).toBe(1);
  });

  it("answers 400 with the zod body for a bad payload and creates nothing", async () => {
    const marker = randomUUID();
    const res = await post("/assistants", { graph_id: 42, metadata: { marker } });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body).toMatchObject({ success: false, error: { name: "ZodError" } });
    expect(body.error.issues[0].path).toEqual(["graph_id"]);
    expect(await client.assistants.count({ metadata: { marker } })).toBe(0);
    expect((await post("/assistants", { graph_id: "agent", if_exists: "update" })).status).toBe(
      400,
    );
    expect((await post("/assistants", { graph_id: "agent", assistant_id: "nope" })).status).toBe(
      400,
    );
    const malformed = await fetch(`${url}/assistants`, { method: "POST", body: "{not json" });
    expect(malformed.status).toBe(400);
  });

  it("answers the official 404 texts for unknown ids", async () => {
    for (const id of [randomUUID(), "not-a-uuid-nor-graph"]) {
      await expect(client.assistants.get(id)).rejects.toThrow("HTTP 404: Assistant not found");
      await expect(client.assistants.update(id, { name: "x" })).rejects.toThrow(
        "HTTP 404: Assistant not found",
      );
      await expect(client.assistants.delete(id)).rejects.toThrow("HTTP 404: Assistant not found");
      await expect(client.assistants.setLatest(id, 1)).rejects.toThrow(
        "HTTP 404: Assistant not found",
      );
      await expect(client.assistants.getVersions(id)).rejects.toThrow(
        `HTTP 404: Assistant "${id}" not found.`,
      );
      await expect(client.assistants.getGraph(id)).rejects.toThrow("HTTP 404: Assistant not found");
      await expect(client.assistants.getSchemas(id)).rejects.toThrow(
        "HTTP 404: Assistant not found",
      );
    }
  });

  it("PATCH merges metadata and replaces config and context", async () => {
    const a = await client.assistants.create({
      graphId: "agent",
      config: { configurable: { a: 1, b: 2 }, tags: ["x"] },
      context: { one: 1 },
      metadata: { keep: "yes", over: "old" },
    });
    const updated = await client.assistants.update(a.assistant_id, {
      config: { configurable: { c: 3 } },
      context: { two: 2 },
      metadata: { over: "new", added: true },
    });
    expect(updated).toMatchObject({
      version: 2,
      config: { configurable: { c: 3 } },
      context: { two: 2 },
      metadata: { keep: "yes", over: "new", added: true },
      name: "Untitled",
    });
    expect(updated.config).toEqual({ configurable: { c: 3 } });
    expect(new Date(updated.updated_at).getTime()).toBeGreaterThanOrEqual(
      new Date(a.updated_at).getTime(),
    );
    expect(updated.created_at).toBe(a.created_at);
  });

  it("lists versions newest first with limit, offset and metadata (official flow)", async () => {
    const a = await client.assistants.create({ graphId: "agent" });
    expect(await client.assistants.getVersions(a.assistant_id)).toMatchObject([{ version: 1 }]);
    await client.assistants.update(a.assistant_id, { config: { configurable: { foo: "bar" } } });
    expect(await client.assistants.getVersions(a.assistant_id)).toMatchObject([
      { version: 2, config: { configurable: { foo: "bar" } } },
      { version: 1 },
    ]);
    expect(await client.assistants.getVersions(a.assistant_id, { limit: 1 })).toMatchObject([
      { version: 2 },
    ]);
    expect(await client.assistants.getVersions(a.assistant_id, { offset: 1 })).toMatchObject([
      { version: 1 },
    ]);
    await client.assistants.update(a.assistant_id, { metadata: { foo: "baz" } });
    const withMeta = await client.assistants.getVersions(a.assistant_id, {
      metadata: { foo: "baz" },
    });
    expect(withMeta.map((v) => v.version)).toEqual([3]);
    await client.assistants.update(a.assistant_id, {});
    const all = await client.assistants.getVersions(a.assistant_id);
    expect(all.map((v) => v.version)).toEqual([4, 3, 2, 1]);
    expect(all[0]).toMatchObject({ assistant_id: a.assistant_id, graph_id: "agent" });
    expect(all[0]).not.toHaveProperty("updated_at");
    await client.assistants.delete(a.assistant_id);
    await expect(client.assistants.getVersions(a.assistant_id)).rejects.toThrow("HTTP 404");
  });

  it("sets the latest version (official flow) and restores that version's fields", async () => {
    const a = await client.assistants.create({
      graphId: "agent",
      name: "v1",
      config: { configurable: { n: 1 } },
    });
    const v2 = await client.assistants.update(a.assistant_id, {
      name: "v2",
      config: { configurable: { n: 2 } },
      metadata: { v: 2 },
    });
    expect(v2.version).toBe(2);
    const back = await client.assistants.setLatest(a.assistant_id, 1);
    expect(back).toMatchObject({ version: 1, name: "v1", config: { configurable: { n: 1 } } });
    expect(back.metadata).toEqual({});
    expect((await client.assistants.get(a.assistant_id)).version).toBe(1);
    const v3 = await client.assistants.update(a.assistant_id, {});
    expect(v3.version).toBe(3);
    await expect(client.assistants.setLatest(a.assistant_id, 9)).rejects.toThrow(
      "HTTP 404: Assistant version not found",
    );
    expect((await post(`/assistants/${a.assistant_id}/latest`, {})).status).toBe(400);
  });

  it("deletes the threads created for an assistant on request (official flow)", async () => {
    const a = await client.assistants.create({ graphId: "agent" });
    const thread = await client.threads.create({ metadata: { assistant_id: a.assistant_id } });
    const other = await client.threads.create({ metadata: { assistant_id: randomUUID() } });
    await client.assistants.delete(a.assistant_id, { deleteThreads: true });
    await expect(client.assistants.get(a.assistant_id)).rejects.toThrow(
      "HTTP 404: Assistant not found",
    );
    await expect(client.threads.get(thread.thread_id)).rejects.toThrow(
      `HTTP 404: Thread with ID ${thread.thread_id} not found`,
    );
    expect((await client.threads.get(other.thread_id)).thread_id).toBe(other.thread_id);
  });

  it("keeps threads when delete_threads is not set", async () => {
    const a = await client.assistants.create({ graphId: "agent" });
    const thread = await client.threads.create({ metadata: { assistant_id: a.assistant_id } });
    await client.assistants.delete(a.assistant_id);
    expect((await client.threads.get(thread.thread_id)).thread_id).toBe(thread.thread_id);
  });

  // Schemas of a TypeScript graph come from the static parser: seconds, more on a busy machine.
  it("accepts a graph id wherever an assistant id is accepted", { timeout: 120_000 }, async () => {
    const byGraph = await client.assistants.get("agent");
    expect(byGraph).toMatchObject({
      assistant_id: SYSTEM_AGENT_ID,
      graph_id: "agent",
      name: "agent",
      metadata: { created_by: "system" },
      config: { configurable: { model_name: "fake" } },
    });
    const versions = await client.assistants.getVersions("agent");
    expect(versions.at(-1)).toMatchObject({ assistant_id: SYSTEM_AGENT_ID, version: 1 });
    expect(await client.assistants.getGraph("agent")).toHaveProperty("nodes");
    expect((await client.assistants.getSchemas("agent")).graph_id).toBe("agent");
    expect(await client.assistants.getSubgraphs("nested")).toHaveProperty("gp_two");
    const nested = await client.assistants.get("nested");
    expect(nested.description).toBe("Three levels of nested subgraphs");
  });

  it("registers system assistants with LANGGRAPH_CONFIG (config and context)", async () => {
    const [agent] = await client.assistants.search({
      graphId: "agent",
      metadata: { created_by: "system" },
    });
    expect(agent).toMatchObject({
      name: "agent",
      config: { configurable: { model_name: "fake" } },
    });
    const zod = await client.assistants.get("zod_config");
    expect(zod.config).toEqual({ configurable: { temperature: 0 } });
    expect(zod.context).toEqual({ model: "fake-model" });
  });
});
