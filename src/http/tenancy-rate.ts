/**
 * Request-rate quotas at the tenancy gate (`requests_per_minute`, `burst` on the org or key;
 * src/tenancy/rate-limit.ts): which buckets a caller takes from, the 429 answer, and the
 * `X-RateLimit-*` headers set on the response.
 */
import type { Context } from "hono";
import {
  type RateDecision,
  type RateLimiter,
  type RateQuota,
  rateQuotaOf,
} from "../tenancy/rate-limit.ts";
import type { TenantCaller } from "../tenancy/service.ts";

/**
 * Takes a token from the org's and the key's buckets (those with a `requests_per_minute` quota):
 * the 429 answer when one is empty, else the `X-RateLimit-*` headers of the tighter one (set on the
 * response once it exists: headers prepared before `next()` make Hono merge them into every
 * response it builds), or undefined without a rate quota.
 */
export async function rateLimit(
  c: Context,
  limiter: RateLimiter,
  buckets: [string, RateQuota | undefined][],
): Promise<Response | Record<string, string> | undefined> {
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

/** The request-rate buckets of a caller with a rate quota (org's, key's), or undefined without one. */
export function rateBuckets(caller: TenantCaller): [string, RateQuota | undefined][] | undefined {
  const org = rateQuotaOf(caller.quotas.org);
  const key = rateQuotaOf(caller.quotas.key);
  if (!org && !key) return undefined;
  return [
    [`org:${caller.orgId}`, org],
    [`${caller.actor.kind}:${caller.actor.id}`, key],
  ];
}

/** Sets `headers` on the response `next()` left (a copy when its headers are immutable). */
export function setAfter(c: Context, headers: Record<string, string> | undefined): void {
  if (!headers) return;
  for (const [k, v] of Object.entries(headers))
    try {
      c.res.headers.set(k, v);
    } catch {
      c.header(k, v); // a fetched Response's headers are immutable: Hono copies it
    }
}
