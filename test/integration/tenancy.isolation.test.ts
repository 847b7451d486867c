/**
 * Cross-organization isolation (issue 19), on PGlite and PostgreSQL: keys of two orgs (`default`
 * and `acme`, bootstrapped with `olg org create` / `olg keys create`); what one org creates
 * (assistant, thread, run and its checkpoints, store item) is invisible to the other through the
 * API, and, with the application filter out of the way (plain SQL as the server's database role
 * with another org's `app.org_id`), row-level security alone hides every tenant row.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TENANT_TABLES } from "../../src/storage/migrations/010_tenancy.ts";
import {
  createTestDatabase,
  dropTestDatabase,
  serverBackends,
  startServer,
  type TestServer,
} from "../support/server.ts";
import { olgJson, TENANCY_CONFIG } from "../support/tenancy.ts";

describe.each(await serverBackends("tenancy isolation"))("tenancy isolation (%s)", (backend) => {
  let server: TestServer;
  let dir: string | undefined;
  let databaseUrl: string | undefined;
  let a: string;
  let b: string;

  beforeAll(async () => {
    if (backend === "postgres") databaseUrl = await createTestDatabase();
    else dir = mkdtempSync(path.join(tmpdir(), "olg-tenancy-"));
    const db = databaseUrl ? { databaseUrl } : { dataDir: dir };
    a = (await olgJson(["keys", "create", "--org", "default", "--role", "developer"], db)).key;
    await olgJson(["org", "create", "Acme", "--id", "acme"], db);
    b = (await olgJson(["keys", "create", "--org", "acme", "--role", "developer"], db)).key;
    const executorThread = backend === "pglite"; // the PGlite worker's org replay across threads
    server = await startServer({ backend, config: TENANCY_CONFIG, executorThread, ...db });
  }, 180_000);
  afterAll(async () => {
    await server?.stop(); // a database it was given stays: dropped here
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  }, 60_000);

  const api = async (key: string, method: string, p: string, body?: unknown) => {
    const res = await fetch(`${server.url}${p}`, {
      method,
      headers: { "x-api-key": key, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: parsed };
  };

  it("shows one org nothing of another's through the API", async () => {
    const asst = await api(a, "POST", "/assistants", { graph_id: "agent", name: "a-only" });
    expect(asst.status).toBe(200);
    const thread = await api(a, "POST", "/threads", { metadata: { org: "a" } });
    expect(thread.status).toBe(200);
    const tid = thread.body.thread_id as string;
    const run = await api(a, "POST", `/threads/${tid}/runs/wait`, {
      assistant_id: "agent",
      input: { messages: [{ role: "user", content: "hi" }] },
    });
    expect(run.status).toBe(200);
    expect((await api(a, "GET", `/threads/${tid}/state`)).status).toBe(200);
    expect(
      (await api(a, "PUT", "/store/items", { namespace: ["n"], key: "k", value: { v: 1 } })).status,
    ).toBe(204);

    // The other org: every read is 404 or empty, every write to A's rows 404.
    expect((await api(b, "GET", `/threads/${tid}`)).status).toBe(404);
    expect((await api(b, "GET", `/threads/${tid}/state`)).status).toBe(404);
    expect((await api(b, "POST", `/threads/${tid}/history`, {})).status).toBe(404);
    expect((await api(b, "GET", `/threads/${tid}/runs`)).status).toBe(404);
    expect((await api(b, "PATCH", `/threads/${tid}`, { metadata: { x: 1 } })).status).toBe(404);
    expect((await api(b, "DELETE", `/threads/${tid}`)).status).toBe(404);
    expect((await api(b, "GET", `/assistants/${asst.body.assistant_id}`)).status).toBe(404);
    expect((await api(b, "POST", "/threads/search", {})).body).toEqual([]);
    expect((await api(b, "POST", "/assistants/search", { name: "a-only" })).body).toEqual([]);
    expect((await api(a, "GET", "/store/items?namespace=n&key=k")).body.value).toEqual({ v: 1 });
    const item = await api(b, "GET", "/store/items?namespace=n&key=k");
    expect(item.status === 404 || item.body === null).toBe(true); // as upstream: a missing item
    expect(
      (await api(b, "POST", "/store/items/search", { namespace_prefix: ["n"] })).body.items,
    ).toEqual([]);
    // The same namespace and key in the other org is another item.
    expect(
      (await api(b, "PUT", "/store/items", { namespace: ["n"], key: "k", value: { v: 2 } })).status,
    ).toBe(204);
    expect((await api(a, "GET", "/store/items?namespace=n&key=k")).body.value).toEqual({ v: 1 });
    expect((await api(b, "GET", "/store/items?namespace=n&key=k")).body.value).toEqual({ v: 2 });
    // The shared system assistants serve both orgs.
    const own = await api(b, "POST", "/threads", {});
    const bRun = await api(b, "POST", `/threads/${own.body.thread_id}/runs/wait`, {
      assistant_id: "agent",
      input: { messages: [{ role: "user", content: "hi" }] },
    });
    expect(bRun.status).toBe(200);
    expect((await api(a, "GET", `/threads/${own.body.thread_id}`)).status).toBe(404);
    expect((await api(a, "POST", "/threads/search", {})).body).toHaveLength(1);
  }, 60_000);

  // PGlite lives inside the server process: its RLS-alone check is test/storage/tenancy.rls.test.ts.
  if (backend === "postgres")
    it("isolates by RLS alone: raw SQL as the server's role sees only the org it is set to", async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const count = async (org: string, table: string) => {
          await client.query(
            "SELECT set_config('role', 'olg_tenant', false), set_config('app.org_id', $1, false)",
            [org],
          );
          const { rows } = await client.query(
            `SELECT count(*)::int AS n, count(*) FILTER (WHERE org_id NOT IN ($1, '*'))::int AS foreign FROM ${table}`,
            [org],
          );
          return rows[0] as { n: number; foreign: number };
        };
        let seenA = 0;
        for (const table of TENANT_TABLES) {
          const asA = await count("default", table);
          const asB = await count("acme", table);
          expect(asA.foreign).toBe(0);
          expect(asB.foreign).toBe(0);
          seenA += asA.n;
        }
        expect(seenA).toBeGreaterThan(5); // A's rows exist; B cannot see them
        const none = await count("", "threads");
        expect(none.n).toBe(0); // no org set: nothing
        await client.query("RESET ROLE");
        const { rows } = await client.query("SELECT count(DISTINCT org_id)::int AS n FROM threads");
        expect(rows[0].n).toBe(2); // both orgs' threads are there
      } finally {
        await client.end();
      }
    });
});
