/**
 * `UPDATE … RETURNING` on MariaDB, which has INSERT/DELETE … RETURNING but not UPDATE's. A dialect
 * wrapper (innermost, below the statement codecs) runs such a statement as three, inside the
 * caller's transaction or one of its own:
 *   1. `SELECT <primary key> FROM t WHERE <where> FOR UPDATE` — locks exactly the rows to change;
 *   2. the UPDATE itself without RETURNING, its WHERE replaced by those keys (its SET parameters
 *      as the codecs encoded them);
 *   3. `SELECT <returning list> FROM t WHERE <primary key> IN (…)` — the rows as updated.
 * The rows locked in 1 cannot change between 1 and 2, so 3 returns what PostgreSQL would.

 */
import {
  ColumnNode,
  type CompiledQuery,
  createQueryId,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  MysqlAdapter,
  MysqlQueryCompiler,
  type QueryResult,
  type RootOperationNode,
  SelectionNode,
  SelectModifierNode,
  SelectQueryNode,
  sql,
  type TableNode,
  type TransactionSettings,
  type UpdateQueryNode,
  WhereNode,
} from "kysely";
import { isDeadlockVictim, type RetryStats, withRetry } from "../transaction-retry.ts";

/** Primary keys of the tables updated with RETURNING (and the others, for completeness). */
const PRIMARY_KEYS: Record<string, readonly string[]> = {
  assistants: ["assistant_id"],
  assistant_versions: ["assistant_id", "version"],
  threads: ["thread_id"],
  runs: ["run_id"],
  crons: ["cron_id"],
  webhook_dead_letters: ["dead_letter_id"],
  run_event_logs: ["run_id"],
  artifacts: ["artifact_id"],
  artifact_retention: ["target"],
  organizations: ["org_id"],
  users: ["user_id"],
  memberships: ["org_id", "user_id"],
  api_keys: ["key_id"],
  store_items: ["org_id", "prefix", "key"],
  checkpoints: ["thread_id", "checkpoint_ns", "checkpoint_id"],
};

type Encode = (sql: string, params: readonly unknown[]) => Promise<unknown[]> | unknown[];

const compiler = new MysqlQueryCompiler();
const compile = (node: RootOperationNode): CompiledQuery =>
  compiler.compileQuery(node, createQueryId());

function tableOf(node: UpdateQueryNode): { name: string; from: TableNode | RootOperationNode } {
  const t = node.table as unknown as {
    kind: string;
    node?: TableNode;
    table?: { identifier: { name: string } };
  };
  const table = t.kind === "AliasNode" ? t.node! : (t as unknown as TableNode);
  return { name: table.table.identifier.name, from: node.table as TableNode };
}

class ReturningConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly encode: Encode,
    private readonly retries: RetryStats,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const node = query.query as UpdateQueryNode | undefined;
    if (node?.kind !== "UpdateQueryNode" || !node.returning) return this.inner.executeQuery(query);
    return this.#emulate<R>(query, node);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery(query, chunkSize ?? 100);
  }

  async #emulate<R>(query: CompiledQuery, node: UpdateQueryNode): Promise<QueryResult<R>> {
    const { name, from } = tableOf(node);
    const pk = PRIMARY_KEYS[name];
    if (!pk) throw new Error(`UPDATE … RETURNING on MariaDB: no primary key known for ${name}`);
    const run = (c: CompiledQuery) => this.inner.executeQuery<Record<string, unknown>>(c);
    const own = Number((await run(rawQuery("SELECT @@in_transaction AS t"))).rows[0]?.t) === 0;
    if (!own) return this.#lockUpdateRead(query, node, pk, from);
    // Its own transaction, run again whole if InnoDB made it a deadlock victim (as one statement
    // would be on PostgreSQL, where it cannot deadlock with itself; ../transaction-retry.ts).
    return withRetry(
      this.retries,
      async () => {
        await run(rawQuery("BEGIN"));
        try {
          const result = await this.#lockUpdateRead<R>(query, node, pk, from);
          await run(rawQuery("COMMIT"));
          return result;
        } catch (error) {
          await run(rawQuery("ROLLBACK")).catch(() => {});
          throw error;
        }
      },
      undefined,
      isDeadlockVictim,
    );
  }

  /** Steps 1-3 of the module doc, in the transaction the connection is in. */
  async #lockUpdateRead<R>(
    query: CompiledQuery,
    node: UpdateQueryNode,
    pk: readonly string[],
    from: unknown,
  ): Promise<QueryResult<R>> {
    const run = (c: CompiledQuery) => this.inner.executeQuery<Record<string, unknown>>(c);
    let lock = SelectQueryNode.createFrom([from as TableNode]);
    lock = SelectQueryNode.cloneWithSelections(
      lock,
      pk.map((c) => SelectionNode.create(ColumnNode.create(c))),
    );
    if (node.where) lock = { ...lock, where: node.where };
    lock = { ...lock, endModifiers: [SelectModifierNode.create("ForUpdate")] };
    const lockSql = compile(lock);
    const keys = (
      await run({ ...lockSql, parameters: await this.encode(lockSql.sql, lockSql.parameters) })
    ).rows;
    let result: QueryResult<R> = { rows: [], numAffectedRows: 0n };
    if (keys.length > 0) {
      const match = sql`(${sql.join(pk.map((c) => sql.ref(c)))}) IN (${sql.join(
        keys.map((k) => sql`(${sql.join(pk.map((c) => k[c]))})`),
      )})`;
      // The UPDATE changes exactly the rows locked above, named by key: its own WHERE may read
      // the table it updates (MariaDB refuses that, error 1093), and the locked rows still
      // match it. Its SET parameters (before the WHERE's) keep their encoded form.
      const head = compile({ ...node, returning: undefined, where: undefined });
      const update = compile({
        ...node,
        returning: undefined,
        where: WhereNode.create(match.toOperationNode()),
      });
      const updated = await run({
        ...update,
        parameters: [
          ...query.parameters.slice(0, head.parameters.length),
          ...update.parameters.slice(head.parameters.length),
        ],
      });
      let read = SelectQueryNode.createFrom([from as TableNode]);
      read = SelectQueryNode.cloneWithSelections(read, node.returning!.selections);
      read = { ...read, where: WhereNode.create(match.toOperationNode()) };
      const rows = await this.inner.executeQuery<R>(compile(read));
      result = { rows: rows.rows, numAffectedRows: updated.numAffectedRows };
    }
    return result;
  }
}

function rawQuery(text: string): CompiledQuery {
  return {
    sql: text,
    parameters: [],
    query: sql.raw(text).toOperationNode() as never,
    queryId: createQueryId(),
  };
}

const innerOf = (c: DatabaseConnection) => (c instanceof ReturningConnection ? c.inner : c);

class ReturningDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly encode: Encode,
    private readonly retries: RetryStats,
  ) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.inner.acquireConnection();
    return new ReturningConnection(inner, this.encode, this.retries);
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

/**
 * MariaDB's adapter with `RETURNING`: MariaDB 10.5+ has `INSERT … RETURNING` and `DELETE …
 * RETURNING`, and `UPDATE … RETURNING` runs as above. Kysely's MySQL adapter says it has none,
 * so a builder's `.returning(…)` would hand back an `UpdateResult`/`DeleteResult` object instead
 * of the rows (truthy even when no row matched).
 */
class MariadbAdapter extends MysqlAdapter {
  override get supportsReturning(): boolean {
    return true;
  }
}

/**
 * Wraps `dialect` so `UPDATE … RETURNING` runs as above; `encode` is the escaping codec's. An emulated
 * statement in a transaction of its own is run again when InnoDB makes it a deadlock victim
 * (counted in `retries`).
 */
export function returningDialect(
  dialect: Dialect,
  encode: Encode,
  retries: RetryStats = { retries: 0, exhausted: 0 },
): Dialect {
  return {
    createAdapter: () => new MariadbAdapter(),
    createDriver: () => new ReturningDriver(dialect.createDriver(), encode, retries),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<any>) => dialect.createIntrospector(db),
  };
}
