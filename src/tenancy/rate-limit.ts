/**
 * Request-rate quotas: a token bucket per organization and per API key. A bucket holds `burst`
 * tokens (default: the per-minute rate), refills at `requests_per_minute / 60` tokens a second, and
 * each request takes one; an empty bucket answers 429 with `Retry-After` (seconds until a token)
 * and the `X-RateLimit-Limit` / `-Remaining` / `-Reset` headers (IETF draft
 * "RateLimit header fields for HTTP", the widespread X- form GitHub and others send).
 * In process without Redis; with Redis one Lua script per bucket and request, timed by the Redis
 * clock, so every replica draws from the same bucket (exact across replicas).
 */
import type { RedisConnection } from "../redis/connection.ts";

/** A bucket's configuration. */
export interface RateQuota {
  perMinute: number;
  burst: number;
}

/** The outcome of taking one token. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Whole tokens left. */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one token is available (0 when allowed). */
  retryAfterSeconds: number;
}

/** Takes tokens from named buckets. */
export interface RateLimiter {
  take(bucket: string, quota: RateQuota): Promise<RateDecision>;
}

/** The quota of a `quotas` object (`requests_per_minute`, optional `burst`), or undefined. */
export function rateQuotaOf(quotas: Record<string, unknown> | undefined): RateQuota | undefined {
  const perMinute = Number(quotas?.requests_per_minute);
  if (!Number.isFinite(perMinute) || perMinute <= 0) return undefined;
  const burst = Number(quotas?.burst);
  return { perMinute, burst: Number.isFinite(burst) && burst >= 1 ? burst : perMinute };
}

function decide(tokens: number, allowed: boolean, q: RateQuota): RateDecision {
  const perSecond = q.perMinute / 60;
  return {
    allowed,
    limit: q.burst,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: Math.ceil((q.burst - tokens) / perSecond),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perSecond)),
  };
}

/** Buckets in this process (single replica). */
export class MemoryRateLimiter implements RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly now: () => number = Date.now) {}
  async take(bucket: string, q: RateQuota): Promise<RateDecision> {
    const now = this.now();
    const b = this.#buckets.get(bucket) ?? { tokens: q.burst, at: now };
    b.tokens = Math.min(q.burst, b.tokens + ((now - b.at) * q.perMinute) / 60_000);
    b.at = now;
    const allowed = b.tokens >= 1;
    if (allowed) b.tokens -= 1;
    this.#buckets.set(bucket, b);
    if (this.#buckets.size > 100_000) this.#buckets.delete(this.#buckets.keys().next().value!);
    return decide(b.tokens, allowed, q);
  }
}

/** KEYS[1] bucket; ARGV burst, tokens per ms. Returns {allowed, tokens}. Timed by Redis. */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local s = redis.call('HMGET', KEYS[1], 'tk', 'ts')
local tokens = tonumber(s[1]) or cap
local ts = tonumber(s[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1 allowed = 1 end
redis.call('HSET', KEYS[1], 'tk', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)
return {allowed, tostring(tokens)}`;

/** Buckets in Redis, shared by every replica. */
export class RedisRateLimiter implements RateLimiter {
  constructor(private readonly redis: RedisConnection) {}
  async take(bucket: string, q: RateQuota): Promise<RateDecision> {
    const [allowed, tokens] = (await this.redis.client.eval(
      TAKE,
      1,
      `${this.redis.prefix}rl:${bucket}`,
      q.burst,
      q.perMinute / 60_000,
    )) as [number, string];
    return decide(Number(tokens), allowed === 1, q);
  }
}
