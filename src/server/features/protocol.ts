/**
 * The agent protocol over a thread (`/threads/:thread_id/commands`, `/events`, WebSocket) and the
 * thread stream. The WebSocket upgrade goes through the whole app (CORS, auth, logging) like any
 * request; the sockets attach to the HTTP server once it listens (never on a worker).
 */
import type { Server } from "node:http";
import { createNodeWebSocket } from "@hono/node-ws";
import type { Hono } from "hono";
import type { ThreadVisible } from "../../http/authz.ts";
import { registerProtocolRoutes } from "../../http/routes/protocol.ts";
import { registerThreadStreamRoutes } from "../../http/routes/thread-stream.ts";
import { protocolRuns } from "../../protocol/runs-port.ts";
import { ProtocolService } from "../../protocol/service.ts";
import type { RunsService } from "../../runs/service.ts";
import type { ThreadStateService } from "../../threads/state-service.ts";
import type { FeatureModule } from "../feature.ts";
import type { Infrastructure } from "../infra.ts";

/** `protocol`: service, WebSocket, routes. */
export const protocolModule: FeatureModule<
  Infrastructure & {
    app: Hono;
    runs: RunsService;
    state: ThreadStateService;
    threadVisible: ThreadVisible;
  }
> = {
  name: "protocol",
  create({ settings, log, auth, app, runs, state, threadVisible }) {
    const port = protocolRuns(runs);
    const protocol = new ProtocolService({
      runs: port,
      state,
      onError: (err) => log.warn({ err }, "protocol stream failed"),
    });
    const ws = createNodeWebSocket({ app });
    const http = settings.file.http;
    const served = !http?.disable_threads && !http?.disable_runs;
    return {
      routes: served
        ? [
            (api) =>
              registerProtocolRoutes(api, {
                protocol,
                upgradeWebSocket: ws.upgradeWebSocket,
                onError: (err) => log.warn({ err }, "protocol websocket failed"),
                auth: auth.auth,
                threadVisible,
              }),
            (api) =>
              registerThreadStreamRoutes(api, { runs: port, auth: auth.auth, threadVisible }),
          ]
        : [],
      listening(server: Server) {
        if (settings.role !== "worker") ws.injectWebSocket(server);
      },
      async stop() {
        protocol.close();
        for (const client of ws.wss.clients) client.terminate();
      },
    };
  },
};
