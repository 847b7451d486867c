/**
 * A Kysely dialect wrapper that runs a `StatementCodec` on every statement: parameters are
 * transformed before they reach the driver, result rows after the driver and before Kysely sees
 * them (text escaping, `text-escape.ts`; encryption at rest, `encryption/`). The wrapped driver
 * keeps its own connection objects (transactions and releases get the inner one).
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

/** Transforms the parameters and result rows of one statement. */
export interface StatementCodec {
  encodeParams(sql: string, params: readonly unknown[]): Promise<unknown[]> | unknown[];
  decodeRows<R>(sql: string, rows: R[]): Promise<R[]> | R[];
}

class CodecConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly codec: StatementCodec,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = await this.codec.encodeParams(query.sql, query.parameters);
    const result = await this.inner.executeQuery<R>({ ...query, parameters });
    return { ...result, rows: await this.codec.decodeRows(query.sql, result.rows) };
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    const parameters = await this.codec.encodeParams(query.sql, query.parameters);
    for await (const chunk of this.inner.streamQuery<R>({ ...query, parameters }, chunkSize ?? 100))
      yield { ...chunk, rows: await this.codec.decodeRows(query.sql, chunk.rows) };
  }
}

const innerOf = (c: DatabaseConnection) => (c instanceof CodecConnection ? c.inner : c);

class CodecDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly codec: StatementCodec,
  ) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new CodecConnection(await this.inner.acquireConnection(), this.codec);
  }
  beginTransaction(c: DatabaseConnection, settings: TransactionSettings) {
    return this.inner.beginTransaction(innerOf(c), settings);
  }
  commitTransaction(c: DatabaseConnection) {
    return this.inner.commitTransaction(innerOf(c));
  }
  rollbackTransaction(c: DatabaseConnection) {
    return this.inner.rollbackTransaction(innerOf(c));
  }
  releaseConnection(c: DatabaseConnection) {
    return this.inner.releaseConnection(innerOf(c));
  }
  destroy() {
    return this.inner.destroy();
  }
}

/** Wraps `dialect` so every statement goes through `codec`. */
export function codecDialect(dialect: Dialect, codec: StatementCodec): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new CodecDriver(dialect.createDriver(), codec),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<any>) => dialect.createIntrospector(db),
  };
}
