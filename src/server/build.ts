/**
 * `buildServer(settings)`: builds every part of a server without listening: infrastructure, then
 * each feature module in dependency order, then the Hono app with every feature's routes. Tests use
 * it in process (`server.app.request(...)`); `startServer` (main.ts) starts it and listens.
 * The loopback (graphs and relative webhooks reaching this server without a socket) and the
 * WebSocket helper bind to the app before routes exist, so nothing is bound late.
 */
import type { Server } from "node:http";
import { Hono } from "hono";
import { ConfigError } from "../config/errors.ts";
import type { Settings } from "../config/load.ts";
import { createApp } from "../http/app.ts";
import { adoptUserApp, loadUserApp } from "../http/custom.ts";
import { bindLoopback, type LoopbackBinding } from "../http/loopback.ts";
import { errorHookObserver } from "../http/middleware/observability.ts";
import { onlyProbes } from "../http/probes-only.ts";
import { mountAdminUi } from "../http/routes/admin-ui.ts";
import { ssoBearerEdge } from "../http/sso-bearer.ts";
import { tenancyEdge } from "../http/tenancy.ts";
import type { Logger } from "../logging/logger.ts";
import type { StorageHandle } from "../storage/database.ts";
import type { EmbeddedClientPort } from "../storage/pglite/open.ts";
import type { RunEventLog } from "../stream/log.ts";
import { AuditRepository } from "../tenancy/audit/repository.ts";
import { DEFAULT_AUDIT_RETENTION_DAYS, startAuditRetention } from "../tenancy/audit/retention.ts";
import { SYSTEM_ORG, withOrg } from "../tenancy/context.ts";
import { KeyCache } from "../tenancy/key-cache.ts";
import { MemoryRateLimiter, RedisRateLimiter } from "../tenancy/rate-limit.ts";
import { RedisRunCounters } from "../tenancy/run-quotas.ts";
import { createTenancy, type TenantCaller } from "../tenancy/service.ts";
import { counterChannel, inProcessRunCounters } from "../tenancy/thread-counters.ts";
import { FeatureSet } from "./feature.ts";
import { assistantsModule } from "./features/assistants.ts";
import { cronsModule } from "./features/crons.ts";
import { artifactRoutesModule, artifactsModule, storeModule } from "./features/data.ts";
import { createPluginFeatures, endpointsModule, uiModule } from "./features/extensions.ts";
import { protocolModule } from "./features/protocol.ts";
import { runEngineModule } from "./features/run-engine.ts";
import { runRoutesModule, runsModule } from "./features/runs.ts";
import { agentProtocolsModule, systemModule } from "./features/system.ts";
import { threadsModule } from "./features/threads.ts";
import {
  type Infrastructure,
  openInfrastructure,
  SERVER_VERSION,
  type SharedCacheTags,
} from "./infra.ts";
import { loadPlugins, type PluginSet } from "./plugins.ts";

/** A built server: its app and the hooks that start and stop it. */
export interface BuiltServer {
  app: Hono;
  /** What the HTTP server serves: the app, or only the probes on a `worker`. */
  fetch: (request: Request) => Response | Promise<Response>;
  logger: Logger;
  storage: StorageHandle;
  infra: Infrastructure;
  /** Starts background work (run workers, cron scheduler, plugin work). */
  start(): Promise<void>;
  /**
   * Requeues at once the runs the lease owner `owner` holds (this process's executor thread
   * that died, `executor-thread.ts`), in every org, and wakes the workers; their ids.
   */
  requeueRunsOf(owner: string): Promise<string[]>;
  /** Nothing to execute in any org: no run in flight, queued or running, no enabled cron. */
  executorIdle(): Promise<boolean>;
  /** Tells features the HTTP server listens at `url` (WebSockets, loopback base URL). */
  listening(server: Server, url: string): void;
  /** Makes `/ready` fail (first step of a graceful stop). */
  markDraining(): void;
  /** Drains and stops every feature, then closes the infrastructure. `beforeClose` runs in between. */
  close(beforeClose?: () => Promise<void>): Promise<void>;
}

/** Options of `buildServer`. */
export interface BuildOptions {
  /** A logger of the caller's (the admin log feed then stays empty). */
  logger?: Logger;
  /** Plugins already loaded (default: those `plugins` in the config names). */
  plugins?: PluginSet;
  /** Built in the run executor thread of role `all` (`executor-thread.ts`). */
  executorThread?: boolean;
  /** The embedded database of another thread (the run executor's thread, `executor-thread.ts`). */
  embeddedClient?: EmbeddedClientPort;
  /** The metadata cache tags shared with the run executor thread (embedded default). */
  sharedCache?: SharedCacheTags;
  /** The run event log (the embedded default's threads: `stream/port-log.ts`). */
  runEventLog?: RunEventLog;
  /** The lease owner id of the run workers (the executor thread's, chosen by the HTTP thread). */
  runOwner?: string;
}

/** Builds the server `settings` describe, without listening. */
export async function buildServer(
  settings: Settings,
  options: BuildOptions = {},
): Promise<BuiltServer> {
  const plugins = options.plugins ?? (await loadPlugins(settings.file.plugins ?? [], settings.cwd));
  const infra = await openInfrastructure(
    settings,
    plugins,
    options.logger,
    options.embeddedClient,
    options.sharedCache,
  );
  if (options.runEventLog) infra.runEventLog = options.runEventLog;
  const { log } = infra;
  const features = new FeatureSet();
  let loopback: LoopbackBinding | undefined;
  // Run quota counters: one set for the HTTP routes and the cron ticks (Redis, or this process's,
  // which the executor thread shares with the HTTP thread, src/tenancy/thread-counters.ts).
  const inProcess =
    infra.tenancy && !infra.redis
      ? inProcessRunCounters(
          counterChannel(settings.dataDir, settings.port),
          options.executorThread === true,
        )
      : undefined;
  try {
    const app = new Hono();
    loopback = bindLoopback(app, settings.apiUrl);
    const flags = () => features.flags;
    await features.add(systemModule, { ...infra, flags });
    const runCounters =
      infra.redis && infra.tenancy ? new RedisRunCounters(infra.redis) : inProcess?.counters;
    const { store } = await features.add(storeModule, infra);
    const { artifacts } = await features.add(artifactsModule, infra);
    const { engine } = await features.add(runEngineModule, {
      ...infra,
      store,
      artifacts,
      loopback: loopback.fetch,
      runCounters,
      runOwner: options.runOwner,
    });
    const { assistants } = await features.add(assistantsModule, { ...infra, engine });
    const { runs, checkWebhook } = await features.add(runsModule, { ...infra, engine, assistants });
    const threads = await features.add(threadsModule, {
      ...infra,
      engine,
      assistants,
      runs,
      artifacts,
    });
    const { state, threadVisible } = threads;
    await features.add(runRoutesModule, { ...infra, engine, runs, state });
    const { crons } = await features.add(cronsModule, {
      ...infra,
      engine,
      runs,
      assistants,
      checkWebhook,
      runCounters,
    });
    await features.add(protocolModule, { ...infra, app, runs, state, threadVisible });
    await features.add(agentProtocolsModule, infra);
    await features.add(artifactRoutesModule, { ...infra, artifacts, threadVisible });
    await features.add(endpointsModule, infra);
    await features.add(uiModule, infra);
    // Boot DDL is done: RLS on, and from now on every connection carries its org.
    if (infra.tenancy) await infra.tenancy.install(infra.storage.db);
    if (settings.file.sso && !infra.tenancy)
      throw new ConfigError(
        "sso: needs tenancy.enabled: true (providers map callers to organizations)",
      );
    const audit = infra.tenancy ? new AuditRepository(infra.storage.db) : undefined;
    const keyCache = infra.tenancy
      ? new KeyCache<TenantCaller>(undefined, undefined, { db: infra.storage, redis: infra.redis })
      : undefined;
    const tenancyService = infra.tenancy ? createTenancy(infra.storage.db, keyCache) : undefined;
    const tenancy = tenancyService
      ? tenancyEdge(
          tenancyService,
          infra.redis ? new RedisRateLimiter(infra.redis) : new MemoryRateLimiter(),
          audit,
          {
            db: infra.storage.db,
            counters: runCounters!,
          },
          (threadId) => infra.tenancy!.orgOf(infra.storage.db, "threads", threadId),
        )
      : undefined;
    // SSO bearer JWTs after API keys, before custom auth (which gets JWTs of unknown issuers).
    const ssoBearer =
      tenancyService && settings.file.sso
        ? ssoBearerEdge(settings.file.sso, tenancyService.repo, infra.auth.enabled)
        : undefined;
    // Browser sign-in (admin UI): session cookies before every other credential. The OIDC and
    // SAML libraries are loaded only when SSO is configured.
    const ssoBrowser =
      tenancyService && settings.file.sso
        ? (await import("../http/sso/setup.ts")).browserSsoEdge(
            settings.file.sso,
            infra.storage.db,
            tenancyService.repo,
            log,
          )
        : undefined;
    if (ssoBrowser)
      features.keep("sso-browser", {
        routes: [ssoBrowser.routes],
        stop: async () => ssoBrowser.close(),
      });
    if (tenancy && audit) {
      let stopRetention: (() => void) | undefined;
      const days = settings.file.tenancy?.audit_retention_days ?? DEFAULT_AUDIT_RETENTION_DAYS;
      features.keep("tenancy", {
        routes: [tenancy.routes],
        start: async () => {
          await keyCache?.start();
          stopRetention = startAuditRetention(audit, days, log);
        },
        stop: async () => {
          stopRetention?.();
          await keyCache?.stop();
        },
      });
    }
    const pluginDeps = {
      settings,
      logger: log,
      registry: infra.obs.registry,
      storage: infra.storage,
      auth: infra.auth.auth,
      services: { assistants, threads: threads.threads, state, runs, crons },
    };
    await createPluginFeatures(plugins, pluginDeps, (module, deps) => features.add(module, deps));

    const http = settings.file.http;
    createApp({
      app,
      logger: log,
      cors: http?.cors,
      bodyLimit: settings.bodyLimit,
      inputLimits: settings.inputLimits,
      // API keys first, then custom auth, then the tenancy gate (roles, org).
      middleware: tenancy
        ? [
            ...(ssoBrowser ? [ssoBrowser.middleware] : []),
            tenancy.keyAuth,
            ...(ssoBearer ? [ssoBearer] : []),
            infra.auth.middleware,
            tenancy.gate,
          ]
        : [infra.auth.middleware],
      outer: infra.outer,
      errorObservers: infra.obs.errorHook ? [errorHookObserver(infra.obs.errorHook)] : [],
      early: features.earlyRoutes,
      userApp: http?.app ? adoptUserApp(await loadUserApp(http.app, settings.cwd)) : undefined,
      groups: features.routes,
      statics: http?.disable_admin ? [] : [(app) => mountAdminUi(app)],
      title: "Open LangGraph",
      version: SERVER_VERSION,
      docs: { openapi: infra.auth.exposure.openapi, docs: infra.auth.exposure.docs },
    });
    const binding = loopback;
    // A worker builds the whole app (graphs reach their own server in process through the
    // loopback) but serves only the probes and metrics.
    const fetch = settings.role === "worker" ? onlyProbes(app.fetch) : app.fetch;
    let closed = false;
    return {
      app,
      fetch,
      logger: log,
      storage: infra.storage,
      infra,
      start: () => features.start(),
      // Background work: every org's runs (with tenancy, SYSTEM_ORG sees them all).
      requeueRunsOf: (owner) => withOrg(SYSTEM_ORG, () => engine.requeueOwner(owner)),
      executorIdle: () => withOrg(SYSTEM_ORG, () => engine.idle(() => crons.msUntilNextDue())),
      listening(server, url) {
        binding.setUrl(url);
        features.listening(server);
      },
      markDraining: () => infra.obs.readiness.markDraining(),
      async close(beforeClose) {
        if (closed) return;
        closed = true;
        infra.obs.readiness.markDraining();
        await features.stop((err, name) =>
          log.error({ err, feature: name }, "error while closing"),
        );
        binding.unbind();
        inProcess?.close();
        await beforeClose?.().catch((err) => log.error({ err }, "error while closing"));
        await infra.close();
      },
    };
  } catch (error) {
    // A failed build releases what it opened.
    await features.stop(() => {});
    loopback?.unbind();
    inProcess?.close();
    await infra.close().catch(() => {});
    throw error;
  }
}
