/**
 * Lists that go through the same authorization as reads. A store handler usually decides on the
 * namespace it is shown (the docs' handler compares `namespace[0]` with the caller and returns no
 * filter); a listing without a prefix (or with a short one) would show it nothing to decide on,
 * so every namespace a listing is about to return is shown to the handler again, narrowed to that
 * namespace: the ones it denies (or whose filter does not match) are dropped. Paging applies to
 * what survives, scanning at most `maxScan` candidates per request.
 */
import type { Context } from "hono";
import type { AuthAction } from "../auth/authorize.ts";
import { AuthRejection } from "../auth/errors.ts";
import { matchesScope } from "../auth/scope.ts";
import { DomainError } from "../core/errors.ts";
import type { RouteAuth } from "./authz.ts";

/** Candidates looked at per listing before giving up on filling the page. */
export const MAX_SCAN = 10_000;

/** Whether `namespace` passes the caller's `store:<action>` handler (a denial means hidden). */
export async function namespaceVisible(
  c: Context,
  authz: RouteAuth,
  action: AuthAction,
  value: Record<string, unknown>,
  namespace: string[],
): Promise<boolean> {
  try {
    const { scope } = await authz(c, "store", action, { ...value, namespace: [...namespace] });
    return matchesScope({ namespace }, scope);
  } catch (error) {
    if (error instanceof AuthRejection) return false;
    if (error instanceof DomainError && ["forbidden", "not_found"].includes(error.code))
      return false;
    throw error;
  }
}

/**
 * Pages through `fetchPage(limit, offset)` keeping the items `keep` accepts, until `limit` kept
 * items after `offset` kept ones (or the source or the scan budget ran out).
 */
export async function keptPage<T>(
  fetchPage: (limit: number, offset: number) => Promise<T[]>,
  keep: (item: T) => Promise<boolean>,
  limit: number,
  offset: number,
  maxScan = MAX_SCAN,
): Promise<T[]> {
  const out: T[] = [];
  let skip = offset;
  let raw = 0;
  const pageSize = Math.min(Math.max(100, limit + offset), maxScan);
  while (raw < maxScan && out.length < limit) {
    const page = await fetchPage(pageSize, raw);
    raw += page.length;
    for (const item of page) {
      if (!(await keep(item))) continue;
      if (skip > 0) skip--;
      else if (out.length < limit) out.push(item);
    }
    if (page.length < pageSize) break;
  }
  return out;
}
