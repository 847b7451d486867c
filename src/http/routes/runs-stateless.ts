/** Stateless run routes (`/runs*`) and the bulk cancel. Temporary threads go after the run. */
import { z } from "zod";
import { notFound } from "../../core/errors.ts";
import type { Api } from "../api.ts";
import { runToWire } from "../mappers/runs.ts";
import { jsonExtra } from "../mappers/threads.ts";
import { sseResponse } from "../sse.ts";
import type { RunRoutesOptions } from "./runs-options.ts";
import {
  createAndRespond,
  type RunResponseMode,
  runCreateContext,
  sseEvents,
} from "./runs-respond.ts";
import {
  bulkCancelBody,
  cancelQuery,
  joinStreamQuery,
  runCreateBody,
  streamQuery,
  toRunRequest,
  uuidParam,
} from "./runs-schemas.ts";

/** Registers the stateless routes. */
export function registerStatelessRunRoutes(api: Api, { runs, auth }: RunRoutesOptions): void {
  const authz = auth;
  const creating: [string, RunResponseMode, string][] = [
    ["/runs", "background", "Create a stateless background run"],
    ["/runs/stream", "stream", "Create a stateless run and stream its output"],
    ["/runs/wait", "wait", "Create a stateless run and wait for its output"],
  ];
  for (const [path, mode, summary] of creating) {
    api.route(
      {
        method: "post",
        path,
        summary,
        tags: ["Stateless Runs"],
        body: runCreateBody,
        query: streamQuery,
        ...(mode === "stream" ? { responseType: "text/event-stream" } : {}),
      },
      (c, { body, query }) =>
        createAndRespond(c, runs, null, body, mode, authz, { namespaces: query.namespace }),
    );
  }

  api.route(
    {
      method: "post",
      path: "/runs/batch",
      summary: "Create a batch of stateless background runs",
      tags: ["Stateless Runs"],
      body: z.array(runCreateBody).min(1),
    },
    async (c, { body }) => {
      // All or none: every item is checked before any is written (RunsService.createBatch).
      const created = await runs.createBatch(body.map(toRunRequest), runCreateContext(c, authz));
      return jsonExtra(
        c,
        created.map((r) => runToWire(r)),
      );
    },
  );

  api.route(
    {
      method: "get",
      path: "/runs/:run_id/stream",
      summary: "Join a stateless run's stream",
      tags: ["Stateless Runs"],
      query: joinStreamQuery,
      responseType: "text/event-stream",
    },
    async (c, { params, query }) => {
      const runId = uuidParam.parse(params.run_id);
      const { scope } = await authz(c, "threads", "read", { thread_id: undefined, run_id: runId });
      const run = await runs.find(runId, scope);
      if (!run) throw notFound("Run not found");
      const lastEventId = c.req.header("Last-Event-ID") || undefined;
      const modes = query.stream_mode;
      return sseResponse(
        c,
        (signal) =>
          sseEvents(runs.events(runId, { lastEventId, signal }), {
            modes,
            namespaces: query.namespace,
          }),
        {
          includeIds: true,
          contentLocation: `/runs/${runId}`,
          location: `/runs/${runId}/stream`,
          onClose: (reason) => {
            if (reason === "disconnect" && query.cancel_on_disconnect)
              void runs.cancel(run.threadId, [runId], "interrupt", scope).catch(() => {});
          },
        },
      );
    },
  );

  api.route(
    {
      method: "post",
      path: "/runs/cancel",
      summary: "Cancel runs by thread, ids or status",
      tags: ["Thread Runs"],
      body: bulkCancelBody,
      query: z.object({ action: cancelQuery.shape.action }),
    },
    async (c, { body, query }) => {
      const action = query.action ?? "interrupt";
      const { scope } = await authz(c, "threads", "update", {
        thread_id: body.thread_id ?? undefined,
        action,
        metadata: { run_ids: body.run_ids ?? undefined, status: body.status ?? undefined },
      });
      await runs.cancelMany(
        {
          threadId: body.thread_id ?? undefined,
          runIds: body.run_ids ?? undefined,
          status: body.status ?? undefined,
        },
        action,
        scope,
      );
      return c.body(null, 204);
    },
  );
}
