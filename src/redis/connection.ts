/**
 * Redis connections of one replica: a command connection, a subscriber (pub/sub) and a small pool
 * of dedicated connections for blocking reads (`XREAD BLOCK`). Every connection reconnects forever
 * with a capped backoff; commands fail fast while disconnected (no offline queue), so callers
 * choose: the run event log retries, the cache falls back to the database. Outages and recoveries
 * are logged once each and exposed through `state()` for `/ready`.
 */
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../logging/logger.ts";

/** Connection state as `/ready` reports it. */
export interface RedisState {
  status: "connecting" | "ready" | "reconnecting" | "closed";
  /** When the current state began (ISO). */
  since: string;
  /** Reconnections after an outage since start. */
  reconnects: number;
}

/** Options of `RedisConnection`. */
export interface RedisConnectionOptions {
  url: string;
  logger: Logger;
  /** Key prefix every feature puts in front of its keys (default `olg:`). */
  prefix?: string;
  /** Idle blocking connections kept for reuse. Default 8. */
  maxIdleBlocking?: number;
}

/** Backoff between reconnect attempts: 100 ms growing to 2 s. */
const retryStrategy = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2000);

/** The Redis connections of this process. */
export class RedisConnection {
  readonly prefix: string;
  /** Command connection (fails fast while disconnected). */
  readonly client: Redis;
  readonly #log: Logger;
  readonly #url: string;
  readonly #idle: Redis[] = [];
  readonly #busy = new Set<Redis>();
  readonly #maxIdle: number;
  readonly #onReady = new Set<() => void>();
  #subscriber: Redis | undefined;
  readonly #handlers = new Map<string, Set<(message: string) => void>>();
  #state: RedisState = { status: "connecting", since: new Date().toISOString(), reconnects: 0 };
  #lost = false;
  #closed = false;

  constructor(options: RedisConnectionOptions) {
    this.prefix = options.prefix ?? "olg:";
    this.#log = options.logger;
    this.#url = options.url;
    this.#maxIdle = options.maxIdleBlocking ?? 8;
    this.client = this.#connect("command");
    this.client.on("ready", () => {
      const recovered = this.#lost;
      this.#lost = false;
      this.#set("ready");
      if (recovered) {
        this.#state.reconnects += 1;
        this.#log.info({ reconnects: this.#state.reconnects }, "redis reconnected");
      } else this.#log.info({ url: redactUrl(this.#url) }, "redis connected");
      for (const fn of this.#onReady) fn();
    });
    this.client.on("close", () => {
      if (this.#closed) return;
      if (!this.#lost) this.#log.warn("redis connection lost; reconnecting");
      this.#lost = true;
      this.#set("reconnecting");
    });
  }

  /** Current state (for `/ready` and logs). */
  state(): RedisState {
    return { ...this.#state };
  }

  /** Whether commands can be sent now. */
  get ready(): boolean {
    return this.client.status === "ready";
  }

  /** Calls `fn` every time the command connection becomes ready (also after an outage). */
  onReady(fn: () => void): () => void {
    this.#onReady.add(fn);
    return () => this.#onReady.delete(fn);
  }

  /** Resolves when the command connection is ready, or false after `timeoutMs` / on close. */
  waitReady(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    if (this.#closed || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener("abort", onAbort);
        resolve(ok);
      };
      const onAbort = () => done(false);
      const off = this.onReady(() => done(true));
      const timer = setTimeout(() => done(this.ready), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Subscribes to a pub/sub channel (resubscribed after reconnects); returns the unsubscribe. */
  async subscribe(channel: string, fn: (message: string) => void): Promise<() => Promise<void>> {
    const sub = this.#subscriberConnection();
    let set = this.#handlers.get(channel);
    if (!set) {
      set = new Set();
      this.#handlers.set(channel, set);
      await sub.subscribe(channel).catch((err: unknown) => {
        // Not connected yet: ioredis resubscribes every channel once the connection is up.
        this.#log.warn({ err, channel }, "redis subscribe deferred");
      });
    }
    set.add(fn);
    return async () => {
      const handlers = this.#handlers.get(channel);
      handlers?.delete(fn);
      if (handlers && handlers.size === 0) {
        this.#handlers.delete(channel);
        await sub.unsubscribe(channel).catch(() => {});
      }
    };
  }

  /** Publishes on a channel; false when Redis is unreachable. */
  async publish(channel: string, message: string): Promise<boolean> {
    try {
      await this.client.publish(channel, message);
      return true;
    } catch {
      return false;
    }
  }

  /** Borrows a dedicated connection for a blocking command; give it back with `release`. */
  acquireBlocking(): Redis {
    // Queued while (re)connecting so a fresh connection can be used at once.
    const conn = this.#idle.pop() ?? this.#connect("blocking", { enableOfflineQueue: true });
    this.#busy.add(conn);
    return conn;
  }

  /** Returns a blocking connection (closed instead when broken or the pool is full). */
  release(conn: Redis, broken = false): void {
    this.#busy.delete(conn);
    if (broken || this.#closed || this.#idle.length >= this.#maxIdle) conn.disconnect();
    else this.#idle.push(conn);
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#set("closed");
    for (const c of [...this.#idle, ...this.#busy]) c.disconnect();
    this.#idle.length = 0;
    this.#busy.clear();
    this.#subscriber?.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  #subscriberConnection(): Redis {
    if (this.#subscriber) return this.#subscriber;
    const sub = this.#connect("subscriber", { enableOfflineQueue: true });
    sub.on("message", (channel: string, message: string) => {
      for (const fn of this.#handlers.get(channel) ?? []) {
        try {
          fn(message);
        } catch (err) {
          this.#log.warn({ err, channel }, "redis message handler failed");
        }
      }
    });
    this.#subscriber = sub;
    return sub;
  }

  #connect(role: string, extra: Partial<RedisOptions> = {}): Redis {
    const conn = new Redis(this.#url, {
      connectionName: `olg-${role}`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy,
      connectTimeout: 2000,
      ...extra,
    });
    // Errors surface as rejected commands; the connection keeps reconnecting on its own.
    conn.on("error", () => {});
    return conn;
  }

  #set(status: RedisState["status"]): void {
    if (this.#state.status === status) return;
    this.#state = { ...this.#state, status, since: new Date().toISOString() };
  }
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "redis://?";
  }
}
