/**
 * API-key lookups cached in process (tenancy on): a request with a key known here skips the
 * database (before: one indexed lookup per request, the PGlite bench's 0.27x). Safe because:
 * - an entry lives `ttlMs` (default 30 s) and never past the key's `expires_at`;
 * - revoking a key, changing its quotas or its org's quotas flushes this replica's cache before the
 *   admin API answers, and every other replica's as soon as the broadcast arrives (Redis pub/sub
 *   when `REDIS_URL` is set, and always the database's NOTIFY);
 * - a lookup that started before a flush does not store its (possibly stale) answer (generations);
 * - unknown keys are not cached (a revoked key is unknown at once after a flush).
 * Entries are keyed by the presented key (what the request carries anyway), so a hit costs no
 * sha256; at most 10,000 entries (oldest first out).
 */
import type { RedisConnection } from "../redis/connection.ts";

/** The channel of flushes. */
export const KEYS_CHANNEL = "olg_tenancy_keys";

interface Entry<T> {
  caller: T;
  /** Epoch ms when the entry stops being used. */
  until: number;
}

/** The notification pair flushes travel on (the database's LISTEN/NOTIFY). */
export interface Notifier {
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
}

/** A per-process cache of key lookups (`T`: what a key stands for). */
export class KeyCache<T = unknown> {
  readonly #entries = new Map<string, Entry<T>>();
  #generation = 0;
  #unsubscribe: (() => Promise<void>)[] = [];

  constructor(
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
    private readonly bus?: { db?: Notifier; redis?: RedisConnection },
  ) {}

  /** Subscribes to other replicas' flushes. */
  async start(): Promise<void> {
    const flush = () => this.flushLocal();
    if (this.bus?.db) this.#unsubscribe.push(await this.bus.db.listen(KEYS_CHANNEL, flush));
    if (this.bus?.redis)
      this.#unsubscribe.push(
        await this.bus.redis.subscribe(`${this.bus.redis.prefix}${KEYS_CHANNEL}`, flush),
      );
  }

  async stop(): Promise<void> {
    for (const off of this.#unsubscribe.splice(0)) await off().catch(() => {});
  }

  /** The cached caller of a key, if fresh. */
  get(key: string): T | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.until > this.now()) return e.caller;
    this.#entries.delete(key);
    return undefined;
  }

  /** The generation to hand back to `set` (taken before the lookup). */
  get generation(): number {
    return this.#generation;
  }

  /** Stores a lookup's answer for `key` unless a flush happened since `generation`. */
  set(key: string, caller: T, expiresAt: Date | null, generation: number): void {
    if (generation !== this.#generation) return;
    const until = Math.min(this.now() + this.ttlMs, expiresAt?.getTime() ?? Infinity);
    this.#entries.set(key, { caller, until });
    if (this.#entries.size > 10_000) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Forgets everything here. */
  flushLocal(): void {
    this.#generation++;
    this.#entries.clear();
  }

  /** Forgets everything here and tells the other replicas to. */
  async flush(): Promise<void> {
    this.flushLocal();
    await this.bus?.db?.notify(KEYS_CHANNEL, "flush").catch(() => {});
    if (this.bus?.redis)
      await this.bus.redis.publish(`${this.bus.redis.prefix}${KEYS_CHANNEL}`, "flush");
  }
}
