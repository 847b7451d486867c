/**
 * Request-rate quotas (issue 19): per key and per org, 429 at the limit with `Retry-After` and
 * `X-RateLimit-*`; in process on PGlite, and exact across two replicas sharing Redis (each replica
 * alone would let its own full burst through, so the shared count is what the test measures), as
 * are run quotas and the store-size quota. Other run paths: tenancy.quota-paths.test.ts.
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

// One server for both tests (they booted identical ones: ~10 CPU-s for the second start and its
// CLI key). The run quotas go first: the request-rate test ends with a quota on the whole org.
describe("quotas in process (PGlite)", () => {
  let server: TestServer;
  let dir: string;
  let admin: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "olg-quota-"));
    admin = (
      await olgJson(["keys", "create", "--org", "default", "--role", "admin"], { dataDir: dir })
    ).key;
    server = await startServer({
      backend: "pglite",
      config: TENANCY_CONFIG,
      dataDir: dir,
      // Quota and concurrent-run counters shared by both threads, the worker's org replay.
      executorThread: true,
    });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  const keyWith = async (name: string, quotas: Record<string, number>) => {
    const key = await createKey(server.url, admin, { name, role: "developer" });
    const keys = (await (await send(server.url, admin, "GET", "/admin/api/keys")).json()) as {
      key_id: string;
      name: string;
    }[];
    const id = keys.find((k) => k.name === name)!.key_id;
    expect(
      (await send(server.url, admin, "PUT", `/admin/api/keys/${id}/quotas`, quotas)).status,
    ).toBe(200);
    return key;
  };

  it("limits runs per day and concurrent runs of a key with 429 and the rate-limit headers", async () => {
    const daily = await keyWith("daily", { runs_per_day: 2 });
    const run = (key: string, delay = 1) =>
      send(server.url, key, "POST", "/runs", {
        assistant_id: "runs_steps",
        input: { delay_ms: delay },
      });
    // A rejected request (bad input) takes nothing from the day.
    expect((await send(server.url, daily, "POST", "/runs", { assistant_id: 5 })).status).toBe(400);
    const statuses = [(await run(daily)).status, (await run(daily)).status];
    const over = await run(daily);
    expect([...statuses, over.status]).toEqual([200, 200, 429]);
    expect((await over.json()).detail).toMatch(/runs_per_day \(2\)/);
    expect(over.headers.get("x-ratelimit-limit")).toBe("2");
    expect(over.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await run(admin)).status).toBe(200); // another key: its own count

    const single = await keyWith("single", { concurrent_runs: 1 });
    const thread = (await (await send(server.url, single, "POST", "/threads", {})).json()) as {
      thread_id: string;
    };
    const slow = await send(server.url, single, "POST", `/threads/${thread.thread_id}/runs`, {
      assistant_id: "runs_steps",
      input: { delay_ms: 1500 },
    });
    expect(slow.status).toBe(200);
    const busy = await run(single);
    expect(busy.status).toBe(429);
    expect((await busy.json()).detail).toMatch(/concurrent_runs \(1\)/);
    // Once the slow run ended, the slot is free again.
    await expect
      .poll(async () => (await run(single)).status, { timeout: 30_000, interval: 500 })
      .toBe(200);
  }, 90_000);

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
  let key2: string;
  const org = `q${randomBytes(5).toString("hex")}`; // its own Redis bucket
  const org2 = `r${randomBytes(5).toString("hex")}`;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase("olg_quota");
    await olgJson(["org", "create", "Q", "--id", org], { databaseUrl });
    key = (await olgJson(["keys", "create", "--org", org, "--role", "admin"], { databaseUrl })).key;
    await olgJson(["org", "create", "R", "--id", org2], { databaseUrl });
    key2 = (await olgJson(["keys", "create", "--org", org2, "--role", "admin"], { databaseUrl }))
      .key;
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

  it("admits exactly the org's concurrent runs and runs per day, whichever replica answers", async () => {
    // Both replicas know key2 (cached lookups) before its org's quotas change on one of them.
    expect((await send(a.url, key2)).status).toBe(200);
    expect((await send(b.url, key2)).status).toBe(200);
    const quotas = { concurrent_runs: 3, runs_per_day: 5 };
    expect((await send(a.url, key2, "PATCH", "/admin/api/org", { quotas })).status).toBe(200);
    const run = (url: string) =>
      send(url, key2, "POST", "/runs", {
        assistant_id: "runs_steps",
        input: { delay_ms: 2000 },
      }).then(async (r) => ({ status: r.status, body: await r.text() }));
    await expect
      .poll(async () => (await send(b.url, key2, "GET", "/admin/api/org")).json(), {
        timeout: 5000,
      })
      .toMatchObject({ quotas });
    const first = await Promise.all(
      Array.from({ length: 8 }, (_, i) => run(i % 2 ? a.url : b.url)),
    );
    const statuses = first.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    // Every refusal names the concurrency quota: refused requests never hold a day slot.
    for (const r of first.filter((r) => r.status === 429))
      expect(r.body).toMatch(/concurrent_runs \(3\)/);
    // When those end, two more fit in the day (5), then the day is full.
    await expect
      .poll(async () => (await run(b.url)).status, { timeout: 60_000, interval: 1000 })
      .toBe(200);
    await expect
      .poll(async () => (await run(a.url)).status, { timeout: 60_000, interval: 1000 })
      .toBe(200);
    // The day is full: every further run is refused. While the earlier runs still run (their
    // ends spread out on a loaded machine) a refusal may name the concurrency quota first; once
    // they ended, it names the day's.
    let full = await run(a.url);
    for (let i = 0; i < 60 && full.status === 429 && !/runs_per_day/.test(full.body); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      full = await run(a.url);
    }
    expect(full.status).toBe(429);
    expect(full.body).toMatch(/runs_per_day \(5\)/);
  }, 240_000);

  it("admits store puts up to exactly the org's store_bytes, whichever replica answers", async () => {
    const quotas = { store_bytes: 1000 }; // replaces the request rate of the first test
    expect((await send(a.url, key, "PATCH", "/admin/api/org", { quotas })).status).toBe(200);
    await expect
      .poll(async () => (await send(b.url, key, "GET", "/admin/api/org")).json(), {
        timeout: 5000,
      })
      .toMatchObject({ quotas });
    // Each item is 100 bytes: {"v": "<87 x>"} (96) + namespace "s" (1) + key "k00" (3).
    const put = (i: number) =>
      send(i % 2 ? a.url : b.url, key, "PUT", "/store/items", {
        namespace: ["s"],
        key: `k${String(i).padStart(2, "0")}`,
        value: { v: "x".repeat(87) },
      }).then((r) => r.status);
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => put(i)));
    expect(statuses.filter((s) => s === 204)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    const found = (await (
      await send(a.url, key, "POST", "/store/items/search", { namespace_prefix: ["s"], limit: 100 })
    ).json()) as { items: unknown[] };
    expect(found.items).toHaveLength(10);
  }, 60_000);

  it("revokes a key on every replica at once", async () => {
    const res = await send(a.url, key2, "POST", "/admin/api/keys", {
      name: "gone",
      role: "viewer",
    });
    const made = (await res.json()) as { key: string; key_id: string };
    expect((await send(a.url, made.key)).status).toBe(200);
    expect((await send(b.url, made.key)).status).toBe(200); // cached on both now
    expect((await send(a.url, key2, "DELETE", `/admin/api/keys/${made.key_id}`)).status).toBe(200);
    expect((await send(a.url, made.key)).status).toBe(401);
    await expect
      .poll(async () => (await send(b.url, made.key)).status, { timeout: 1000, interval: 20 })
      .toBe(401);
  }, 30_000);
});
