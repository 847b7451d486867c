/**
 * A Kysely driver for PGlite (and for another thread's client of a SQLite connection,
 * `../sqlite/port-client.ts`) that behaves like a pool of one connection: each query, and each
 * transaction as a whole, holds the connection exclusively. Kysely's bundled PGlite driver shares
 * its single connection, so a query issued while another request's transaction is open runs inside
 * that transaction (and is lost if it rolls back); this one queues it instead. The database is an
 * `EmbeddedDatabase`: PGlite itself (same thread) or `PGliteWorker` (a worker thread); the queue
 * lives here either way, so a transaction's statements are never interleaved with others.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from "kysely";

/** What the driver needs of PGlite (PGlite itself and `PGliteWorker` both fit). */
export interface EmbeddedDatabase {
  readonly closed: boolean;
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

class EmbeddedConnection implements DatabaseConnection {
  constructor(private readonly pg: EmbeddedDatabase) {}
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.pg.query<R>(query.sql, query.parameters as unknown[]);
    return {
      rows: result.rows,
      numAffectedRows: result.affectedRows != null ? BigInt(result.affectedRows) : undefined,
    };
  }
  // biome-ignore lint/correctness/useYield: streaming is not offered here
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("Streaming queries are not supported on the embedded database");
  }
}

/** One connection at a time over an `EmbeddedDatabase` (see the module doc). */
export class MutexDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #connection: EmbeddedConnection;
  readonly #releases = new WeakMap<DatabaseConnection, () => void>();
  constructor(private readonly pg: EmbeddedDatabase) {
    this.#connection = new EmbeddedConnection(pg);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#mutex.lock();
    // A fresh wrapper per acquisition so the release belongs to exactly one holder.
    const conn = new EmbeddedConnection(this.pg);
    this.#releases.set(conn, release);
    return conn;
  }
  async beginTransaction(conn: DatabaseConnection): Promise<void> {
    await this.pg.query("BEGIN");
    void conn;
  }
  async commitTransaction(): Promise<void> {
    await this.pg.query("COMMIT");
  }
  async rollbackTransaction(): Promise<void> {
    await this.pg.query("ROLLBACK");
  }
  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    this.#releases.get(conn)?.();
    this.#releases.delete(conn);
  }
  async destroy(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
  /** Runs `fn` with the connection held (for work outside Kysely, e.g. LISTEN). */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.#mutex.lock();
    try {
      return await fn();
    } finally {
      release();
    }
  }
  get connection(): EmbeddedConnection {
    return this.#connection;
  }
}

/** The PGlite dialect: Postgres compiler and adapter, mutex-guarded driver. */
export class PGliteMutexDialect implements Dialect {
  readonly driver: MutexDriver;
  constructor(pg: EmbeddedDatabase) {
    this.driver = new MutexDriver(pg);
  }
  createDriver(): Driver {
    return this.driver;
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createAdapter() {
    return new PostgresAdapter();
  }
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
