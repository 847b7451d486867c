/**
 * `SELECT pg_notify(channel, payload)` on the engines without LISTEN/NOTIFY (MariaDB/MySQL,
 * CockroachDB): a dialect wrapper takes the statement off the wire and hands the notification to
 * the handle's wake-up carrier (`mysql/notifier.ts`: Redis, or the polled `olg_notifications`
 * table), with PostgreSQL's timing: outside a transaction once the statement is done, inside one
 * after COMMIT, never after ROLLBACK. The code above writes the one neutral spelling everywhere
 * (a statement of its own; engines with `listenNotify: false` get no `pg_notify` inside a larger
 * statement, see `runs/sql-leases.ts` and `stream/sql-log-writes.ts`).
 *
 * Delivery waits until the connection is back in the pool: the polling carrier writes through the
 * same pool, and a statement that waited for a second connection while holding its first
 * deadlocked the pool for good once every connection was held that way (runs stuck `running`,
 * leases neither renewed nor swept; every stream event notifies).
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  Kysely,
  QueryResult,
  TransactionSettings,
} from "kysely";

/** Delivers a notification (the handle's carrier, bound after the pool opens). */
export type Notify = (channel: string, payload: string) => Promise<void>;

/** `SELECT pg_notify(?, ?)` (MySQL placeholders) or `($1, $2)` (PostgreSQL's), nothing else. */
const NOTIFY = /^\s*select\s+pg_notify\s*\(\s*(\?|\$1)\s*,\s*(\?|\$2)\s*\)\s*;?\s*$/i;

/** Whether `text` is a notification statement this wrapper takes (for tests and docs). */
export function isNotifyStatement(text: string): boolean {
  return NOTIFY.test(text);
}

class NotifyConnection implements DatabaseConnection {
  /** Notifications of the open transaction, kept until it ends (null: no transaction). */
  pending: [string, string][] | null = null;
  /** Notifications to deliver once the connection is released (committed or outside one). */
  readonly released: [string, string][] = [];

  constructor(
    readonly inner: DatabaseConnection,
    private readonly notify: Notify,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (!NOTIFY.test(query.sql)) return this.inner.executeQuery(query);
    const [channel, payload] = query.parameters.map((p) => (p == null ? "" : String(p)));
    (this.pending ?? this.released).push([channel ?? "", payload ?? ""]);
    return Promise.resolve({ rows: [{ pg_notify: "" } as R] });
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery(query, chunkSize);
  }

  /** The transaction ended: keep its notifications for the release (`committed`) or drop them. */
  ended(committed: boolean): void {
    const pending = this.pending ?? [];
    this.pending = null;
    if (committed) this.released.push(...pending);
  }

  /** Delivers what was kept for the release (the connection is back in the pool). */
  async deliver(): Promise<void> {
    for (const m of this.released.splice(0)) await this.notify(...m).catch(() => {});
  }
}

const innerOf = (c: DatabaseConnection) => (c instanceof NotifyConnection ? c.inner : c);

class NotifyDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly notify: Notify,
  ) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new NotifyConnection(await this.inner.acquireConnection(), this.notify);
  }
  async beginTransaction(c: DatabaseConnection, settings: TransactionSettings) {
    await this.inner.beginTransaction(innerOf(c), settings);
    if (c instanceof NotifyConnection) c.pending = [];
  }
  async commitTransaction(c: DatabaseConnection) {
    await this.inner.commitTransaction(innerOf(c));
    if (c instanceof NotifyConnection) c.ended(true);
  }
  async rollbackTransaction(c: DatabaseConnection) {
    if (c instanceof NotifyConnection) c.ended(false);
    await this.inner.rollbackTransaction(innerOf(c));
  }
  async releaseConnection(c: DatabaseConnection) {
    await this.inner.releaseConnection(innerOf(c));
    if (c instanceof NotifyConnection) await c.deliver();
  }
  destroy() {
    return this.inner.destroy();
  }
}

/** Wraps `dialect` so `SELECT pg_notify(…)` goes to `notify` as described above. */
export function emulatedNotifyDialect(dialect: Dialect, notify: Notify): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new NotifyDriver(dialect.createDriver(), notify),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<any>) => dialect.createIntrospector(db),
  };
}
