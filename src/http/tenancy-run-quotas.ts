/**
 * Run quotas at the edge (tenancy on; src/tenancy/run-quotas.ts): a request that creates runs
 * (POST …/runs, /runs/stream, /runs/wait, /runs/batch) is admitted only within the org's and the
 * key's `runs_per_day` and `concurrent_runs`. Over a quota: 429 `{"detail": "Quota exceeded: …"}`
 * with `Retry-After` and the `X-RateLimit-*` headers in the request-rate quota's style (limit,
 * remaining 0, seconds until reset: the next UTC day for `runs_per_day`).
 */
import type { Context } from "hono";
import type { Db } from "../storage/database.ts";
import type { PendingAudit } from "../tenancy/audit/context.ts";
import { withOrg } from "../tenancy/context.ts";
import { activeRuns, type RunCounters, runQuotaOf, utcDay } from "../tenancy/run-quotas.ts";
import type { TenantCaller } from "../tenancy/service.ts";

const CREATES_RUNS = /\/runs(\/stream|\/wait|\/batch)?$/;

/** Whether a route creates runs. */
export function createsRuns(method: string, routePath: string): boolean {
  return method === "POST" && CREATES_RUNS.test(routePath);
}

/** What the gate needs. */
export interface RunQuotaDeps {
  counters: RunCounters;
  db: Db;
  now?: () => number;
}

/** An admitted request: call `done` with its status when it ended. */
export interface Admission {
  done(status: number): Promise<void>;
}

function exceeded(c: Context, what: string, limit: number, retryS: number, resetS: number) {
  return c.json({ detail: `Quota exceeded: ${what}` }, 429, {
    "X-RateLimit-Limit": String(limit),
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset": String(resetS),
    "Retry-After": String(retryS),
  });
}

async function runsAsked(c: Context, routePath: string): Promise<number> {
  if (!routePath.endsWith("/batch")) return 1;
  try {
    const body = (await c.req.raw.clone().json()) as unknown;
    return Array.isArray(body) ? Math.max(1, body.length) : 1;
  } catch {
    return 1;
  }
}

/** Admits a run-creating request, or answers 429; undefined when no run quota applies. */
export async function admitRuns(
  c: Context,
  caller: TenantCaller,
  routePath: string,
  deps: RunQuotaDeps,
  audit: PendingAudit | undefined,
): Promise<Admission | Response | undefined> {
  const org = runQuotaOf(caller.quotas.org);
  const key = runQuotaOf(caller.quotas.key);
  if (!org.concurrent && !org.perDay && !key.concurrent && !key.perDay) return undefined;
  const n = await runsAsked(c, routePath);
  const { day, resetSeconds } = utcDay((deps.now ?? Date.now)());
  const actor = `${caller.actor.kind}:${caller.actor.id}`;
  const taken: string[] = [];
  const refund = async () => {
    for (const bucket of taken.splice(0)) await deps.counters.refundDay(bucket, n);
  };
  // Concurrency first, under the org's lock: a request refused for it never holds a day slot,
  // so concurrent refusals cannot make the day look full to the others (day slots are taken
  // under the same lock, and only by requests that will run).
  let release: (() => Promise<void>) | undefined;
  if (org.concurrent || key.concurrent) {
    const unlock = await deps.counters.lock(`org:${caller.orgId}`);
    let released = false;
    release = async () => {
      if (released) return;
      released = true;
      await unlock();
    };
    const keyId = caller.actor.kind === "key" ? caller.actor.id : null;
    const active = await withOrg(caller.orgId, () => activeRuns(deps.db, caller.orgId, keyId));
    const over =
      org.concurrent && active.org + n > org.concurrent
        ? (["the organization's", org.concurrent] as const)
        : key.concurrent && active.key + n > key.concurrent
          ? (["the key's", key.concurrent] as const)
          : undefined;
    if (over) {
      await release();
      return exceeded(c, `${over[0]} concurrent_runs (${over[1]})`, over[1], 1, 1);
    }
  }
  for (const [bucket, limit, who] of [
    [`org:${caller.orgId}:${day}`, org.perDay, "the organization's"],
    [`${actor}:${day}`, key.perDay, "the key's"],
  ] as const) {
    if (!limit) continue;
    const d = await deps.counters.takeDay(bucket, n, limit);
    if (!d.allowed) {
      await refund();
      await release?.();
      return exceeded(c, `${who} runs_per_day (${limit})`, limit, resetSeconds, resetSeconds);
    }
    taken.push(bucket);
  }
  // The next admission may count once this request's run row committed.
  if (release && audit) audit.onCreated(() => void release?.());
  return {
    async done(status) {
      await release?.();
      if (status >= 400) await refund();
    },
  };
}
