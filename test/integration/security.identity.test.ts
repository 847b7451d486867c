/**
 * Nobody is anyone else, under the handlers of the LangGraph docs (`test/fixtures/auth/docs-auth.ts`):
 * - the Studio header alone never makes an anonymous caller the Studio user (only a configured
 *   LangSmith key does), so nobody reads or deletes another user's data with it;
 * - a run (thread, stateless, batch, stream, wait, protocol command) or a cron on an assistant the
 *   caller cannot read is 404 and nothing of that assistant reaches the caller;
 * - a body cannot say who the caller is (`configurable.langgraph_auth_*`, `user_id`);
 * - store listings (namespaces, searches) show only what the caller could read item by item.
 * On a dedicated server per backend (PGlite, and PostgreSQL when it answers).
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverBackends, startServer, type TestServer } from "../support/server.ts";

const CONFIG = "test/fixtures/auth/open_langgraph.docs.json";
const STUDIO_KEY = "lsv2_pt_test_studio_key";
const backends = await serverBackends("security.identity");

describe.each(backends)("identity and scope under the docs' handlers (%s)", (backend) => {
  let server: TestServer;
  let url: string;
  const token = { alice: "alice-token", bob: "bob-token" } as const;
  const client = (user: keyof typeof token) =>
    new Client({ apiUrl: url, defaultHeaders: { Authorization: `Bearer ${token[user]}` } });
  const call = (headers: Record<string, string>, method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...headers,
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  const as = (user: keyof typeof token) => ({ Authorization: `Bearer ${token[user]}` });

  beforeAll(async () => {
    server = await startServer({
      backend,
      config: CONFIG,
      env: { OLG_TEST_STUDIO_KEYS: `other_key, ${STUDIO_KEY}` },
    });
    url = server.url;
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  it("never lets the Studio header alone in: anonymous callers read and delete nothing", async () => {
    const thread = await client("alice").threads.create({ metadata: { secret: "s" } });
    const studio = { "x-auth-scheme": "langsmith" };
    const attempts: [string, string, unknown?][] = [
      ["GET", `/threads/${thread.thread_id}`],
      ["DELETE", `/threads/${thread.thread_id}`],
      ["POST", "/threads/search", {}],
      ["POST", "/assistants/search", {}],
      ["POST", "/store/namespaces", {}],
    ];
    for (const headers of [
      studio,
      { ...studio, "x-api-key": "lsv2_wrong" },
      { ...studio, "x-api-key": "" },
      { ...studio, "x-api-key": `${STUDIO_KEY}x` },
    ]) {
      for (const [method, path, body] of attempts) {
        const res = await call(headers, method, path, body);
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
      }
    }
    // The thread is untouched.
    expect((await client("alice").threads.get(thread.thread_id)).metadata).toMatchObject({
      secret: "s",
    });
    // With a configured LangSmith key, Studio is the Studio user (the docs' handler lets it see all).
    const res = await call(
      { ...studio, "x-api-key": STUDIO_KEY },
      "GET",
      `/threads/${thread.thread_id}`,
    );
    expect(res.status).toBe(200);
  });

  it("refuses runs and crons on an assistant the caller cannot read, on every route", async () => {
    const secret = { configurable: { openai_api_key: "sk-alice-secret" } };
    const a = await client("alice").assistants.create({ graphId: "whoami", config: secret });
    const bobThread = await client("bob").threads.create();
    const t = bobThread.thread_id;
    const body = { assistant_id: a.assistant_id, input: { input: "x" } };
    const routes: [string, string, unknown][] = [
      ["POST", `/threads/${t}/runs`, body],
      ["POST", `/threads/${t}/runs/wait`, body],
      ["POST", `/threads/${t}/runs/stream`, body],
      ["POST", "/runs", body],
      ["POST", "/runs/wait", body],
      ["POST", "/runs/stream", body],
      ["POST", "/runs/batch", [body]],
      ["POST", "/runs/crons", { ...body, schedule: "* * * * *" }],
      ["POST", `/threads/${t}/runs/crons`, { ...body, schedule: "* * * * *" }],
      [
        "POST",
        `/threads/${t}/commands`,
        { id: 1, method: "run.start", params: { assistant_id: a.assistant_id, input: {} } },
      ],
    ];
    for (const [method, path, b] of routes) {
      const res = await call(as("bob"), method, path, b);
      const text = await res.text();
      expect(res.status, `${method} ${path}: ${text}`).toBe(404);
      expect(text).not.toContain("sk-alice-secret");
    }
    // Nothing was created for bob, and nothing of alice's assistant reached him.
    expect(await client("bob").runs.list(t)).toEqual([]);
    expect(await client("bob").crons.search({ limit: 100 })).toEqual([]);
    const seen = JSON.stringify(await client("bob").threads.get(t));
    expect(seen).not.toContain("sk-alice-secret");
    // The owner runs it; graph ids (system assistants) stay runnable by everyone.
    await client("alice").runs.wait(null, a.assistant_id, { input: { input: "mine" } });
    const values = (await client("bob").runs.wait(null, "whoami", { input: { input: "y" } })) as {
      seen: { identity: string }[];
    };
    expect(values.seen[0]?.identity).toBe("bob");
  });

  it("lets no body field say who the caller is", async () => {
    const spoof = {
      langgraph_auth_user: { identity: "alice", permissions: ["admin"] },
      langgraph_auth_user_id: "alice",
      langgraph_auth_permissions: ["admin"],
      user_id: "alice",
    };
    const bob = client("bob");
    const thread = await bob.threads.create();
    const values = (await bob.runs.wait(thread.thread_id, "whoami", {
      input: { input: "spoof" },
      config: { configurable: spoof },
    })) as { seen: Record<string, unknown>[] };
    expect(values.seen[0]).toMatchObject({
      user_id: "bob",
      identity: "bob",
      permissions: [],
      config_user_id: "bob",
    });
    // Nor does the thread keep the spoofed keys for later runs.
    expect(JSON.stringify((await bob.threads.get(thread.thread_id)).config)).not.toContain(
      "langgraph_auth",
    );
  });

  it("lists and searches only the store items the caller could read", async () => {
    await client("alice").store.putItem(["alice", "notes"], "a", { v: 1 });
    await client("bob").store.putItem(["bob", "notes"], "b", { v: 2 });
    const alice = client("alice");
    const all = (await alice.store.listNamespaces()).namespaces;
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((ns) => ns[0] === "alice")).toBe(true);
    expect((await alice.store.listNamespaces({ maxDepth: 1 })).namespaces).toEqual([["alice"]]);
    expect((await alice.store.listNamespaces({ suffix: ["notes"] })).namespaces).toEqual([
      ["alice", "notes"],
    ]);
    // Pages count what the caller may see.
    expect((await alice.store.listNamespaces({ offset: 1 })).namespaces).toEqual(all.slice(1));
    const bobsList = (await client("bob").store.listNamespaces()).namespaces;
    expect(bobsList.some((ns) => ns[0] === "alice")).toBe(false);
    // Searching another user's prefix, or everything, is refused by the handler.
    expect(
      (await call(as("bob"), "POST", "/store/items/search", { namespace_prefix: ["alice"] }))
        .status,
    ).toBe(403);
    expect(
      (await call(as("bob"), "POST", "/store/items/search", { namespace_prefix: [] })).status,
    ).toBe(403);
  });
});
