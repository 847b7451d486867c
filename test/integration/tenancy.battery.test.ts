/**
 * Cross-organization battery (issue 19), on PGlite and PostgreSQL, with each isolation setting:
 * both layers, row-level security alone (`rls`: the application filter off) and the application
 * filter alone (`app`: RLS off). Org A creates an assistant, a thread with a run, a cron and a
 * store item, each marked with a secret; then org B's key walks every route of `/openapi.json`
 * (runs, streams, joins, history, copy, search, count, store, crons, protocol v2 over SSE, A2A, MCP,
 * artifacts) with A's ids in the path and in the body, then protocol v2 over a WebSocket and A2A /
 * MCP calls naming A's assistant, thread, task (run) and tool. 0 leaks: no answer carries any of A's ids
 * or secrets, no route naming A's rows succeeds, searches and counts see nothing of A, and A's
 * rows are unchanged afterwards.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  createTestDatabase,
  dropTestDatabase,
  serverBackends,
  startServer,
  type TestServer,
} from "../support/server.ts";
import { keySeeds, TENANCY_CONFIG, twoOrgKeys } from "../support/tenancy.ts";

type Operation = { security?: unknown[]; "x-olg-permission"?: string };
type OpenApi = { paths: Record<string, Record<string, Operation>> };
const SECRET = "secret-of-org-a";
const PROTOCOL = new Set(["/threads/{thread_id}/commands", "/threads/{thread_id}/stream/events"]);
const NONE = "00000000-0000-4000-8000-00000000abcd";
const CONFIGS = {
  both: TENANCY_CONFIG,
  rls: "test/fixtures/tenancy/open_langgraph.rls.json",
  app: "test/fixtures/tenancy/open_langgraph.app.json",
} as const;

const backends = (await serverBackends("tenancy battery")).filter(
  (b) => b === "pglite" || b === "postgres",
);
const cases = backends.flatMap((b) =>
  (Object.keys(CONFIGS) as (keyof typeof CONFIGS)[]).map((m) => [b, m] as const),
);

const seeds = keySeeds();
afterAll(() => seeds.remove(), 60_000);

describe.each(cases)("cross-org battery (%s, isolation %s)", (backend, isolation) => {
  let server: TestServer;
  let dir: string | undefined;
  let databaseUrl: string | undefined;
  let a: string;
  let b: string;

  beforeAll(async () => {
    // Each case on its own copy of the seeded database (the CLI's admin key of org A).
    const seed = await seeds.of(backend);
    if (seed.databaseUrl) databaseUrl = await createTestDatabase("olg_test", seed.databaseUrl);
    else {
      dir = mkdtempSync(path.join(tmpdir(), "olg-battery-"));
      cpSync(seed.dataDir!, dir, { recursive: true });
    }
    const db = databaseUrl ? { databaseUrl } : { dataDir: dir };
    // The embedded default with its executor thread (the PGlite worker replays each client's org).
    const executorThread = backend === "pglite";
    // MCP tools/list reads every assistant's schemas; which parser answers (the TypeScript one
    // or the runtime fallback) is the same for every org, so no static parse here: it built a
    // TypeScript program per case (~5 CPU-s, in the background after the 3 s request budget).
    const env = { LANGGRAPH_SCHEMA_RESOLVE_TIMEOUT_MS: "1" };
    server = await startServer({ backend, config: CONFIGS[isolation], executorThread, env, ...db });
    ({ a, b } = await twoOrgKeys(server.url, seed.admin));
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  }, 60_000);

  const api = async (key: string, method: string, p: string, body?: unknown, ms = 3000) => {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), ms); // streams: what arrives within 3 s
    try {
      const res = await fetch(`${server.url}${p}`, {
        method,
        signal: ctrl.signal,
        headers: {
          "x-api-key": key,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text().catch(() => "");
      return { status: res.status, text };
    } finally {
      clearTimeout(timer);
    }
  };
  const json = async (key: string, method: string, p: string, body?: unknown) =>
    JSON.parse((await api(key, method, p, body)).text);

  /** B's socket on a thread: the upgrade's status, and the frames of `commands` (each answered). */
  const socketOf = async (threadId: string, commands: Record<string, unknown>[]) => {
    const url = `${server.url.replace("http", "ws")}/threads/${threadId}/stream/events`;
    const socket = new WebSocket(url, { headers: { "x-api-key": b } });
    const frames: string[] = [];
    socket.on("message", (d: unknown) => frames.push(String(d)));
    const status = await new Promise<number>((resolve) => {
      socket.once("unexpected-response", (_req: unknown, res: { statusCode?: number }) =>
        resolve(res.statusCode ?? 0),
      );
      socket.once("open", () => resolve(101));
      socket.once("error", () => resolve(0));
    });
    try {
      if (status !== 101) return { status, frames };
      for (const [i, c] of commands.entries()) socket.send(JSON.stringify({ id: i + 1, ...c }));
      const answered = () =>
        commands.every((_, i) => frames.some((f) => JSON.parse(f).id === i + 1));
      await expect.poll(answered, { timeout: 15_000 }).toBe(true);
      await new Promise((r) => setTimeout(r, 1000)); // events of a run the commands started
      return { status, frames };
    } finally {
      socket.terminate();
    }
  };

  /**
   * Protocol v2 over a WebSocket, A2A and MCP with B's key: A's thread does not open, A's assistant
   * is unknown on B's own thread, a run B starts over the socket is B's (and invisible to A), and
   * no frame or JSON-RPC answer carries anything of A. Returns the leaks found.
   */
  const protocolAndAgents = async (ids: Record<string, string>, secrets: string[]) => {
    const leaks: string[] = [];
    // What B itself sent may come back (`Assistant '<id>' not found`); nothing else of A may.
    const carries = (what: string, text: string, sent: string[] = []) => {
      const found = secrets.filter((x) => text.includes(x) && !sent.includes(x));
      if (found.length) leaks.push(`${what} carries ${found.join(", ")}`);
    };
    const theirs = await socketOf(ids.thread_id!, [{ method: "state.get", params: {} }]);
    if (theirs.status !== 404) leaks.push(`WS on A's thread: ${theirs.status}`);
    carries("WS on A's thread", theirs.frames.join("\n"), [ids.thread_id!]);
    const own = (await json(b, "POST", "/threads", {})).thread_id as string;
    const mine = await socketOf(own, [
      { method: "subscription.subscribe", params: { channels: ["values", "lifecycle"] } },
      { method: "run.start", params: { assistant_id: ids.assistant_id, input: {} } },
      { method: "run.start", params: { assistant_id: "agent", input: { messages: [] } } },
      { method: "state.get", params: {} },
    ]);
    const replies = mine.frames.map((f) => JSON.parse(f));
    if (replies.find((f) => f.id === 2)?.type !== "error")
      leaks.push(
        `WS run.start with A's assistant: ${JSON.stringify(replies.find((f) => f.id === 2))}`,
      );
    carries("WS on B's thread", mine.frames.join("\n"), [ids.assistant_id!]);
    const started = replies.find((f) => f.id === 3);
    const runId = started?.result?.run_id as string | undefined;
    if (started?.type !== "success" || !runId)
      leaks.push(`WS run.start: ${JSON.stringify(started)}`);
    else {
      // The run belongs to B's org: B sees it, A does not.
      if ((await api(b, "GET", `/threads/${own}/runs/${runId}`)).status !== 200)
        leaks.push("B does not see the run it started over its socket");
      if ((await api(a, "GET", `/threads/${own}/runs/${runId}`)).status !== 404)
        leaks.push("A sees the run B started over its socket");
    }
    const rpc = async (p: string, method: string, params: unknown) => {
      const res = await api(b, "POST", p, { jsonrpc: "2.0", id: 1, method, params }, 30_000);
      const sent = secrets.filter((x) => `${p} ${JSON.stringify(params)}`.includes(x));
      carries(`${method} on ${p}`, res.text, sent);
      if (res.status === 200 && !/"error"\s*:|"isError"\s*:\s*true/.test(res.text))
        leaks.push(`${method} on ${p} succeeded: ${res.text.slice(0, 300)}`);
    };
    const message = (extra: Record<string, unknown> = {}) => ({
      message: { role: "user", messageId: "m", parts: [{ kind: "text", text: "hi" }], ...extra },
    });
    await rpc(`/a2a/${ids.assistant_id}`, "message/send", message());
    await rpc("/a2a/agent", "message/send", message({ contextId: ids.thread_id }));
    await rpc("/a2a/agent", "message/send", message({ taskId: ids.run_id }));
    await rpc("/a2a/agent", "tasks/get", { id: ids.run_id });
    await rpc("/a2a/agent", "tasks/cancel", { id: ids.run_id });
    await rpc("/mcp", "tools/call", { name: SECRET, arguments: {} });
    const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    const tools = await api(b, "POST", "/mcp", list, 30_000); // every assistant's schemas
    carries("MCP tools/list", tools.text);
    if (!/"tools"/.test(tools.text)) leaks.push(`MCP tools/list: ${tools.text.slice(0, 300)}`);
    return leaks;
  };

  it("lets org B reach nothing of org A through any route", async () => {
    const asst = await json(a, "POST", "/assistants", {
      graph_id: "agent",
      name: SECRET,
      metadata: { secret: SECRET },
    });
    const thread = await json(a, "POST", "/threads", { metadata: { secret: SECRET } });
    const wait = await api(a, "POST", `/threads/${thread.thread_id}/runs/wait`, {
      assistant_id: asst.assistant_id,
      input: { messages: [{ role: "user", content: SECRET }] },
      metadata: { secret: SECRET },
    });
    expect(wait.status).toBe(200);
    const [run] = await json(a, "GET", `/threads/${thread.thread_id}/runs`);
    const cron = await json(a, "POST", `/threads/${thread.thread_id}/runs/crons`, {
      assistant_id: asst.assistant_id,
      schedule: "0 0 1 1 *",
      metadata: { secret: SECRET },
    });
    expect(cron.cron_id).toBeTruthy();
    const put = await api(a, "PUT", "/store/items", {
      namespace: ["a-ns"],
      key: "k",
      value: { secret: SECRET },
    });
    expect(put.status).toBe(204);
    const ids: Record<string, string> = {
      assistant_id: asst.assistant_id,
      thread_id: thread.thread_id,
      run_id: run.run_id,
      cron_id: cron.cron_id,
      checkpoint_id: "00000000-0000-4000-8000-000000000000",
    };
    const secrets = [SECRET, ...Object.values(ids).slice(0, 4)];
    const body = {
      assistant_id: ids.assistant_id,
      thread_id: ids.thread_id,
      run_ids: [ids.run_id],
      thread_ids: [ids.thread_id],
      namespace: ["a-ns"],
      namespace_prefix: ["a-ns"],
      key: "k",
      input: {},
      jsonrpc: "2.0",
      id: 1,
      method: "message/send",
      params: { message: { role: "user", parts: [{ kind: "text", text: "hi" }], messageId: "m" } },
    };

    const doc = (await json(b, "GET", "/openapi.json")) as OpenApi;
    const leaks: string[] = [];
    let walked = 0;
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const permission = op["x-olg-permission"];
        if (!permission || permission.startsWith("admin:") || permission === "authenticated")
          continue; // B's developer key may not use them (the role test checks 403)
        if (op.security && op.security.length === 0) continue;
        const names = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
        const concrete = p.replace(/\{([^}]+)\}/g, (_, n: string) => ids[n] ?? "x");
        const m = method.toUpperCase();
        const res = await api(b, m, concrete, m === "GET" || m === "DELETE" ? undefined : body);
        walked++;
        // A's secret never; A's ids only where B did not send them (lists, searches).
        const found = secrets.filter(
          (x) => res.text.includes(x) && (x === SECRET || (names.length === 0 && res.status < 300)),
        );
        if (found.length) leaks.push(`${m} ${p}: ${res.status} carries ${found.join(", ")}`);
        const namesA = names.some((n) => n in ids && n !== "checkpoint_id");
        // JSON-RPC routes answer errors with 200 and an `error` member.
        const rpcError = res.status === 200 && /"error"\s*:/.test(res.text);
        if (namesA && res.status < 400 && !rpcError)
          leaks.push(`${m} ${p}: ${res.status} on A's row: ${res.text.slice(0, 300)}`);
        // A's row answers exactly as a row that does not exist (no existence oracle). Not the
        // protocol routes: they open threads that do not exist yet (`run.start` creates them),
        // and refuse another org's with 404 (ids are global: taking one is a conflict anyway).
        if (namesA && !PROTOCOL.has(p)) {
          const unknown = p.replace(/\{([^}]+)\}/g, (_, n: string) => (n in ids ? NONE : "x"));
          const none = await api(b, m, unknown, m === "GET" || m === "DELETE" ? undefined : body);
          if (none.status !== res.status || res.status >= 500)
            leaks.push(`${m} ${p}: ${res.status} for A's row, ${none.status} for none`);
        }
      }
    }
    leaks.push(...(await protocolAndAgents(ids, secrets)));
    if (leaks.length) console.log(`${backend}/${isolation}:\n${leaks.join("\n")}`);
    expect(leaks).toEqual([]);
    expect(walked).toBeGreaterThan(60);
    // Searches and counts of B see nothing of A.
    expect(await json(b, "POST", "/threads/search", {})).toEqual(
      (await json(b, "POST", "/threads/search", {})).filter(
        (t: { thread_id: string }) => t.thread_id !== ids.thread_id,
      ),
    );
    const counts = await json(b, "POST", "/assistants/count", { metadata: { secret: SECRET } });
    expect(counts).toBe(0);
    expect(await json(b, "POST", "/threads/count", { metadata: { secret: SECRET } })).toBe(0);
    expect(await json(b, "POST", "/runs/crons/count", {})).toBe(0);
    expect(
      (await json(b, "POST", "/store/items/search", { namespace_prefix: ["a-ns"] })).items,
    ).toEqual([]);
    // A's rows are intact.
    expect((await json(a, "GET", `/threads/${ids.thread_id}`)).metadata.secret).toBe(SECRET);
    expect((await json(a, "GET", `/assistants/${ids.assistant_id}`)).name).toBe(SECRET);
    expect((await api(a, "GET", `/threads/${ids.thread_id}/runs/${ids.run_id}`)).status).toBe(200);
    expect(
      (await json(a, "POST", "/runs/crons/search", {})).map((c: { cron_id: string }) => c.cron_id),
    ).toContain(ids.cron_id);
    expect((await json(a, "GET", "/store/items?namespace=a-ns&key=k")).value).toEqual({
      secret: SECRET,
    });
  }, 240_000);
});
