/**
 * The audit log (issue 19): every mutating route of `/openapi.json` (permission `…:write`), called
 * with real ids, leaves exactly one record when it answers 2xx/3xx and none when it rejects the
 * request (4xx); records carry who, what, from where; the admin API pages, filters and exports them
 * (JSON lines) for the caller's org only; the table refuses UPDATE and DELETE.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../support/server.ts";
import { createKey, olgJson, TENANCY_CONFIG } from "../support/tenancy.ts";

type Operation = { security?: unknown[]; "x-olg-permission"?: string };
type OpenApi = { paths: Record<string, Record<string, Operation>> };
type Rec = Record<string, any>;

/** Bodies that make a route succeed (others get `{}`). `{…}` is replaced by the fixture's ids. */
const BODIES: Record<string, unknown> = {
  "POST /assistants": { graph_id: "agent" },
  "PATCH /assistants/{assistant_id}": { metadata: { x: 1 } },
  "POST /assistants/{assistant_id}/latest": { version: 1 },
  "POST /threads/{thread_id}/runs": { assistant_id: "agent", input: { messages: [] } },
  "POST /threads/{thread_id}/runs/stream": {
    assistant_id: "agent",
    input: { messages: [] },
    multitask_strategy: "enqueue",
  },
  "POST /threads/prune": { thread_ids: ["{spare}"] },
  "POST /runs/cancel": { status: "pending" },
  "POST /threads/{thread_id}/runs/wait": { assistant_id: "agent", input: { messages: [] } },
  "POST /runs": { assistant_id: "agent", input: { messages: [] } },
  "POST /runs/stream": { assistant_id: "agent", input: { messages: [] } },
  "POST /runs/wait": { assistant_id: "agent", input: { messages: [] } },
  "POST /runs/batch": [{ assistant_id: "agent", input: { messages: [] } }],
  "POST /runs/crons": { assistant_id: "agent", schedule: "0 0 * * *" },
  "POST /threads/{thread_id}/runs/crons": { assistant_id: "agent", schedule: "0 0 * * *" },
  "PATCH /runs/crons/{cron_id}": { schedule: "0 1 * * *" },
  "POST /threads/{thread_id}/state": { values: { messages: [] } },
  "PUT /store/items": { namespace: ["a"], key: "k", value: { v: 1 } },
  "DELETE /store/items": { namespace: ["a"], key: "k" },
  "PATCH /admin/api/org": { name: "Default" },
  "PUT /admin/api/members": { identity: "someone", role: "viewer" },
  "POST /admin/api/keys": { name: "walk", role: "viewer" },
  "PUT /admin/api/keys/{key_id}/quotas": { requests_per_minute: 1000 },
  "POST /admin/api/orgs": { name: "Walked" },
};
/** Not walked: wipes the fixtures (test-mode reset). */
const SKIP = new Set(["POST /internal/truncate"]);

describe("tenancy audit log (PGlite)", () => {
  let server: TestServer;
  let dir: string;
  let admin: string;
  let other: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "olg-audit-"));
    admin = (
      await olgJson(["keys", "create", "--org", "default", "--role", "admin"], { dataDir: dir })
    ).key;
    await olgJson(["org", "create", "Acme", "--id", "acme"], { dataDir: dir });
    other = (
      await olgJson(["keys", "create", "--org", "acme", "--role", "admin"], { dataDir: dir })
    ).key;
    server = await startServer({
      backend: "pglite",
      config: TENANCY_CONFIG,
      dataDir: dir,
      executorThread: true, // quota counters shared by both threads, the worker's org replay
    });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const api = async (key: string, method: string, p: string, body?: unknown) => {
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}${p}`, {
      method,
      signal: ctrl.signal,
      headers: { "x-api-key": key, "content-type": "application/json", "user-agent": "audit-walk" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = res.headers.get("content-type") ?? "";
    let parsed: any = null;
    if (type.includes("application/json")) parsed = await res.json();
    else if (type.includes("ndjson")) parsed = await res.text();
    ctrl.abort(); // streams: the status is enough
    return { status: res.status, body: parsed };
  };
  const newest = async (key = admin): Promise<Rec[]> =>
    (await api(key, "GET", "/admin/api/audit?limit=1000")).body.items;

  it("leaves exactly one record per successful mutating route and none per rejected one", async () => {
    const doc = (await api(admin, "GET", "/openapi.json")).body as OpenApi;
    const asst = (await api(admin, "POST", "/assistants", { graph_id: "agent" })).body;
    const thread = (await api(admin, "POST", "/threads", {})).body;
    const run = (
      await api(admin, "POST", `/threads/${thread.thread_id}/runs/wait`, {
        assistant_id: "agent",
        input: { messages: [] },
      })
    ).status;
    expect(run).toBe(200);
    const runs = (await api(admin, "GET", `/threads/${thread.thread_id}/runs`)).body;
    const cron = (
      await api(admin, "POST", "/runs/crons", { assistant_id: "agent", schedule: "0 0 * * *" })
    ).body;
    const keyInfo = (await api(admin, "POST", "/admin/api/keys", { name: "k", role: "viewer" }))
      .body;
    const member = (
      await api(admin, "PUT", "/admin/api/members", { identity: "m1", role: "viewer" })
    ).body;
    const ids: Record<string, string> = {
      assistant_id: asst.assistant_id,
      thread_id: thread.thread_id,
      run_id: runs[0].run_id,
      cron_id: cron.cron_id,
      key_id: keyInfo.key_id,
      user_id: member.user_id,
      spare: (await api(admin, "POST", "/threads", {})).body.thread_id,
    };
    const walked: { op: string; status: number; records: number }[] = [];
    const ops: [string, string, Operation][] = [];
    for (const [p, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods))
        if (op["x-olg-permission"]?.endsWith(":write")) ops.push([method.toUpperCase(), p, op]);
    // Deletions last (nested resources first), so the other routes find their resources.
    const rank = ([m, p]: [string, string, Operation]) => (m === "DELETE" ? 1000 - p.length : 0);
    ops.sort((x, y) => rank(x) - rank(y));
    let seen = Number((await newest())[0]?.audit_id ?? 0);
    for (const [method, p] of ops) {
      const op = `${method} ${p}`;
      if (SKIP.has(op)) continue;
      const concrete = p.replace(/\{([^}]+)\}/g, (_, name: string) => ids[name] ?? "missing");
      const body = JSON.parse(
        JSON.stringify(BODIES[op] ?? {}).replace(/\{(\w+)\}/g, (_, n: string) => ids[n] ?? n),
      );
      const { status } = await api(admin, method, concrete, body);
      // A record is written with its change; wait for streams and background answers to settle.
      const fresh = (await newest()).filter((r) => Number(r.audit_id) > seen);
      seen = Math.max(seen, ...fresh.map((r) => Number(r.audit_id)));
      walked.push({ op, status, records: fresh.length });
      if (fresh[0] && fresh.length === 1) {
        expect(fresh[0]).toMatchObject({ method, actor_kind: "key", user_agent: "audit-walk" });
        expect(fresh[0].route).toBe(p.replace(/\{([^}]+)\}/g, ":$1"));
      }
    }
    console.log(walked.map((w) => `${w.status} ${w.records} ${w.op}`).join("\n"));
    const wrong = walked.filter((w) => w.records !== (w.status < 400 ? 1 : 0));
    expect(wrong).toEqual([]);
    expect(walked.filter((w) => w.status < 400).length).toBeGreaterThan(20);
  }, 180_000);

  it("records who, what and from where; filters, pages and exports per org; none on rejections", async () => {
    const viewer = await createKey(server.url, admin, { name: "v", role: "viewer" });
    const top = (await newest())[0]!.audit_id;
    expect((await api(viewer, "POST", "/threads", {})).status).toBe(403);
    expect((await api(admin, "POST", "/threads", { metadata: "nope" })).status).toBe(400);
    expect(
      (await api(admin, "PATCH", `/threads/${"0".repeat(8)}-0000-4000-8000-000000000000`, {}))
        .status,
    ).toBe(404);
    expect((await newest()).filter((r) => Number(r.audit_id) > Number(top))).toEqual([]);
    const made = (await api(admin, "POST", "/threads", { metadata: { n: 1 } })).body;
    const [rec] = await newest();
    expect(rec).toMatchObject({
      org_id: "default",
      actor_kind: "key",
      method: "POST",
      route: "/threads",
      resource: "threads",
      resource_id: made.thread_id,
      action: "create",
      outcome: "committed",
      user_agent: "audit-walk",
    });
    expect(rec!.ip).toMatch(/127\.0\.0\.1|::1/);
    // Filters and pages.
    const byId = await api(admin, "GET", `/admin/api/audit?resource_id=${made.thread_id}`);
    expect(byId.body.items.map((r: Rec) => r.audit_id)).toEqual([rec!.audit_id]);
    const page1 = (await api(admin, "GET", "/admin/api/audit?limit=2")).body;
    expect(page1.items).toHaveLength(2);
    const page2 = (await api(admin, "GET", `/admin/api/audit?limit=2&before=${page1.next_cursor}`))
      .body;
    expect(Number(page2.items[0].audit_id)).toBeLessThan(Number(page1.items[1].audit_id));
    expect((await api(admin, "GET", "/admin/api/audit?limit=0")).status).toBe(400);
    expect((await api(viewer, "GET", "/admin/api/audit")).status).toBe(403);
    // Export: JSON lines, oldest first, the same records.
    const all = await newest();
    const exported = await api(admin, "GET", "/admin/api/audit/export");
    const lines = (exported.body as string)
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((r) => r.audit_id)).toEqual(all.map((r) => r.audit_id).reverse());
    // The other org sees none of them, and its own change only.
    expect(await newest(other)).toEqual([]);
    await api(other, "POST", "/threads", {});
    const theirs = await newest(other);
    expect(theirs).toHaveLength(1);
    expect(theirs[0]!.org_id).toBe("acme");
    expect((await newest()).some((r) => r.org_id !== "default")).toBe(false);
  }, 60_000);
});
