/**
 * Builds the operations side of the server once: the Prometheus registry and metric handles,
 * tracing (OTLP, Langfuse), the run and stream observers, readiness checks and the error hook.
 */
import { Registry } from "prom-client";
import type { TelemetrySettings } from "../config/load.ts";
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../logging/logger.ts";
import type { StorageHandle } from "../storage/database.ts";
import { pendingMigrations } from "../storage/migrate.ts";
import { type LoadedErrorHook, loadErrorHook } from "../tracing/error-hook.ts";
import { openTracing } from "../tracing/open.ts";
import { runTracing } from "../tracing/run-trace.ts";
import type { Tracing } from "../tracing/setup.ts";
import { registerDbGauges } from "./db-gauges.ts";
import { type MetricSource, mergedRegistry } from "./merge.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import type { RunObserver, StreamObserver } from "./observer.ts";
import { Readiness, type ReadinessCheck } from "./readiness.ts";
import { redisPing } from "./redis-ping.ts";
import { createRunObserver } from "./run-observer.ts";
import { storageSnapshotSource } from "./storage-source.ts";
import { createStreamObserver } from "./stream-observer.ts";

/** Inputs of `createObservability`. */
export interface ObservabilityDeps {
  storage: StorageHandle;
  logger: Logger;
  clock: Clock;
  settings: { telemetry: TelemetrySettings; redisUrl: string | null };
  version: string;
}

/** Everything operations-related the composition root wires in. */
export interface Observability {
  registry: Registry;
  /** What `/metrics` serves: `registry` plus every added source's metrics. */
  scrape(): Promise<Registry>;
  /** Adds another thread's metrics to every scrape (the embedded run executor thread). */
  addSource(source: MetricSource): void;
  metrics: Metrics;
  tracing: Tracing;
  runObserver: RunObserver;
  streamObserver: StreamObserver;
  readiness: Readiness;
  errorHook: LoadedErrorHook | null;
  /** Flushes and stops exporters. */
  close(): Promise<void>;
}

/** Builds observability for a server. */
export async function createObservability(deps: ObservabilityDeps): Promise<Observability> {
  const { storage, logger, settings } = deps;
  const registry = new Registry();
  const metrics = createMetrics(registry, {
    backend: storage.kind,
    poolStats: () => storage.poolStats(),
    connectionStats: storage.connectionStats ? () => storage.connectionStats!() : undefined,
    wakeupStats: storage.wakeupStats ? () => storage.wakeupStats!() : undefined,
    defaultMetrics: true,
  });
  registerDbGauges(registry, storageSnapshotSource(storage.db));
  const t = settings.telemetry;
  const tracing = await openTracing({
    serviceName: t.serviceName,
    version: deps.version,
    otlpTracesUrl: t.otlpTracesUrl,
    otlpHeaders: t.otlpHeaders,
    langfuse: t.langfuse,
    global: true,
  });
  if (t.otlpTracesUrl) logger.info({ url: t.otlpTracesUrl }, "OpenTelemetry tracing on");
  if (t.langfuse) logger.info({ baseUrl: t.langfuse.baseUrl }, "Langfuse tracing on");
  const checks: ReadinessCheck[] = [
    { name: "database", check: () => storage.ping() },
    {
      name: "migrations",
      check: async () => (await pendingMigrations(storage.db)).length === 0,
    },
  ];
  const redisUrl = settings.redisUrl;
  if (redisUrl) checks.push({ name: "redis", check: () => redisPing(redisUrl) });
  const sources: MetricSource[] = [];
  return {
    registry,
    scrape: () => mergedRegistry(registry, sources),
    addSource: (source) => void sources.push(source),
    metrics,
    tracing,
    runObserver: createRunObserver({
      metrics,
      logger,
      clock: deps.clock,
      tracing: runTracing(tracing),
    }),
    streamObserver: createStreamObserver(metrics),
    readiness: new Readiness(checks),
    errorHook: t.errorHook ? await loadErrorHook(t.errorHook) : null,
    close: () => tracing.shutdown(),
  };
}
