/**
 * The infrastructure every feature shares, built once per server: logger and admin log feed,
 * encryption at rest, storage (PGlite or PostgreSQL), graphs, observability, auth, Redis (optional:
 * with it the run event log, run control and metadata cache are shared across replicas), the
 * metadata cache and the checkpointer. `close()` releases it in reverse order after the features stop.
 */
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { createMetadataCaching, type MetadataCaching } from "../cache/setup.ts";
import { SharedTags } from "../cache/shared-tags.ts";
import type { Settings } from "../config/load.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { createEncryption } from "../encryption/setup.ts";
import { GraphRegistry } from "../graphs/registry.ts";
import { type AuthSetup, setupAuth } from "../http/auth-setup.ts";
import { observabilityMiddleware } from "../http/middleware/observability.ts";
import { LogFeed } from "../logging/feed.ts";
import { createLogger, type Logger } from "../logging/logger.ts";
import { registerSdkLogger } from "../logging/sdk-logger.ts";
import { createObservability, type Observability } from "../metrics/setup.ts";
import type { RedisConnection } from "../redis/connection.ts";
import { withRedisControl } from "../runs/control.ts";
import { SqlCheckpointSaver } from "../storage/checkpointer/saver.ts";
import { codecDialect } from "../storage/codec-dialect.ts";
import type { StorageHandle } from "../storage/database.ts";
import { engineOf } from "../storage/engine/index.ts";
import { pendingMigrations } from "../storage/migrate.ts";
import { openStorage } from "../storage/open.ts";
import type { EmbeddedClientPort } from "../storage/pglite/open.ts";
import type { RunEventLog } from "../stream/log.ts";
import { auditDialect } from "../tenancy/audit/driver.ts";
import { currentOrg } from "../tenancy/context.ts";
import { orgFilterPlugin } from "../tenancy/org-filter.ts";
import { createTenancyInfra, removeTenancyLeftovers, type TenancyInfra } from "../tenancy/setup.ts";
import type { PluginSet } from "./plugins.ts";

/** The metadata cache tags shared with the other thread of the embedded default (`cache/shared-tags.ts`). */
export interface SharedCacheTags {
  buffer: SharedArrayBuffer;
  /** This thread's writer slot: 0 the HTTP thread, 1 the run executor thread. */
  slot: number;
}

/** The server version reported in `/info`, traces and the OpenAPI document. */
export const SERVER_VERSION = "0.1.0";

/** Shared infrastructure of one server. */
export interface Infrastructure {
  settings: Settings;
  log: Logger;
  /** Recent lines of the logger we created (empty when the caller passed its own logger). */
  logFeed: LogFeed;
  clock: Clock;
  encrypted: boolean;
  storage: StorageHandle;
  graphs: GraphRegistry;
  obs: Observability;
  /** Request id, logs, metrics and traces: middleware that sees every request. */
  outer: MiddlewareHandler[];
  auth: AuthSetup;
  redis: RedisConnection | undefined;
  caching: MetadataCaching;
  /** LISTEN/NOTIFY of run control: Redis when set, else the database. */
  runSignals: Pick<StorageHandle, "listen" | "notify">;
  /**
   * The run event log when the composition root chose it (the embedded default's two threads:
   * `stream/port-log.ts`); otherwise the run engine picks memory, Redis or SQL.
   */
  runEventLog?: RunEventLog;
  checkpointer: SqlCheckpointSaver;
  plugins: PluginSet;
  /** Tenancy's session and RLS (`tenancy.enabled`), else undefined. */
  tenancy: TenancyInfra | undefined;
  /** Whether the database schema is current and reachable (`/ok?check_db=1`). */
  ready(): Promise<boolean>;
  /** Closes Redis, exporters and the database (after every feature stopped). */
  close(): Promise<void>;
}

/** Opens the infrastructure `settings` describe. */
export async function openInfrastructure(
  settings: Settings,
  plugins: PluginSet,
  logger?: Logger,
  embeddedClient?: EmbeddedClientPort,
  sharedCache?: SharedCacheTags,
): Promise<Infrastructure> {
  const logFeed = new LogFeed();
  const log =
    logger ??
    createLogger({ level: settings.logLevel, pretty: settings.prettyLogs, feed: logFeed });
  const clock = systemClock;
  const encryption = await createEncryption(settings.encryption, settings.cwd);
  const isolation = settings.file.tenancy?.isolation ?? "both";
  const tenancy = settings.file.tenancy?.enabled
    ? createTenancyInfra(settings.databaseUrl == null, isolation !== "app")
    : undefined;
  const storage = await (plugins.openStorage(settings.databaseUrl, log) ??
    openStorage({
      databaseUrl: settings.databaseUrl,
      dataDir: settings.dataDir,
      poolSize: settings.poolSize,
      siblings: settings.siblingWakeups,
      embeddedThread: embeddedClient ?? settings.pgliteThread,
      redisUrl: settings.redisUrl,
      // The tenant session inside encryption: its set_config needs no sealing.
      wrapDialect: (d) => {
        const inner = tenancy ? auditDialect(tenancy.session.wrap(d)) : d;
        return encryption ? codecDialect(inner, encryption.codec) : inner;
      },
      log,
    }));
  if (!tenancy) await removeTenancyLeftovers(storage.db);
  // The application's org filter on every query the builder makes (src/tenancy/org-filter.ts).
  else if (isolation !== "rls") storage.db = storage.db.withPlugin(orgFilterPlugin(currentOrg));
  if (encryption) log.info({ mode: encryption.mode }, "encryption at rest on");
  log.info({ backend: storage.kind, dataDir: settings.dataDir }, "storage ready");
  registerSdkLogger(log); // graphs may call the SDK getLogger() at import time
  const graphs = await GraphRegistry.load(settings.graphs);
  log.info({ graphs: graphs.ids() }, "graphs loaded");

  const obs = await createObservability({
    storage,
    logger: log,
    clock,
    settings,
    version: SERVER_VERSION,
  });
  const outer = observabilityMiddleware({
    logger: log,
    metrics: obs.metrics,
    // Request ids need no time order: the runtime's batched UUID is the cheapest unique id.
    newId: randomUUID,
    tracing: obs.tracing,
    streamObserver: obs.streamObserver,
  });
  const auth = await setupAuth(settings.file.auth, settings.cwd, log, settings.studioKeyDigests, {
    handlers: plugins.authHandlers(),
  });

  // ioredis is loaded only when Redis is configured.
  const redis = settings.redisUrl
    ? new (await import("../redis/connection.ts")).RedisConnection({
        url: settings.redisUrl,
        logger: log,
      })
    : undefined;
  if (redis && !(await redis.waitReady(5000)))
    log.warn("redis not reachable at start; running degraded and retrying in the background");
  const caching = await createMetadataCaching({
    redis,
    counters: obs.metrics.cache,
    logger: log,
    // The embedded database with the executor in its own thread (role api + worker, one process)
    // has two writers, each with its own entries and the freshness tags both share.
    singleProcess: !engineOf(storage.db).capabilities.multiProcess && settings.role === "all",
    sharedTags: sharedCache ? new SharedTags(sharedCache.buffer, sharedCache.slot) : undefined,
    variant: tenancy ? currentOrg : undefined, // cached rows are per org
  });
  const checkpointer = new SqlCheckpointSaver(storage.db, undefined, { mergeConfigMetadata: true });

  return {
    settings,
    log,
    logFeed,
    clock,
    encrypted: encryption != null,
    storage,
    graphs,
    obs,
    outer,
    auth,
    redis,
    caching,
    runSignals: redis ? withRedisControl(storage, redis, log) : storage,
    checkpointer,
    plugins,
    tenancy,
    ready: async () => (await storage.ping()) && (await pendingMigrations(storage.db)).length === 0,
    async close() {
      if (redis) {
        await caching.cache.close().catch((err) => log.error({ err }, "error while closing"));
        await redis.close().catch((err) => log.error({ err }, "error while closing"));
      }
      await obs.close().catch((err) => log.error({ err }, "error while flushing traces"));
      await storage.close();
    },
  };
}
