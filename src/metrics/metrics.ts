/**
 * The Prometheus metrics of the server, built on an injected `prom-client` registry so tests and
 * several servers in one process never share state. Every name here is a public contract: the
 * Grafana dashboard and the alert rules under `deploy/` query exactly these names.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from "prom-client";

/** How a run ended, as a metric label. */
export type RunOutcome =
  | "success"
  | "error"
  | "timeout"
  | "interrupted"
  | "cancelled"
  /** Handed back to the queue (shutdown, lost lease): another worker runs it again. */
  | "requeued";

/** PostgreSQL connection health (LISTEN connection, connections lost). */
export interface ConnectionStats {
  connected: boolean;
  reconnects: number;
  connectionErrors: number;
}

/** Pool figures a storage handle reports. */
export interface PoolStats {
  size: number;
  inUse: number;
  waiting: number;
}

/** One finished HTTP request. `route` is a template (`/threads/:thread_id`), never a raw path. */
export interface HttpObservation {
  method: string;
  route: string;
  status: number;
  seconds: number;
}

/** The metric handles features call; the no-op variant has the same shape. */
export interface Metrics {
  http: {
    observe(o: HttpObservation): void;
    inFlight: { inc(): void; dec(): void };
  };
  runs: {
    started(graphId: string, queueWaitSeconds: number): void;
    finished(outcome: RunOutcome, graphId: string, seconds: number): void;
  };
  streams: {
    eventSent(event: string, bytes: number): void;
    connectionOpened(): void;
    connectionClosed(): void;
  };
  cache: {
    hit(cache: string): void;
    miss(cache: string): void;
  };
}

/** Wake-up figures of an engine without LISTEN/NOTIFY. */
interface WakeupFigures {
  mode: string;
  polls: number;
  delivered: number;
  errors: number;
}

/** Optional sources read at scrape time. */
export interface MetricSources {
  /** Storage backend name (label of the pool gauges). */
  backend?: string;
  poolStats?: () => PoolStats;
  /** PostgreSQL: the LISTEN connection state and connection losses. */
  connectionStats?: () => ConnectionStats;
  /** Engines without LISTEN/NOTIFY: the wake-up carrier's polls and deliveries. */
  wakeupStats?: () => WakeupFigures;
  /** Whether to add the standard `process_*` / `nodejs_*` metrics. */
  defaultMetrics?: boolean;
}

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RUN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** SSE event names may carry a namespace (`values|child:ab12`); only the mode is a label. */
export const eventLabel = (event: string): string => event.split("|", 1)[0] || "unknown";

/** Registers every metric on `registry` and returns the handles. */
export function createMetrics(registry: Registry, sources: MetricSources = {}): Metrics {
  const registers = [registry];
  if (sources.defaultMetrics) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: "olg_http_requests_total",
    help: "HTTP requests by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    registers,
  });
  const errors = new Counter({
    name: "olg_http_request_errors_total",
    help: "HTTP responses with status >= 400 by method, route template and class (4xx/5xx)",
    labelNames: ["method", "route", "class"] as const,
    registers,
  });
  const duration = new Histogram({
    name: "olg_http_request_duration_seconds",
    help: "HTTP request latency until the response headers, by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: HTTP_BUCKETS,
    registers,
  });
  const inFlight = new Gauge({
    name: "olg_http_requests_in_flight",
    help: "HTTP requests being handled",
    registers,
  });

  const runsStarted = new Counter({
    name: "olg_runs_started_total",
    help: "Runs claimed by a worker of this process, by graph",
    labelNames: ["graph_id"] as const,
    registers,
  });
  const runsFinished = new Counter({
    name: "olg_runs_finished_total",
    help: "Runs finished in this process, by graph and outcome",
    labelNames: ["graph_id", "outcome"] as const,
    registers,
  });
  const runDuration = new Histogram({
    name: "olg_run_duration_seconds",
    help: "Run execution time from claim to end, by graph and outcome",
    labelNames: ["graph_id", "outcome"] as const,
    buckets: RUN_BUCKETS,
    registers,
  });
  const runsActive = new Gauge({
    name: "olg_runs_active",
    help: "Runs executing in this process, by graph",
    labelNames: ["graph_id"] as const,
    registers,
  });
  const queueWait = new Histogram({
    name: "olg_run_queue_wait_seconds",
    help: "Time a run waited in the queue before a worker claimed it, by graph",
    labelNames: ["graph_id"] as const,
    buckets: WAIT_BUCKETS,
    registers,
  });

  const events = new Counter({
    name: "olg_stream_events_sent_total",
    help: "Stream events written to clients, by event (stream mode without namespace)",
    labelNames: ["event"] as const,
    registers,
  });
  const bytes = new Counter({
    name: "olg_stream_bytes_sent_total",
    help: "Bytes of stream events written to clients",
    registers,
  });
  const sseOpen = new Gauge({
    name: "olg_sse_connections_open",
    help: "Open server-sent-event connections",
    registers,
  });

  const cacheHits = new Counter({
    name: "olg_cache_hits_total",
    help: "Cache hits by cache name",
    labelNames: ["cache"] as const,
    registers,
  });
  const cacheMisses = new Counter({
    name: "olg_cache_misses_total",
    help: "Cache misses by cache name",
    labelNames: ["cache"] as const,
    registers,
  });

  registerPoolGauges(registry, sources);

  return {
    http: {
      observe({ method, route, status, seconds }) {
        const labels = { method, route, status: String(status) };
        requests.inc(labels);
        duration.observe(labels, seconds);
        if (status >= 400) errors.inc({ method, route, class: status >= 500 ? "5xx" : "4xx" });
      },
      inFlight: { inc: () => inFlight.inc(), dec: () => inFlight.dec() },
    },
    runs: {
      started(graphId, queueWaitSeconds) {
        runsStarted.inc({ graph_id: graphId });
        runsActive.inc({ graph_id: graphId });
        queueWait.observe({ graph_id: graphId }, Math.max(0, queueWaitSeconds));
      },
      finished(outcome, graphId, seconds) {
        runsFinished.inc({ graph_id: graphId, outcome });
        runDuration.observe({ graph_id: graphId, outcome }, Math.max(0, seconds));
        runsActive.dec({ graph_id: graphId });
      },
    },
    streams: {
      eventSent(event, n) {
        events.inc({ event: eventLabel(event) });
        bytes.inc(n);
      },
      connectionOpened: () => sseOpen.inc(),
      connectionClosed: () => sseOpen.dec(),
    },
    cache: {
      hit: (cache) => cacheHits.inc({ cache }),
      miss: (cache) => cacheMisses.inc({ cache }),
    },
  };
}

function registerPoolGauges(registry: Registry, sources: MetricSources): void {
  const backend = sources.backend ?? "unknown";
  const read = sources.poolStats;
  const gauge = (name: string, help: string, pick: (s: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["backend"] as const,
      registers: [registry],
      collect() {
        if (read) this.set({ backend }, pick(read()));
      },
    });
  gauge("olg_db_pool_size", "Database connections open in the pool", (s) => s.size);
  gauge("olg_db_pool_in_use", "Database connections checked out", (s) => s.inUse);
  gauge("olg_db_pool_waiting", "Queries waiting for a database connection", (s) => s.waiting);
  registerWakeupGauges(registry, sources);
  const conn = sources.connectionStats;
  if (!conn) return;
  const connGauge = (name: string, help: string, pick: (s: ConnectionStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["backend"] as const,
      registers: [registry],
      collect() {
        this.set({ backend }, pick(conn()));
      },
    });
  connGauge(
    "olg_db_listen_connected",
    "1 while the LISTEN/NOTIFY connection is open, 0 while it is being reopened",
    (s) => (s.connected ? 1 : 0),
  );
  connGauge(
    "olg_db_listen_reconnects",
    "Times the LISTEN/NOTIFY connection was reopened since start",
    (s) => s.reconnects,
  );
  connGauge(
    "olg_db_connection_errors",
    "Database connections lost (terminated by the server or the network) since start",
    (s) => s.connectionErrors,
  );
}

/** MariaDB: wake-ups without LISTEN/NOTIFY (`storage/mysql/notifier.ts`). */
function registerWakeupGauges(registry: Registry, sources: MetricSources): void {
  const read = sources.wakeupStats;
  if (!read) return;
  const backend = sources.backend ?? "unknown";
  const gauge = (name: string, help: string, pick: (s: WakeupFigures) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["backend", "mode"] as const,
      registers: [registry],
      collect() {
        const s = read();
        this.set({ backend, mode: s.mode }, pick(s));
      },
    });
  gauge(
    "olg_db_wakeup_polls",
    "Polls of the wake-up table since start (mode poll)",
    (s) => s.polls,
  );
  gauge(
    "olg_db_wakeups_delivered",
    "Wake-ups received from other processes since start",
    (s) => s.delivered,
  );
  gauge("olg_db_wakeup_errors", "Failed wake-up polls or publishes since start", (s) => s.errors);
}
