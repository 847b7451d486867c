/**
 * A2A routes: `POST /a2a/:assistant_id` (JSON-RPC), the agent cards, and 405 for GET/DELETE on the
 * endpoint (no sessions). Authenticated like every route; the handlers reach the API as the
 * caller. See `src/a2a`.
 */
import { z } from "zod";
import { agentCard } from "../../a2a/card.ts";
import { serveA2A } from "../../a2a/endpoint.ts";
import { TaskEngine, type TaskIndex } from "../../a2a/tasks.ts";
import type { Api } from "../api.ts";
import { callerClient } from "../caller-client.ts";

/** What the A2A routes are built from. */
export interface A2ARoutesOptions {
  index: TaskIndex;
  version: string;
}

const cardError = (err: unknown) => {
  const status = (err as { status?: number })?.status;
  if (status === 404 || status === 403 || status === 422)
    return Response.json(
      { error: { code: -32602, message: (err as Error).message } },
      { status: 404 },
    );
  throw err;
};

/** Registers the A2A routes. */
export function registerA2ARoutes(api: Api, o: A2ARoutesOptions): void {
  const tags = ["A2A"];
  const card = async (request: Request, assistantId: string) => {
    const origin = new URL(request.url).origin;
    return agentCard(callerClient(request), assistantId, origin, o.version);
  };
  api.route(
    {
      method: "get",
      path: "/.well-known/agent-card.json",
      summary: "A2A agent card of an assistant",
      tags,
      query: z.object({ assistant_id: z.string().min(1) }),
    },
    async (c, { query }) => {
      try {
        return c.json(await card(c.req.raw, query.assistant_id));
      } catch (err) {
        return cardError(err);
      }
    },
  );
  api.route(
    {
      method: "get",
      path: "/a2a/:assistant_id/.well-known/agent-card.json",
      summary: "A2A agent card of an assistant",
      tags,
    },
    async (c, { params }) => {
      try {
        return c.json(await card(c.req.raw, params.assistant_id));
      } catch (err) {
        return cardError(err);
      }
    },
  );
  api.route(
    {
      method: "post",
      path: "/a2a/:assistant_id",
      summary: "A2A JSON-RPC endpoint (v1.0 and v0.3 methods)",
      tags,
    },
    (c, { params }) => {
      const request = c.req.raw;
      const client = callerClient(request);
      const assistantId = params.assistant_id;
      return serveA2A(request, {
        engine: new TaskEngine(client, o.index, assistantId),
        client,
        card: () => card(request, assistantId),
      });
    },
  );
  for (const method of ["get", "delete"] as const)
    api.route(
      { method, path: "/a2a/:assistant_id", summary: "A2A endpoint (POST only)", tags },
      () => new Response(null, { status: 405, headers: { allow: "POST" } }),
    );
}
