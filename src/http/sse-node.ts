/**
 * Direct SSE writing on Node (issue 24: 10,000 open streams under 30 KB each). Instead of a web
 * `ReadableStream` per stream that `@hono/node-server` pumps into the socket (a reader, a
 * controller, queues, pull/cancel algorithms and their promises per open stream), frames are
 * written straight to the `ServerResponse`, and one heartbeat timer per cadence serves every open
 * stream instead of one `setInterval` each.
 *
 * How it hooks in: {@link withDirectSse} wraps the app's `fetch` where the server is bound
 * (`src/http/listen.ts`). It marks the request's `outgoing` as directly writable; `sseResponse`
 * then registers a {@link DirectStart} and returns an empty response carrying
 * `x-hono-already-sent` (which `@hono/node-server` skips). Once the whole middleware chain has
 * answered, the wrapper calls `start(status, headers)` with the final status and headers (CORS,
 * request id and the like included), or `cancel()` when the chain replaced the response.
 * Servers not built through the wrapper (in-process `app.request`, plain `serve()`) keep the
 * `ReadableStream` path.
 */
import { Buffer } from "node:buffer";

/** The header `@hono/node-server` reads as "the handler wrote the response itself". */
export const ALREADY_SENT = "x-hono-already-sent";

/** The part of Node's `ServerResponse` used here (structural: no node:http import). */
export interface NodeOutgoing {
  readonly destroyed: boolean;
  writeHead(status: number, headers: Record<string, string | string[]>): unknown;
  flushHeaders(): void;
  write(chunk: string): boolean;
  end(): unknown;
  once(event: "close" | "drain", fn: () => void): unknown;
  off(event: "close" | "drain", fn: () => void): unknown;
}

/** What `sseResponse` registers for a response written directly. */
export interface DirectStart {
  /** The chain answered with the SSE response: write the head, then frames. */
  start(status: number, headers: Record<string, string | string[]>): void;
  /** The chain answered with something else (an error replaced it): release the source. */
  cancel(): void;
}

const DIRECT = Symbol("olg.sseDirect");
const pending = new WeakMap<object, DirectStart>();

/** The response to write to directly, when the server was built with {@link withDirectSse}. */
export function directOutgoing(env: unknown): NodeOutgoing | undefined {
  const outgoing = (env as { outgoing?: NodeOutgoing & { [DIRECT]?: true } } | undefined)?.outgoing;
  return outgoing?.[DIRECT] ? outgoing : undefined;
}

/** Defers writing `outgoing` until the middleware chain has produced the final response. */
export function deferDirect(outgoing: NodeOutgoing, start: DirectStart): void {
  pending.set(outgoing, start);
}

type Fetch<E> = (req: Request, env: E) => Response | Promise<Response>;

/** Wraps the app's `fetch` so SSE responses may write the Node response directly. */
export function withDirectSse<E>(fetch: Fetch<E>): Fetch<E> {
  return (req, env) => {
    const outgoing = (env as { outgoing?: NodeOutgoing & { [DIRECT]?: true } } | undefined)
      ?.outgoing;
    if (!outgoing) return fetch(req, env);
    outgoing[DIRECT] = true;
    const settle = (res: Response) => {
      const start = pending.get(outgoing);
      if (!start) return res;
      pending.delete(outgoing);
      if (!res.headers.get(ALREADY_SENT)) {
        start.cancel();
        return res;
      }
      const headers: Record<string, string | string[]> = {};
      res.headers.forEach((value, key) => {
        if (key !== ALREADY_SENT && key !== "set-cookie") headers[key] = value;
      });
      const cookies = res.headers.getSetCookie();
      if (cookies.length) headers["set-cookie"] = cookies;
      start.start(res.status, headers);
      return res;
    };
    const cancel = () => {
      pending.get(outgoing)?.cancel();
      pending.delete(outgoing);
    };
    try {
      const out = fetch(req, env);
      if (!(out instanceof Promise)) return settle(out);
      return out.then(settle, (error: unknown) => {
        cancel();
        throw error;
      });
    } catch (error) {
      cancel();
      throw error;
    }
  };
}

/** UTF-8 length of `text` in bytes. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text);
}

/** Resolves on the next `drain` or `close` of `outgoing` (backpressure). */
export function drained(outgoing: NodeOutgoing): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off("drain", done);
      outgoing.off("close", done);
      resolve();
    };
    outgoing.once("drain", done);
    outgoing.once("close", done);
  });
}

interface Beat {
  timer: ReturnType<typeof setInterval>;
  members: Set<NodeOutgoing>;
}

const beats = new Map<number, Beat>();

/**
 * Shared heartbeats: one interval per cadence writes `line` to every member. A stream's first
 * heartbeat comes within one cadence of joining (the phase is shared), then every cadence.
 */
export const heartbeats = {
  add(everyMs: number, outgoing: NodeOutgoing, line: string): void {
    let beat = beats.get(everyMs);
    if (!beat) {
      const members = new Set<NodeOutgoing>();
      const timer = setInterval(() => {
        for (const member of members) if (!member.destroyed) member.write(line);
      }, everyMs);
      timer.unref?.();
      beat = { timer, members };
      beats.set(everyMs, beat);
    }
    beat.members.add(outgoing);
  },
  delete(everyMs: number, outgoing: NodeOutgoing): void {
    const beat = beats.get(everyMs);
    if (!beat?.members.delete(outgoing) || beat.members.size > 0) return;
    clearInterval(beat.timer);
    beats.delete(everyMs);
  },
  /** Open streams with a heartbeat (for tests). */
  size(): number {
    let n = 0;
    for (const beat of beats.values()) n += beat.members.size;
    return n;
  },
};
