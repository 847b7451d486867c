/**
 * Security battery: with an auth module configured, every route of our OpenAPI document answers
 * 401 without credentials unless it is declared public (`security: []`), so a new route cannot
 * ship unprotected. Also the exposure settings of `/openapi.json`, `/docs` and `/metrics`, and
 * `/internal/truncate` existing only in test mode.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../support/server.ts";

const UUID = "00000000-0000-4000-8000-000000000000";
const ALICE = { Authorization: "Bearer alice" };

type Operation = { security?: unknown[] };
type OpenApi = { paths: Record<string, Record<string, Operation>> };

/** A POST whose request line carries `path` verbatim (fetch would resolve dot segments first). */
function rawPost(base: string, path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method: "POST", path, headers },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ store: true }));
  });
}

const concrete = (path: string) => path.replace(/\{[^}]+\}/g, UUID);

describe("auth battery (default exposure, no test mode)", () => {
  let server: TestServer;
  let doc: OpenApi;

  beforeAll(async () => {
    server = await startServer({
      backend: "pglite",
      config: "test/fixtures/auth/open_langgraph.json",
      testMode: false,
    });
    const res = await fetch(`${server.url}/openapi.json`, { headers: ALICE });
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenApi;
  }, 150_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  it("documents the API (and itself)", () => {
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(40);
    for (const p of ["/threads/{thread_id}", "/assistants/search", "/store/items", "/openapi.json"])
      expect(paths).toContain(p);
  });

  it("answers 401 without credentials on every route not declared public", async () => {
    const checked: string[] = [];
    const wrong: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        const res = await fetch(`${server.url}${concrete(path)}`, {
          method: method.toUpperCase(),
          headers: method === "get" ? {} : { "Content-Type": "application/json" },
          body: method === "get" ? undefined : "{}",
        });
        await res.body?.cancel();
        checked.push(`${method} ${path}`);
        if (isPublic ? res.status === 401 : res.status !== 401)
          wrong.push(`${method.toUpperCase()} ${path} -> ${res.status} (public: ${isPublic})`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked.length).toBeGreaterThan(50);
  });

  it("keeps only the official exemptions public", () => {
    const open = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => Array.isArray(op.security) && op.security.length === 0)
        .map(([method]) => `${method} ${path}`),
    );
    // Plus the server-signed artifact transfer URLs: their HMAC token is the credential.
    expect(open.sort()).toEqual([
      "get /artifacts/signed/{token}",
      "get /info",
      "get /ok",
      "get /ready",
      "put /artifacts/signed/{token}",
    ]);
  });

  it("refuses the signed artifact routes without a valid token", async () => {
    const junk = `${Buffer.from(JSON.stringify({ a: UUID, o: "download", e: 4e9 })).toString("base64url")}.forged`;
    for (const method of ["GET", "PUT"]) {
      const res = await fetch(`${server.url}/artifacts/signed/${junk}`, {
        method,
        ...(method === "PUT" ? { body: "x", headers: { "content-type": "text/plain" } } : {}),
      });
      expect(res.status).toBe(403);
      expect(await res.text()).toBe("Invalid or expired signature");
    }
  });

  it("requires credentials for /openapi.json, /docs and /metrics by default", async () => {
    for (const path of ["/openapi.json", "/docs", "/metrics"]) {
      expect((await fetch(`${server.url}${path}`)).status).toBe(401);
      expect((await fetch(`${server.url}${path}`, { headers: ALICE })).status).toBe(200);
    }
  });

  it("has no /internal/truncate outside test mode (and authenticates before routing)", async () => {
    expect(Object.keys(doc.paths)).not.toContain("/internal/truncate");
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/internal/truncate`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify({ threads: true }),
      });
    expect((await post({})).status).toBe(401);
    expect((await post(ALICE)).status).toBe(404);
  });
});

describe("auth battery (public docs, metrics off, test mode)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({
      backend: "pglite",
      config: "test/fixtures/auth/open_langgraph.public-docs.json",
    });
  }, 150_000);
  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  it("serves the docs without credentials and no /metrics", async () => {
    expect((await fetch(`${server.url}/openapi.json`)).status).toBe(200);
    expect((await fetch(`${server.url}/docs`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`, { headers: ALICE })).status).toBe(404);
  });

  it("mounts /internal/truncate in test mode for admins only", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/internal/truncate`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify({ store: true }),
      });
    expect((await post({})).status).toBe(401);
    // Any authenticated user could otherwise wipe everyone's data.
    expect((await post(ALICE)).status).toBe(403);
    expect((await post({ Authorization: "Bearer root" })).status).toBe(200);
    // Dot segments (plain or percent-encoded) never reach another route.
    for (const path of [
      "/threads/%2e%2e/internal/truncate",
      "/threads/%2E%2e/internal/truncate",
      "/threads/.%2e/internal/truncate",
      "/assistants/%2e%2e/%2e%2e/internal/truncate",
      "/threads/x/%2e%2e/%2e%2e/internal/truncate",
    ]) {
      const headers = { Authorization: "Bearer root", "Content-Type": "application/json" };
      expect(await rawPost(server.url, path, headers), path).toBe(404);
    }
  });

  it("keeps /ok and /ready open, with nothing sensitive in them", async () => {
    for (const path of ["/ok", "/ok?check_db=1", "/ready"]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(200);
      const body = JSON.stringify(await res.json());
      expect(body).not.toMatch(/postgres:|redis:|password|alice|owner/i);
    }
  });
});
