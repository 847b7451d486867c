/**
 * Thread-centric protocol routes (what `@langchain/react` v1 and the SDK's `client.threads.stream()`
 * use): `POST /threads/:thread_id/commands` (one command, JSON response), `POST
 * /threads/:thread_id/stream/events` (a filtered SSE stream of the thread's protocol events) and
 * `GET /threads/:thread_id/stream/events` upgraded to a WebSocket carrying both.
 */
import type { Context } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { z } from "zod";
import { ProtocolConnection } from "../../protocol/connection.ts";
import { matchesFilter } from "../../protocol/filter.ts";
import { AsyncQueue } from "../../protocol/queue.ts";
import type { ProtocolService } from "../../protocol/service.ts";
import { protocolError } from "../../protocol/service.ts";
import type { Listener } from "../../protocol/session.ts";
import type { EventFilter, ProtocolEvent } from "../../protocol/types.ts";
import type { Api } from "../api.ts";
import { type RouteAuth, type ThreadVisible, threadReadGuard } from "../authz.ts";
import { jsonExtra } from "../mappers/threads.ts";
import { type SseEvent, sseResponse } from "../sse.ts";
import { RUN_COMMANDS } from "../tenancy-run-quotas.ts";
import { runCreateContext } from "./runs-respond.ts";

/** What the protocol routes need. */
export interface ProtocolRoutesOptions {
  protocol: ProtocolService;
  /** WebSocket upgrade helper (absent: the WebSocket form answers 426). */
  upgradeWebSocket?: UpgradeWebSocket;
  onError?: (error: unknown) => void;
  /** Authorization: every route needs `threads:read` on the thread (404 outside the scope). */
  auth: RouteAuth;
  threadVisible?: ThreadVisible;
}

const commandBody = z.object({
  id: z.number().int().nonnegative(),
  method: z.string(),
  params: z.record(z.string(), z.unknown()).optional(),
});

const eventsBody = z
  .object({
    channels: z.array(z.string()),
    namespaces: z.array(z.array(z.string())).optional(),
    depth: z.number().int().nonnegative().optional(),
    since: z.number().int().nonnegative().optional(),
  })
  .strict();

/** An SSE connection's sink: queues matching events for the response stream. */
function sseSink(filter: EventFilter): Listener & { queue: AsyncQueue<ProtocolEvent> } {
  const queue = new AsyncQueue<ProtocolEvent>();
  return {
    queue,
    accepts: (event) => matchesFilter(filter, event),
    deliver: (message) => {
      if (message.type === "event") queue.push(message);
    },
  };
}

async function* sseFrames(events: AsyncIterable<ProtocolEvent>): AsyncGenerator<SseEvent> {
  for await (const e of events) yield { id: e.event_id, event: e.method, data: e };
}

/** Registers the protocol routes. */
export function registerProtocolRoutes(api: Api, o: ProtocolRoutesOptions): void {
  const { protocol } = o;
  const authz = o.auth;
  const guard = threadReadGuard(authz, o.threadVisible);
  api.route(
    {
      method: "post",
      path: "/threads/:thread_id/commands",
      summary: "Send a protocol command to a thread",
      tags: ["Threads"],
      body: commandBody,
    },
    async (c, { body, params }) => {
      await guard(c, params.thread_id);
      // Runs started by commands are authorized like any run (threads:create_run, assistants:read)
      // and execute as the caller (langgraph_auth_* in their config).
      const ctx = runCreateContext(c, authz);
      const response = await protocol.command(params.thread_id, body, ctx);
      return jsonExtra(c, response);
    },
  );

  api.route(
    {
      method: "post",
      path: "/threads/:thread_id/stream/events",
      summary: "Stream a thread's protocol events (SSE)",
      tags: ["Threads"],
      body: eventsBody,
      responseType: "text/event-stream",
    },
    async (c, { body, params }) => {
      await guard(c, params.thread_id);
      const session = protocol.session(params.thread_id);
      const filter: EventFilter = { ...body, channels: new Set(body.channels) };
      const sink = sseSink(filter);
      // Replay what the session buffered (after `since`), then live; `since` also filters live.
      session.attach(sink, 0);
      return sseResponse(c, sseFrames(sink.queue), {
        includeIds: true,
        onClose: () => {
          session.detach(sink);
          sink.queue.close();
        },
      });
    },
  );

  api.route(
    {
      method: "get",
      path: "/threads/:thread_id/stream/events",
      summary: "Thread protocol over a WebSocket",
      tags: ["Threads"],
    },
    async (c, { params }) => {
      if (!o.upgradeWebSocket) return c.text("WebSocket transport is not enabled", 426);
      await guard(c, params.thread_id);
      const handler = o.upgradeWebSocket(() => webSocketEvents(o, params.thread_id, c));
      const res = await handler(c, async () => {});
      return res ?? c.text("Expected a WebSocket upgrade request", 426);
    },
  );
}

function webSocketEvents(o: ProtocolRoutesOptions, threadId: string, c: Context) {
  let connection: ProtocolConnection | undefined;
  const ctx = runCreateContext(c, o.auth);
  // Tenancy: frames arrive outside the upgrade request, so they re-enter its org, and commands
  // that start runs are checked (role, run quotas) and audited like the HTTP routes.
  const work = c.get("tenantWork");
  const inOrg = <T>(fn: () => T): T => (work ? work.run(fn) : fn());
  const receive = async (text: string) => {
    const starts = work !== undefined && startsRun(text);
    // A run-starting frame needs what `POST /threads/:id/commands` needs (`runs:write`).
    if (starts && !work.mayStartRuns)
      return connection?.deliver(
        protocolError(commandId(text), "permission_denied", "Forbidden: role lacks runs:write"),
      );
    const ticket = starts ? await work.admitRun() : undefined;
    if (ticket && "refused" in ticket) {
      const id = commandId(text);
      return connection?.deliver(protocolError(id, "resource_exhausted", ticket.refused));
    }
    try {
      // The run it starts leaves its audit record, as a mutating HTTP request does.
      const response = starts
        ? await work.audited(async () => connection?.receive(text))
        : await connection?.receive(text);
      await ticket?.done(response?.type === "success");
    } catch (err) {
      await ticket?.done(false);
      throw err;
    }
  };
  return {
    onOpen(_event: Event, ws: WSContext) {
      connection = inOrg(
        () => new ProtocolConnection(o.protocol, threadId, (text) => ws.send(text), ctx, o.onError),
      );
    },
    onMessage(event: MessageEvent, _ws: WSContext) {
      const data = event.data;
      const text =
        typeof data === "string"
          ? data
          : data instanceof ArrayBuffer
            ? new TextDecoder().decode(new Uint8Array(data))
            : String(data);
      void inOrg(() => receive(text)).catch((err) => o.onError?.(err));
    },
    onClose() {
      connection?.close();
    },
    onError() {
      connection?.close();
    },
  };
}

function parsed(text: string): { id?: unknown; method?: unknown } | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === "object" && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a frame is a command that starts a run (`run.start`, `input.respond`). */
function startsRun(text: string): boolean {
  const m = parsed(text)?.method;
  return typeof m === "string" && RUN_COMMANDS.has(m);
}

function commandId(text: string): number | null {
  const id = parsed(text)?.id;
  return typeof id === "number" ? id : null;
}
