/**
 * Composition root: reads settings, builds every adapter once, wires the services, starts HTTP and
 * the run workers. The only place that chooses implementations. Each feature adds its construction
 * in the marked sections below (keep one block per feature).
 */

import { hostname } from "node:os";
import { createNodeWebSocket } from "@hono/node-ws";
import type { MiddlewareHandler } from "hono";
import { SqlTaskIndex } from "./a2a/task-index.ts";
import { ArtifactsHandle } from "./artifacts/handle.ts";
import { createArtifactsFeature } from "./artifacts/setup.ts";
import { AssistantsService } from "./assistants/service.ts";
import { SqlAssistantsRepository } from "./assistants/sql-repository.ts";
import { createMetadataCaching } from "./cache/setup.ts";
import type { Settings } from "./config/load.ts";
import { systemClock } from "./core/clock.ts";
import { newId } from "./core/ids.ts";
import { CronsRepository } from "./crons/repository.ts";
import { CronScheduler } from "./crons/scheduler.ts";
import { CronsService } from "./crons/service.ts";
import { createEncryption } from "./encryption/setup.ts";
import { GraphIntrospection } from "./graphs/introspect.ts";
import { GraphRegistry } from "./graphs/registry.ts";
import {
  GraphSchemas,
  officialStaticParser,
  schemaRequestBudgetMs,
  schemaResolveTimeoutMs,
} from "./graphs/schemas.ts";
import { createApp, type RouteGroup } from "./http/app.ts";
import { setupAuth } from "./http/auth-setup.ts";
import { callerClient } from "./http/caller-client.ts";
import { adoptUserApp, loadUserApp } from "./http/custom.ts";
import { loadEndpoints, registerEndpointRoutes } from "./http/endpoints.ts";
import { listen } from "./http/listen.ts";
import { bindLoopback } from "./http/loopback.ts";
import { errorHookObserver, observabilityMiddleware } from "./http/middleware/observability.ts";
import { onlyProbes } from "./http/probes-only.ts";
import { registerA2ARoutes } from "./http/routes/a2a.ts";
import { registerAdminLogRoutes } from "./http/routes/admin-logs.ts";
import { registerAdminMeRoute } from "./http/routes/admin-me.ts";
import { mountAdminUi } from "./http/routes/admin-ui.ts";
import { registerArtifactRoutes } from "./http/routes/artifacts.ts";
import { registerAssistantRoutes } from "./http/routes/assistants.ts";
import { registerCronRoutes } from "./http/routes/crons.ts";
import { registerHealthRoutes } from "./http/routes/health.ts";
import { registerInternalRoutes } from "./http/routes/internal.ts";
import { registerMcpRoutes } from "./http/routes/mcp.ts";
import { type InfoOptions, registerMetaRoutes } from "./http/routes/meta.ts";
import { registerMetricsRoute } from "./http/routes/metrics.ts";
import { registerProtocolRoutes } from "./http/routes/protocol.ts";
import { registerRunRoutes } from "./http/routes/runs.ts";
import { runCreateBody, toRunRequest } from "./http/routes/runs-schemas.ts";
import { registerStoreRoutes } from "./http/routes/store.ts";
import { registerThreadStreamRoutes } from "./http/routes/thread-stream.ts";
import { registerThreadRoutes } from "./http/routes/threads.ts";
import { registerThreadStateRoutes } from "./http/routes/threads-state.ts";
import { registerUiRoutes } from "./http/routes/ui.ts";
import { registerWebhookRoutes } from "./http/routes/webhooks.ts";
import { withLogContext } from "./logging/context.ts";
import { LogFeed } from "./logging/feed.ts";
import { createLogger, type Logger } from "./logging/logger.ts";
import { registerSdkLogger } from "./logging/sdk-logger.ts";
import { mcpEndpoint } from "./mcp/endpoint.ts";
import { createObservability } from "./metrics/setup.ts";
import { protocolRuns } from "./protocol/runs-port.ts";
import { ProtocolService } from "./protocol/service.ts";
import { RedisConnection } from "./redis/connection.ts";
import { withRedisControl } from "./runs/control.ts";
import { createExecutor } from "./runs/executor.ts";
import { CHANNEL_DONE, RunQueue } from "./runs/queue.ts";
import { RunsRepository } from "./runs/repository.ts";
import { RunsService } from "./runs/service.ts";
import { SqlCheckpointSaver } from "./storage/checkpointer/saver.ts";
import { codecDialect } from "./storage/codec-dialect.ts";
import type { StorageHandle } from "./storage/database.ts";
import { pendingMigrations } from "./storage/migrate.ts";
import { openStorage } from "./storage/open.ts";
import { truncateTables } from "./storage/truncate.ts";
import { createStore, startStoreSweeper, ttlConfig } from "./store/setup.ts";
import type { RunEventLog } from "./stream/log.ts";
import { MemoryRunEventLog } from "./stream/memory-log.ts";
import { RedisRunEventLog } from "./stream/redis-log.ts";
import { SqlRunEventLog } from "./stream/sql-log.ts";
import { createThreadsFeature } from "./threads/setup.ts";
import { buildUiBundles } from "./ui/bundles.ts";
import { DeadLetterRepository } from "./webhooks/dead-letters.ts";
import { WebhookDispatcher } from "./webhooks/dispatcher.ts";
import { webhookGuard } from "./webhooks/guard.ts";
import { DeadLettersService } from "./webhooks/service.ts";

/** A started server. */
export interface RunningServer {
  url: string;
  port: number;
  logger: Logger;
  storage: StorageHandle;
  /** Makes `/ready` fail (first step of a graceful stop). */
  markDraining(): void;
  /** Stops accepting work, drains, closes connections and the database. */
  close(): Promise<void>;
}

/** Starts the server described by `settings`. */
export async function startServer(settings: Settings, logger?: Logger): Promise<RunningServer> {
  // The admin log feed keeps recent lines of the logger we create (a caller's logger bypasses it).
  const logFeed = new LogFeed();
  const log =
    logger ??
    createLogger({ level: settings.logLevel, pretty: settings.prettyLogs, feed: logFeed });
  const clock = systemClock;
  // ---- encryption at rest (every statement goes through it) ----
  const encryption = await createEncryption(settings.encryption, settings.cwd);
  const storage = await openStorage({
    databaseUrl: settings.databaseUrl,
    dataDir: settings.dataDir,
    wrapDialect: encryption ? (d) => codecDialect(d, encryption.codec) : undefined,
    log,
  });
  if (encryption) log.info({ mode: encryption.mode }, "encryption at rest on");
  log.info({ backend: storage.kind, dataDir: settings.dataDir }, "storage ready");
  registerSdkLogger(log); // graphs may call the SDK getLogger() at import time
  const graphs = await GraphRegistry.load(settings.graphs);
  log.info({ graphs: graphs.ids() }, "graphs loaded");
  const ready = async () =>
    (await storage.ping()) && (await pendingMigrations(storage.db)).length === 0;
  void clock;

  const groups: RouteGroup[] = [];
  const early: RouteGroup[] = [];
  const middleware: MiddlewareHandler[] = [];
  const onClose: (() => Promise<void>)[] = [];
  const http = settings.file.http;

  // ---- observability ----
  const obs = await createObservability({
    storage,
    logger: log,
    clock,
    settings,
    version: "0.1.0",
  });
  const outer = observabilityMiddleware({
    logger: log,
    metrics: obs.metrics,
    newId,
    tracing: obs.tracing,
    streamObserver: obs.streamObserver,
  });

  // ---- auth ----
  const authSetup = await setupAuth(
    settings.file.auth,
    settings.cwd,
    log,
    settings.studioKeyDigests,
  );
  const { auth, exposure } = authSetup;
  if (authSetup.middleware) middleware.push(authSetup.middleware);

  // ---- services: redis ----
  // Optional: with REDIS_URL the run event log, run control and the metadata cache are shared
  // across replicas; without it everything stays in process (single replica).
  const redis = settings.redisUrl
    ? new RedisConnection({ url: settings.redisUrl, logger: log })
    : undefined;
  if (redis && !(await redis.waitReady(5000)))
    log.warn("redis not reachable at start; running degraded and retrying in the background");
  const caching = await createMetadataCaching({ redis, counters: obs.metrics.cache, logger: log });
  const sharedRunLog = redis
    ? new RedisRunEventLog(redis, {
        onWriteFailure: (runId, err) =>
          log.error({ err, run_id: runId }, "run event log write failed (redis unreachable)"),
      })
    : undefined;
  const runSignals = redis ? withRedisControl(storage, redis, log) : storage;
  if (redis)
    onClose.push(async () => {
      await caching.cache.close();
      await redis.close();
    });
  // ---- services: checkpointer ----
  const checkpointer = new SqlCheckpointSaver(storage.db, undefined, { mergeConfigMetadata: true });
  // ---- services: store ----
  const store = await createStore(storage.db, settings.file.store, settings.cwd, (msg, details) =>
    log.info(details, msg),
  );
  const stopStoreSweeper = startStoreSweeper(store, ttlConfig(settings.file.store), (err) =>
    log.error({ err }, "store TTL sweep failed"),
  );
  onClose.push(stopStoreSweeper);
  // ---- services: artifacts ----
  const artifacts = await createArtifactsFeature({
    db: storage.db,
    settings: settings.artifacts,
    clock,
    onError: (err, what) => log.error({ err }, `artifacts ${what} failed`),
    onNotice: (message) => log.warn(message),
  });
  onClose.push(() => artifacts.close());
  log.info({ backend: artifacts.service.backend }, "artifacts ready");
  // ---- services: assistants ----
  const introspection = new GraphIntrospection(
    graphs,
    new GraphSchemas(
      officialStaticParser(schemaResolveTimeoutMs(process.env)),
      (graphId, err) =>
        log.warn({ graphId, err }, "static schema extraction failed; using runtime schemas"),
      schemaRequestBudgetMs(process.env),
    ),
  );
  const assistants = new AssistantsService({
    repository: caching.assistants(new SqlAssistantsRepository(storage.db)),
    graphs: introspection,
    clock,
    onRunsDeleted: () => runQueue.announceDeleted(),
  });
  // In dev (Studio) the schemas are ready before the first request; servers compute them lazily.
  if (settings.warmSchemas) void introspection.warmUp(graphs.ids());
  await assistants.registerSystemAssistants(
    settings.graphs.map((g) => ({
      graphId: g.graphId,
      description: g.description,
      defaults: settings.systemAssistantDefaults[g.graphId],
    })),
  );
  // ---- services: threads ----
  const threadsFeature = createThreadsFeature({
    wrapStorage: caching.threads,
    db: storage.db,
    checkpointer,
    graphs,
    clock,
    ttl: settings.file.checkpointer?.ttl,
    resolveGraphId: async (assistantId) => (await assistants.resolve(assistantId)).graphId,
    onSweepError: (err) => log.error({ err }, "thread TTL sweep failed"),
    onSwept: (count) => log.info({ count }, "expired threads swept"),
    // Deleted threads also take their artifacts (the sweeper removes them at once).
    onRunsDeleted: async () => {
      void artifacts.sweeper.kick();
      await runQueue.announceDeleted();
    },
    // `runs` is built below; a trim only happens once the server serves.
    onThreadTrimmed: async (threadId) => {
      await runs.cancelMany({ threadId, status: "all" }, "interrupt");
      // The trim keeps the newest checkpoint: let the stopped runs end first (bounded).
      await runs.settleThread(threadId, 10_000);
    },
  });
  onClose.push(() => threadsFeature.sweeper.stop());
  // ---- services: runs ----
  // Roles (`olg serve --role`): `api` enqueues and never claims, `worker` executes runs and crons.
  // Apart, they share the event log through Redis when set, else through PostgreSQL.
  const executesRuns = settings.role !== "api";
  const runLog: RunEventLog =
    sharedRunLog ??
    (settings.role === "all"
      ? new MemoryRunEventLog()
      : new SqlRunEventLog({
          db: storage.db,
          listen: storage.listen,
          onWriteFailure: (runId, err) =>
            log.error({ err, run_id: runId }, "run event log write failed (database unreachable)"),
        }));
  const runsRepo = caching.runs(new RunsRepository(storage.db));
  let loopback: ((request: Request) => Response | Promise<Response>) | undefined;
  // ---- services: webhooks ----
  const deadLetters = new DeadLetterRepository(storage.db);
  const webhooks = new WebhookDispatcher({
    settings: settings.webhooks,
    deadLetters,
    logger: log,
    loopback: (req) => loopback!(req),
  });
  const checkWebhook = webhookGuard(webhooks);
  const runQueue = new RunQueue({
    repo: runsRepo,
    listen: (channel, fn) => runSignals.listen(channel, fn),
    notify: (channel, payload) => runSignals.notify(channel, payload),
    execute: withRunLogContext(
      createExecutor({
        repo: runsRepo,
        graphs,
        checkpointer,
        store,
        log: runLog,
        webhooks,
        onFinished: (run) => storage.notify(CHANNEL_DONE, run.runId).catch(() => {}),
        maxAttempts: 3,
        logger: log,
        observer: obs.runObserver,
        artifacts: (run) =>
          new ArtifactsHandle(artifacts.service, {
            threadId: run.kwargs.temporary ? null : run.threadId,
            runId: run.runId,
          }),
      }),
    ),
    owner: `${hostname()}:${process.pid}:${newId().slice(-12)}`,
    concurrency: settings.workers,
    leaseMs: settings.runLeaseSeconds * 1000,
    sweepMs: Math.min(2000, settings.runLeaseSeconds * 500),
    recoverOrphansAtStart: storage.kind === "pglite",
    claims: executesRuns,
    logger: log,
  });
  const runs = new RunsService({
    repo: runsRepo,
    queue: runQueue,
    log: runLog,
    assistants,
    checkpointer,
    notify: (channel, payload) => runSignals.notify(channel, payload),
    logger: log,
    checkWebhook,
    limits: settings.inputLimits,
  });

  // ---- services: crons ----
  const crons = new CronsService({
    repo: new CronsRepository(storage.db),
    runs,
    assistants,
    toRunRequest: (payload) => toRunRequest(runCreateBody.parse(payload)),
    checkWebhook,
    notify: (channel, payload) => storage.notify(channel, payload),
    clock,
    logger: log,
  });
  const cronScheduler = new CronScheduler({ crons, listen: storage.listen, logger: log });

  // ---- routes ----
  if (settings.testMode)
    early.push((api) =>
      registerInternalRoutes(
        api,
        async (what) => {
          await truncateTables(storage.db, what);
          await caching.invalidateAll();
        },
        // Open on a test server without auth; with an auth module, admins only.
        (c) => !authSetup.middleware || (c.get("auth")?.permissions.includes("admin") ?? false),
      ),
    );
  // `/info` flags: each feature below adds its own exactly when it is wired.
  // Flags are true only for what this deployment serves (http.disable_* removes routes).
  const infoFlags: InfoOptions["flags"] = {
    assistants: !http?.disable_assistants,
    crons: !http?.disable_runs,
    langsmith: false,
  };
  if (!http?.disable_meta) {
    groups.push((api) => registerMetaRoutes(api, { flags: infoFlags }, ready));
  }
  // ---- routes: observability ----
  groups.push((api) =>
    registerHealthRoutes(api, obs.readiness, redis ? () => ({ redis: redis.state() }) : undefined),
  );
  if (exposure.metrics !== "off")
    groups.push((api) => registerMetricsRoute(api, obs.registry, exposure.metrics === "public"));
  // ---- routes: assistants ----
  if (!http?.disable_assistants)
    groups.push((api) => registerAssistantRoutes(api, { assistants, auth }));
  // ---- routes: threads ----
  if (!http?.disable_threads) {
    groups.push((api) => registerThreadRoutes(api, { threads: threadsFeature.threads, auth }));
    groups.push((api) => registerThreadStateRoutes(api, { state: threadsFeature.state, auth }));
  }
  // ---- routes: runs ----
  if (!http?.disable_runs) {
    const checkpoint = async (
      threadId: string,
      checkpointId: string,
      scope?: Record<string, unknown>,
    ) => {
      const snapshot = await threadsFeature.state.get(
        threadId,
        { checkpoint: { checkpoint_id: checkpointId } },
        scope,
      );
      const metadata = (snapshot.metadata ?? {}) as Record<string, unknown>;
      return snapshot.config ? { runId: metadata.run_id, values: snapshot.values } : null;
    };
    groups.push((api) => registerRunRoutes(api, { runs, auth, checkpoint }));
  }
  // ---- routes: crons ----
  if (!http?.disable_runs) groups.push((api) => registerCronRoutes(api, { crons, auth }));
  // ---- routes: webhooks (dead letters) ----
  if (!http?.disable_runs) {
    const service = new DeadLettersService(deadLetters, webhooks);
    groups.push((api) => registerWebhookRoutes(api, { deadLetters: service, auth }));
  }
  infoFlags.webhooks = !settings.webhooks.disabled && !http?.disable_runs;
  // Run streams and joins honour `?namespace=` (SDK `streamNamespaces`).
  infoFlags.stream_namespaces = !http?.disable_runs;
  // Run creation (and protocol input.respond) honours `strict_resume` (SDK `strictResume`).
  infoFlags.strict_resume = !http?.disable_runs;
  // ---- routes: protocol ----
  const threadVisible = async (threadId: string, scope: Record<string, unknown> | undefined) =>
    (await threadsFeature.threads.find(threadId, scope)) != null;
  const protocolPort = protocolRuns(runs);
  const protocol = new ProtocolService({
    runs: protocolPort,
    state: threadsFeature.state,
    onError: (err) => log.warn({ err }, "protocol stream failed"),
  });
  onClose.push(async () => protocol.close());
  // The upgrade goes through the whole app (CORS, auth, logging) like any request.
  const nodeWs = createNodeWebSocket({
    app: { request: (...a: any[]) => (app.request as any)(...a) } as any,
  });
  if (!http?.disable_threads && !http?.disable_runs) {
    groups.push((api) =>
      registerProtocolRoutes(api, {
        protocol,
        upgradeWebSocket: nodeWs.upgradeWebSocket,
        onError: (err) => log.warn({ err }, "protocol websocket failed"),
        auth,
        threadVisible,
      }),
    );
    groups.push((api) =>
      registerThreadStreamRoutes(api, { runs: protocolPort, auth, threadVisible }),
    );
  }
  // ---- routes: MCP ----
  const mcpEnabled = !http?.disable_mcp && !http?.disable_assistants && !http?.disable_runs;
  if (mcpEnabled) {
    const handle = mcpEndpoint({ clientFor: callerClient, name: "LangGraph", version: "0.1.0" });
    groups.push((api) => registerMcpRoutes(api, handle));
  }
  infoFlags.mcp = mcpEnabled;
  // ---- routes: A2A ----
  const a2aEnabled =
    !http?.disable_a2a &&
    !http?.disable_assistants &&
    !http?.disable_threads &&
    !http?.disable_runs;
  if (a2aEnabled) {
    const index = new SqlTaskIndex(storage.db);
    groups.push((api) => registerA2ARoutes(api, { index, version: "0.1.0" }));
  }
  infoFlags.a2a = a2aEnabled;
  infoFlags.encryption = encryption != null;
  // ---- routes: store ----
  if (!http?.disable_store) groups.push((api) => registerStoreRoutes(api, store, auth));
  // ---- routes: artifacts ----
  if (!http?.disable_artifacts)
    groups.push((api) =>
      registerArtifactRoutes(api, { artifacts: artifacts.service, auth, threadVisible }),
    );

  // ---- routes: admin API (log feed) ----
  groups.push((api) =>
    registerAdminLogRoutes(api, { feed: logFeed, authEnabled: authSetup.middleware != null }),
  );
  groups.push((api) => registerAdminMeRoute(api, { authEnabled: authSetup.middleware != null }));

  // ---- user app (http.app) ----
  const userApp = http?.app ? adoptUserApp(await loadUserApp(http.app, settings.cwd)) : undefined;
  const endpoints = await loadEndpoints(settings.graphs);
  if (endpoints.length > 0) groups.push((api) => registerEndpointRoutes(api, endpoints));
  if (settings.file.ui && !http?.disable_ui) {
    const defs = settings.file.ui;
    const shared = settings.file.ui_config?.shared;
    const bundles = await buildUiBundles({ defs, cwd: settings.cwd, shared });
    log.info(
      { agents: bundles.agents(), reused: bundles.reused, cacheDir: bundles.cacheDir },
      "UI bundles built",
    );
    groups.push((api) => registerUiRoutes(api, bundles));
  }

  const { app, api } = createApp({
    logger: log,
    cors: http?.cors,
    bodyLimit: settings.bodyLimit,
    inputLimits: settings.inputLimits,
    middleware,
    outer,
    errorObservers: obs.errorHook ? [errorHookObserver(obs.errorHook)] : [],
    early,
    userApp,
    groups,
    statics: http?.disable_admin ? [] : [(app) => mountAdminUi(app)],
    title: "Open LangGraph",
    version: "0.1.0",
    docs: { openapi: exposure.openapi, docs: exposure.docs },
  });

  authSetup.setRoutes(api.routes);

  // ---- after app: loopback, workers ----
  const loopbackBinding = bindLoopback(app, settings.apiUrl);
  loopback = (request) => loopbackBinding.fetch(request);
  onClose.push(async () => loopbackBinding.unbind());
  await runQueue.start();
  // Drain first (in-flight runs may finish, the rest go back to the queue), then drop logs.
  onClose.unshift(async () => {
    await runQueue.drain(settings.runDrainSeconds * 1000);
    await runLog.close();
  });
  if (executesRuns) {
    await cronScheduler.start(); // crons: after the run workers; stopped before they drain
    onClose.unshift(() => cronScheduler.stop());
  }

  // A worker builds the whole app (graphs reach their own server in process through the loopback)
  // but serves only the probes and metrics.
  const server = await listen(settings.role === "worker" ? onlyProbes(app.fetch) : app.fetch, {
    port: settings.port,
    host: settings.host,
    tryNext: settings.mode === "dev" && !settings.portExplicit,
  });
  if (settings.role !== "worker") nodeWs.injectWebSocket(server as never); // protocol WebSockets
  onClose.push(async () => {
    for (const client of nodeWs.wss.clients) client.terminate();
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : settings.port;
  const url = `http://${settings.host === "0.0.0.0" ? "127.0.0.1" : settings.host}:${port}`;
  log.info({ url, role: settings.role }, "server listening");
  loopbackBinding.setUrl(url);

  let closed = false;
  return {
    url,
    port,
    logger: log,
    storage,
    markDraining: () => obs.readiness.markDraining(),
    async close() {
      if (closed) return;
      closed = true;
      obs.readiness.markDraining();
      for (const fn of onClose)
        await fn().catch((err) => log.error({ err }, "error while closing"));
      await new Promise<void>((resolve) => {
        (server as any).closeAllConnections?.();
        server.close(() => resolve());
      });
      await obs.close().catch((err) => log.error({ err }, "error while flushing traces"));
      await storage.close();
    },
  };
}

/** Every log line written while a run executes carries its `run_id` and `thread_id`. */
function withRunLogContext<R extends { runId: string; threadId: string }, L, T>(
  execute: (run: R, lease: L) => Promise<T>,
) {
  return (run: R, lease: L) =>
    withLogContext({ run_id: run.runId, thread_id: run.threadId }, () => execute(run, lease));
}
