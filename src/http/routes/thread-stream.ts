/**
 * `GET /threads/:thread_id/stream`: join the thread's stream (every run, sequentially; stays open).
 * Query `stream_mode` (what the SDKs send; repeated or comma-separated) or `stream_modes` (the
 * platform's documented name): `run_modes` (default), `lifecycle`, `state_update`. `Last-Event-ID`
 * resumes; `-` replays from the beginning. The `Location` header lets the SDK reconnect.
 */
import type { Context } from "hono";
import {
  joinThread,
  THREAD_STREAM_MODES,
  type ThreadJoinRuns,
  type ThreadStreamMode,
} from "../../protocol/thread-join.ts";
import type { Api } from "../api.ts";
import { type RouteAuth, type ThreadVisible, threadReadGuard } from "../authz.ts";
import { sseResponse } from "../sse.ts";

/** What the route needs. */
export interface ThreadStreamRoutesOptions {
  runs: ThreadJoinRuns;
  /** Authorization: `threads:read` on the thread (404 outside the caller's scope). */
  auth: RouteAuth;
  threadVisible?: ThreadVisible;
}

/** The requested modes, or an error text. */
function modesOf(c: Context): ThreadStreamMode[] | string {
  const raw = [...(c.req.queries("stream_mode") ?? []), ...(c.req.queries("stream_modes") ?? [])]
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  const bad = raw.find((m) => !(THREAD_STREAM_MODES as readonly string[]).includes(m));
  if (bad) return `Invalid stream mode: ${bad}. Expected one of: ${THREAD_STREAM_MODES.join(", ")}`;
  return raw.length ? [...new Set(raw as ThreadStreamMode[])] : ["run_modes"];
}

/** Registers the thread join stream route. */
export function registerThreadStreamRoutes(api: Api, o: ThreadStreamRoutesOptions): void {
  api.route(
    {
      method: "get",
      path: "/threads/:thread_id/stream",
      summary: "Join a thread's stream (all runs, sequentially)",
      tags: ["Threads"],
      responseType: "text/event-stream",
    },
    async (c, { params }) => {
      const threadId = params.thread_id;
      const modes = modesOf(c);
      if (typeof modes === "string") return c.text(modes, 422);
      await threadReadGuard(o.auth, o.threadVisible)(c, threadId);
      // Fails with the thread's 404 before the stream starts.
      await o.runs.list(threadId);
      const lastEventId = c.req.header("Last-Event-ID") || undefined;
      const url = new URL(c.req.url);
      return sseResponse(
        c,
        (signal) => joinThread(o.runs, threadId, { modes, lastEventId, signal }),
        { includeIds: true, location: `${url.pathname}${url.search}` },
      );
    },
  );
}
