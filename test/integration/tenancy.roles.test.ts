/**
 * Tenancy roles (issue 19): the first admin key comes from `olg keys create`; with it, keys of
 * every role; then every route of `/openapi.json` for every role: a permitted route answers
 * anything but 401/403 (2xx, or 4xx for the empty input), a denied one 403. Also keys: missing,
 * unknown, revoked, expired (401), shown once, listed without their secret, scopes narrowing a role.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { permits, ROLES, type Role } from "../../src/tenancy/roles.ts";
import type { RoutePermission } from "../../src/tenancy/route-permissions.ts";
import { startServer, type TestServer } from "../support/server.ts";
import { createKey, olgJson, TENANCY_CONFIG } from "../support/tenancy.ts";

const UUID = "00000000-0000-4000-8000-000000000000";
type Operation = { security?: unknown[]; "x-olg-permission"?: RoutePermission };
type OpenApi = { paths: Record<string, Record<string, Operation>> };

describe("tenancy roles (PGlite)", () => {
  let server: TestServer;
  let dir: string;
  const keys = {} as Record<Role, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "olg-tenancy-"));
    const admin = await olgJson(
      ["keys", "create", "--org", "default", "--role", "admin", "--name", "boot"],
      { dataDir: dir },
    );
    expect(admin.key).toMatch(/^olg_[A-Za-z0-9_-]{43}$/);
    server = await startServer({
      backend: "pglite",
      config: TENANCY_CONFIG,
      dataDir: dir,
      executorThread: true, // the embedded default as users run it
    });
    keys.admin = admin.key;
    for (const role of ROLES.filter((r) => r !== "admin"))
      keys[role] = await createKey(server.url, admin.key, { name: role, role });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const call = async (method: string, p: string, key?: string, body?: unknown) => {
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}${p}`, {
      method,
      signal: ctrl.signal,
      headers: { ...(key ? { "x-api-key": key } : {}), "content-type": "application/json" },
      body: method === "GET" || method === "DELETE" ? undefined : JSON.stringify(body ?? {}),
    });
    ctrl.abort(); // streams: the status is all we need
    return res.status;
  };

  it("authenticates keys: none, unknown, Bearer, revoked, expired", async () => {
    expect(await call("POST", "/threads/search")).toBe(401);
    expect(await call("POST", "/threads/search", `olg_${"x".repeat(43)}`)).toBe(401);
    const bearer = await fetch(`${server.url}/threads/search`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.viewer}` },
      body: "{}",
    });
    expect(bearer.status).toBe(200);
    const temp = await createKey(server.url, keys.admin, { name: "temp", role: "developer" });
    expect(await call("POST", "/threads", temp)).toBe(200);
    const list = await fetch(`${server.url}/admin/api/keys`, {
      headers: { "x-api-key": keys.admin },
    });
    const listed = (await list.json()) as {
      key_id: string;
      name: string;
      prefix: string;
      last_used_at: string | null;
    }[];
    expect(JSON.stringify(listed)).not.toContain(temp); // never the secret
    const tempInfo = listed.find((k) => k.name === "temp")!;
    expect(temp.startsWith(tempInfo.prefix)).toBe(true);
    expect(tempInfo.last_used_at).not.toBeNull();
    expect(await call("DELETE", `/admin/api/keys/${tempInfo.key_id}`, keys.admin)).toBe(200);
    expect(await call("POST", "/threads", temp)).toBe(401);
    const soon = new Date(Date.now() + 1500).toISOString();
    const expiring = await createKey(server.url, keys.admin, {
      name: "exp",
      role: "viewer",
      expires_at: soon,
    });
    expect(await call("POST", "/threads/search", expiring)).toBe(200);
    await expect
      .poll(() => call("POST", "/threads/search", expiring), { timeout: 10_000, interval: 250 })
      .toBe(401);
  });

  it("denies by role: viewers read only, api users do not change assistants, only admins administer", async () => {
    expect(await call("POST", "/threads", keys.viewer)).toBe(403);
    expect(await call("POST", "/threads/search", keys.viewer)).toBe(200);
    expect(await call("POST", "/assistants", keys.api_user, { graph_id: "agent" })).toBe(403);
    expect(await call("POST", "/assistants", keys.developer, { graph_id: "agent" })).toBe(200);
    expect(await call("GET", "/admin/api/keys", keys.developer)).toBe(403);
    expect(await call("GET", "/admin/api/keys", keys.admin)).toBe(200);
  });

  it("narrows a role with scopes", async () => {
    const scoped = await createKey(server.url, keys.admin, {
      name: "s",
      role: "developer",
      scopes: ["threads:*"],
    });
    expect(await call("POST", "/threads", scoped)).toBe(200);
    expect(await call("POST", "/assistants/search", scoped)).toBe(403);
    expect(
      await call("POST", "/admin/api/keys", keys.admin, {
        name: "bad",
        role: "viewer",
        scopes: ["nope"],
      }),
    ).toBe(400);
  });

  it("creates an organization with its first admin key, which works inside it only", async () => {
    const json = async (method: string, p: string, key: string, body?: unknown) => {
      const res = await fetch(`${server.url}${p}`, {
        method,
        headers: { "x-api-key": key, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text(); // refusals are plain text, as LangGraph's HTTPException
      return {
        status: res.status,
        body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text) as any,
      };
    };
    const made = await json("POST", "/admin/api/orgs", keys.admin, {
      name: "Beta",
      org_id: "beta",
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ org_id: "beta", name: "Beta" });
    expect(made.body.admin_key).toMatchObject({ org_id: "beta", role: "admin" });
    const beta = made.body.admin_key.key as string;
    expect(beta).toMatch(/^olg_[A-Za-z0-9_-]{43}$/);
    expect((await json("GET", "/admin/me", beta)).body).toMatchObject({
      org_id: "beta",
      role: "admin",
    });
    // Beta's admin makes Beta's keys and members; they never land in the default org.
    const dev = await json("POST", "/admin/api/keys", beta, { name: "dev", role: "developer" });
    expect(dev.body).toMatchObject({ org_id: "beta", role: "developer" });
    expect(
      (await json("PUT", "/admin/api/members", beta, { identity: "ann", role: "viewer" })).status,
    ).toBe(200);
    const betaKeys = (await json("GET", "/admin/api/keys", beta)).body as Array<{ key_id: string }>;
    const defaultKeys = (await json("GET", "/admin/api/keys", keys.admin)).body as Array<{
      key_id: string;
    }>;
    expect(betaKeys.map((k) => k.key_id).sort()).toEqual(
      [made.body.admin_key.key_id, dev.body.key_id].sort(),
    );
    expect(defaultKeys.map((k) => k.key_id)).not.toContain(dev.body.key_id);
    // Only admins of the default org create organizations; a taken id changes nothing.
    expect((await json("POST", "/admin/api/orgs", beta, { name: "Gamma" })).status).toBe(403);
    expect(
      (await json("POST", "/admin/api/orgs", keys.admin, { name: "Again", org_id: "beta" })).status,
    ).toBe(409);
    expect((await json("GET", "/admin/api/keys", beta)).body).toHaveLength(2);
  });

  it("walks every route of /openapi.json for every role", async () => {
    const res = await fetch(`${server.url}/openapi.json`, {
      headers: { "x-api-key": keys.viewer },
    });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApi;
    let denied = 0;
    let allowed = 0;
    const failures: string[] = [];
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.security && op.security.length === 0) continue; // declared public
        const needed = op["x-olg-permission"];
        if (!needed) throw new Error(`${method} ${p} declares no permission`);
        const concrete = p.replace(/\{[^}]+\}/g, UUID);
        for (const role of ROLES) {
          if (p === "/internal/truncate" && role === "admin") continue; // would wipe the keys' data
          const status = await call(method.toUpperCase(), concrete, keys[role]);
          const ok = needed === "authenticated" || permits(role, null, needed);
          if (ok) allowed++;
          else denied++;
          const good = ok ? status !== 401 && status !== 403 && status < 500 : status === 403;
          if (!good) failures.push(`${role} ${method.toUpperCase()} ${p} (${needed}): ${status}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(denied).toBeGreaterThan(50);
    expect(allowed).toBeGreaterThan(150);
  }, 120_000);
});
