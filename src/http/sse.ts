/**
 * SSE framing for run streams. Frames are written as Hono's `writeSSE` does (`event`, `data`, `id`,
 * blank line) so the official SDK decoders see exactly what the official server sends.
 *
 * Heartbeats: a bare comment line `: heartbeat\n` every `heartbeatMs` (default 5 s, the cadence the
 * hosted platform uses). Deliberately WITHOUT a trailing blank line: the SDK's SSEDecoder keeps the last
 * `id` across events and dispatches a blank line as an empty event once an id was seen, so
 * `: heartbeat\n\n` would surface bogus `{event: "", data: null}` parts. SDK ≥1.9.31 arms its
 * "auto" idle watchdog only after two heartbeats, with a window of clamp(3 × cadence, 6 s, 30 s) =
 * 15 s at 5 s; any line (data or comment) re-arms it, so a steady timer never trips it unless the
 * process stalls for 15 s. The watchdog reconnects only when a `Location` header was sent (send it for
 * resumable runs, whose log can be replayed with Last-Event-ID); otherwise the SDK surfaces the error.
 * `heartbeatMs: 0` disables heartbeats.
 *
 * Backpressure: the body is a pull-based ReadableStream; the next event is read from the source only
 * when the socket asks for more, so a slow client never buffers the whole run in memory.
 *
 * Direct writing: on a server bound through `withDirectSse` (`src/http/sse-node.ts`, the product's
 * listener), frames go straight to Node's `ServerResponse` with shared heartbeat timers, no web
 * stream per response (issue 24: per-stream memory); backpressure is the socket's `drain`.
 *
 * Disconnects: on Node (`@hono/node-server`, `c.env.outgoing` set) the response socket's `close`
 * ends the stream; `c.req.raw.signal` is read only elsewhere (in-process `app.request`), because
 * on Node that getter builds a full `Request` with its own AbortController for every stream
 * (kilobytes per open stream, issue 24).
 */
import type { Context } from "hono";
import { serializeAsDict, serializeError } from "../core/serde.ts";
import {
  ALREADY_SENT,
  byteLength,
  deferDirect,
  directOutgoing,
  drained,
  heartbeats,
  type NodeOutgoing,
} from "./sse-node.ts";

/** One SSE event to write. */
export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

/** Why the response ended. */
export type SseCloseReason = "end" | "disconnect" | "error";

/** Options of {@link sseResponse}. */
export interface SseOptions {
  /** Write `id:` lines (thread streams and joins yes; stateless `/runs/stream` no, as upstream). */
  includeIds: boolean;
  /** Heartbeat comment cadence in ms; 0 disables. Default 5000. */
  heartbeatMs?: number;
  /** `Location` header: where to reconnect with Last-Event-ID (the run's join-stream path). */
  location?: string;
  /** `Content-Location` header: the run resource (`/threads/<tid>/runs/<rid>` or `/runs/<rid>`). */
  contentLocation?: string;
  /** Called once when the response ends, with the reason ("disconnect" = client went away first). */
  onClose?: (reason: SseCloseReason) => void;
}

/** Events as an iterable, or a factory receiving a signal aborted when the client disconnects. */
export type SseSource =
  | AsyncIterable<SseEvent>
  | ((signal: AbortSignal) => AsyncIterable<SseEvent>);

/** The part of Node's `ServerResponse` used to notice a disconnect (structural: no node:http import). */
interface NodeResponse {
  readonly destroyed: boolean;
  once(event: "close", fn: () => void): unknown;
  off(event: "close", fn: () => void): unknown;
}

const encoder = new TextEncoder();

/** One SSE frame in Hono writeSSE order: event, data, id. */
export function formatSseFrame(event: SseEvent, includeIds: boolean): string {
  const data = serializeAsDict(event.data ?? null) ?? "null";
  const lines = [`event: ${event.event}`];
  for (const line of data.split(/\r\n|\r|\n/)) lines.push(`data: ${line}`);
  if (includeIds && event.id !== undefined) lines.push(`id: ${event.id}`);
  return `${lines.join("\n")}\n\n`;
}

/** The heartbeat comment line (no blank line: see the module comment). */
export const HEARTBEAT_LINE = ": heartbeat\n";

function sseHeaders(opts: SseOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
  };
  if (opts.contentLocation) headers["Content-Location"] = opts.contentLocation;
  if (opts.location) headers.Location = opts.location;
  return headers;
}

/** Builds the streaming SSE response for `events`. */
export function sseResponse(c: Context, events: SseSource, opts: SseOptions): Response {
  const direct = directOutgoing(c.env);
  if (direct) return directResponse(c, direct, events, opts);
  const abort = new AbortController();
  const source = typeof events === "function" ? events(abort.signal) : events;
  const iterator = source[Symbol.asyncIterator]();
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  // Set by the observability middleware (`src/http/middleware/observability.ts`) when metrics are on.
  const observer = c.get("streamObserver");
  observer?.onConnectionOpened();

  const finish = (reason: SseCloseReason) => {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    requestSignal?.removeEventListener("abort", onRequestAbort);
    outgoing?.off("close", onRequestAbort);
    if (reason !== "end") {
      abort.abort(reason);
      void Promise.resolve(iterator.return?.()).catch(() => {});
    }
    observer?.onConnectionClosed();
    opts.onClose?.(reason);
  };
  const onRequestAbort = () => finish("disconnect");
  const outgoing = (c.env as { outgoing?: NodeResponse } | undefined)?.outgoing;
  const requestSignal = outgoing ? undefined : c.req.raw.signal;

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (heartbeatMs > 0) {
          heartbeat = setInterval(() => {
            if (closed) return;
            try {
              controller.enqueue(encoder.encode(HEARTBEAT_LINE));
            } catch {
              finish("disconnect");
            }
          }, heartbeatMs);
        }
        if (outgoing) {
          if (outgoing.destroyed) finish("disconnect");
          else outgoing.once("close", onRequestAbort);
        } else if (requestSignal?.aborted) finish("disconnect");
        else requestSignal?.addEventListener("abort", onRequestAbort, { once: true });
      },
      async pull(controller) {
        if (closed) return;
        try {
          const next = await iterator.next();
          if (closed) return;
          if (next.done) {
            finish("end");
            controller.close();
            return;
          }
          const frame = encoder.encode(formatSseFrame(next.value, opts.includeIds));
          controller.enqueue(frame);
          observer?.onEventSent(next.value.event, frame.byteLength);
        } catch (error) {
          if (closed) return;
          const frame = formatSseFrame({ event: "error", data: serializeError(error) }, false);
          controller.enqueue(encoder.encode(frame));
          finish("error");
          controller.close();
        }
      },
      cancel() {
        finish("disconnect");
      },
    },
    { highWaterMark: 1 },
  );

  return c.newResponse(body, 200, sseHeaders(opts));
}

/** The direct path: frames written to Node's response once the middleware chain answered. */
function directResponse(
  c: Context,
  outgoing: NodeOutgoing,
  events: SseSource,
  opts: SseOptions,
): Response {
  const abort = new AbortController();
  const iterator = (typeof events === "function" ? events(abort.signal) : events)[
    Symbol.asyncIterator
  ]();
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const observer = c.get("streamObserver");
  let closed = false;
  observer?.onConnectionOpened();
  const finish = (reason: SseCloseReason) => {
    if (closed) return;
    closed = true;
    if (heartbeatMs > 0) heartbeats.delete(heartbeatMs, outgoing);
    outgoing.off("close", onDisconnect);
    if (reason !== "end") {
      abort.abort(reason);
      void Promise.resolve(iterator.return?.()).catch(() => {});
    }
    observer?.onConnectionClosed();
    opts.onClose?.(reason);
  };
  const onDisconnect = () => finish("disconnect");
  const pump = async () => {
    try {
      for (;;) {
        const next = await iterator.next();
        if (closed) return;
        if (next.done) {
          finish("end");
          outgoing.end();
          return;
        }
        const frame = formatSseFrame(next.value, opts.includeIds);
        const more = outgoing.write(frame);
        observer?.onEventSent(next.value.event, byteLength(frame));
        if (!more) await drained(outgoing);
        if (closed) return;
      }
    } catch (error) {
      if (closed) return;
      outgoing.write(formatSseFrame({ event: "error", data: serializeError(error) }, false));
      finish("error");
      outgoing.end();
    }
  };
  deferDirect(outgoing, {
    start(status, headers) {
      if (outgoing.destroyed) return finish("disconnect");
      outgoing.once("close", onDisconnect);
      outgoing.writeHead(status, headers);
      outgoing.flushHeaders();
      if (heartbeatMs > 0) heartbeats.add(heartbeatMs, outgoing, HEARTBEAT_LINE);
      void pump();
    },
    cancel: () => finish("error"),
  });
  return c.newResponse(null, 200, { ...sseHeaders(opts), [ALREADY_SENT]: "1" });
}
