/**
 * Metrics of several threads of one process in one scrape: the embedded default's run executor
 * thread (`server/executor-thread.ts`) counts runs, stream events and cache use in its own
 * registry; the HTTP thread's `/metrics` adds them to its own (prom-client's aggregator, summing
 * series with the same labels). Only what the other thread measures itself crosses: never the
 * process metrics (one process) or the gauges read from the shared database.
 */
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from "prom-client";
import { DB_GAUGE_NAMES } from "./db-gauges.ts";

/** One metric as `registry.getMetricsAsJSON()` gives it (structured-clonable). */
export type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/** A source of another thread's metrics (resolves what it could read; never rejects). */
export type MetricSource = () => Promise<MetricJson[]>;

/** Whether a metric of another thread belongs in this thread's scrape (not process- or database-wide). */
export function forwardable(name: string): boolean {
  return name.startsWith("olg_") && !name.startsWith("olg_db_") && !DB_GAUGE_NAMES.includes(name);
}

/** `registry` alone, or merged with the metrics `sources` give (same name and labels: summed). */
export async function mergedRegistry(
  registry: Registry,
  sources: MetricSource[],
): Promise<Registry> {
  if (sources.length === 0) return registry;
  const extra = (await Promise.all(sources.map((s) => s())))
    .flat()
    .filter((m) => forwardable(m.name));
  if (extra.length === 0) return registry;
  const shared = new Set(extra.map((m) => m.name));
  // This thread's own series pass unchanged ("first" of one); shared ones are summed.
  const own = (await registry.getMetricsAsJSON()).map((m) => ({
    ...m,
    aggregator: shared.has(m.name) ? "sum" : "first",
  }));
  const others = extra.map((m) => ({ ...m, aggregator: "sum" }));
  return AggregatorRegistry.aggregate([own, others] as unknown as Parameters<
    typeof AggregatorRegistry.aggregate
  >[0]);
}
