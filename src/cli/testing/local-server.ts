/**
 * The in-process target of `olg test`: our server on the project's config, on an in-memory
 * embedded database and an ephemeral loopback port, graphs on this thread (no executor thread), logging to stderr at the given level so the
 * command's stdout stays its report.
 */
import { loadSettings } from "../../config/load.ts";
import { createLogger } from "../../logging/logger.ts";
import { startServer } from "../../main.ts";

/** A started in-process server. */
export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the project's graphs in this process. */
export async function startLocalServer(
  config: string | undefined,
  logLevel: string,
): Promise<LocalServer> {
  const base = loadSettings("serve", {
    config,
    inMemory: true,
    port: 0,
    host: "127.0.0.1",
    logLevel,
  });
  const settings = {
    ...base,
    databaseUrl: null,
    dataDir: null,
    redisUrl: null,
    warmSchemas: false,
    // Graphs run in this process's thread: a cassette (`--model recorded`) replaces this thread's
    // `fetch`, which an executor thread would not see (it would call the provider unrecorded).
    executorThread: false,
  };
  const logger = createLogger({ level: logLevel, pretty: false, destination: process.stderr });
  const server = await startServer(settings, logger);
  return { url: server.url, close: () => server.close() };
}
