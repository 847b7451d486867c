/**
 * Webhook dead letters (our extension): deliveries given up after every retry, or refused by the
 * URL policy at send time. Scoped like runs, through the thread: `threads:read` to list and read,
 * `threads:update` to redeliver or discard.
 */
import { z } from "zod";
import type { DeadLetter } from "../../webhooks/dead-letters.ts";
import type { DeadLettersService } from "../../webhooks/service.ts";
import { type Api, queryInt } from "../api.ts";
import type { RouteAuth } from "../authz.ts";
import { uuidParam } from "./runs-schemas.ts";

const wire = (d: DeadLetter) => ({
  dead_letter_id: d.deadLetterId,
  run_id: d.runId,
  thread_id: d.threadId,
  assistant_id: d.assistantId,
  url: d.url,
  payload: d.payload,
  attempts: d.attempts,
  last_status: d.lastStatus,
  last_error: d.lastError,
  created_at: d.createdAt.toISOString(),
});

const listQuery = z.object({
  thread_id: uuidParam.optional(),
  run_id: uuidParam.optional(),
  limit: queryInt.pipe(z.number().int().min(1).max(1000)).optional(),
  offset: queryInt.pipe(z.number().int().min(0)).optional(),
});

const idOf = (params: Record<string, string>) => {
  const parsed = uuidParam.safeParse(params.dead_letter_id);
  return parsed.success ? parsed.data : null;
};

/** Registers `/webhooks/dead_letters` routes. */
export function registerWebhookRoutes(
  api: Api,
  o: { deadLetters: DeadLettersService; auth: RouteAuth },
): void {
  const authz = o.auth;
  const tags = ["Webhooks"];
  const path = "/webhooks/dead_letters/:dead_letter_id";
  const notFound = (c: Parameters<Parameters<Api["route"]>[1]>[0], id?: string) =>
    c.json({ detail: `Dead letter ${id ?? ""} not found` }, 404);

  api.route(
    {
      method: "get",
      path: "/webhooks/dead_letters",
      summary: "List webhook dead letters",
      tags,
      query: listQuery,
    },
    async (c, { query }) => {
      const { scope } = await authz(c, "threads", "read", { thread_id: query.thread_id ?? null });
      const items = await o.deadLetters.list(
        {
          threadId: query.thread_id,
          runId: query.run_id,
          limit: query.limit ?? 10,
          offset: query.offset ?? 0,
        },
        scope,
      );
      return c.json(items.map(wire));
    },
  );
  api.route(
    { method: "get", path, summary: "Get a webhook dead letter", tags },
    async (c, { params }) => {
      const id = idOf(params);
      if (!id) return notFound(c, params.dead_letter_id);
      const { scope } = await authz(c, "threads", "read", { dead_letter_id: id });
      return c.json(wire(await o.deadLetters.get(id, scope)));
    },
  );
  api.route(
    { method: "post", path: `${path}/retry`, summary: "Redeliver a webhook dead letter", tags },
    async (c, { params }) => {
      const id = idOf(params);
      if (!id) return notFound(c, params.dead_letter_id);
      const { scope } = await authz(c, "threads", "update", { dead_letter_id: id });
      const outcome = await o.deadLetters.retry(id, scope);
      return c.json({
        delivered: outcome.delivered,
        attempts: outcome.attempts,
        last_status: outcome.lastStatus,
        last_error: outcome.lastError,
      });
    },
  );
  api.route(
    { method: "delete", path, summary: "Discard a webhook dead letter", tags },
    async (c, { params }) => {
      const id = idOf(params);
      if (!id) return notFound(c, params.dead_letter_id);
      const { scope } = await authz(c, "threads", "update", { dead_letter_id: id });
      await o.deadLetters.delete(id, scope);
      return c.body(null, 204);
    },
  );
}
