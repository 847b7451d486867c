/**
 * The audit record a mutating request owes (tenancy on), built by the tenancy gate from the
 * request: who (the key or member), what (route pattern, resource, id, action), from where (the
 * socket's address and the User-Agent). The id is the path's id of the resource (`run_id` on a run
 * route), else a new row's id read from its insert (src/tenancy/audit/driver.ts), else the path's
 * last id. `ip` is the peer's address: behind a proxy that is the proxy (forwarding headers are
 * not trusted, as no header alone may change what we record about a caller).
 */
import type { Context } from "hono";
import { type AuditEntry, PendingAudit } from "../tenancy/audit/context.ts";
import { routePermission } from "../tenancy/route-permissions.ts";
import type { TenantCaller } from "../tenancy/service.ts";
import type { RouteSpec } from "./api.ts";

/** The column holding a new row's id, per resource whose table has the resource's name. */
const ID_COLUMNS: Record<string, string> = {
  threads: "thread_id",
  runs: "run_id",
  assistants: "assistant_id",
  crons: "cron_id",
};
/** Last path words that name the collection a POST adds to (action `create`). */
const CREATES = new Set(["stream", "wait", "batch", "items"]);

/** The `:name` → value pairs of a concrete path under a route pattern. */
function paramsOf(pattern: string, path: string): [string, string][] {
  const want = pattern.split("/");
  const got = path.split("/");
  const out: [string, string][] = [];
  want.forEach((seg, i) => {
    if (seg.startsWith(":") && got[i] !== undefined)
      out.push([seg.slice(1), decodeURIComponent(got[i])]);
  });
  return out;
}

function resourceOf(route: RouteSpec): string {
  const permission = routePermission(route);
  const resource = permission === "authenticated" ? "admin" : permission.split(":")[0]!;
  if (resource !== "admin") return resource;
  const seg = route.path.split("/").filter((s) => s && !s.startsWith(":"));
  return seg[0] === "admin" && seg[1] === "api" ? (seg[2] ?? "admin") : (seg.at(-1) ?? "admin");
}

function actionOf(method: string, route: RouteSpec, resource: string): string {
  if (method === "DELETE") return "delete";
  if (method === "PATCH" || method === "PUT") return "update";
  const last = route.path.split("/").at(-1) ?? "";
  if (last.startsWith(":") || last === resource || CREATES.has(last)) return "create";
  return last || "create";
}

function peerOf(c: Context): string | null {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}

/** The pending record of a mutating request. */
export function pendingFor(c: Context, caller: TenantCaller, route: RouteSpec): PendingAudit {
  const method = c.req.method;
  const resource = resourceOf(route);
  const params = paramsOf(route.path, c.req.path);
  const idColumn = ID_COLUMNS[resource] ?? null;
  const own = params.find(([name]) => name === idColumn);
  const last = params.at(-1);
  const entry: AuditEntry = {
    org_id: caller.orgId,
    actor_kind: caller.actor.kind,
    actor_id: caller.actor.id,
    method,
    route: route.path,
    resource,
    resource_id: (own ?? (method === "POST" && idColumn ? undefined : last))?.[1] ?? null,
    action: actionOf(method, route, resource),
    ip: peerOf(c),
    user_agent: c.req.header("user-agent") ?? null,
  };
  return new PendingAudit(entry, entry.resource_id == null ? idColumn : null);
}

/**
 * The pending record of a run-starting protocol frame on the WebSocket
 * (`GET /threads/:thread_id/stream/events`): method `WS`, resource `runs`, action `create`, the
 * new run's id read from its insert; who and from where as the upgrade request said.
 */
export function frameAuditFor(c: Context, caller: TenantCaller, route: string): PendingAudit {
  const entry: AuditEntry = {
    org_id: caller.orgId,
    actor_kind: caller.actor.kind,
    actor_id: caller.actor.id,
    method: "WS",
    route,
    resource: "runs",
    resource_id: null,
    action: "create",
    ip: peerOf(c),
    user_agent: c.req.header("user-agent") ?? null,
  };
  return new PendingAudit(entry, "run_id");
}
