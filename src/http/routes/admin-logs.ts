/**
 * The admin log feed (`olg logs` and the admin UI read it):
 * - `GET /admin/api/logs`: recent lines as JSON, `{ entries, last_seq }`, oldest first;
 * - `GET /admin/api/logs/stream`: the same backlog, then live lines, as SSE (`event: log`, `id:` the
 *   `<feed id>:<seq>`; `Last-Event-ID` resumes after that line while it is still buffered, and from
 *   the start of the buffer when the id is another process's).
 * Filters (query): `level` (minimum: trace|debug|info|warn|error|fatal), `run_id`, `thread_id`,
 * `grep` (case-insensitive text), `limit` (backlog size, 0–5000), `after` (a `seq`).
 *
 * Who may read: without an auth module, whoever may call the API (the whole API is open then).
 * With an auth module (`auth.path`), the request is authenticated as any other, and the caller's
 * permissions must include `admin:logs` or `admin`; anyone else gets 403, including the Studio
 * user when `disable_studio_auth` is set (fail closed: logs span every tenant).
 */
import type { Context } from "hono";
import { z } from "zod";
import { forbidden } from "../../core/errors.ts";
import { LEVELS, type LevelName, type LogFeed, type LogFilter } from "../../logging/feed.ts";
import type { Api } from "../api.ts";
import { sseResponse } from "../sse.ts";

/** Permissions that grant reading the logs when an auth module is configured. */
export const LOG_PERMISSIONS = ["admin:logs", "admin"] as const;

/** What the routes need. */
export interface AdminLogRoutesOptions {
  feed: LogFeed;
  /** Whether an auth module is configured (then a permission is required). */
  authEnabled: boolean;
}

const levelNames = Object.keys(LEVELS) as [LevelName, ...LevelName[]];

const logQuery = z.object({
  level: z.enum(levelNames).optional(),
  run_id: z.string().min(1).optional(),
  thread_id: z.string().min(1).optional(),
  grep: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(0).max(5000).optional(),
  after: z.coerce.number().int().min(0).optional(),
});
type LogQuery = z.output<typeof logQuery>;

const entrySchema = z
  .object({ seq: z.number(), time: z.number(), level: z.number(), msg: z.string().optional() })
  .loose();

/**
 * SSE ids are `<feed id>:<seq>`; a `Last-Event-ID` from another feed (the server restarted, or
 * another replica answered) resumes from the start of this feed's buffer.
 */
function resumePoint(feed: LogFeed, lastEventId: string | undefined): number | undefined {
  const match = lastEventId ? /^([a-z0-9]+):(\d+)$/.exec(lastEventId) : null;
  if (!lastEventId) return undefined;
  return match && match[1] === feed.id ? Number(match[2]) : 0;
}

function filterOf(query: LogQuery, resumeAt?: number): LogFilter {
  return {
    level: query.level ? LEVELS[query.level] : undefined,
    runId: query.run_id,
    threadId: query.thread_id,
    grep: query.grep,
    after: resumeAt ?? query.after,
  };
}

/** Refuses callers without a log permission when auth is on (fail closed). */
function guard(c: Context, authEnabled: boolean): void {
  if (!authEnabled) return;
  const auth = c.get("auth");
  const granted = auth?.permissions?.some((p) =>
    (LOG_PERMISSIONS as readonly string[]).includes(p),
  );
  if (!granted) throw forbidden(`Reading logs needs the "${LOG_PERMISSIONS[0]}" permission`);
}

/** Registers the log routes under `/admin/api`. */
export function registerAdminLogRoutes(api: Api, o: AdminLogRoutesOptions): void {
  api.route(
    {
      method: "get",
      path: "/admin/api/logs",
      summary: "Recent server log lines",
      tags: ["Admin"],
      query: logQuery,
      response: z.object({
        feed_id: z.string(),
        entries: z.array(entrySchema),
        last_seq: z.number(),
      }),
    },
    async (c, { query }) => {
      guard(c, o.authEnabled);
      const entries = o.feed.recent(filterOf(query), query.limit ?? 200);
      return c.json({ feed_id: o.feed.id, entries, last_seq: o.feed.lastSeq });
    },
  );
  api.route(
    {
      method: "get",
      path: "/admin/api/logs/stream",
      summary: "Recent then live server log lines (SSE)",
      tags: ["Admin"],
      query: logQuery,
      responseType: "text/event-stream",
    },
    async (c, { query }) => {
      guard(c, o.authEnabled);
      const lastEventId = c.req.header("Last-Event-ID") || undefined;
      const filter = filterOf(query, resumePoint(o.feed, lastEventId));
      // A resuming client gets everything it missed that is still buffered.
      const backlog = lastEventId ? o.feed.capacity : (query.limit ?? 100);
      return sseResponse(
        c,
        async function* lines(signal) {
          for await (const entry of o.feed.follow(filter, backlog, signal))
            yield { id: `${o.feed.id}:${entry.seq}`, event: "log", data: entry };
        },
        { includeIds: true, heartbeatMs: 15_000 },
      );
    },
  );
}
