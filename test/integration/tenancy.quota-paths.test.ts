/**
 * Run quotas on every way to start a run (issue 19), and the store-size quota, in process on
 * PGlite: `/runs/batch` (every run counts, all or nothing), protocol v2 `run.start` over HTTP
 * (SSE transport's command route: 429) and over a WebSocket (`resource_exhausted`), A2A and MCP
 * (JSON-RPC errors naming the quota), cron ticks (counted against the org; a tick over the
 * quota is skipped) and `store_bytes` (429 at the limit; overwrites and deletes count right).
 * Each case uses its own key (or org), so their counters do not meet.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startServer, type TestServer } from "../support/server.ts";
import { createKey, olgJson, TENANCY_CONFIG } from "../support/tenancy.ts";

describe("quotas on every run path (PGlite)", () => {
  let server: TestServer;
  let dir: string;
  let admin: string;
  let cronAdmin: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "olg-quota-paths-"));
    const db = { dataDir: dir };
    admin = (await olgJson(["keys", "create", "--org", "default", "--role", "admin"], db)).key;
    await olgJson(["org", "create", "Crons", "--id", "crons"], db);
    cronAdmin = (await olgJson(["keys", "create", "--org", "crons", "--role", "admin"], db)).key;
    server = await startServer({
      backend: "pglite",
      config: TENANCY_CONFIG,
      dataDir: dir,
      executorThread: true, // quota counters shared by both threads, the worker's org replay
    });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const send = async (key: string, method: string, p: string, body?: unknown) => {
    const res = await fetch(`${server.url}${p}`, {
      method,
      headers: {
        "x-api-key": key,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, headers: res.headers, json: () => JSON.parse(text) };
  };
  const keyWith = async (name: string, quotas: Record<string, number>, role = "developer") => {
    const key = await createKey(server.url, admin, { name, role });
    const keys = (await send(admin, "GET", "/admin/api/keys")).json() as {
      key_id: string;
      name: string;
    }[];
    const id = keys.find((k) => k.name === name)!.key_id;
    expect((await send(admin, "PUT", `/admin/api/keys/${id}/quotas`, quotas)).status).toBe(200);
    return key;
  };
  const newThread = async (key: string) =>
    (await send(key, "POST", "/threads", {})).json().thread_id as string;
  const runsOf = async (key: string, threadId: string) =>
    (await send(key, "GET", `/threads/${threadId}/runs`)).json() as { run_id: string }[];
  const quick = { assistant_id: "runs_steps", input: { delay_ms: 1 } };

  it("/runs/batch counts every run of the batch, all or nothing", async () => {
    const key = await keyWith("batch", { runs_per_day: 3 });
    const before = (await send(admin, "POST", "/runs/search", { limit: 1000 })).json().length;
    const four = await send(key, "POST", "/runs/batch", [quick, quick, quick, quick]);
    expect(four.status).toBe(429);
    expect(four.json().detail).toBe("Quota exceeded: the key's runs_per_day (3)");
    expect(four.headers.get("x-ratelimit-limit")).toBe("3");
    expect(four.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(four.headers.get("retry-after"))).toBeGreaterThan(0);
    // Nothing of the refused batch was created.
    expect((await send(admin, "POST", "/runs/search", { limit: 1000 })).json().length).toBe(before);
    expect((await send(key, "POST", "/runs/batch", [quick, quick, quick])).status).toBe(200);
    expect((await send(key, "POST", "/runs", quick)).status).toBe(429);
  }, 60_000);

  it("protocol run.start over HTTP: 429 at the limit; other commands are not counted", async () => {
    const key = await keyWith("protocol-http", { runs_per_day: 1 });
    const thread = await newThread(key);
    const command = (id: number, method: string, params: Record<string, unknown> = {}) =>
      send(key, "POST", `/threads/${thread}/commands`, { id, method, params });
    const first = await command(1, "run.start", quick);
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({ type: "success", result: { run_id: expect.any(String) } });
    const second = await command(2, "run.start", quick);
    expect(second.status).toBe(429);
    expect(second.json().detail).toBe("Quota exceeded: the key's runs_per_day (1)");
    expect(second.headers.get("x-ratelimit-remaining")).toBe("0");
    expect((await command(3, "state.get")).status).toBe(200);
    expect(await runsOf(key, thread)).toHaveLength(1);
  }, 60_000);

  it("protocol run.start over a WebSocket: resource_exhausted at the limit", async () => {
    const key = await keyWith("protocol-ws", { runs_per_day: 1 });
    const thread = await newThread(key);
    const socket = new WebSocket(
      `${server.url.replace("http", "ws")}/threads/${thread}/stream/events`,
      { headers: { "x-api-key": key } },
    );
    const frames: any[] = [];
    socket.on("message", (d: unknown) => frames.push(JSON.parse(String(d))));
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    try {
      const reply = async (id: number) => {
        await expect.poll(() => frames.some((f) => f.id === id), { timeout: 15_000 }).toBe(true);
        return frames.find((f) => f.id === id);
      };
      socket.send(JSON.stringify({ id: 1, method: "run.start", params: quick }));
      expect(await reply(1)).toMatchObject({ type: "success" });
      socket.send(JSON.stringify({ id: 2, method: "run.start", params: quick }));
      expect(await reply(2)).toEqual({
        type: "error",
        id: 2,
        error: "resource_exhausted",
        message: "Quota exceeded: the key's runs_per_day (1)",
      });
      // The run started over the socket belongs to the key's org (it sees it over HTTP).
      expect(await runsOf(key, thread)).toHaveLength(1);
    } finally {
      socket.close();
    }
  }, 60_000);

  it("protocol run.start over a WebSocket: one audit record per run; a viewer is refused", async () => {
    const open = async (key: string, thread: string) => {
      const socket = new WebSocket(
        `${server.url.replace("http", "ws")}/threads/${thread}/stream/events`,
        { headers: { "x-api-key": key, "user-agent": "ws-audit-test" } },
      );
      const frames: any[] = [];
      socket.on("message", (d: unknown) => frames.push(JSON.parse(String(d))));
      await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      });
      const reply = async (id: number) => {
        await expect.poll(() => frames.some((f) => f.id === id), { timeout: 15_000 }).toBe(true);
        return frames.find((f) => f.id === id);
      };
      return { socket, reply };
    };
    const audit = async () =>
      (await send(admin, "GET", "/admin/api/audit?method=WS&limit=100")).json().items as Record<
        string,
        unknown
      >[];
    const key = await keyWith("protocol-ws-audit", {});
    const thread = await newThread(key);
    const before = (await audit()).length;
    const { socket, reply } = await open(key, thread);
    try {
      socket.send(JSON.stringify({ id: 1, method: "run.start", params: quick }));
      const started = await reply(1);
      expect(started).toMatchObject({ type: "success", result: { run_id: expect.any(String) } });
      socket.send(JSON.stringify({ id: 2, method: "state.get", params: {} }));
      await reply(2);
      const items = await audit();
      expect(items).toHaveLength(before + 1); // the run, not the read
      expect(items[0]).toMatchObject({
        method: "WS",
        route: "/threads/:thread_id/stream/events",
        resource: "runs",
        resource_id: started.result.run_id,
        action: "create",
        outcome: "committed",
        actor_kind: "key",
        user_agent: "ws-audit-test",
      });
    } finally {
      socket.close();
    }
    // A viewer reads over the socket but starts no run (what POST …/commands refuses with 403).
    const viewer = await createKey(server.url, admin, { name: "ws-viewer", role: "viewer" });
    const v = await open(viewer, thread);
    try {
      v.socket.send(JSON.stringify({ id: 1, method: "run.start", params: quick }));
      expect(await v.reply(1)).toMatchObject({ type: "error", error: "permission_denied" });
      expect(await runsOf(key, thread)).toHaveLength(1);
      expect(await audit()).toHaveLength(before + 1);
    } finally {
      v.socket.close();
    }
  }, 60_000);

  it("store writes a graph makes inside a run count against the org's store_bytes", async () => {
    // An org of its own (its quota would refuse the other tests' writes).
    const made = await send(admin, "POST", "/admin/api/orgs", {
      name: "Store quota",
      org_id: "storeq",
    });
    expect(made.status).toBe(201);
    const orgAdmin = made.json().admin_key.key as string;
    const limit = 400;
    expect(
      (await send(orgAdmin, "PATCH", "/admin/api/org", { quotas: { store_bytes: limit } })).status,
    ).toBe(200);
    const remember = (note: string) =>
      send(orgAdmin, "POST", "/runs/wait", {
        assistant_id: "store_graph",
        input: { note },
        config: { configurable: { memory_user: "u1" } },
      });
    const items = async () =>
      (
        await send(orgAdmin, "POST", "/store/items/search", {
          namespace_prefix: ["memories", "u1"],
          limit: 100,
        })
      ).json().items as { value: { text: string } }[];
    const small = await remember("fits");
    expect(small.status).toBe(200);
    expect(small.json().saved).toEqual({ text: "fits" });
    // Over the limit: the graph's put is refused with the route's message, nothing is written.
    const big = await remember("x".repeat(limit));
    expect(big.text).toContain(`Quota exceeded: the organization's store_bytes (${limit})`);
    expect((await items()).map((i) => i.value.text)).toEqual(["fits"]);
    // The route refuses the same write with the same message.
    const put = await send(orgAdmin, "PUT", "/store/items", {
      namespace: ["memories", "u1"],
      key: "big",
      value: { text: "x".repeat(limit) },
    });
    expect(put.status).toBe(429);
    expect(put.json().detail).toBe(`Quota exceeded: the organization's store_bytes (${limit})`);
    // Another org's store is not limited by it (the default org has no store quota).
    const other = await send(admin, "POST", "/runs/wait", {
      assistant_id: "store_graph",
      input: { note: "x".repeat(limit) },
      config: { configurable: { memory_user: "u1" } },
    });
    expect(other.status).toBe(200);
    expect(other.json().saved).toEqual({ text: "x".repeat(limit) });
    // The default org's store as it was (the other tests' store quotas count all of it).
    const written = (
      await send(admin, "POST", "/store/items/search", { namespace_prefix: ["memories", "u1"] })
    ).json().items as { key: string }[];
    for (const { key } of written)
      await send(admin, "DELETE", "/store/items", { namespace: ["memories", "u1"], key });
  }, 60_000);

  it("A2A and MCP: the run they start is admitted; over the quota is a JSON-RPC error", async () => {
    const key = await keyWith("a2a-mcp", { runs_per_day: 1 });
    const rpc = (p: string, method: string, params: unknown) =>
      send(key, "POST", p, { jsonrpc: "2.0", id: 1, method, params });
    const message = (text: string) => ({
      message: { role: "user", messageId: text, parts: [{ kind: "text", text }] },
    });
    const ok = await rpc("/a2a/agent", "message/send", message("hi"));
    expect(ok.status).toBe(200);
    expect(ok.json().result).toBeTruthy();
    const over = await rpc("/a2a/agent", "message/send", message("again"));
    expect(over.json().error.message).toMatch(/Quota exceeded: the key's runs_per_day \(1\)/);
    const tool = await rpc("/mcp", "tools/call", { name: "runs_steps", arguments: {} });
    expect(tool.text).toMatch(/Quota exceeded: the key's runs_per_day \(1\)/);
    expect(tool.text).toMatch(/"error"|"isError":true/);

    const fresh = await keyWith("mcp", { runs_per_day: 1 });
    const call = () =>
      send(fresh, "POST", "/mcp", {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "runs_steps", arguments: { delay_ms: 1 } },
      });
    const first = await call();
    expect(first.text).not.toMatch(/Quota exceeded/);
    expect(first.text).toMatch(/visits/);
    expect((await call()).text).toMatch(/Quota exceeded: the key's runs_per_day \(1\)/);
  }, 90_000);

  it("cron ticks count against their org's runs per day; a tick over it is skipped", async () => {
    expect(
      (await send(cronAdmin, "PATCH", "/admin/api/org", { quotas: { runs_per_day: 2 } })).status,
    ).toBe(200);
    const thread = await newThread(cronAdmin);
    const cron = await send(cronAdmin, "POST", `/threads/${thread}/runs/crons`, {
      ...quick,
      schedule: "* * * * * *", // every second
    });
    expect(cron.status).toBe(200);
    try {
      await expect
        .poll(async () => (await runsOf(cronAdmin, thread)).length, { timeout: 30_000 })
        .toBe(2);
      await new Promise((r) => setTimeout(r, 3000)); // three more ticks, all over the quota
      expect(await runsOf(cronAdmin, thread)).toHaveLength(2);
      // The day is full for the org's API callers too.
      const run = await send(cronAdmin, "POST", "/runs", quick);
      expect(run.status).toBe(429);
      expect(run.json().detail).toBe("Quota exceeded: the organization's runs_per_day (2)");
    } finally {
      await send(cronAdmin, "DELETE", `/runs/crons/${cron.json().cron_id}`);
    }
  }, 60_000);

  it("store_bytes: 429 at the limit; an overwrite counts its new size, a delete frees", async () => {
    const key = await keyWith("store", { store_bytes: 100 });
    const put = (k: string, value: unknown) =>
      send(key, "PUT", "/store/items", { namespace: ["quota"], key: k, value });
    // Each item: its JSON as stored ({"v": "<n x>"} = 9 + n bytes) + namespace (5) + key (1).
    const value = (n: number) => ({ v: "x".repeat(n) });
    expect((await put("a", value(35))).status).toBe(204); // 50 bytes
    expect((await put("b", value(35))).status).toBe(204); // 100: exactly the limit
    const over = await put("c", value(0)); // 15 more
    expect(over.status).toBe(429);
    expect(over.json()).toEqual({ detail: "Quota exceeded: the key's store_bytes (100)" });
    expect(over.headers.get("x-ratelimit-limit")).toBe("100");
    expect(over.headers.get("x-ratelimit-remaining")).toBe("0");
    const keys = async () =>
      (
        (await send(key, "POST", "/store/items/search", { namespace_prefix: ["quota"] })).json()
          .items as { key: string }[]
      )
        .map((i) => i.key)
        .sort();
    expect(await keys()).toEqual(["a", "b"]); // the refused put wrote nothing
    expect((await put("a", value(36))).status).toBe(429); // would be 101
    expect((await put("a", value(20))).status).toBe(204); // 35 + 50 = 85
    expect((await put("c", value(0))).status).toBe(204); // 100
    expect(
      (await send(key, "DELETE", "/store/items", { namespace: ["quota"], key: "b" })).status,
    ).toBe(204);
    expect((await put("d", value(35))).status).toBe(204); // 100 again
    expect((await put("e", value(0))).status).toBe(429);
    expect(await keys()).toEqual(["a", "c", "d"]);
  }, 60_000);
});
