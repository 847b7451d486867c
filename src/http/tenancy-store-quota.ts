/**
 * The store-size quota at the edge (tenancy on; src/tenancy/store-quota.ts): `PUT /store/items`
 * is admitted only while the org's store bytes after it stay within the org's and the key's
 * `store_bytes`. Over: 429 `{"detail": "Quota exceeded: the organization's store_bytes (N)"}`
 * with `X-RateLimit-Limit` (N) and `X-RateLimit-Remaining` (bytes left); no `Retry-After`, as
 * waiting frees nothing (deleting items or their expiry does).
 */
import type { Context } from "hono";
import { encodeNamespace } from "../store/namespace.ts";
import type { TenantCaller } from "../tenancy/service.ts";
import { admitStorePut, type StoreTicket, storeQuotaOf } from "../tenancy/store-quota.ts";
import type { RunQuotaDeps } from "./tenancy-run-quotas.ts";

/** Whether a route writes a store item. */
export function putsStoreItem(method: string, routePath: string): boolean {
  return method === "PUT" && routePath === "/store/items";
}

/** Admits a store put, or answers 429; undefined when no store quota applies (or the body is invalid). */
export async function admitStore(
  c: Context,
  caller: TenantCaller,
  deps: RunQuotaDeps,
): Promise<StoreTicket | Response | undefined> {
  if (!storeQuotaOf(caller.quotas.org) && !storeQuotaOf(caller.quotas.key)) return undefined;
  let body: { namespace?: unknown; key?: unknown; value?: unknown };
  try {
    body = (await c.req.raw.clone().json()) as typeof body;
  } catch {
    return undefined; // the route answers 400 and writes nothing
  }
  const { namespace, key, value } = body ?? {};
  if (!Array.isArray(namespace) || typeof key !== "string" || typeof value !== "object")
    return undefined;
  const ticket = await admitStorePut(
    caller,
    { prefix: encodeNamespace(namespace as string[]), key, value },
    deps,
  );
  if (!ticket || !("refused" in ticket)) return ticket;
  return c.json({ detail: ticket.refused }, 429, {
    "X-RateLimit-Limit": String(ticket.limit),
    "X-RateLimit-Remaining": String(ticket.remaining),
  });
}
