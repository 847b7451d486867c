/**
 * Tenancy at the edge (on with `tenancy.enabled`): two middlewares around the custom auth one.
 * - `apiKeyAuth` (before custom auth): an `olg_` key in `x-api-key` or `Authorization: Bearer`
 *   authenticates the request (401 when unknown, revoked or expired); other credentials go on to
 *   the `auth.path` handler, which skips requests a key already authenticated.
 * - `tenantGate` (after it): a caller authenticated by the handler acts through its membership
 *   (403 without one); no caller at all is 401. The route's permission
 *   (src/tenancy/route-permissions.ts) is checked against the role (403 when denied), then the
 *   request runs inside its org (`withOrg`), which the storage session turns into `app.org_id`.
 */
import type { Context, MiddlewareHandler } from "hono";
import { isAdminShell, officiallyExempt } from "../auth/authenticate.ts";
import { AuthRejection } from "../auth/errors.ts";
import { notFound } from "../core/errors.ts";
import { withAudit } from "../tenancy/audit/context.ts";
import type { AuditRepository } from "../tenancy/audit/repository.ts";
import { withOrg } from "../tenancy/context.ts";
import { apiKeyOf } from "../tenancy/keys.ts";
import {
  type RateDecision,
  type RateLimiter,
  type RateQuota,
  rateQuotaOf,
} from "../tenancy/rate-limit.ts";
import { rolePermissions } from "../tenancy/roles.ts";
import type { TenancyService, TenantCaller } from "../tenancy/service.ts";
import type { Api, RouteSpec } from "./api.ts";
import { frameAuditFor, pendingFor } from "./audit-entry.ts";
import { registerAdminAuditRoutes } from "./routes/admin-audit.ts";
import { registerAdminTenancyRoutes } from "./routes/admin-tenancy.ts";
import { permissionLookup, type RouteLookup } from "./tenancy-permissions.ts";
import {
  admitRuns,
  createsRuns,
  type RunQuotaDeps,
  type TenantWork,
  tenantWork,
} from "./tenancy-run-quotas.ts";
import { admitStore, putsStoreItem } from "./tenancy-store-quota.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The caller's org, role and actor (tenancy on). */
    tenant?: TenantCaller;
    /** The caller's org and run admissions for work after the request (WebSocket frames). */
    tenantWork?: TenantWork;
  }
}

const UNAUTHORIZED = () =>
  new AuthRejection(401, "Missing or invalid API key", {
    "WWW-Authenticate": 'ApiKey header="x-api-key"',
  });

/** The auth context a key caller gets: its role (as a permission, like `admin`) and its permissions. */
export function authOf(caller: TenantCaller) {
  const permissions = [caller.role, ...rolePermissions(caller.role)];
  return {
    permissions,
    user: {
      identity: caller.identity,
      display_name: caller.identity,
      is_authenticated: true,
      permissions,
      org_id: caller.orgId,
      role: caller.role,
    },
  };
}

/** Authenticates `olg_` keys; leaves every other request to custom auth. */
export function apiKeyAuth(service: TenancyService): MiddlewareHandler {
  return async function authenticateApiKey(c, next) {
    const key = apiKeyOf(c.req.raw.headers);
    if (key === undefined) return next();
    const caller = await service.authenticateKey(key);
    if (!caller) throw UNAUTHORIZED();
    c.set("tenant", caller);
    c.set("auth", authOf(caller));
    return next();
  };
}

/** Options of the gate. */
export interface TenantGateOptions {
  service: TenancyService;
  /** Request-rate buckets (in process, or Redis across replicas). */
  limiter: RateLimiter;
  /** The route permission lookup (set once every route is registered). */
  permissionOf(method: string, path: string): RouteLookup | undefined;
  /** The audit log (records of mutating requests), or undefined to keep none. */
  audit?: AuditRepository;
  /** Run quotas (`concurrent_runs`, `runs_per_day`), or undefined to enforce none. */
  runQuotas?: RunQuotaDeps;
  /** The org of a thread (any org's), or undefined when it does not exist. */
  threadOrg?: (threadId: string) => Promise<string | undefined>;
}

/**
 * Protocol routes address threads that may not exist yet (`run.start` creates them), so they do
 * not 404 an unknown thread the way the filtered reads do: the gate refuses another org's thread.
 */
const STREAM_EVENTS = "/threads/:thread_id/stream/events";
const PROTOCOL_ROUTES = new Set(["/threads/:thread_id/commands", STREAM_EVENTS]);

async function callerOf(c: Context, service: TenancyService): Promise<TenantCaller> {
  const known = c.get("tenant");
  if (known) return known;
  const auth = c.get("auth");
  if (!auth) throw UNAUTHORIZED();
  const member = await service.memberCaller(auth.user.identity);
  if (!member) throw new AuthRejection(403, "Forbidden: not a member of any organization");
  c.set("tenant", member);
  auth.user.org_id = member.orgId;
  auth.user.role = member.role;
  return member;
}

/**
 * Takes a token from the org's and the key's buckets (those with a `requests_per_minute` quota):
 * the 429 answer when one is empty, else the `X-RateLimit-*` headers of the tighter one (set on the
 * response once it exists: headers prepared before `next()` make Hono merge them into every
 * response it builds), or undefined without a rate quota.
 */
async function rateLimit(
  c: Context,
  caller: TenantCaller,
  limiter: RateLimiter,
): Promise<Response | Record<string, string> | undefined> {
  const buckets: [string, RateQuota | undefined][] = [
    [`org:${caller.orgId}`, rateQuotaOf(caller.quotas.org)],
    [`${caller.actor.kind}:${caller.actor.id}`, rateQuotaOf(caller.quotas.key)],
  ];
  let shown: RateDecision | undefined;
  for (const [bucket, quota] of buckets) {
    if (!quota) continue;
    const d = await limiter.take(bucket, quota);
    if (!shown || !d.allowed || d.remaining < shown.remaining) shown = d;
    if (!d.allowed) break;
  }
  if (!shown) return undefined;
  const headers = {
    "X-RateLimit-Limit": String(shown.limit),
    "X-RateLimit-Remaining": String(shown.remaining),
    "X-RateLimit-Reset": String(shown.resetSeconds),
  };
  if (!shown.allowed)
    return c.json({ detail: "Rate limit exceeded" }, 429, {
      ...headers,
      "Retry-After": String(shown.retryAfterSeconds),
    });
  return headers;
}

/** Sets `headers` on the response `next()` left (a copy when its headers are immutable). */
function setAfter(c: Context, headers: Record<string, string> | undefined): void {
  if (!headers) return;
  for (const [k, v] of Object.entries(headers))
    try {
      c.res.headers.set(k, v);
    } catch {
      c.header(k, v); // a fetched Response's headers are immutable: Hono copies it
    }
}

/** Resolves the caller's org and role, enforces the route's permission, runs the request in the org. */
export function tenantGate(options: TenantGateOptions): MiddlewareHandler {
  return async function enforceTenancy(c, next) {
    const { method, path } = c.req;
    if (officiallyExempt(method, path) || isAdminShell(method, path) || method === "OPTIONS")
      return next();
    const found = options.permissionOf(method, path);
    const permission = found?.permission;
    if (permission === "public") return next();
    const caller = await callerOf(c, options.service);
    if (permission && permission !== "authenticated" && !options.service.allows(caller, permission))
      throw new AuthRejection(403, `Forbidden: role ${caller.role} lacks ${permission}`);
    const limited = await rateLimit(c, caller, options.limiter);
    if (limited instanceof Response) return limited;
    const frames = found?.route.path === STREAM_EVENTS ? found.route.path : undefined;
    c.set(
      "tenantWork",
      tenantWork(caller, options.runQuotas, {
        mayStartRuns: options.service.allows(caller, "runs:write"),
        audit: options.audit && frames ? () => frameAuditFor(c, caller, frames) : undefined,
      }),
    );
    if (options.threadOrg && found && PROTOCOL_ROUTES.has(found.route.path)) {
      const threadId = decodeURIComponent(path.split("/")[2] ?? "");
      const owner = await options.threadOrg(threadId);
      if (owner !== undefined && owner !== caller.orgId)
        throw notFound(`Thread with ID ${threadId} not found`);
    }
    const audit =
      options.audit && found && permission?.endsWith(":write")
        ? pendingFor(c, caller, found.route)
        : undefined;
    const quotas = options.runQuotas;
    const admitted =
      quotas && found && createsRuns(method, found.route.path)
        ? await admitRuns(c, caller, found.route.path, quotas, audit)
        : quotas && found && putsStoreItem(method, found.route.path)
          ? await admitStore(c, caller, quotas)
          : undefined;
    if (admitted instanceof Response) return admitted;
    try {
      if (!audit) {
        await withOrg(caller.orgId, () => next());
        return setAfter(c, limited);
      }
      await withOrg(caller.orgId, () => withAudit(audit, () => next()));
      setAfter(c, limited);
      // A request that succeeded without writing still leaves its one record.
      if (audit.state === "pending" && c.res.status < 400)
        await withOrg(caller.orgId, () => options.audit!.noChange(audit, c.res.status));
    } finally {
      await admitted?.done(c.res.status);
    }
  };
}

/** What the composition root mounts when tenancy is on. */
export interface TenancyEdge {
  /** Before custom auth (createApp's middleware builders take the route registry). */
  keyAuth: (routes: readonly RouteSpec[]) => MiddlewareHandler;
  /** After custom auth. */
  gate: (routes: readonly RouteSpec[]) => MiddlewareHandler;
  /** The admin API (`/admin/api/org`, `members`, `keys`, `audit`…). */
  routes: (api: Api) => void;
}

/** The tenancy middlewares and routes over a service. */
export function tenancyEdge(
  service: TenancyService,
  limiter: RateLimiter,
  audit?: AuditRepository,
  runQuotas?: RunQuotaDeps,
  threadOrg?: (threadId: string) => Promise<string | undefined>,
): TenancyEdge {
  return {
    keyAuth: () => apiKeyAuth(service),
    gate: (routes) =>
      tenantGate({
        service,
        limiter,
        audit,
        runQuotas,
        threadOrg,
        permissionOf: permissionLookup(routes),
      }),
    routes: (api) => {
      registerAdminTenancyRoutes(api, service);
      if (audit) registerAdminAuditRoutes(api, audit);
    },
  };
}
