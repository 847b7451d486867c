/**
 * The audit record's statements (./driver.ts): the plain INSERT, and on PostgreSQL the same record
 * carried by a data-modifying CTE of the write it describes, so a write outside a transaction
 * and its record are one statement (one round trip, no BEGIN/COMMIT):
 * - a plain INSERT of VALUES rows always changes rows: `WITH "olg_audit_record" AS (INSERT …) <write>`;
 * - an UPDATE, DELETE or upsert may change none (an unknown id answers 404, and must leave no
 *   record): `WITH "olg_write" AS (<write> RETURNING …), "olg_audit_record" AS (INSERT … SELECT …
 *   WHERE EXISTS (SELECT 1 FROM "olg_write")) SELECT * FROM "olg_write"`. Both parts see one
 *   snapshot and commit or fail together (PostgreSQL docs, "Data-Modifying Statements in WITH").
 */
import { CompiledQuery, type QueryResult } from "kysely";
import type { PendingAudit } from "./context.ts";

const COLUMNS =
  "org_id, actor_kind, actor_id, method, route, resource, resource_id, action, outcome, ip, user_agent";

function recordParameters(audit: PendingAudit, outcome: string): unknown[] {
  const e = audit.entry;
  return [
    e.org_id,
    e.actor_kind,
    e.actor_id,
    e.method,
    e.route,
    e.resource,
    e.resource_id,
    e.action,
    outcome,
    e.ip,
    e.user_agent?.slice(0, 500) ?? null,
  ];
}

/** `$from+1, …, $from+11`: the record's placeholders after a statement's own `from` parameters. */
const placeholders = (from: number) =>
  Array.from({ length: 11 }, (_, i) => `$${from + i + 1}`).join(", ");

/** The INSERT of a record; `outcome` says the change it describes committed with it. */
export function auditInsert(audit: PendingAudit, outcome: string): CompiledQuery {
  return CompiledQuery.raw(
    `INSERT INTO audit_log (${COLUMNS}) VALUES (${placeholders(0)})`,
    recordParameters(audit, outcome),
  );
}

/** `query` with `audit`'s record inserted by a CTE of the same statement (PostgreSQL). */
export function withAuditCte(query: CompiledQuery, audit: PendingAudit): CompiledQuery {
  const n = query.parameters.length;
  const cte = `"olg_audit_record" AS (INSERT INTO audit_log (${COLUMNS}) VALUES (${placeholders(n)}))`;
  const lead = /^\s*with(\s+recursive)?\s+/i.exec(query.sql);
  const text = lead
    ? `${lead[0]}${cte}, ${query.sql.slice(lead[0].length)}`
    : `WITH ${cte} ${query.sql}`;
  const parameters = [...query.parameters, ...recordParameters(audit, "committed")];
  return { ...query, sql: text, parameters };
}

type Node = { kind?: string; [k: string]: unknown };
const CONDITIONAL = new Set(["UpdateQueryNode", "DeleteQueryNode", "InsertQueryNode"]);

/**
 * Whether a write can be nested in a CTE whose record depends on it: a query-builder UPDATE,
 * DELETE or INSERT (an upsert) without a WITH of its own (data-modifying CTEs must be top level).
 */
export function takesConditionalCte(query: CompiledQuery): boolean {
  const node = query.query as Node | undefined;
  return !!node?.kind && CONDITIONAL.has(node.kind) && !node.with && !/^\s*with\b/i.test(query.sql);
}

/** `query` nested in a CTE, `audit`'s record inserted only when it changed rows (PostgreSQL). */
export function withConditionalAuditCte(query: CompiledQuery, audit: PendingAudit): CompiledQuery {
  const returning = (query.query as Node).returning ? "" : " RETURNING 1";
  const n = query.parameters.length;
  const sql =
    `WITH "olg_write" AS (${query.sql}${returning}), ` +
    `"olg_audit_record" AS (INSERT INTO audit_log (${COLUMNS}) SELECT ${placeholders(n)} ` +
    `WHERE EXISTS (SELECT 1 FROM "olg_write")) SELECT * FROM "olg_write"`;
  const parameters = [...query.parameters, ...recordParameters(audit, "committed")];
  return { ...query, sql, parameters };
}

/**
 * The result the caller of `query` expects from its CTE form's: the rows it returned (none
 * without its own RETURNING) and the rows it changed.
 */
export function asWriteResult<R>(query: CompiledQuery, result: QueryResult<R>): QueryResult<R> {
  const numAffectedRows = BigInt(result.rows.length);
  return (query.query as Node).returning
    ? { ...result, numAffectedRows }
    : { rows: [], numAffectedRows };
}
