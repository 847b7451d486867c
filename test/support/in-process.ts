/**
 * An in-process server for the `http` test project: `buildServer()` on PGlite in memory, no port,
 * no run workers; requests go through `app.request()` (Hono's in-process fetch) with the whole
 * middleware stack (request id, CORS, body limit, auth, validation). Close it in `afterAll`.
 */
import { loadSettings, type Settings } from "../../src/config/load.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type BuiltServer, buildServer } from "../../src/main.ts";
import { ROOT, TEST_CONFIG } from "./server.ts";

/** Builds a server on `config` (default: the test fixtures); `adjust` edits the settings first. */
export async function buildTestServer(
  config = TEST_CONFIG,
  adjust: (settings: Settings) => void = () => {},
): Promise<BuiltServer> {
  const settings = loadSettings(
    "serve",
    { config, port: 0, host: "127.0.0.1", inMemory: true, logLevel: "warn", testMode: true },
    { PATH: process.env.PATH },
    ROOT,
  );
  settings.warmSchemas = false;
  adjust(settings);
  return buildServer(settings, { logger: createLogger({ level: "warn", pretty: false }) });
}

/** A JSON request through `app.request`. */
export async function request(
  server: BuiltServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return server.app.request(path, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
