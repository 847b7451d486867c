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
import { withOrgAudit } from "../tenancy/audit/context.ts";
import type { AuditRepository } from "../tenancy/audit/repository.ts";
import { withOrg } from "../tenancy/context.ts";
import { apiKeyOf } from "../tenancy/keys.ts";
import { type RateLimiter, rateQuotaOf } from "../tenancy/rate-limit.ts";
import { rolePermissions } from "../tenancy/roles.ts";
import { hasRunQuota } from "../tenancy/run-quotas.ts";
import type { TenancyService, TenantCaller } from "../tenancy/service.ts";
import { hasStoreQuota } from "../tenancy/store-quota.ts";
import type { Api, RouteSpec } from "./api.ts";
import { frameAuditFor, pendingFor } from "./audit-entry.ts";
import { registerAdminAuditRoutes } from "./routes/admin-audit.ts";
import { registerAdminTenancyRoutes } from "./routes/admin-tenancy.ts";
import { permissionLookup, type RouteLookup } from "./tenancy-permissions.ts";
import { rateBuckets, rateLimit, setAfter } from "./tenancy-rate.ts";
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

/**
 * Authenticates `olg_` keys; leaves every other request to custom auth. Not an async function: a
 * cached key (the common case) adds no promise to the request (each costs more while an
 * AsyncLocalStorage is in use, src/tenancy/context.ts).
 */
export function apiKeyAuth(service: TenancyService): MiddlewareHandler {
  const enter = (c: Context, caller: TenantCaller | undefined) => {
    if (!caller) throw UNAUTHORIZED();
    c.set("tenant", caller);
    c.set("auth", authOf(caller));
  };
  return function authenticateApiKey(c, next) {
    const key = apiKeyOf(c.req.raw.headers);
    if (key === undefined) return next();
    const cached = service.cachedKey(key);
    if (cached) {
      enter(c, cached);
      return next();
    }
    return service.authenticateKey(key).then((caller) => {
      enter(c, caller);
      return next();
    });
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

async function memberOf(c: Context, service: TenancyService): Promise<TenantCaller> {
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
 * Resolves the caller's org and role, enforces the route's permission, runs the request in the org.
 * A key caller on a route that owes no audit record, takes no quota and is no protocol route
 * passes without a promise of its own (the metadata reads of issue 19's cost goal); the rest
 * goes through {@link gateRequest}.
 */
export function tenantGate(options: TenantGateOptions): MiddlewareHandler {
  return function enforceTenancy(c, next) {
    const { method, path } = c.req;
    if (officiallyExempt(method, path) || isAdminShell(method, path) || method === "OPTIONS")
      return next();
    const found = options.permissionOf(method, path);
    if (found?.permission === "public") return next();
    const caller = c.get("tenant");
    if (!caller || !plain(options, caller, method, found))
      return gateRequest(c, next, options, found, caller);
    permit(options.service, caller, found?.permission);
    return withOrg(caller.orgId, next);
  };
}

/** Whether a request needs nothing of the gate but the permission check and the org. */
function plain(
  options: TenantGateOptions,
  caller: TenantCaller,
  method: string,
  found: RouteLookup | undefined,
): boolean {
  if (!found || rateQuotaOf(caller.quotas.org) || rateQuotaOf(caller.quotas.key)) return false;
  if (PROTOCOL_ROUTES.has(found.route.path)) return false;
  if (options.audit && found.permission.endsWith(":write")) return false;
  if (!options.runQuotas) return true;
  return !createsRuns(method, found.route.path) && !putsStoreItem(method, found.route.path);
}

/** 403 when the caller's role (and scopes) lack the route's permission. */
function permit(
  service: TenancyService,
  caller: TenantCaller,
  permission: RouteLookup["permission"] | undefined,
): void {
  if (!permission || permission === "authenticated" || permission === "public") return;
  if (!service.allows(caller, permission))
    throw new AuthRejection(403, `Forbidden: role ${caller.role} lacks ${permission}`);
}

/** The gate for every other request: member callers, rate and run quotas, audit, protocol routes. */
async function gateRequest(
  c: Context,
  next: () => Promise<void>,
  options: TenantGateOptions,
  found: RouteLookup | undefined,
  known: TenantCaller | undefined,
): Promise<Response | undefined> {
  const { method, path } = c.req;
  const permission = found?.permission;
  const caller = known ?? (await memberOf(c, options.service));
  permit(options.service, caller, permission);
  const buckets = rateBuckets(caller);
  const limited = buckets ? await rateLimit(c, options.limiter, buckets) : undefined;
  if (limited instanceof Response) return limited;
  // Only the event stream's WebSocket frames work after the request (src/http/routes/protocol.ts).
  if (found?.route.path === STREAM_EVENTS)
    c.set(
      "tenantWork",
      tenantWork(caller, options.runQuotas, {
        mayStartRuns: options.service.allows(caller, "runs:write"),
        audit: options.audit ? () => frameAuditFor(c, caller, STREAM_EVENTS) : undefined,
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
  // Without a run or store quota on the org or key there is nothing to admit (no await).
  const admitted =
    quotas && found && createsRuns(method, found.route.path)
      ? hasRunQuota(caller)
        ? await admitRuns(c, caller, found.route.path, quotas, audit)
        : undefined
      : quotas && found && putsStoreItem(method, found.route.path) && hasStoreQuota(caller)
        ? await admitStore(c, caller, quotas)
        : undefined;
  if (admitted instanceof Response) return admitted;
  try {
    if (!audit) {
      await withOrg(caller.orgId, next);
      setAfter(c, limited);
      return;
    }
    await withOrgAudit(caller.orgId, audit, next);
    setAfter(c, limited);
    // A request that succeeded without writing still leaves its one record.
    if (audit.state === "pending" && c.res.status < 400)
      await withOrg(caller.orgId, () => options.audit!.noChange(audit, c.res.status));
  } finally {
    if (admitted) await admitted.done(c.res.status);
  }
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
