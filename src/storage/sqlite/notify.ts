/**
 * LISTEN/NOTIFY in process for SQLite (one server process per file, so every listener is here).
 * `pg_notify(channel, payload)` is a SQL function on the connection: outside a transaction the
 * message is published at once, inside one it waits for COMMIT and is dropped by ROLLBACK, as
 * PostgreSQL delivers it. Listeners are called asynchronously, never inside the statement.
 */
import type { DatabaseConnection, Dialect, Driver, Kysely, TransactionSettings } from "kysely";
import type { NativeSqlite } from "./native.ts";

type Handler = (payload: string) => void;

/** The channels of one SQLite database. */
export class InProcessChannels {
  readonly #handlers = new Map<string, Set<Handler>>();
  #pending: [string, string][] = [];

  constructor(private readonly native: NativeSqlite) {
    native.function("pg_notify", { varargs: false }, (channel: unknown, payload: unknown) => {
      const message: [string, string] = [String(channel), payload == null ? "" : String(payload)];
      if (native.inTransaction) this.#pending.push(message);
      else this.publish(...message);
      return null;
    });
  }

  /** Calls every listener of `channel` (asynchronously). */
  publish(channel: string, payload: string): void {
    const handlers = this.#handlers.get(channel);
    if (!handlers || handlers.size === 0) return;
    setImmediate(() => {
      for (const h of handlers) h(payload);
    });
  }

  /** Delivers (`true`) or drops the messages of the transaction that just ended. */
  ended(committed: boolean): void {
    const pending = this.#pending;
    this.#pending = [];
    if (committed) for (const [c, p] of pending) this.publish(c, p);
  }

  /** Subscribes; returns the unsubscribe function. */
  listen(channel: string, onMessage: Handler): () => Promise<void> {
    const set = this.#handlers.get(channel) ?? new Set<Handler>();
    this.#handlers.set(channel, set);
    set.add(onMessage);
    return async () => {
      set.delete(onMessage);
    };
  }

  get closed(): boolean {
    return !this.native.open;
  }
}

class NotifyingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly channels: InProcessChannels,
  ) {}
  init() {
    return this.inner.init();
  }
  acquireConnection() {
    return this.inner.acquireConnection();
  }
  beginTransaction(c: DatabaseConnection, settings: TransactionSettings) {
    return this.inner.beginTransaction(c, settings);
  }
  async commitTransaction(c: DatabaseConnection) {
    try {
      await this.inner.commitTransaction(c);
    } catch (error) {
      this.channels.ended(false);
      throw error;
    }
    this.channels.ended(true);
  }
  async rollbackTransaction(c: DatabaseConnection) {
    this.channels.ended(false);
    await this.inner.rollbackTransaction(c);
  }
  releaseConnection(c: DatabaseConnection) {
    return this.inner.releaseConnection(c);
  }
  destroy() {
    return this.inner.destroy();
  }
}

/** `dialect` whose transactions deliver or drop their notifications when they end. */
export function notifyingDialect(dialect: Dialect, channels: InProcessChannels): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new NotifyingDriver(dialect.createDriver(), channels),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<any>) => dialect.createIntrospector(db),
  };
}
