/**
 * `/info` advertises exactly what the deployment serves: with `http.disable_runs` the run-level
 * features (crons, webhooks, stream namespaces, strict resume, MCP, A2A) are false and their routes
 * are gone; with `http.disable_assistants` `assistants` is false and `/assistants` is gone. An
 * in-process server on in-memory PGlite per configuration (the flags depend on no backend).
 */
import { afterAll, describe, expect, it } from "vitest";
import { loadSettings } from "../../src/config/load.ts";
import { createLogger } from "../../src/logging/logger.ts";
import { type RunningServer, startServer } from "../../src/main.ts";
import { ROOT } from "../support/server.ts";

const started: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.close()));
});

async function serve(http: Record<string, boolean>) {
  const settings = loadSettings(
    "serve",
    {
      config: `${ROOT}/test/fixtures/encryption/open_langgraph.json`,
      port: 0,
      host: "127.0.0.1",
      inMemory: true,
      logLevel: "warn",
    },
    { PATH: process.env.PATH },
    ROOT,
  );
  settings.warmSchemas = false;
  settings.file.http = { ...settings.file.http, ...http } as typeof settings.file.http;
  const server = await startServer(settings, createLogger({ level: "warn", pretty: false }));
  started.push(server);
  const info = (await (await fetch(`${server.url}/info`)).json()) as {
    flags: Record<string, boolean>;
  };
  return { url: server.url, flags: info.flags };
}

describe("/info flags follow http.disable_*", () => {
  it("everything on by default; run features off with disable_runs", async () => {
    const all = await serve({});
    for (const flag of ["assistants", "crons", "stream_namespaces", "strict_resume", "mcp", "a2a"])
      expect(all.flags[flag], flag).toBe(true);

    const noRuns = await serve({ disable_runs: true });
    expect(noRuns.flags.assistants).toBe(true);
    for (const flag of ["crons", "webhooks", "stream_namespaces", "strict_resume", "mcp", "a2a"])
      expect(noRuns.flags[flag], flag).toBe(false);
    const cron = await fetch(`${noRuns.url}/runs/crons/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(cron.status).toBe(404);
    expect((await fetch(`${noRuns.url}/mcp`, { method: "POST" })).status).toBe(404);
  }, 120_000);

  it("assistants off with disable_assistants", async () => {
    const noAssistants = await serve({ disable_assistants: true });
    expect(noAssistants.flags.assistants).toBe(false);
    expect(noAssistants.flags.crons).toBe(true);
    const search = await fetch(`${noAssistants.url}/assistants/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(search.status).toBe(404);
  }, 60_000);
});
