/**
 * Custom auth end to end on a dedicated server (our own auth module on the SDK's `Auth`, owner
 * filter): another user sees every row of alice's as missing (404; 403 for store namespaces, 409
 * for copy as upstream) on every read, write, run, state, history, copy, search, count and store
 * route, and none of those calls changes anything. Also: authentication failures as the module
 * raised them, and the run config carrying the caller.
 */
import { randomUUID } from "node:crypto";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackendName, startServer, type TestServer } from "../support/server.ts";

const CONFIG = "test/fixtures/auth/open_langgraph.json";
const backends: BackendName[] = ["pglite", "postgres"];

describe.each(backends)("custom auth isolation (%s)", (backend) => {
  let server: TestServer;
  let url: string;
  const client = (user: string, headers: Record<string, string> = {}) =>
    new Client({ apiUrl: url, defaultHeaders: { Authorization: `Bearer ${user}`, ...headers } });
  const call = (user: string | null, method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(user ? { Authorization: `Bearer ${user}` } : {}),
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });

  beforeAll(async () => {
    server = await startServer({ backend, config: CONFIG });
    url = server.url;
  }, 150_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  describe("authentication", () => {
    it("answers the module's HTTPException with its status, message and headers", async () => {
      const missing = await call(null, "POST", "/threads/search", {});
      expect(missing.status).toBe(401);
      expect(await missing.text()).toBe("Missing or invalid credentials");
      expect(missing.headers.get("www-authenticate")).toBe("Bearer");

      const teapot = await call("teapot", "POST", "/threads/search", {});
      expect(teapot.status).toBe(418);
      expect(await teapot.text()).toBe("short and stout");
      expect(teapot.headers.get("x-teapot")).toBe("yes");
    });

    it("turns any other exception into a 500 that leaks nothing", async () => {
      const res = await call("boom", "POST", "/threads/search", {});
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(body).toBe("Internal Server Error");
      expect(body).not.toContain("secret");
      // Logged for the operator (the log line may land a moment after the response).
      for (let i = 0; i < 40 && !server.logs.join("\n").includes("secret database"); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(server.logs.join("\n")).toContain("secret database password");
    });

    it("exempts /info and the probes; the Studio header alone is nobody", async () => {
      expect((await call(null, "GET", "/info")).status).toBe(200);
      expect((await call(null, "GET", "/ok")).status).toBe(200);
      const studio = await fetch(`${url}/threads/search`, {
        method: "POST",
        headers: { "x-auth-scheme": "langsmith", "Content-Type": "application/json" },
        body: "{}",
      });
      // No Studio keys configured: the header changes nothing, the custom handler decides.
      expect(studio.status).toBe(401);
    });

    it("accepts a bare string identity (no permissions)", async () => {
      expect(await client("plain").threads.search()).toEqual([]);
      await expect(client("plain").threads.create()).rejects.toThrow("HTTP 403: Read-only user");
    });
  });

  describe("another user's rows", () => {
    const alice = () => client("alice");
    const bob = () => client("bob");
    let assistantId: string;
    let threadId: string;
    let runId: string;
    let checkpointId: string;
    let before: { thread: unknown; state: unknown; runs: number; assistant: unknown };

    beforeAll(async () => {
      const a = await alice().assistants.create({ graphId: "whoami", metadata: { tag: "a" } });
      assistantId = a.assistant_id;
      await alice().assistants.update(assistantId, { metadata: { v: 2 } });
      const t = await alice().threads.create({ metadata: { topic: "secret" } });
      threadId = t.thread_id;
      await alice().runs.wait(threadId, assistantId, { input: { input: "one" } });
      const run = await alice().runs.create(threadId, assistantId, {
        input: { input: "later" },
        afterSeconds: 600,
        multitaskStrategy: "enqueue",
      });
      runId = run.run_id;
      const history = await alice().threads.getHistory(threadId);
      checkpointId = history.at(-1)!.checkpoint.checkpoint_id!;
      before = {
        thread: await alice().threads.get(threadId),
        state: await alice().threads.getState(threadId),
        runs: (await alice().runs.list(threadId)).length,
        assistant: await alice().assistants.get(assistantId),
      };
    });

    it("stamps the owner on create", async () => {
      expect((before.thread as { metadata: unknown }).metadata).toMatchObject({
        owner: "alice",
        topic: "secret",
      });
      expect((before.assistant as { metadata: unknown }).metadata).toMatchObject({
        owner: "alice",
      });
    });

    it("answers 404 for every assistant route", async () => {
      const id = assistantId;
      const cases: [string, string, unknown?][] = [
        ["GET", `/assistants/${id}`],
        ["PATCH", `/assistants/${id}`, { metadata: { hacked: true } }],
        ["DELETE", `/assistants/${id}`],
        ["GET", `/assistants/${id}/graph`],
        ["GET", `/assistants/${id}/schemas`],
        ["GET", `/assistants/${id}/subgraphs`],
        ["POST", `/assistants/${id}/versions`, {}],
        ["POST", `/assistants/${id}/latest`, { version: 1 }],
      ];
      for (const [method, path, body] of cases) {
        const res = await call("bob", method, path, body);
        expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 404`);
      }
      // Creating over alice's id conflicts (409), as upstream, and changes nothing.
      const dup = await call("bob", "POST", "/assistants", {
        assistant_id: id,
        graph_id: "whoami",
        if_exists: "do_nothing",
      });
      expect(dup.status).toBe(409);
    });

    it("answers 404 for every thread, state, history and run route (409 for copy)", async () => {
      const t = threadId;
      const cases: [string, string, unknown?, number?][] = [
        ["GET", `/threads/${t}`],
        ["PATCH", `/threads/${t}`, { metadata: { hacked: true } }],
        ["DELETE", `/threads/${t}`],
        ["POST", `/threads/${t}/copy`, undefined, 409],
        ["GET", `/threads/${t}/state`],
        ["POST", `/threads/${t}/state`, { values: { input: "hacked" } }],
        ["GET", `/threads/${t}/state/${checkpointId}`],
        ["POST", `/threads/${t}/state/checkpoint`, { checkpoint: { checkpoint_id: checkpointId } }],
        ["GET", `/threads/${t}/history`],
        ["POST", `/threads/${t}/history`, { limit: 5 }],
        ["GET", `/threads/${t}/runs`],
        ["POST", `/threads/${t}/runs`, { assistant_id: "whoami", input: { input: "x" } }],
        ["POST", `/threads/${t}/runs/wait`, { assistant_id: "whoami", input: { input: "x" } }],
        ["POST", `/threads/${t}/runs/stream`, { assistant_id: "whoami", input: { input: "x" } }],
        ["GET", `/threads/${t}/runs/${runId}`],
        ["GET", `/threads/${t}/runs/${runId}/join`],
        ["POST", `/threads/${t}/runs/${runId}/cancel`],
        ["DELETE", `/threads/${t}/runs/${runId}`],
        ["GET", `/threads/${t}/stream`],
        ["POST", `/threads/${t}/commands`, { id: 1, method: "state.get", params: {} }],
        ["POST", `/threads/${t}/stream/events`, { channels: ["values"] }],
      ];
      for (const [method, path, body, status = 404] of cases) {
        const res = await call("bob", method, path, body);
        expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} ${status}`);
      }
      // A run that would create the thread (if_not_exists) still may not land on alice's.
      const create = await call("bob", "POST", `/threads/${t}/runs`, {
        assistant_id: "whoami",
        input: { input: "x" },
        if_not_exists: "create",
      });
      expect(create.status).toBe(404);
    });

    it("answers a join stream with one SSE error event, as upstream", async () => {
      const res = await call("bob", "GET", `/threads/${threadId}/runs/${runId}/stream`);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain("event: error");
      expect(text).toContain("404: Thread not found");
    });

    it("leaves alice's rows out of search, count, stateless joins and bulk cancel", async () => {
      const mine = await bob().threads.create();
      const found = await bob().threads.search({ limit: 100 });
      expect(found.map((t) => t.thread_id)).toContain(mine.thread_id);
      expect(found.map((t) => t.thread_id)).not.toContain(threadId);
      expect(await bob().threads.count({ metadata: { topic: "secret" } })).toBe(0);
      const assistants = await bob().assistants.search({ graphId: "whoami", limit: 100 });
      expect(assistants.map((a) => a.assistant_id)).not.toContain(assistantId);
      expect(await bob().assistants.count({ metadata: { tag: "a" } })).toBe(0);

      const join = await call("bob", "GET", `/runs/${runId}/stream`);
      expect(join.status).toBe(404);
      const cancel = await call("bob", "POST", "/runs/cancel", { run_ids: [runId] });
      expect(cancel.status).toBe(404);
    });

    it("lists only in-scope runs across threads (POST /runs/search, our extension)", async () => {
      const search = async (user: string, body: unknown) => {
        const res = await call(user, "POST", "/runs/search", body);
        expect(res.status).toBe(200);
        return (await res.json()) as { run_id: string; thread_id: string; status: string }[];
      };
      const theirs = await search("alice", { limit: 1000 });
      expect(theirs.map((r) => r.run_id)).toContain(runId);
      expect(theirs.every((r) => r.thread_id === threadId)).toBe(true);
      expect((await search("alice", { status: "pending" })).map((r) => r.run_id)).toEqual([runId]);
      expect(await search("alice", { status: "pending", assistant_id: randomUUID() })).toEqual([]);
      expect((await search("bob", { limit: 1000 })).map((r) => r.run_id)).not.toContain(runId);
      // Bad input: 400, as every route validates.
      expect((await call("alice", "POST", "/runs/search", { limit: 0 })).status).toBe(400);
      expect((await call("alice", "POST", "/runs/search", { status: "done" })).status).toBe(400);
      expect((await call("alice", "POST", "/runs/search", { nope: 1 })).status).toBe(400);
      expect((await call(null, "POST", "/runs/search", {})).status).toBe(401);
    });

    it("counts and paginates only in-scope rows", async () => {
      const others = await bob().threads.search({ limit: 100 });
      expect(others.length).toBeGreaterThan(0);
      const res = await call("alice", "POST", "/threads/search", { limit: 1 });
      const total = Number(res.headers.get("x-pagination-total"));
      const count = await alice().threads.count();
      expect(total).toBe(count);
      const all = await alice().threads.search({ limit: 1000 });
      expect(all.length).toBe(count);
      expect(all.every((t) => (t.metadata as { owner?: string }).owner === "alice")).toBe(true);
      const ids = new Set(all.map((t) => t.thread_id));
      expect(others.some((t) => ids.has(t.thread_id))).toBe(false);
    });

    it("changed nothing", async () => {
      expect(await alice().threads.get(threadId)).toEqual(before.thread);
      expect(await alice().threads.getState(threadId)).toEqual(before.state);
      expect((await alice().runs.list(threadId)).length).toBe(before.runs);
      expect((await alice().runs.get(threadId, runId)).status).toBe("pending");
      expect(await alice().assistants.get(assistantId)).toEqual(before.assistant);
      // alice herself can still do all of it
      await alice().runs.cancel(threadId, runId);
      const copy = await alice().threads.copy(threadId);
      expect(copy.metadata).toMatchObject({ owner: "alice", topic: "secret" });
    });

    it("denies (403, empty body) when a handler returns false", async () => {
      const res = await call("dave", "DELETE", `/assistants/${assistantId}`);
      expect(res.status).toBe(403);
      expect(await res.text()).toBe("");
      const readOnly = await call("carol", "POST", "/threads", {});
      expect(readOnly.status).toBe(403);
      expect(await readOnly.text()).toBe("Read-only user");
    });
  });

  describe("store", () => {
    it("partitions items and namespaces by owner", async () => {
      const alice = client("alice");
      const bob = client("bob");
      await alice.store.putItem(["alice", "notes"], "k1", { text: "mine" });
      await bob.store.putItem(["bob", "notes"], "k1", { text: "his" });

      for (const op of [
        () => bob.store.getItem(["alice", "notes"], "k1"),
        () => bob.store.putItem(["alice", "notes"], "k1", { text: "hacked" }),
        () => bob.store.deleteItem(["alice", "notes"], "k1"),
        () => bob.store.searchItems(["alice"]),
        () => bob.store.listNamespaces({ prefix: ["alice"] }),
      ]) {
        await expect(op()).rejects.toThrow("HTTP 403");
      }
      const everything = await bob.store.searchItems([], { limit: 100 });
      expect(everything.items.every((i) => i.namespace[0] === "bob")).toBe(true);
      expect(everything.items.length).toBeGreaterThan(0);
      const namespaces = await bob.store.listNamespaces({ limit: 100 });
      expect(namespaces.namespaces.every((n) => n[0] === "bob")).toBe(true);
      expect((await alice.store.getItem(["alice", "notes"], "k1"))?.value).toEqual({
        text: "mine",
      });
    });
  });

  describe("crons", () => {
    it("scopes crons by owner and runs them as their creator", async () => {
      const alice = client("alice");
      const thread = await alice.threads.create();
      const cron = await alice.crons.createForThread(thread.thread_id, "whoami", {
        schedule: "* * * * * *",
        input: { input: "tick" },
        metadata: { kind: "test" },
      });
      expect((cron as { metadata?: unknown }).metadata).toMatchObject({ owner: "alice" });
      const cronId = cron.cron_id;

      const bob = client("bob");
      expect((await bob.crons.search({ limit: 100 })).map((c) => c.cron_id)).not.toContain(cronId);
      expect(await bob.crons.count({ threadId: thread.thread_id })).toBe(0);
      const patch = await call("bob", "PATCH", `/runs/crons/${cronId}`, { enabled: false });
      expect(patch.status).toBe(404);
      expect((await call("bob", "DELETE", `/runs/crons/${cronId}`)).status).toBe(404);
      const onHers = await call("bob", "POST", `/threads/${thread.thread_id}/runs/crons`, {
        assistant_id: "whoami",
        schedule: "* * * * *",
      });
      expect(onHers.status).toBe(404);
      expect((await alice.crons.search({ limit: 100 })).map((c) => c.cron_id)).toContain(cronId);

      // The tick runs as alice: her identity is in the run config the graph saw.
      let seen: Record<string, unknown>[] = [];
      for (let i = 0; i < 100 && seen.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        const state = await alice.threads.getState(thread.thread_id);
        seen = ((state.values as { seen?: Record<string, unknown>[] }).seen ?? []).slice();
      }
      await alice.crons.delete(cronId);
      expect(seen[0]).toMatchObject({
        user_id: "alice",
        identity: "alice",
        permissions: ["read", "write"],
      });
    });
  });

  describe("run context", () => {
    it("puts the caller and x-* headers into configurable, never x-api-key", async () => {
      const alice = client("alice", { "x-olg-test": "hello", "x-api-key": "nope" });
      const thread = await alice.threads.create();
      const values = (await alice.runs.wait(thread.thread_id, "whoami", {
        input: { input: "ctx" },
      })) as { seen: Record<string, unknown>[] };
      expect(values.seen[0]).toEqual({
        user_id: "alice",
        identity: "alice",
        display_name: "Alice",
        permissions: ["read", "write"],
        config_user_id: "alice",
        header: "hello",
        api_key: null,
      });
      // The graph's store writes went to alice's partition.
      expect((await alice.store.getItem(["alice", "runs"], "ctx"))?.value).toEqual({ by: "alice" });
      // A stateless run creates a thread stamped with its owner (create_run value).
      const run = await alice.runs.create(null, "whoami", {
        input: { input: "stateless" },
        onCompletion: "keep" as never, // the platform value (the SDK type lags)
      });
      await alice.runs.join(run.thread_id, run.run_id);
      expect((await alice.threads.get(run.thread_id)).metadata).toMatchObject({ owner: "alice" });
      await expect(client("bob").threads.get(run.thread_id)).rejects.toThrow("HTTP 404");
    });
  });
});
