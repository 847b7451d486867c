/**
 * Metrics of several threads of one process in one scrape: the embedded default's run executor
 * thread (`server/executor-thread.ts`) counts runs, stream events and cache use in its own
 * registry; the HTTP thread's `/metrics` adds them to its own (prom-client's aggregator, summing
 * series with the same labels). Only what the other thread measures itself crosses: never the
 * process metrics (one process) or the gauges read from the shared database; its connection
 * metrics only when it has connections of its own (a networked database, `CONNECTION_METRICS`).
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

/**
 * The metrics of a thread's own database connections: its pool, its LISTEN connection, its
 * wake-up carrier. On PGlite they describe the one database worker (the HTTP thread's); on a
 * networked database each thread has its own pool and LISTEN connection, so the executor thread
 * sends them too and they are summed, except `olg_db_listen_connected`, the minimum (1 only while
 * every LISTEN connection of the process is open).
 */
export const CONNECTION_METRICS = [
  "olg_db_pool_size",
  "olg_db_pool_in_use",
  "olg_db_pool_waiting",
  "olg_db_listen_connected",
  "olg_db_listen_reconnects",
  "olg_db_connection_errors",
  "olg_db_wakeup_polls",
  "olg_db_wakeups_delivered",
  "olg_db_wakeup_errors",
];

/**
 * Whether a metric of another thread belongs in this thread's scrape (not process- or
 * database-wide); with `ownConnections` (a networked database) its connection metrics too.
 */
export function forwardable(name: string, ownConnections = false): boolean {
  if (ownConnections && CONNECTION_METRICS.includes(name)) return true;
  return name.startsWith("olg_") && !name.startsWith("olg_db_") && !DB_GAUGE_NAMES.includes(name);
}

/** How a series both threads report is combined. */
const aggregatorOf = (name: string) => (name === "olg_db_listen_connected" ? "min" : "sum");

/** `registry` alone, or merged with the metrics `sources` give (same name and labels: summed). */
export async function mergedRegistry(
  registry: Registry,
  sources: MetricSource[],
): Promise<Registry> {
  if (sources.length === 0) return registry;
  // The sender chose (`forwardable`, with its connections on a networked database).
  const extra = (await Promise.all(sources.map((s) => s())))
    .flat()
    .filter((m) => forwardable(m.name, true));
  if (extra.length === 0) return registry;
  const shared = new Set(extra.map((m) => m.name));
  // This thread's own series pass unchanged ("first" of one); shared ones are summed.
  const own = (await registry.getMetricsAsJSON()).map((m) => ({
    ...m,
    aggregator: shared.has(m.name) ? aggregatorOf(m.name) : "first",
  }));
  const others = extra.map((m) => ({ ...m, aggregator: aggregatorOf(m.name) }));
  return AggregatorRegistry.aggregate([own, others] as unknown as Parameters<
    typeof AggregatorRegistry.aggregate
  >[0]);
}
