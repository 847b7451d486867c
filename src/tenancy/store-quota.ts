/**
 * The store-size quota (`store_bytes` in the `quotas` of an org or a key): the bytes of an org's
 * store items, each counted as `octet_length(value::text) + octet_length(prefix) +
 * octet_length(key)` (the stored JSON as PostgreSQL prints it, its encoded namespace and its key;
 * expired, unswept items do not count). A put is admitted when the org's bytes after it (minus the
 * item it replaces, plus the new one) stay within the org's limit and within the key's: a key's
 * limit bounds the org's store its writes may grow (store items have no owning key: any key of the
 * org overwrites any item). The database is the truth (deletes, expiries and graph writes free
 * bytes whatever replica made them); puts of one org are serialized by the run quotas' lock (Redis
 * `SET NX PX` across replicas, in process otherwise), so the check is exact across replicas.
 */
import { sql } from "kysely";
import type { Db } from "../storage/database.ts";
import { currentOrg, SYSTEM_ORG, withOrg } from "./context.ts";
import { TenancyRepository } from "./repository.ts";
import type { RunCounters, RunRefusal, RunSubject } from "./run-quotas.ts";

/** A `quotas` object's `store_bytes` (a positive integer), or undefined. */
export function storeQuotaOf(quotas: Record<string, unknown> | undefined): number | undefined {
  const v = quotas?.store_bytes;
  return Number.isInteger(v) && (v as number) > 0 ? (v as number) : undefined;
}

/** Whether the subject's org or key has a store quota. */
export function hasStoreQuota(subject: Pick<RunSubject, "quotas">): boolean {
  return (
    storeQuotaOf(subject.quotas.org) !== undefined || storeQuotaOf(subject.quotas.key) !== undefined
  );
}

/** An item a put writes: its encoded namespace, key and new value. */
export type StoreItemPut = { prefix: string; key: string; value: unknown };

/** The org's store bytes, those of the item at (`prefix`, `key`) and those of `value` there. */
export async function storeBytes(
  db: Db,
  orgId: string,
  item: StoreItemPut,
): Promise<{ total: number; replaced: number; incoming: number }> {
  const size = sql`octet_length(s.value::text) + octet_length(s.prefix) + octet_length(s.key)`;
  const { rows } = await withOrg(orgId, () =>
    sql<{ total: string; replaced: string; incoming: string }>`
      SELECT coalesce(sum(${size}), 0)::bigint AS total,
        coalesce(sum(${size}) FILTER (WHERE s.prefix = ${item.prefix} AND s.key = ${item.key}), 0)::bigint AS replaced,
        (octet_length(CAST(${JSON.stringify(item.value)} AS jsonb)::text)
          + octet_length(${item.prefix}::text) + octet_length(${item.key}::text))::bigint AS incoming
      FROM store_items s
      WHERE s.org_id = ${orgId} AND (s.expires_at IS NULL OR s.expires_at > now())`.execute(db),
  );
  const r = rows[0];
  return {
    total: Number(r?.total ?? 0),
    replaced: Number(r?.replaced ?? 0),
    incoming: Number(r?.incoming ?? 0),
  };
}

/** An admitted put: `done` once it ended (lets the org's next put count). */
export interface StoreTicket {
  done(): Promise<void>;
}

/**
 * Admits a put of `value` at (`prefix`, `key`) by `subject`: a ticket, a refusal (429 `Quota
 * exceeded: the organization's store_bytes (N)`; `X-RateLimit-Remaining` = bytes left), or
 * undefined when no store quota applies.
 */
export async function admitStorePut(
  subject: RunSubject,
  item: StoreItemPut,
  deps: { counters: RunCounters; db: Db },
): Promise<StoreTicket | (RunRefusal & { remaining: number }) | undefined> {
  return admitStorePuts(subject, [item], deps);
}

/** {@link admitStorePut} for the puts of one batch (distinct items), all or nothing. */
export async function admitStorePuts(
  subject: RunSubject,
  items: StoreItemPut[],
  deps: { counters: RunCounters; db: Db },
): Promise<StoreTicket | (RunRefusal & { remaining: number }) | undefined> {
  const org = storeQuotaOf(subject.quotas.org);
  const key = storeQuotaOf(subject.quotas.key);
  if (!org && !key) return undefined;
  const unlock = await deps.counters.lock(`store:${subject.orgId}`);
  try {
    let total = 0;
    let replaced = 0;
    let incoming = 0;
    for (const item of items) {
      const b = await storeBytes(deps.db, subject.orgId, item);
      total = b.total;
      replaced += b.replaced;
      incoming += b.incoming;
    }
    const after = total - replaced + incoming;
    for (const [limit, who] of [
      [org, "the organization's"],
      [key, "the key's"],
    ] as const) {
      if (limit && after > limit) {
        await unlock();
        return {
          refused: `Quota exceeded: ${who} store_bytes (${limit})`,
          limit,
          remaining: Math.max(0, limit - (total - replaced)),
          retryAfterSeconds: 0,
          resetSeconds: 0,
        };
      }
    }
  } catch (error) {
    await unlock();
    throw error;
  }
  return { done: unlock };
}

/** A store write a run's graph made was refused by its org's `store_bytes`. */
export class StoreQuotaExceeded extends Error {
  override name = "StoreQuotaExceeded";
}

/**
 * The store-size quota of the store writes graphs make inside runs (tenancy on): a put batch is
 * admitted against the run's org's `store_bytes` (read from the org row on each batch, so a
 * changed quota applies at once; keys do not apply: runs outlive their requests) under the same
 * per-org lock as `PUT /store/items`; over it the put throws {@link StoreQuotaExceeded} with the
 * route's message (`Quota exceeded: the organization's store_bytes (N)`), nothing is written and
 * the run fails with that error unless the graph catches it.
 */
export function runStoreQuota(
  db: Db,
  counters: RunCounters,
): (items: StoreItemPut[]) => Promise<StoreTicket | undefined> {
  const orgs = new TenancyRepository(db);
  return async (items) => {
    const orgId = currentOrg();
    if (orgId === SYSTEM_ORG) return undefined;
    const org = (await orgs.getOrg(orgId))?.quotas ?? {};
    if (!storeQuotaOf(org)) return undefined;
    const subject = { orgId, actor: { kind: "run" as const, id: orgId }, quotas: { org, key: {} } };
    const ticket = await withOrg(orgId, () => admitStorePuts(subject, items, { counters, db }));
    if (ticket && "refused" in ticket) throw new StoreQuotaExceeded(ticket.refused);
    return ticket;
  };
}
