/**
 * Composition root and package entry: `startServer(settings)` builds the server (`server/build.ts`:
 * infrastructure, feature modules, the app), starts its background work and listens. The feature
 * modules live in `server/features/`; plugins extend the same shape (docs/plugins.md).
 */
import { SharedTags } from "./cache/shared-tags.ts";
import type { Settings } from "./config/load.ts";
import { listen } from "./http/listen.ts";
import type { Logger } from "./logging/logger.ts";
import { type BuildOptions, buildServer } from "./server/build.ts";
import {
  executorIdleMs,
  executorThreadWanted,
  singleProcessEngine,
  splitSettings,
} from "./server/executor-split.ts";
import { prepareExecutorThread } from "./server/executor-thread.ts";
import type { StorageHandle } from "./storage/database.ts";
import { MemoryRunEventLog } from "./stream/memory-log.ts";

export { type BuildOptions, type BuiltServer, buildServer } from "./server/build.ts";
export type { Feature, FeatureModule, RouteGroup } from "./server/feature.ts";
export type { PluginDeps } from "./server/plugin-deps.ts";
export type { OlgPlugin, StoragePlugin } from "./server/plugins.ts";

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
export async function startServer(
  settings: Settings,
  logger?: Logger | BuildOptions,
): Promise<RunningServer> {
  const options =
    logger && "info" in logger ? { logger: logger as Logger } : (logger as BuildOptions);
  // Role `all` runs its executor in a thread of its own (loading while this one builds): this
  // thread is then the api role (src/server/executor-split.ts).
  const split = executorThreadWanted(settings);
  const roles = splitSettings(settings);
  const embedded = singleProcessEngine(settings);
  // PGlite, SQLite: both threads cache metadata, with freshness tags they share (src/cache/shared-tags.ts).
  // A networked database keeps its cross-process cache (Redis) or none, as between processes.
  const cacheTags = split && embedded ? SharedTags.buffer() : undefined;
  // Run events reach this thread's in-memory log over a port (src/stream/port-log.ts), unless
  // both threads share Redis's log (a networked database with REDIS_URL).
  const runEventLog =
    split && (embedded || !settings.redisUrl) ? new MemoryRunEventLog() : undefined;
  const prepared = split
    ? prepareExecutorThread(
        roles.executor,
        settings.runDrainSeconds * 1000,
        {
          cacheTags,
          runEventLog,
        },
        executorIdleMs(settings),
      )
    : undefined;
  const built = await buildServer(split ? roles.http : settings, {
    ...options,
    ...(cacheTags ? { sharedCache: { buffer: cacheTags, slot: 0 } } : {}),
    ...(runEventLog ? { runEventLog } : {}),
  }).catch(async (error) => {
    await prepared?.abort();
    throw error;
  });
  await built.start().catch(async (error) => {
    await prepared?.abort();
    throw error;
  });
  const executor = await prepared
    ?.start(built.storage, built.logger, {
      logFeed: built.infra.logFeed,
      obs: built.infra.obs,
      requeueRunsOf: built.requeueRunsOf,
      executorIdle: built.executorIdle,
    })
    .catch(async (error) => {
      await built.close();
      throw error;
    });
  const server = await listen(built.fetch, {
    port: settings.port,
    host: settings.host,
    tryNext: settings.mode === "dev" && !settings.portExplicit,
  }).catch(async (error) => {
    await executor?.close();
    await built.close();
    throw error;
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : settings.port;
  const url = `http://${settings.host === "0.0.0.0" ? "127.0.0.1" : settings.host}:${port}`;
  built.listening(server as never, url);
  executor?.setUrl(url);
  built.logger.info(
    { url, role: settings.role, executor: executor ? "thread" : "main" },
    "server listening",
  );
  return {
    url,
    port,
    logger: built.logger,
    storage: built.storage,
    markDraining: built.markDraining,
    close: async () => {
      // Runs drain in the executor thread first (while the database is open), then this thread.
      await executor?.close();
      await built.close(
        () =>
          new Promise<void>((resolve) => {
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => resolve());
          }),
      );
    },
  };
}
