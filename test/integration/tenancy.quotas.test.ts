/**
 * Request-rate quotas (issue 19): per key and per org, 429 at the limit with `Retry-After` and
 * `X-RateLimit-*`; in process on PGlite, and exact across two replicas sharing Redis (each replica
 * alone would let its own full burst through, so the shared count is what the test measures).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisPing } from "../../src/metrics/redis-ping.ts";
import {
  createTestDatabase,
  dropTestDatabase,
  postgresAvailable,
  REDIS_TEST_URL,
  startServer,
  type TestServer,
} from "../support/server.ts";
import { createKey, olgJson, TENANCY_CONFIG } from "../support/tenancy.ts";

const send = (
  url: string,
  key: string,
  method = "POST",
  p = "/threads/search",
  body: unknown = {},
) =>
  fetch(`${url}${p}`, {
    method,
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: method === "GET" ? undefined : JSON.stringify(body),
  });

describe("quotas in process (PGlite)", () => {
  let server: TestServer;
  let dir: string;
  let admin: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "olg-quota-"));
    admin = (
      await olgJson(["keys", "create", "--org", "default", "--role", "admin"], { dataDir: dir })
    ).key;
    server = await startServer({ backend: "pglite", config: TENANCY_CONFIG, dataDir: dir });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("limits a key, then its org, with 429, Retry-After and X-RateLimit headers", async () => {
    const key = await createKey(server.url, admin, { name: "limited", role: "developer" });
    const keys = (await (await send(server.url, admin, "GET", "/admin/api/keys")).json()) as {
      key_id: string;
      name: string;
    }[];
    const id = keys.find((k) => k.name === "limited")!.key_id;
    const set = await send(server.url, admin, "PUT", `/admin/api/keys/${id}/quotas`, {
      requests_per_minute: 3,
    });
    expect(set.status).toBe(200);
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 5; i++) {
      last = await send(server.url, key);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(last!.headers.get("x-ratelimit-limit")).toBe("3");
    expect(last!.headers.get("x-ratelimit-remaining")).toBe("0");
    expect((await last!.json()).detail).toMatch(/rate limit/i);
    // Another key of the org is not limited by that key's bucket.
    const ok = await send(server.url, admin);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-ratelimit-limit")).toBeNull(); // no quota on it, none on the org
    // The org's quota covers every key of it.
    expect(
      (
        await send(server.url, admin, "PATCH", "/admin/api/org", {
          quotas: { requests_per_minute: 4 },
        })
      ).status,
    ).toBe(200);
    const after: number[] = [];
    for (let i = 0; i < 6; i++) after.push((await send(server.url, admin)).status);
    expect(after).toEqual([200, 200, 200, 200, 429, 429]);
  });
});

const up = (await postgresAvailable()) && (await redisPing(REDIS_TEST_URL));
if (!up) console.warn("[skip] PostgreSQL or Redis unreachable: quota replica test not registered");

describe.runIf(up)("quotas across two replicas (PostgreSQL + Redis)", () => {
  let databaseUrl: string;
  let a: TestServer;
  let b: TestServer;
  let key: string;
  const org = `q${randomBytes(5).toString("hex")}`; // its own Redis bucket

  beforeAll(async () => {
    databaseUrl = await createTestDatabase("olg_quota");
    await olgJson(["org", "create", "Q", "--id", org], { databaseUrl });
    key = (await olgJson(["keys", "create", "--org", org, "--role", "admin"], { databaseUrl })).key;
    const env = { REDIS_URL: REDIS_TEST_URL };
    a = await startServer({ backend: "postgres", config: TENANCY_CONFIG, databaseUrl, env });
    b = await startServer({ backend: "postgres", config: TENANCY_CONFIG, databaseUrl, env });
  }, 240_000);
  afterAll(async () => {
    await a?.stop().catch(() => {});
    await b?.stop().catch(() => {});
    if (databaseUrl) await dropTestDatabase(databaseUrl);
  }, 60_000);

  it("lets exactly the org's burst through, whichever replica answers", async () => {
    const perMinute = 10;
    expect(
      (
        await send(a.url, key, "PATCH", "/admin/api/org", {
          quotas: { requests_per_minute: perMinute },
        })
      ).status,
    ).toBe(200);
    const started = Date.now();
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => send(i % 2 ? a.url : b.url, key).then((r) => r.status)),
    );
    const elapsedS = (Date.now() - started) / 1000;
    const allowed = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // The burst, plus what refilled while the requests ran (one token per 6 s).
    expect(allowed).toBeGreaterThanOrEqual(perMinute);
    expect(allowed).toBeLessThanOrEqual(perMinute + Math.floor((elapsedS * perMinute) / 60));
  }, 60_000);
});
