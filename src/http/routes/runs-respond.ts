/**
 * Response shapes shared by thread and stateless run routes: background (run JSON), SSE stream,
 * and wait (`text/plain` with a `\n` keep-alive every second, then the final JSON).
 */
import type { Context } from "hono";
import { newId } from "../../core/ids.ts";
import { serializeAsDict } from "../../core/serde.ts";
import type { AuthorizedRun, CreateContext, RunRequest, RunsService } from "../../runs/service.ts";
import type { Run } from "../../runs/types.ts";
import type { RouteAuth } from "../authz.ts";
import { runLocation, runToWire } from "../mappers/runs.ts";
import { jsonExtra } from "../mappers/threads.ts";
import { type SseEvent, sseResponse } from "../sse.ts";
import { type RunCreateBody, toRunRequest } from "./runs-schemas.ts";

/** How a creating route answers. */
export type RunResponseMode = "background" | "stream" | "wait";

/** Caller context from the request (headers copied into `configurable`). */
export function createContext(c: Context): CreateContext {
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return { headers };
}

/**
 * Runs the `threads:create_run` event for a run about to be created: the handler may deny it, scope
 * the thread it lands on (an out-of-scope thread is 404) and change its metadata (e.g. stamp an
 * owner, which a thread created by the run inherits).
 */
export async function authorizeRun(
  c: Context,
  authz: RouteAuth,
  threadId: string | null,
  request: RunRequest,
): Promise<AuthorizedRun> {
  const runId = newId();
  const { scope, value } = await authz(c, "threads", "create_run", {
    thread_id: threadId ?? undefined,
    assistant_id: request.assistantId,
    run_id: runId,
    status: "pending",
    metadata: { ...(request.metadata ?? {}) } as Record<string, unknown>,
    prevent_insert_if_inflight: (request.multitaskStrategy ?? "reject") === "reject",
    multitask_strategy: request.multitaskStrategy ?? "reject",
    if_not_exists: request.ifNotExists ?? "reject",
    after_seconds: request.afterSeconds ?? 0,
    kwargs: {
      input: request.input,
      command: request.command,
      config: request.config,
      context: request.context,
      stream_mode: request.streamMode,
      interrupt_before: request.interruptBefore,
      interrupt_after: request.interruptAfter,
      webhook: request.webhook,
    },
  });
  return { runId, scope, metadata: value.metadata };
}

/**
 * The context of every run a request creates (routes, batch, protocol commands): headers, the
 * caller (stamped into `configurable`), `threads:create_run` per run and `assistants:read` on the
 * run's assistant, both run by the service before anything is written.
 */
export function runCreateContext(c: Context, authz: RouteAuth): CreateContext {
  return {
    ...createContext(c),
    auth: c.get("auth"),
    authorize: (threadId, request) => authorizeRun(c, authz, threadId, request),
    assistantScope: async (assistantId) =>
      (await authz(c, "assistants", "read", { assistant_id: assistantId })).scope,
  };
}

/** The join-stream URL of a run (where the SDK reconnects with Last-Event-ID). */
export function joinStreamPath(run: Run, stateless: boolean): string {
  return `${runLocation(run, stateless)}/stream`;
}

/** Which events of a run a reader wants. */
export interface EventFilter {
  /** Stream modes (`messages-tuple` = `messages`); all when absent. */
  modes?: string[];
  /**
   * Namespaces (`""` = the root graph), each exactly, without the subgraphs it starts: the part
   * of an event name after the mode (`updates|child:<task>` is `child:<task>`). A segment given
   * without its task id (`child`) matches any task of that node.
   */
  namespaces?: string[];
}

/** Whether the namespace of an event (its `|` segments) is one of `wanted`. */
function namespaceMatches(segments: string[], wanted: string[][]): boolean {
  return wanted.some(
    (w) =>
      w.length === segments.length &&
      w.every(
        (part, i) =>
          part === segments[i] || (!part.includes(":") && segments[i]!.split(":")[0] === part),
      ),
  );
}

/**
 * Maps log events to SSE events, keeping only what `filter` selects (`metadata` and `error`
 * always pass). The stream ends with the run's last event and no `event: end`, as the official
 * server's does: SDK >= 1.15 then asks the run's status once (`GET` the run) before it would
 * reconnect, and the run is terminal by then (docs/conformance.md, "How streams end").
 */
export function sseEvents(
  events: AsyncIterable<{ id: string; event: string; data: unknown }>,
  filter: EventFilter = {},
): AsyncIterable<SseEvent> {
  // Nothing to filter: the log's events as they are (one generator less per open stream).
  if (!filter.modes?.length && filter.namespaces === undefined) return events;
  return filtered(events, filter);
}

async function* filtered(
  events: AsyncIterable<{ id: string; event: string; data: unknown }>,
  filter: EventFilter,
): AsyncGenerator<SseEvent> {
  const { modes } = filter;
  const allowed = modes?.length
    ? new Set(modes.map((m) => (m === "messages-tuple" ? "messages" : m)))
    : null;
  const namespaces = filter.namespaces?.map((ns) => (ns === "" ? [] : ns.split("|")));
  for await (const e of events) {
    if (e.event !== "metadata" && e.event !== "error") {
      const [base, ...segments] = e.event.split("|");
      const name = base!.startsWith("messages/") ? "messages" : base!;
      if (allowed && !allowed.has(name)) continue;
      if (namespaces && !namespaceMatches(segments, namespaces)) continue;
    }
    yield { id: e.id, event: e.event, data: e.data };
  }
}

/** Creates a run and answers in `mode`. */
export async function createAndRespond(
  c: Context,
  runs: RunsService,
  threadId: string | null,
  body: RunCreateBody,
  mode: RunResponseMode,
  authz: RouteAuth,
  filter: EventFilter = {},
): Promise<Response> {
  const request = toRunRequest(body);
  const run = await runs.create(threadId, request, runCreateContext(c, authz));
  const stateless = threadId == null;
  const contentLocation = runLocation(run, stateless);
  const cancelOnDisconnect = request.onDisconnect === "cancel";
  const cancel = () => void runs.cancel(run.threadId, [run.runId], "interrupt").catch(() => {});

  if (mode === "background") {
    c.header("Content-Location", contentLocation);
    return jsonExtra(c, runToWire(run));
  }
  if (mode === "stream") {
    return sseResponse(
      c,
      (signal) => sseEvents(runs.events(run.runId, { lastEventId: "-1", signal }), filter),
      {
        includeIds: !stateless,
        contentLocation,
        location: joinStreamPath(run, stateless),
        onClose: (reason) => {
          if (reason === "disconnect" && cancelOnDisconnect) cancel();
        },
      },
    );
  }
  const signal = c.req.raw.signal;
  if (cancelOnDisconnect) signal?.addEventListener("abort", cancel, { once: true });
  return waitResponse(c, runs.wait(run, signal), contentLocation);
}

/** `text/plain` body: a newline every second until `result` settles, then its JSON. */
export function waitResponse(
  c: Context,
  result: Promise<unknown>,
  contentLocation?: string,
): Response {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setInterval> | undefined;
  let open = true;
  // The client may go away at any moment: after that every write is dropped (a write on a
  // closed stream throws, and an unhandled throw here would take the whole process down).
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, text?: string) => {
    clearInterval(timer);
    if (!open) return;
    open = false;
    try {
      if (text !== undefined) controller.enqueue(encoder.encode(text));
      controller.close();
    } catch {
      // closed by the client meanwhile
    }
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => {
        if (!open) return clearInterval(timer);
        try {
          controller.enqueue(encoder.encode("\n"));
        } catch {
          open = false;
          clearInterval(timer);
        }
      }, 1000);
      result.then(
        (value) => finish(controller, serializeAsDict(value ?? null)),
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          const name = error instanceof Error ? error.name : "Error";
          finish(controller, JSON.stringify({ __error__: { error: name, message } }));
        },
      );
    },
    cancel() {
      open = false;
      clearInterval(timer);
    },
  });
  const headers: Record<string, string> = { "Content-Type": "text/plain; charset=UTF-8" };
  if (contentLocation) headers["Content-Location"] = contentLocation;
  return c.newResponse(body, 200, headers);
}
