/**
 * The dedicated LISTEN connection of a PostgreSQL pool. A terminated connection (failover, restart,
 * `pg_terminate_backend`) is reopened with capped exponential backoff and every channel is
 * LISTENed again; each loss and each reconnect is logged and counted. Notifications sent while the
 * connection was down are lost: every subscriber also polls (queue sweep, lease renewal carrying
 * `cancel_action`, event-log re-reads), so a gap costs latency, never correctness.
 */
import pg from "pg";

/** Where reconnects are reported (the process logger in production). */
export interface ListenerLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** State of the LISTEN connection, for metrics. */
export interface ListenerStats {
  connected: boolean;
  /** Times the connection was reopened after a loss. */
  reconnects: number;
}

/** A subscriber of one channel. */
export type ListenCallback = (payload: string) => void;

const quote = (channel: string) => `"${channel.replaceAll('"', '""')}"`;

/** One LISTEN connection shared by every channel of a process. */
export class PgListener {
  readonly #channels = new Map<string, Set<ListenCallback>>();
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  #closed = false;
  #reconnects = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly log?: ListenerLog,
    private readonly backoff = { initialMs: 100, maxMs: 5000 },
  ) {}

  /** Subscribes to `channel`; resolves once the channel is LISTENed. */
  async listen(channel: string, fn: ListenCallback): Promise<() => Promise<void>> {
    let set = this.#channels.get(channel);
    const fresh = !set;
    if (!set) {
      set = new Set();
      this.#channels.set(channel, set);
    }
    set.add(fn);
    const client = await this.#connect();
    if (fresh && this.#client === client) await client.query(`LISTEN ${quote(channel)}`);
    return async () => {
      set.delete(fn);
    };
  }

  stats(): ListenerStats {
    // Nothing to listen to yet (connected on the first `listen`): nothing is disconnected.
    const connected = this.#client != null || this.#channels.size === 0;
    return { connected, reconnects: this.#reconnects };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  #connect(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  async #open(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = null;
      void client.end().catch(() => {});
      if (this.#closed) return;
      this.log?.warn({ err: error }, "database LISTEN connection lost; reconnecting");
      this.#scheduleReconnect(this.backoff.initialMs);
    };
    client.on("error", onLost);
    client.on("end", () => onLost(new Error("connection ended")));
    client.on("notification", (msg) => {
      for (const fn of this.#channels.get(msg.channel) ?? []) fn(msg.payload ?? "");
    });
    try {
      await client.connect();
      for (const channel of this.#channels.keys()) await client.query(`LISTEN ${quote(channel)}`);
    } catch (error) {
      lost = true;
      client.removeAllListeners("end");
      await client.end().catch(() => {});
      throw error;
    }
    this.#client = client;
    return client;
  }

  #scheduleReconnect(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(async () => {
      if (this.#closed || this.#client) return;
      try {
        await this.#connect();
        this.#reconnects++;
        this.log?.info(
          { reconnects: this.#reconnects, channels: [...this.#channels.keys()] },
          "database LISTEN connection reopened",
        );
      } catch (error) {
        const next = Math.min(this.backoff.maxMs, delayMs * 2);
        this.log?.warn({ err: error, retry_ms: next }, "reopening the LISTEN connection failed");
        this.#scheduleReconnect(next);
      }
    }, delayMs);
    this.#timer.unref?.();
  }
}
