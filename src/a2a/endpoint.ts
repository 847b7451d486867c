/**
 * `POST /a2a/:assistant_id`: A2A over JSON-RPC 2.0, with the v1.0 method names and the v0.3 ones
 * (the name picks the answer's wire family, see `wire.ts`). `message/stream` answers with SSE,
 * each `data:` a JSON-RPC response: the task, status updates while the graph works, the answer
 * artifact, and a final status. Unsupported methods (push notifications, resubscribe) answer
 * -32601, as on LangGraph Platform.
 */

import type { Client } from "@langchain/langgraph-sdk";
import { checkInputLimits, InputLimitError } from "../core/limits.ts";
import { historyOf } from "./convert.ts";
import { A2A_ERRORS, A2AError, type TaskEngine } from "./tasks.ts";
import {
  artifactEventOut,
  type Family,
  InvalidParams,
  messageIn,
  messageOut,
  statusEventOut,
  taskOut,
} from "./wire.ts";

type Method = "send" | "stream" | "get" | "cancel" | "card";
const METHODS: Record<string, [Method, Family]> = {
  SendMessage: ["send", "v1"],
  SendStreamingMessage: ["stream", "v1"],
  GetTask: ["get", "v1"],
  CancelTask: ["cancel", "v1"],
  GetExtendedAgentCard: ["card", "v1"],
  "message/send": ["send", "v03"],
  "message/stream": ["stream", "v03"],
  "tasks/get": ["get", "v03"],
  "tasks/cancel": ["cancel", "v03"],
  "agent/getAuthenticatedExtendedCard": ["card", "v03"],
};
/** Longest history a client may ask for (as on LangGraph Platform). */
export const MAX_HISTORY_LENGTH = 10;

type Id = string | number | null;
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const rpcError = (id: Id, code: number, message: string) => ({
  jsonrpc: "2.0",
  id,
  error: { code, message },
});
const accepts = (accept: string, type: string) =>
  accept.split(",").some((r) => {
    const v = r.split(";")[0]!.trim().toLowerCase();
    return v === "*/*" || v === type || (v.endsWith("/*") && type.startsWith(v.slice(0, -1)));
  });

/** What one request is served with. */
export interface A2ARequestContext {
  engine: TaskEngine;
  client: Client;
  card(): Promise<Record<string, unknown>>;
}

function historyLength(params: Record<string, unknown>): number | undefined {
  const raw =
    params.historyLength ??
    (params.configuration as Record<string, unknown> | undefined)?.historyLength;
  if (raw == null) return undefined;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0)
    throw new InvalidParams("historyLength must be a non-negative integer");
  if (raw > MAX_HISTORY_LENGTH)
    throw new InvalidParams(`historyLength cannot exceed ${MAX_HISTORY_LENGTH}`);
  return raw;
}

/** Serves one JSON-RPC request. */
export async function serveA2A(request: Request, ctx: A2ARequestContext): Promise<Response> {
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    return json({ error: "Invalid JSON payload" }, 400);
  }
  try {
    checkInputLimits(body);
  } catch (error) {
    if (error instanceof InputLimitError) return json({ error: error.message }, 400);
    throw error;
  }
  if (!body || typeof body !== "object" || Array.isArray(body))
    return json({ error: "Invalid message format" }, 400);
  const msg = body as { jsonrpc?: unknown; id?: Id; method?: unknown; params?: unknown };
  if (msg.jsonrpc !== "2.0")
    return json({ error: "Invalid JSON-RPC message. Missing or invalid jsonrpc version" }, 400);
  if (typeof msg.method !== "string")
    return msg.id != null
      ? new Response(null, { status: 202 })
      : json({ error: "Invalid message format" }, 400);
  if (msg.id == null) return new Response(null, { status: 202 }); // a notification
  const id = msg.id;
  const route = METHODS[msg.method];
  const accept = request.headers.get("accept") ?? "";
  if (
    route?.[0] === "stream"
      ? !accepts(accept, "text/event-stream")
      : !accepts(accept, "application/json")
  )
    return json(
      {
        error: `Accept header must include ${route?.[0] === "stream" ? "text/event-stream" : "application/json"}`,
      },
      400,
    );
  if (!route) return json(rpcError(id, -32601, `Method not found: ${msg.method}`));
  const [method, family] = route;
  const params = (msg.params && typeof msg.params === "object" ? msg.params : {}) as Record<
    string,
    unknown
  >;
  try {
    if (method === "stream") return await stream(id, params, family, ctx);
    return json({ jsonrpc: "2.0", id, result: await call(method, params, family, ctx) });
  } catch (err) {
    if (err instanceof A2AError) return json(rpcError(id, err.code, err.message));
    if (err instanceof InvalidParams)
      return json(rpcError(id, A2A_ERRORS.invalidParams, err.message));
    throw err;
  }
}

async function call(
  method: Method,
  params: Record<string, unknown>,
  f: Family,
  ctx: A2ARequestContext,
) {
  if (method === "card") return ctx.card();
  const taskId = () => {
    if (typeof params.id !== "string" || !params.id)
      throw new InvalidParams("Missing required parameter: id");
    return params.id;
  };
  if (method === "get") return taskOut(await ctx.engine.get(taskId(), historyLength(params)), f);
  if (method === "cancel") return taskOut(await ctx.engine.cancel(taskId()), f);
  const message = messageIn(params.message);
  const length = historyLength(params);
  const conf = (params.configuration ?? {}) as { returnImmediately?: boolean; blocking?: boolean };
  const run = await ctx.engine.start(message);
  const task =
    conf.returnImmediately === true || conf.blocking === false
      ? await ctx.engine.task(run, { historyLength: length })
      : await ctx.engine.finish(run, length);
  return f === "v1" ? { task: taskOut(task, f) } : taskOut(task, f);
}

async function stream(
  id: Id,
  params: Record<string, unknown>,
  f: Family,
  ctx: A2ARequestContext,
): Promise<Response> {
  const message = messageIn(params.message);
  if ((params.configuration as { historyScope?: string } | undefined)?.historyScope === "task")
    throw new InvalidParams("historyScope 'task' is not supported when streaming");
  const run = await ctx.engine.start(message);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (result: unknown) =>
        controller.enqueue(
          encoder.encode(`data: ${JSON.stringify({ jsonrpc: "2.0", id, result })}\n\n`),
        );
      try {
        const first = await ctx.engine.task(run);
        send(f === "v1" ? { task: taskOut(first, f) } : taskOut(first, f));
        let seen = first.history.length;
        let working = false;
        for await (const part of ctx.client.runs.joinStream(run.thread_id, run.run_id)) {
          if (part.event !== "values") continue;
          const history = historyOf(part.data, first.id, first.contextId);
          const fresh = history.slice(seen).filter((m) => m.role === "agent");
          seen = Math.max(seen, history.length);
          if (!working || fresh.length > 0) {
            working = true;
            const update = {
              ...first,
              state: "working" as const,
              timestamp: new Date().toISOString(),
              statusMessage: fresh.at(-1),
            };
            send(statusEventOut(update, f, false));
          }
        }
        const last = await ctx.engine.finish(run);
        for (const artifact of last.artifacts) send(artifactEventOut(last, artifact, f));
        send(statusEventOut(last, f, true));
      } catch (err) {
        const e =
          err instanceof A2AError
            ? err
            : new A2AError(A2A_ERRORS.internal, `Internal server error: ${(err as Error).message}`);
        controller.enqueue(
          encoder.encode(`data: ${JSON.stringify(rpcError(id, e.code, e.message))}\n\n`),
        );
      } finally {
        controller.close();
      }
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    },
  });
}

export { messageOut };
