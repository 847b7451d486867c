/**
 * The relay's memory of stopped executor threads (`src/server/executor-relay.ts` `retire`): an
 * on-demand thread that stopped because idle leaves its counters and histograms, summed series by
 * series across stops, so `/metrics` keeps counting; its gauges go.
 */
import { describe, expect, it } from "vitest";
import type { MetricJson } from "../../src/metrics/merge.ts";
import { Relay } from "../../src/server/executor-relay.ts";

const metric = (name: string, type: string, values: MetricJson["values"]): MetricJson =>
  ({ name, help: name, type, aggregator: "sum", values }) as unknown as MetricJson;

const snapshot = (started: number, inFlight: number, le1: number): MetricJson[] => [
  metric("olg_runs_started_total", "counter", [{ value: started, labels: { graph_id: "agent" } }]),
  metric("olg_runs_in_flight", "gauge", [{ value: inFlight, labels: {} }]),
  metric("olg_run_duration_seconds", "histogram", [
    {
      value: le1,
      labels: { le: 1, graph_id: "agent" },
      metricName: "olg_run_duration_seconds_bucket",
    } as never,
    {
      value: started,
      labels: { graph_id: "agent" },
      metricName: "olg_run_duration_seconds_count",
    } as never,
  ]),
];

describe("Relay.retire", () => {
  it("keeps counters and histograms of stopped threads, summed per series, and drops gauges", () => {
    const relay = new Relay();
    expect(relay.retired).toEqual([]);
    relay.retire(snapshot(2, 1, 1));
    relay.retire(snapshot(3, 0, 2));
    const byName = new Map(relay.retired.map((m) => [m.name, m]));
    expect(byName.has("olg_runs_in_flight")).toBe(false);
    expect(byName.get("olg_runs_started_total")?.values).toEqual([
      { value: 5, labels: { graph_id: "agent" } },
    ]);
    const h = byName.get("olg_run_duration_seconds")?.values as unknown as {
      value: number;
      metricName: string;
    }[];
    expect(h.map((v) => [v.metricName, v.value])).toEqual([
      ["olg_run_duration_seconds_bucket", 3],
      ["olg_run_duration_seconds_count", 5],
    ]);
  });

  it("keeps series apart by labels", () => {
    const relay = new Relay();
    relay.retire([metric("c", "counter", [{ value: 1, labels: { a: "x" } }])]);
    relay.retire([
      metric("c", "counter", [
        { value: 4, labels: { a: "y" } },
        { value: 2, labels: { a: "x" } },
      ]),
    ]);
    expect(relay.retired[0]?.values).toEqual([
      { value: 3, labels: { a: "x" } },
      { value: 4, labels: { a: "y" } },
    ]);
  });
});
