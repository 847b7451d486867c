/**
 * Run quotas at the edge (tenancy on; src/tenancy/run-quotas.ts): a request that creates runs
 * (POST …/runs, /runs/stream, /runs/wait, /runs/batch: every run of a batch counts, all or
 * nothing; a protocol command `run.start` or `input.respond` on `/threads/:thread_id/commands`)
 * is admitted only within the org's and the key's `runs_per_day` and `concurrent_runs`. Over a
 * quota: 429 `{"detail": "Quota exceeded: …"}` with `Retry-After` and the `X-RateLimit-*`
 * headers in the request-rate quota's style (limit, remaining 0, seconds until reset: the next
 * UTC day for `runs_per_day`). A2A and MCP start runs through these routes (loopback as the
 * caller), so they are admitted here too; WebSocket protocol commands use {@link tenantWork}.
 */
import type { Context } from "hono";
import { type PendingAudit, withAudit } from "../tenancy/audit/context.ts";
import { withOrg } from "../tenancy/context.ts";
import {
  admitRuns as admit,
  isRefusal,
  type RunAdmissionDeps,
  type RunRefusal,
} from "../tenancy/run-quotas.ts";
import type { TenantCaller } from "../tenancy/service.ts";

const CREATES_RUNS = /\/runs(\/stream|\/wait|\/batch)?$/;
const COMMANDS = "/threads/:thread_id/commands";
/** Protocol commands that create a run. */
export const RUN_COMMANDS = new Set(["run.start", "input.respond"]);

/** Whether a route may create runs (the body decides for protocol commands). */
export function createsRuns(method: string, routePath: string): boolean {
  return method === "POST" && (CREATES_RUNS.test(routePath) || routePath === COMMANDS);
}

/** What the gate needs. */
export type RunQuotaDeps = RunAdmissionDeps;

/** An admitted request: call `done` with its status when it ended. */
export interface Admission {
  done(status: number): Promise<void>;
}

/** The 429 of a refusal (body and headers as every quota answers). */
export function refusalResponse(c: Context, r: RunRefusal): Response {
  return c.json({ detail: r.refused }, 429, {
    "X-RateLimit-Limit": String(r.limit),
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": String(r.resetSeconds),
    "Retry-After": String(r.retryAfterSeconds),
  });
}

async function bodyOf(c: Context): Promise<unknown> {
  try {
    return (await c.req.raw.clone().json()) as unknown;
  } catch {
    return undefined;
  }
}

/** How many runs a request asks for (0: none, a command that starts no run). */
async function runsAsked(c: Context, routePath: string): Promise<number> {
  if (routePath === COMMANDS) {
    const body = (await bodyOf(c)) as { method?: unknown } | undefined;
    return typeof body?.method === "string" && RUN_COMMANDS.has(body.method) ? 1 : 0;
  }
  if (!routePath.endsWith("/batch")) return 1;
  const body = await bodyOf(c);
  return Array.isArray(body) ? Math.max(1, body.length) : 1;
}

/** Admits a run-creating request, or answers 429; undefined when no run quota applies. */
export async function admitRuns(
  c: Context,
  caller: TenantCaller,
  routePath: string,
  deps: RunQuotaDeps,
  audit: PendingAudit | undefined,
): Promise<Admission | Response | undefined> {
  const n = await runsAsked(c, routePath);
  if (n === 0) return undefined;
  const ticket = await admit(caller, n, deps);
  if (ticket === undefined) return undefined;
  if (isRefusal(ticket)) return refusalResponse(c, ticket);
  // The next admission may count once this request's run row committed.
  if (audit) audit.onCreated(() => void ticket.release());
  return { done: (status) => ticket.done(status < 400) };
}

/** Work of a tenant outside its request (WebSocket frames): its org, and its run admissions. */
export interface TenantWork {
  /** Runs `fn` in the caller's org. */
  run<T>(fn: () => T): T;
  /** Admits one run: a ticket (`done(created)`), a refusal, or undefined (no run quota). */
  admitRun(): ReturnType<typeof admit>;
  /** Whether the caller's role may start runs (`runs:write`, what the HTTP command route needs). */
  readonly mayStartRuns: boolean;
  /** Runs a command that starts a run owing its audit record, as a mutating HTTP request does. */
  audited<T>(fn: () => Promise<T>): Promise<T>;
}

/** What a caller's frames may do beyond its org: start runs, and the audit record each owes. */
export interface TenantWorkOptions {
  mayStartRuns: boolean;
  /** A fresh pending record for one run-starting frame (undefined: no audit log). */
  audit?: () => PendingAudit;
}

/** The tenant work of a caller. */
export function tenantWork(
  caller: TenantCaller,
  deps: RunQuotaDeps | undefined,
  options: TenantWorkOptions = { mayStartRuns: true },
): TenantWork {
  return {
    run: (fn) => withOrg(caller.orgId, fn),
    admitRun: async () => (deps ? admit(caller, 1, deps) : undefined),
    mayStartRuns: options.mayStartRuns,
    audited: (fn) => (options.audit ? withAudit(options.audit(), fn) : fn()),
  };
}
