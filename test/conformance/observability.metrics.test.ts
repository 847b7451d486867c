/** `/metrics` on the shared servers: counters move, histograms fill, labels are route templates. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sharedServers } from "../support/backends.ts";
import { parsePrometheus, scrape } from "../support/prometheus.ts";

describe.each(sharedServers())("observability: /metrics ($backend)", ({ url, backend }) => {
  it("serves the Prometheus text format", async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const parsed = parsePrometheus(await res.text());
    expect(parsed.types.get("olg_http_requests_total")).toBe("counter");
    expect(parsed.types.get("olg_http_request_duration_seconds")).toBe("histogram");
    expect(parsed.types.get("olg_run_queue_depth")).toBe("gauge");
    expect(parsed.types.get("process_cpu_user_seconds_total")).toBe("counter");
  });

  it("counts requests by route template and status, never by raw id", async () => {
    const route = { method: "GET", route: "/threads/:thread_id", status: "404" };
    const before = await scrape(url);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const id of ids) expect((await fetch(`${url}/threads/${id}`)).status).toBe(404);
    const after = await scrape(url);

    expect(after.sum("olg_http_requests_total", route)).toBeGreaterThanOrEqual(
      before.sum("olg_http_requests_total", route) + 3,
    );
    expect(after.sum("olg_http_request_duration_seconds_count", route)).toBeGreaterThanOrEqual(
      before.sum("olg_http_request_duration_seconds_count", route) + 3,
    );
    expect(
      after.sum("olg_http_request_errors_total", { route: route.route, class: "4xx" }),
    ).toBeGreaterThanOrEqual(
      before.sum("olg_http_request_errors_total", { route: route.route, class: "4xx" }) + 3,
    );
    // The +Inf bucket equals the count and buckets are cumulative (p50/p95/p99 derivable).
    const buckets = after.samples.filter(
      (s) =>
        s.name === "olg_http_request_duration_seconds_bucket" &&
        s.labels.route === route.route &&
        s.labels.method === route.method &&
        s.labels.status === "404",
    );
    expect(buckets.length).toBeGreaterThan(5);
    const inf = buckets.find((b) => b.labels.le === "+Inf")!;
    expect(inf.value).toBe(after.sum("olg_http_request_duration_seconds_count", route));
    const values = buckets.map((b) => b.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));

    const labels = after.samples.flatMap((s) => Object.values(s.labels));
    for (const id of ids) expect(labels.join(" ")).not.toContain(id);
  });

  it("labels unknown paths `unmatched`", async () => {
    const before = await scrape(url);
    const res = await fetch(`${url}/no-such-route/${randomUUID()}`);
    expect(res.status).toBe(404);
    const after = await scrape(url);
    const match = { method: "GET", route: "unmatched", status: "404" };
    expect(after.sum("olg_http_requests_total", match)).toBeGreaterThanOrEqual(
      before.sum("olg_http_requests_total", match) + 1,
    );
    expect(after.samples.some((s) => s.labels.route?.startsWith("/no-such-route"))).toBe(false);
  });

  it("counts a created thread in the thread gauges and reports the pool", async () => {
    const res = await fetch(`${url}/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ metadata: { test: `obs-${randomUUID()}` } }),
    });
    expect(res.status).toBe(200);
    const after = await scrape(url);
    expect(after.sum("olg_threads", { status: "idle" })).toBeGreaterThanOrEqual(1);
    expect(after.sum("olg_db_up")).toBe(1);
    expect(after.sum("olg_db_pool_size", { backend })).toBeGreaterThanOrEqual(1);
    expect(
      after.sum("olg_http_requests_total", { method: "POST", route: "/threads" }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("echoes x-request-id, or generates one", async () => {
    const mine = `req-${randomUUID()}`;
    const res = await fetch(`${url}/info`, { headers: { "x-request-id": mine } });
    expect(res.headers.get("x-request-id")).toBe(mine);
    const generated = (await fetch(`${url}/info`)).headers.get("x-request-id");
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated).not.toBe(mine);
  });

  it("answers /ready with each check", async () => {
    const res = await fetch(`${url}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ok: true,
      draining: false,
      checks: { database: "ok", migrations: "ok" },
    });
  });

  it("serves the JSON form with ?format=json", async () => {
    const res = await fetch(`${url}/metrics?format=json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { name: string; type: string }[];
    expect(body.find((m) => m.name === "olg_http_requests_total")?.type).toBe("counter");
  });
});
