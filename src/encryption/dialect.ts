/**
 * A Kysely dialect wrapper that runs an `EncryptionCodec` on every statement: parameters are
 * encrypted before they reach the driver, result rows decrypted before Kysely sees them. The
 * wrapped driver keeps its own connection objects (transactions and releases get the inner one).
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
import type { EncryptionCodec } from "./codec.ts";

class EncryptingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly codec: EncryptionCodec,
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

const innerOf = (c: DatabaseConnection) => (c instanceof EncryptingConnection ? c.inner : c);

class EncryptingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly codec: EncryptionCodec,
  ) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new EncryptingConnection(await this.inner.acquireConnection(), this.codec);
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
export function encryptingDialect(dialect: Dialect, codec: EncryptionCodec): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new EncryptingDriver(dialect.createDriver(), codec),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<any>) => dialect.createIntrospector(db),
  };
}
