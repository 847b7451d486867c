/**
 * The run executor thread's metrics in the HTTP thread's scrape (`src/metrics/merge.ts`): series
 * with the same labels are summed, this thread's own metrics pass unchanged, and what describes
 * the process or the shared database is never taken from the other thread.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { forwardable, type MetricJson, mergedRegistry } from "../../src/metrics/merge.ts";

function build() {
  const registry = new Registry();
  const registers = [registry];
  const finished = new Counter({
    name: "olg_runs_finished_total",
    help: "h",
    labelNames: ["graph_id"],
    registers,
  });
  const duration = new Histogram({
    name: "olg_run_duration_seconds",
    help: "h",
    labelNames: ["graph_id"],
    buckets: [1, 10],
    registers,
  });
  const up = new Gauge({ name: "olg_db_up", help: "h", registers });
  const heap = new Gauge({ name: "nodejs_heap_size_total_bytes", help: "h", registers });
  return { registry, finished, duration, up, heap };
}

const json = async (r: Registry) => (await r.getMetricsAsJSON()) as MetricJson[];
const value = (metrics: MetricJson[], name: string, labels: Record<string, string> = {}) =>
  metrics
    .find((m) => m.name === name)
    ?.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((sum, v) => sum + v.value, 0);

describe("metrics of another thread merged into a scrape", () => {
  it("sums run series, keeps this thread's own, ignores the other's database and process gauges", async () => {
    const http = build();
    const executor = build();
    http.up.set(1);
    http.heap.set(100);
    executor.up.set(1);
    executor.heap.set(999);
    executor.finished.inc({ graph_id: "agent" }, 2);
    http.finished.inc({ graph_id: "other" });
    executor.duration.observe({ graph_id: "agent" }, 0.5);
    executor.duration.observe({ graph_id: "agent" }, 5);
    const merged = await json(await mergedRegistry(http.registry, [() => json(executor.registry)]));
    expect(value(merged, "olg_runs_finished_total", { graph_id: "agent" })).toBe(2);
    expect(value(merged, "olg_runs_finished_total", { graph_id: "other" })).toBe(1);
    const duration = merged.find((m) => m.name === "olg_run_duration_seconds")!;
    const count = duration.values.find(
      (v) => (v as { metricName?: string }).metricName === "olg_run_duration_seconds_count",
    );
    expect(count?.value).toBe(2);
    const le1 = duration.values.find(
      (v) =>
        (v as { metricName?: string }).metricName === "olg_run_duration_seconds_bucket" &&
        v.labels.le === 1,
    );
    expect(le1?.value).toBe(1);
    expect(value(merged, "olg_db_up")).toBe(1);
    expect(value(merged, "nodejs_heap_size_total_bytes")).toBe(100);
    const text = await (
      await mergedRegistry(http.registry, [() => json(executor.registry)])
    ).metrics();
    expect(text).toContain('olg_runs_finished_total{graph_id="agent"} 2');
  });

  it("sums the connection metrics of a networked database's threads; LISTEN connected is the minimum", async () => {
    const conn = () => {
      const registry = new Registry();
      const registers = [registry];
      const reconnects = new Gauge({ name: "olg_db_listen_reconnects", help: "h", registers });
      const connected = new Gauge({ name: "olg_db_listen_connected", help: "h", registers });
      const pool = new Gauge({ name: "olg_db_pool_size", help: "h", registers });
      return { registry, reconnects, connected, pool };
    };
    const http = conn();
    const executor = conn();
    http.reconnects.set(1);
    executor.reconnects.set(2);
    http.connected.set(1);
    executor.connected.set(0);
    http.pool.set(5);
    executor.pool.set(5);
    const sent = (await json(executor.registry)).filter((m) => forwardable(m.name, true));
    const merged = await json(await mergedRegistry(http.registry, [async () => sent]));
    expect(value(merged, "olg_db_listen_reconnects")).toBe(3);
    expect(value(merged, "olg_db_pool_size")).toBe(10);
    expect(value(merged, "olg_db_listen_connected")).toBe(0);
    // PGlite: the executor thread sends none of them (one database worker, the HTTP thread's).
    expect(forwardable("olg_db_pool_size")).toBe(false);
    expect(forwardable("olg_db_up", true)).toBe(false);
  });

  it("serves the registry itself without sources", async () => {
    const http = build();
    expect(await mergedRegistry(http.registry, [])).toBe(http.registry);
    expect(forwardable("olg_runs_active")).toBe(true);
    expect(forwardable("olg_db_pool_size")).toBe(false);
    expect(forwardable("olg_threads")).toBe(false);
    expect(forwardable("process_resident_memory_bytes")).toBe(false);
  });
});
