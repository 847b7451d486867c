/**
 * The audit log's write path (tenancy on): a Kysely dialect wrapper that puts a mutating request's
 * audit record (./context.ts) into the same transaction as the request's first write, so a change
 * never commits without its record and a rolled-back change leaves none.
 * - In a transaction: the first write claims the record; it is inserted just before COMMIT.
 * - A write outside any transaction (most single statements): wrapped in BEGIN, the statement, the
 *   record, COMMIT on the connection it already holds. On PostgreSQL a plain INSERT (no ON
 *   CONFLICT, VALUES rows: it changes rows or fails whole) instead carries the record in a
 *   data-modifying CTE of the same statement: one round trip instead of four (`POST /threads`,
 *   `/runs/wait`, the issue 19 cost goal; test/integration/tenancy.round-trips.test.ts). An
 *   UPDATE, DELETE or upsert does the same, its record inserted only when it changed rows
 *   (`./statements.ts`; `PATCH /threads/:id`).
 * - A write that changed no rows (an UPDATE of a missing id, answered 404) claims nothing.
 * Writes are INSERT/UPDATE/DELETE/MERGE statements (by Kysely's node kind, or the first word of raw
 * SQL, a leading WITH included). Works on every engine: only a plain INSERT is added.
 * A new row's id (POST /threads without an id) is read from the first insert into the resource's
 * table (the `idColumn` of the record) when the path names none.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import { type PendingAudit, pendingAudit } from "./context.ts";
import {
  asWriteResult,
  auditInsert,
  takesConditionalCte,
  withAuditCte,
  withConditionalAuditCte,
} from "./statements.ts";

const WRITE_NODES = new Set([
  "InsertQueryNode",
  "UpdateQueryNode",
  "DeleteQueryNode",
  "MergeQueryNode",
]);
const WRITE_SQL = /^\s*(insert|update|delete|merge)\b/i;
const CTE_WRITE = /^\s*with\b[\s\S]*\b(insert\s+into|update\s+\S+\s+set|delete\s+from)\b/i;

/** Whether a statement changes rows. */
export function isWrite(query: CompiledQuery): boolean {
  const kind = (query.query as { kind?: string } | undefined)?.kind;
  if (kind && WRITE_NODES.has(kind)) return true;
  if (kind && kind !== "RawNode") return false;
  return WRITE_SQL.test(query.sql) || CTE_WRITE.test(query.sql);
}

type Node = { kind?: string; [k: string]: unknown };
const nameOf = (n: unknown): string | undefined =>
  ((n as Node)?.table as Node | undefined)?.identifier
    ? (((n as Node).table as Node).identifier as { name?: string }).name
    : undefined;

/** The value of `column` in the first row of a Kysely INSERT into `table`, as text. */
function insertedValue(query: CompiledQuery, column: string): string | undefined {
  const node = query.query as Node | undefined;
  if (node?.kind !== "InsertQueryNode") return undefined;
  const cols = (node.columns as { column?: { name?: string } }[] | undefined) ?? [];
  const at = cols.findIndex((c) => c.column?.name === column);
  const first = ((node.values as Node | undefined)?.values as Node[] | undefined)?.[0];
  if (at < 0 || !first) return undefined;
  const raw =
    first.kind === "PrimitiveValueListNode"
      ? (first.values as unknown[])[at]
      : ((first.values as Node[])[at] as { value?: unknown } | undefined)?.value;
  return typeof raw === "string" || typeof raw === "number" ? String(raw) : undefined;
}

/** Whether a statement inserts into the record's resource table (`runs` for a run route). */
function insertsResource(audit: PendingAudit, query: CompiledQuery): boolean {
  const e = audit.entry;
  return e.resource != null && nameOf((query.query as Node | undefined)?.into) === e.resource;
}

/** Fills the record's id from an insert into its resource's table (once). */
function noteId(audit: PendingAudit, query: CompiledQuery): void {
  const e = audit.entry;
  if (e.resource_id != null || !audit.idColumn || !insertsResource(audit, query)) return;
  e.resource_id = insertedValue(query, audit.idColumn) ?? null;
}

/** Whether a write changed rows (a statement matching none, as an UPDATE of a missing id, did not). */
const changed = (r: QueryResult<unknown>) => r.numAffectedRows !== 0n;

/**
 * Whether a write surely changes rows when it succeeds: a Kysely INSERT of VALUES rows with no
 * conflict clause (`ON CONFLICT`, `IGNORE`, `OR …`, `REPLACE` may insert nothing).
 */
export function surelyChanges(query: CompiledQuery): boolean {
  const node = query.query as Node | undefined;
  if (node?.kind !== "InsertQueryNode") return false;
  if (node.onConflict || node.onDuplicateKey || node.ignore || node.orAction || node.replace)
    return false;
  const values = node.values as Node | undefined;
  return values?.kind === "ValuesNode" && ((values.values as unknown[]) ?? []).length > 0;
}

class AuditConnection implements DatabaseConnection {
  inTransaction = false;
  claimed: PendingAudit | undefined;
  /** The record whose resource row this transaction inserted (told at COMMIT). */
  creates: PendingAudit | undefined;
  constructor(
    readonly inner: DatabaseConnection,
    private readonly driver: Driver,
    /** PostgreSQL: a plain INSERT carries its record in a CTE. */
    private readonly cte: boolean,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const audit = pendingAudit();
    if (!audit || !isWrite(query)) return this.inner.executeQuery<R>(query);
    noteId(audit, query);
    const creates = insertsResource(audit, query);
    if (this.inTransaction) {
      const result = await this.inner.executeQuery<R>(query);
      if (creates && changed(result)) this.creates = audit;
      if (changed(result) && !this.claimed && audit.claim()) this.claimed = audit;
      return result;
    }
    if (!audit.claim()) {
      const result = await this.inner.executeQuery<R>(query);
      if (creates && changed(result)) audit.markCreated();
      return result;
    }
    if (this.cte && surelyChanges(query)) {
      try {
        const result = await this.inner.executeQuery<R>(withAuditCte(query, audit));
        audit.settle(true);
        if (creates) audit.markCreated();
        return result;
      } catch (error) {
        audit.settle(false);
        throw error;
      }
    }
    if (this.cte && takesConditionalCte(query)) {
      try {
        const result = await this.inner.executeQuery<R>(withConditionalAuditCte(query, audit));
        const change = result.rows.length > 0;
        audit.settle(change);
        if (creates && change) audit.markCreated();
        return asWriteResult(query, result);
      } catch (error) {
        audit.settle(false);
        throw error;
      }
    }
    await this.driver.beginTransaction(this.inner, {});
    try {
      const result = await this.inner.executeQuery<R>(query);
      const change = changed(result);
      if (change) await this.inner.executeQuery(auditInsert(audit, "committed"));
      await this.driver.commitTransaction(this.inner);
      audit.settle(change);
      if (creates && change) audit.markCreated();
      return result;
    } catch (error) {
      audit.settle(false);
      await this.driver.rollbackTransaction(this.inner).catch(() => {});
      throw error;
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize ?? 100);
  }
}

const innerOf = (c: DatabaseConnection) => (c instanceof AuditConnection ? c.inner : c);

class AuditDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly cte: boolean,
  ) {}
  init() {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    return new AuditConnection(await this.inner.acquireConnection(), this.inner, this.cte);
  }
  async beginTransaction(c: DatabaseConnection, settings: TransactionSettings) {
    await this.inner.beginTransaction(innerOf(c), settings);
    if (c instanceof AuditConnection) {
      c.inTransaction = true;
      c.claimed = undefined;
      c.creates = undefined;
    }
  }
  async commitTransaction(c: DatabaseConnection) {
    const claimed = c instanceof AuditConnection ? c.claimed : undefined;
    const creates = c instanceof AuditConnection ? c.creates : undefined;
    if (c instanceof AuditConnection) {
      c.inTransaction = false;
      c.claimed = undefined;
      c.creates = undefined;
    }
    try {
      if (claimed) await innerOf(c).executeQuery(auditInsert(claimed, "committed"));
      await this.inner.commitTransaction(innerOf(c));
      claimed?.settle(true);
      creates?.markCreated();
    } catch (error) {
      claimed?.settle(false);
      throw error; // Kysely rolls the transaction back: the change goes with its record
    }
  }
  async rollbackTransaction(c: DatabaseConnection) {
    if (c instanceof AuditConnection) {
      c.claimed?.settle(false);
      c.inTransaction = false;
      c.claimed = undefined;
      c.creates = undefined;
    }
    await this.inner.rollbackTransaction(innerOf(c));
  }
  releaseConnection(c: DatabaseConnection) {
    return this.inner.releaseConnection(innerOf(c));
  }
  destroy() {
    return this.inner.destroy();
  }
}

/** Wraps a dialect so mutating requests' audit records ride in their first write's transaction. */
export function auditDialect(dialect: Dialect): Dialect {
  const cte = dialect.createQueryCompiler() instanceof PostgresQueryCompiler;
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new AuditDriver(dialect.createDriver(), cte),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db: Kysely<any>) => dialect.createIntrospector(db),
  };
}
