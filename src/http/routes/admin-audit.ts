/**
 * The audit log in the admin API (tenancy on; `admin:read`): `GET /admin/api/audit` pages the
 * caller's org's records newest first (`limit`, cursor `before` = the previous page's
 * `next_cursor`), `GET /admin/api/audit/export` streams every matching record oldest first as JSON
 * lines (`application/x-ndjson`). Filters: actor_id, actor_kind, resource, resource_id, action,
 * method, route, outcome, since/until (ISO 8601; since inclusive, until exclusive).
 */
import type { Context } from "hono";
import { z } from "zod";
import { forbidden } from "../../core/errors.ts";
import type { AuditFilter, AuditRepository } from "../../tenancy/audit/repository.ts";
import type { Api } from "../api.ts";

const text = z.string().min(1).max(500).optional();
const filter = {
  actor_id: text,
  actor_kind: z.enum(["key", "user"]).optional(),
  resource: text,
  resource_id: text,
  action: text,
  method: z.enum(["POST", "PUT", "PATCH", "DELETE", "WS"]).optional(),
  route: text,
  outcome: z.enum(["committed", "no_change"]).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
};
const pageQuery = z
  .object({
    ...filter,
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    before: z
      .string()
      .regex(/^\d{1,19}$/)
      .optional(),
  })
  .strict();
const exportQuery = z.object(filter).strict();

function orgOf(c: Context): string {
  const caller = c.get("tenant");
  if (!caller) throw forbidden();
  return caller.orgId;
}

function filterOf(q: z.output<typeof exportQuery>): AuditFilter {
  const { since, until, ...eq } = q;
  return {
    ...eq,
    since: since ? new Date(since) : undefined,
    until: until ? new Date(until) : undefined,
  };
}

/** Mounts `/admin/api/audit` and `/admin/api/audit/export`. */
export function registerAdminAuditRoutes(api: Api, audit: AuditRepository): void {
  const tags = ["Admin"];
  api.route(
    {
      method: "get",
      path: "/admin/api/audit",
      summary: "Audit records of the organization, newest first",
      tags,
      query: pageQuery,
    },
    async (c, { query }) => {
      const { limit, before, ...f } = query;
      return c.json(await audit.page(orgOf(c), filterOf(f), limit, before));
    },
  );
  api.route(
    {
      method: "get",
      path: "/admin/api/audit/export",
      summary: "Export audit records as JSON lines, oldest first",
      tags,
      query: exportQuery,
    },
    async (c, { query }) => {
      const records = audit.all(orgOf(c), filterOf(query));
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(ctrl) {
          const next = await records.next();
          if (next.done) ctrl.close();
          else ctrl.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
        },
        async cancel() {
          await records.return(undefined);
        },
      });
      return new Response(body, {
        headers: {
          "content-type": "application/x-ndjson",
          "content-disposition": 'attachment; filename="audit.jsonl"',
        },
      });
    },
  );
}
