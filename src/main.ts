/**
 * Composition root: reads settings, builds every adapter once, wires the services, starts HTTP and
 * the run workers. The only place that chooses implementations.
 */
import { serve } from "@hono/node-server";
import type { Settings } from "./config/load.ts";
import { GraphRegistry } from "./graphs/registry.ts";
import { createApp, type RouteGroup } from "./http/app.ts";
import { registerMetaRoutes } from "./http/routes/meta.ts";
import { createLogger, type Logger } from "./logging/logger.ts";
import type { StorageHandle } from "./storage/database.ts";
import { pendingMigrations } from "./storage/migrate.ts";
import { openStorage } from "./storage/open.ts";

/** A started server. */
export interface RunningServer {
  url: string;
  port: number;
  logger: Logger;
  storage: StorageHandle;
  /** Stops accepting work, drains, closes connections and the database. */
  close(): Promise<void>;
}

/** Starts the server described by `settings`. */
export async function startServer(settings: Settings, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? createLogger({ level: settings.logLevel, pretty: settings.prettyLogs });
  const storage = await openStorage({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir });
  log.info({ backend: storage.kind, dataDir: settings.dataDir }, "storage ready");
  const graphs = await GraphRegistry.load(settings.graphs);
  log.info({ graphs: graphs.ids() }, "graphs loaded");

  const ready = async () => (await storage.ping()) && (await pendingMigrations(storage.db)).length === 0;
  const groups: RouteGroup[] = [];
  const early: RouteGroup[] = [];
  if (!settings.file.http?.disable_meta) {
    groups.push((api) =>
      registerMetaRoutes(api, { flags: { assistants: true, crons: false, langsmith: false } }, ready),
    );
  }

  const { app } = createApp({
    logger: log,
    cors: settings.file.http?.cors,
    bodyLimit: settings.bodyLimit,
    early,
    groups,
    title: "Open LangGraph",
    version: "0.1.0",
  });

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: settings.port, hostname: settings.host }, () => resolve(s));
    s.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : settings.port;
  const url = `http://${settings.host === "0.0.0.0" ? "127.0.0.1" : settings.host}:${port}`;
  log.info({ url }, "server listening");

  let closed = false;
  return {
    url,
    port,
    logger: log,
    storage,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        (server as any).closeAllConnections?.();
        server.close(() => resolve());
      });
      await storage.close();
    },
  };
}
