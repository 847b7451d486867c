/**
 * System routes: `/ok`, `/info` (flags read on every request from every feature), `/ready`,
 * `/metrics`, the admin log feed, test-mode truncation (mounted before the user's app), MCP and A2A
 * (both served through the official SDK client against this server).
 */

import { SqlTaskIndex } from "../../a2a/task-index.ts";
import type { Api } from "../../http/api.ts";
import { callerClient } from "../../http/caller-client.ts";
import { registerA2ARoutes } from "../../http/routes/a2a.ts";
import { registerAdminLogRoutes } from "../../http/routes/admin-logs.ts";
import { registerAdminMeRoute } from "../../http/routes/admin-me.ts";
import { registerHealthRoutes } from "../../http/routes/health.ts";
import { registerInternalRoutes } from "../../http/routes/internal.ts";
import { registerMcpRoutes } from "../../http/routes/mcp.ts";
import { registerMetaRoutes } from "../../http/routes/meta.ts";
import { registerMetricsRoute } from "../../http/routes/metrics.ts";
import { truncateTables } from "../../storage/truncate.ts";
import type { FeatureModule, InfoFlags } from "../feature.ts";
import { type Infrastructure, SERVER_VERSION } from "../infra.ts";

/** `system`: probes, `/info`, metrics, admin logs, test-mode routes. */
export const systemModule: FeatureModule<Infrastructure & { flags: () => InfoFlags }> = {
  name: "system",
  create(deps) {
    const { settings, storage, caching, auth, obs, redis, logFeed } = deps;
    const http = settings.file.http;
    const flags = { assistants: false, crons: false, langsmith: false };
    // `/info` reads the flags on each request: every feature's, merged once the server is built.
    const info = {
      get flags() {
        return { ...flags, ...deps.flags() };
      },
    };
    return {
      flags: { encryption: deps.encrypted },
      earlyRoutes: settings.testMode
        ? [
            (api) =>
              registerInternalRoutes(
                api,
                async (what) => {
                  await truncateTables(storage.db, what);
                  await caching.invalidateAll();
                },
                // Open on a test server without auth; with an auth module, admins only.
                (c) => !auth.enabled || (c.get("auth")?.permissions.includes("admin") ?? false),
              ),
          ]
        : [],
      routes: [
        ...(http?.disable_meta ? [] : [(api: Api) => registerMetaRoutes(api, info, deps.ready)]),
        (api) =>
          registerHealthRoutes(
            api,
            obs.readiness,
            redis ? () => ({ redis: redis.state() }) : undefined,
          ),
        ...(auth.exposure.metrics === "off"
          ? []
          : [
              (api: Api) =>
                registerMetricsRoute(api, obs.scrape, auth.exposure.metrics === "public"),
            ]),
        (api) => registerAdminLogRoutes(api, { feed: logFeed, authEnabled: auth.enabled }),
        (api) => registerAdminMeRoute(api, { authEnabled: auth.enabled }),
      ],
    };
  },
};

/** MCP and A2A: both need assistants, threads and runs served. */
export const agentProtocolsModule: FeatureModule<Infrastructure> = {
  name: "mcp-a2a",
  create({ settings, storage }) {
    const http = settings.file.http;
    const core = !http?.disable_assistants && !http?.disable_runs;
    const mcp = !http?.disable_mcp && core;
    const a2a = !http?.disable_a2a && core && !http?.disable_threads;
    // The MCP SDK is loaded on the first `/mcp` request, not at every start.
    let endpoint: Promise<(request: Request) => Promise<Response>> | undefined;
    const handle = mcp
      ? async (request: Request) => {
          endpoint ??= import("../../mcp/endpoint.ts").then(({ mcpEndpoint }) =>
            mcpEndpoint({ clientFor: callerClient, name: "LangGraph", version: SERVER_VERSION }),
          );
          return (await endpoint)(request);
        }
      : undefined;
    const index = a2a ? new SqlTaskIndex(storage.db) : undefined;
    return {
      flags: { mcp, a2a },
      routes: [
        ...(handle ? [(api: Api) => registerMcpRoutes(api, handle)] : []),
        ...(index
          ? [(api: Api) => registerA2ARoutes(api, { index, version: SERVER_VERSION })]
          : []),
      ],
    };
  },
};
