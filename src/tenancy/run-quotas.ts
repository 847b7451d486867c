/**
 * Run quotas per organization and per API key (`quotas` of the org or key): `concurrent_runs`
 * (runs pending or running at once) and `runs_per_day` (runs created per UTC day).
 * - Per day: a counter per bucket and UTC day, checked and incremented atomically (one Lua script
 *   in Redis, shared by every replica; a map in process without Redis); refunded when the request
 *   then fails (4xx/5xx: no run was created).
 * - Concurrent: counted in the database (the runs table is the truth: runs that end free their
 *   slot, whichever replica ran them), per key through the audit records of the runs it created.
 *   Exact across replicas because admissions of one org are serialized: a lock per org (Redis
 *   `SET NX PX` when shared, a promise chain in process) is held from the count until the new
 *   run's row committed (the audit record's commit, src/tenancy/audit/context.ts) or the request
 *   ended.
 */
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import type { RedisConnection } from "../redis/connection.ts";
import type { Db } from "../storage/database.ts";
import { withOrg } from "./context.ts";

/** The run quotas of a `quotas` object (each positive integer, or absent). */
export interface RunQuota {
  concurrent?: number;
  perDay?: number;
}

/** The run quotas of a `quotas` object. */
export function runQuotaOf(quotas: Record<string, unknown> | undefined): RunQuota {
  const pick = (v: unknown) =>
    Number.isInteger(v) && (v as number) > 0 ? (v as number) : undefined;
  return { concurrent: pick(quotas?.concurrent_runs), perDay: pick(quotas?.runs_per_day) };
}

/** Where the counters and locks live. */
export interface RunCounters {
  /** Adds `n` to a day counter unless that passes `limit`; the count after (or as it stands). */
  takeDay(bucket: string, n: number, limit: number): Promise<{ allowed: boolean; count: number }>;
  /** Gives `n` back. */
  refundDay(bucket: string, n: number): Promise<void>;
  /** Holds the admission lock of `name`; resolves with its release. */
  lock(name: string): Promise<() => Promise<void>>;
}

/** The UTC day of `ms` (`2026-11-30`) and the seconds until the next one. */
export function utcDay(ms: number): { day: string; resetSeconds: number } {
  const d = new Date(ms);
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
  return { day: d.toISOString().slice(0, 10), resetSeconds: Math.ceil((next - ms) / 1000) };
}

/** Counters and locks of this process (one replica). */
export class MemoryRunCounters implements RunCounters {
  readonly #days = new Map<string, number>();
  readonly #locks = new Map<string, Promise<void>>();
  async takeDay(bucket: string, n: number, limit: number) {
    const count = this.#days.get(bucket) ?? 0;
    if (count + n > limit) return { allowed: false, count };
    this.#days.set(bucket, count + n);
    if (this.#days.size > 100_000) this.#days.delete(this.#days.keys().next().value!);
    return { allowed: true, count: count + n };
  }
  async refundDay(bucket: string, n: number) {
    this.#days.set(bucket, Math.max(0, (this.#days.get(bucket) ?? 0) - n));
  }
  async lock(name: string) {
    const before = this.#locks.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = before.then(() => mine);
    this.#locks.set(name, tail);
    await before;
    return async () => {
      release();
      if (this.#locks.get(name) === tail) this.#locks.delete(name);
    };
  }
}

/** KEYS[1] counter; ARGV n, limit, ttl seconds. Returns {allowed, count}. */
const TAKE_DAY = `
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = tonumber(ARGV[1])
if c + n > tonumber(ARGV[2]) then return {0, c} end
c = redis.call('INCRBY', KEYS[1], n)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return {1, c}`;
/** KEYS[1] lock; ARGV token. Deletes the lock only if it is still ours. */
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Counters and locks in Redis, shared by every replica. */
export class RedisRunCounters implements RunCounters {
  constructor(
    private readonly redis: RedisConnection,
    /** A lock outlives a crashed holder by this long. */
    private readonly lockMs = 10_000,
  ) {}
  async takeDay(bucket: string, n: number, limit: number) {
    const [allowed, count] = (await this.redis.client.eval(
      TAKE_DAY,
      1,
      `${this.redis.prefix}rq:${bucket}`,
      n,
      limit,
      2 * 86_400,
    )) as [number, number];
    return { allowed: allowed === 1, count: Number(count) };
  }
  async refundDay(bucket: string, n: number) {
    await this.redis.client.decrby(`${this.redis.prefix}rq:${bucket}`, n);
  }
  async lock(name: string) {
    const key = `${this.redis.prefix}rq-lock:${name}`;
    const token = randomUUID();
    for (let wait = 5; ; wait = Math.min(wait * 2, 50)) {
      if ((await this.redis.client.set(key, token, "PX", this.lockMs, "NX")) === "OK") break;
      await new Promise((r) => setTimeout(r, wait));
    }
    return async () => {
      await this.redis.client.eval(UNLOCK, 1, key, token);
    };
  }
}

/** Runs pending or running in an org, and those of them a key created. */
export async function activeRuns(
  db: Db,
  orgId: string,
  keyId: string | null,
): Promise<{ org: number; key: number }> {
  const { rows } = await sql<{ org: number; key: number }>`
    SELECT count(*)::int AS org,
      count(*) FILTER (WHERE EXISTS (
        SELECT 1 FROM audit_log a
        WHERE a.org_id = r.org_id AND a.resource = 'runs' AND a.resource_id = r.run_id::text
          AND a.actor_kind = 'key' AND a.actor_id = ${keyId ?? ""}))::int AS key
    FROM runs r
    WHERE r.org_id = ${orgId} AND r.status IN ('pending', 'running')`.execute(db);
  return rows[0] ?? { org: 0, key: 0 };
}

/** Who a run counts against: an org and, for a key, the key (`actor`) with their `quotas`. */
export interface RunSubject {
  orgId: string;
  actor: { kind: "key" | "user" | "cron" | "run"; id: string };
  quotas: { org: Record<string, unknown>; key: Record<string, unknown> };
}

/** Why runs were refused: `what` names the quota (`the key's runs_per_day (1000)`). */
export interface RunRefusal {
  refused: string;
  limit: number;
  /** Seconds until retrying can succeed, and until the quota resets. */
  retryAfterSeconds: number;
  resetSeconds: number;
}

/** Admitted runs: `release` lets the org's next admission count (the runs' rows committed); `done` ends it. */
export interface RunTicket {
  release(): Promise<void>;
  /** Releases, and refunds the day slots when no run was created (`created` false). */
  done(created: boolean): Promise<void>;
}

/** What an admission needs. */
export interface RunAdmissionDeps {
  counters: RunCounters;
  db: Db;
  now?: () => number;
}

/** Whether the subject's org or key has a run quota (else admission is a no-op: the gate skips it). */
export function hasRunQuota(subject: Pick<RunSubject, "quotas">): boolean {
  const org = runQuotaOf(subject.quotas.org);
  const key = runQuotaOf(subject.quotas.key);
  return !!(org.concurrent || org.perDay || key.concurrent || key.perDay);
}

/**
 * Admits `n` runs of a subject within its org's and key's `concurrent_runs` and `runs_per_day`:
 * a ticket, a refusal, or undefined when no run quota applies. Concurrency is checked first under
 * the org's lock (held until `release`/`done`), and day slots are taken only by admissions that
 * pass it, so concurrency refusals never make the day look full.
 */
export async function admitRuns(
  subject: RunSubject,
  n: number,
  deps: RunAdmissionDeps,
): Promise<RunTicket | RunRefusal | undefined> {
  const org = runQuotaOf(subject.quotas.org);
  const key = runQuotaOf(subject.quotas.key);
  if (!hasRunQuota(subject)) return undefined;
  const { day, resetSeconds } = utcDay((deps.now ?? Date.now)());
  const taken: string[] = [];
  const refund = async () => {
    for (const bucket of taken.splice(0)) await deps.counters.refundDay(bucket, n);
  };
  let unlock: (() => Promise<void>) | undefined;
  const release = async () => {
    const u = unlock;
    unlock = undefined;
    await u?.();
  };
  if (org.concurrent || key.concurrent) {
    unlock = await deps.counters.lock(`org:${subject.orgId}`);
    const keyId = subject.actor.kind === "key" ? subject.actor.id : null;
    const active = await withOrg(subject.orgId, () => activeRuns(deps.db, subject.orgId, keyId));
    const over =
      org.concurrent && active.org + n > org.concurrent
        ? (["the organization's", org.concurrent] as const)
        : key.concurrent && active.key + n > key.concurrent
          ? (["the key's", key.concurrent] as const)
          : undefined;
    if (over) {
      await release();
      return refusal(`${over[0]} concurrent_runs (${over[1]})`, over[1], 1, 1);
    }
  }
  const actor = `${subject.actor.kind}:${subject.actor.id}`;
  for (const [bucket, limit, who] of [
    [`org:${subject.orgId}:${day}`, org.perDay, "the organization's"],
    [`${actor}:${day}`, key.perDay, "the key's"],
  ] as const) {
    if (!limit) continue;
    const d = await deps.counters.takeDay(bucket, n, limit);
    if (!d.allowed) {
      await refund();
      await release();
      return refusal(`${who} runs_per_day (${limit})`, limit, resetSeconds, resetSeconds);
    }
    taken.push(bucket);
  }
  return {
    release,
    async done(created) {
      await release();
      if (!created) await refund();
    },
  };
}

function refusal(what: string, limit: number, retry: number, reset: number): RunRefusal {
  return {
    refused: `Quota exceeded: ${what}`,
    limit,
    retryAfterSeconds: retry,
    resetSeconds: reset,
  };
}

/** Whether an admission was refused. */
export function isRefusal(x: RunTicket | RunRefusal | undefined): x is RunRefusal {
  return x !== undefined && "refused" in x;
}
