/** Thread run routes: create (background / stream / wait), list, get, delete, join, cancel. */
import { z } from "zod";
import { DomainError, unprocessable } from "../../core/errors.ts";
import type { Api } from "../api.ts";
import type { RouteAuth } from "../authz.ts";
import { RUN_FIELDS, runLocation, runToWire } from "../mappers/runs.ts";
import { jsonExtra } from "../mappers/threads.ts";
import { sseResponse } from "../sse.ts";
import { afterCheckpoint, joinTarget } from "./join-from-checkpoint.ts";
import type { RunRoutesOptions } from "./runs-options.ts";
import { createAndRespond, type RunResponseMode, sseEvents } from "./runs-respond.ts";
import {
  cancelQuery,
  joinStreamQuery,
  listQuery,
  runCreateBody,
  streamQuery,
  uuidParam,
} from "./runs-schemas.ts";
import { registerRunSearchRoute } from "./runs-search.ts";
import { registerStatelessRunRoutes } from "./runs-stateless.ts";

export type { RunRoutesOptions };

const ids = (params: Record<string, string>) => ({
  threadId: uuidParam.parse(params.thread_id),
  runId: params.run_id != null ? uuidParam.parse(params.run_id) : "",
});

const runPath = "/threads/:thread_id/runs/:run_id";

/** Registers every run route (thread-bound and stateless). */
export function registerRunRoutes(api: Api, o: RunRoutesOptions): void {
  const { runs } = o;
  const authz = o.auth;
  const readScope = async (c: Parameters<RouteAuth>[0], threadId: string) =>
    (await authz(c, "threads", "read", { thread_id: threadId })).scope;
  const creating: [string, RunResponseMode, string][] = [
    ["/threads/:thread_id/runs", "background", "Create a background run"],
    ["/threads/:thread_id/runs/stream", "stream", "Create a run and stream its output"],
    ["/threads/:thread_id/runs/wait", "wait", "Create a run and wait for its output"],
  ];
  for (const [path, mode, summary] of creating) {
    api.route(
      {
        method: "post",
        path,
        summary,
        tags: ["Thread Runs"],
        body: runCreateBody,
        query: streamQuery,
        ...(mode === "stream" ? { responseType: "text/event-stream" } : {}),
      },
      (c, { body, params, query }) =>
        createAndRespond(c, runs, ids(params).threadId, body, mode, authz, {
          namespaces: query.namespace,
        }),
    );
  }

  api.route(
    {
      method: "get",
      path: "/threads/:thread_id/runs",
      summary: "List runs of a thread",
      tags: ["Thread Runs"],
      query: listQuery,
    },
    async (c, { query, params }) => {
      const { threadId } = ids(params);
      const { scope } = await authz(c, "threads", "search", {
        thread_id: threadId,
        metadata: query.metadata,
        status: query.status,
      });
      const list = await runs.list(
        threadId,
        {
          limit: query.limit ?? 10,
          offset: query.offset ?? 0,
          status: query.status,
          metadata: query.metadata,
        },
        scope,
      );
      const select = query.select;
      if (select?.some((f) => !(RUN_FIELDS as readonly string[]).includes(f)))
        return c.text(`Invalid select field; allowed: ${RUN_FIELDS.join(", ")}`, 422);
      return jsonExtra(
        c,
        list.map((r) => runToWire(r, select)),
      );
    },
  );

  api.route(
    { method: "get", path: runPath, summary: "Get a run", tags: ["Thread Runs"] },
    async (c, { params }) => {
      const { threadId, runId } = ids(params);
      return jsonExtra(c, runToWire(await runs.get(threadId, runId, await readScope(c, threadId))));
    },
  );

  api.route(
    { method: "delete", path: runPath, summary: "Delete a run", tags: ["Thread Runs"] },
    async (c, { params }) => {
      const { threadId, runId } = ids(params);
      const { scope } = await authz(c, "threads", "delete", { run_id: runId, thread_id: threadId });
      await runs.delete(threadId, runId, scope);
      return c.body(null, 204);
    },
  );

  api.route(
    {
      method: "get",
      path: `${runPath}/join`,
      summary: "Wait for a run and return the thread values",
      tags: ["Thread Runs"],
      query: z.object({ cancel_on_disconnect: joinStreamQuery.shape.cancel_on_disconnect }),
    },
    async (c, { params, query }) => {
      const { threadId, runId } = ids(params);
      const scope = await readScope(c, threadId);
      const signal = c.req.raw.signal;
      if (query.cancel_on_disconnect)
        signal?.addEventListener(
          "abort",
          () => void runs.cancel(threadId, [runId], "interrupt", scope).catch(() => {}),
          { once: true },
        );
      return jsonExtra(c, await runs.join(threadId, runId, signal, scope));
    },
  );

  api.route(
    {
      method: "get",
      path: `${runPath}/stream`,
      summary: "Join a run's stream (Last-Event-ID resumes)",
      tags: ["Thread Runs"],
      query: joinStreamQuery,
      responseType: "text/event-stream",
    },
    async (c, { params, query }) => {
      const { threadId, runId } = ids(params);
      const scope = await readScope(c, threadId);
      const run = await runs.get(threadId, runId, scope).catch((error: unknown) => {
        // Out of scope: the official server answers the join with one SSE error event.
        if (scope && error instanceof DomainError && error.code === "not_found") return null;
        throw error;
      });
      if (!run) {
        const event = {
          event: "error",
          data: { error: "Error", message: "404: Thread not found" },
        };
        const once = async function* () {
          yield event;
        };
        return sseResponse(c, once(), { includeIds: false, heartbeatMs: 0 });
      }
      const header = c.req.header("Last-Event-ID") || undefined;
      const target = await joinTarget(o.checkpoint, run, query.checkpoint_id, header, scope);
      // With a checkpoint the client shows, read the run from its start (then skip what it has).
      const lastEventId = query.checkpoint_id && header === undefined ? "-1" : header;
      const modes = query.stream_mode;
      return sseResponse(
        c,
        (signal) =>
          sseEvents(afterCheckpoint(runs.events(runId, { lastEventId, signal }), target), {
            modes,
            namespaces: query.namespace,
          }),
        {
          includeIds: true,
          contentLocation: runLocation(run, false),
          location: `${runLocation(run, false)}/stream`,
          onClose: (reason) => {
            if (reason === "disconnect" && query.cancel_on_disconnect)
              void runs.cancel(threadId, [runId], "interrupt", scope).catch(() => {});
          },
        },
      );
    },
  );

  api.route(
    {
      method: "post",
      path: `${runPath}/cancel`,
      summary: "Cancel a run (interrupt or rollback)",
      tags: ["Thread Runs"],
      query: cancelQuery,
    },
    async (c, { params, query }) => {
      const { threadId, runId } = ids(params);
      const action = query.action ?? "interrupt";
      if (query.reason && action !== "interrupt")
        throw unprocessable(`reason "${query.reason}" is only valid with action "interrupt"`);
      const { scope } = await authz(c, "threads", "update", {
        thread_id: threadId,
        action,
        metadata: { run_ids: [runId], status: "pending" },
      });
      const reason = query.reason ? `${query.reason}:${action}` : undefined;
      await runs.cancel(threadId, [runId], action, scope, reason);
      if (!query.wait) return c.body(null, 202);
      await runs.join(threadId, runId, undefined, scope).catch(() => null);
      return c.body(null, 204);
    },
  );

  registerStatelessRunRoutes(api, o);
  registerRunSearchRoute(api, runs, authz);
}
