/**
 * The MySQL/MariaDB engine of the storage port (`../engine/port.ts`): each neutral expression in
 * MariaDB's JSON and time functions, and transaction-scoped locks as row locks on `olg_locks`.
 * - JSON documents are `JSON_COMPACT(? /*olg:json*\/)`: compact text, marked for the escaping
 *   codec (`codec.ts`). A value read by key (`jsonGet`) is compacted too, so `=` between it and a
 *   document parameter compares the same text for the same value (objects: same key order).
 * - `jsonText` is PostgreSQL's `->>`: strings unquoted, JSON null and absent keys SQL NULL, any
 *   other value its compact JSON text (`true`, not MariaDB's `1`).
 * - `jsonContains` is `JSON_CONTAINS` (objects by key, arrays by element, scalars by value) plus
 *   a JSON type check at each object path of the filter (`mysqlContains`): `JSON_CONTAINS` alone
 *   finds a scalar or object inside an array (`{"tag":["x"]}` contains `{"tag":"x"}`), where `@>`
 *   needs the array form.
 * - `jsonMerge` sets each top-level key with `JSON_SET` (a shallow merge, nulls kept, as `||`).
 * - Times: `NOW(6)` (the statement's start, not the transaction's), microsecond arithmetic.
 */
import { type RawBuilder, sql } from "kysely";
import type { NeutralOp } from "../engine/neutral.ts";
import type { SqlEngine } from "../engine/port.ts";
import { keyPath } from "../sql/key-path.ts";
import { JSON_MARK } from "./codec.ts";

const MARK = sql.raw(` ${JSON_MARK}`);

/** A JSON document parameter given as JSON text. */
export function mysqlJsonDoc(text: string): RawBuilder<string> {
  return sql<string>`JSON_COMPACT(${text}${MARK})`;
}

/** The path to a top-level key (one spelling for MariaDB and SQLite). */
export { keyPath };

const extract = (doc: unknown, key: string) => sql`JSON_EXTRACT(${doc}, ${keyPath(key)})`;

/**
 * Whether JSON `doc` contains `value` with PostgreSQL's `jsonb @>` semantics: `JSON_CONTAINS`, and
 * at every path the filter reaches through objects, the document's value has the filter's kind
 * (object, array, or not an array). MariaDB's rule "a non-array is contained in an array that holds
 * it" is PostgreSQL's only at the top level (`'[1,2]' @> '1'`), so a top-level scalar is unguarded.
 * Inside a filter's arrays the elements keep `JSON_CONTAINS`'s rule.
 */
export function mysqlContains(doc: unknown, value: unknown): RawBuilder<unknown> {
  const guards: RawBuilder<unknown>[] = [];
  if (value !== null && typeof value === "object") kindGuards(doc, "$", value, guards);
  const contained = sql`JSON_CONTAINS(${doc}, ${mysqlJsonDoc(JSON.stringify(value ?? null))}) = 1`;
  return sql`(${sql.join([contained, ...guards], sql` AND `)})`;
}

/** Type checks for `value` (an object or array) at `path` of `doc`, and below it through objects. */
function kindGuards(doc: unknown, path: string, value: object, guards: RawBuilder<unknown>[]) {
  const at = sql`JSON_TYPE(JSON_EXTRACT(${doc}, ${path}))`;
  if (Array.isArray(value)) {
    guards.push(sql`${at} = 'ARRAY'`);
    return;
  }
  guards.push(sql`${at} = 'OBJECT'`);
  for (const [key, v] of Object.entries(value)) {
    const child = `${path}.${keyPath(key).slice(2)}`;
    if (v !== null && typeof v === "object") kindGuards(doc, child, v, guards);
    else guards.push(sql`COALESCE(JSON_TYPE(JSON_EXTRACT(${doc}, ${child})), '') <> 'ARRAY'`);
  }
}

/** MariaDB's SQL for a neutral expression; text results in `collation` (`pool.ts`). */
export function mysqlSql(op: NeutralOp, collation: string): RawBuilder<unknown> {
  switch (op.op) {
    case "json":
      return mysqlJsonDoc(JSON.stringify(op.value ?? null));
    case "now":
      return sql`NOW(6)`;
    case "nowPlusMs":
      return sql`TIMESTAMPADD(MICROSECOND, ROUND((${op.ms}) * 1000), NOW(6))`;
    case "tsPlusMs":
      return sql`TIMESTAMPADD(MICROSECOND, ROUND((${op.ms}) * 1000), ${op.ts})`;
    case "epochMs":
      return sql`(UNIX_TIMESTAMP(${op.ts}) * 1000)`;
    case "jsonGet":
      return sql`JSON_COMPACT(${extract(op.doc, op.key)})`;
    case "jsonText": {
      const v = extract(op.doc, op.key);
      return sql`(CASE WHEN JSON_TYPE(${v}) IS NULL OR JSON_TYPE(${v}) = 'NULL' THEN NULL
        WHEN JSON_TYPE(${v}) = 'STRING' THEN CONVERT(JSON_UNQUOTE(${v}) USING utf8mb4)
        ELSE CONVERT(JSON_COMPACT(${v}) USING utf8mb4) END) COLLATE ${sql.raw(collation)}`;
    }
    case "jsonIsArray":
      return sql`(JSON_TYPE(${op.value}) = 'ARRAY')`;
    case "jsonIsString":
      return sql`(JSON_TYPE(${op.value}) = 'STRING')`;
    case "jsonContains":
      return mysqlContains(op.doc, op.value);
    case "jsonMerge": {
      const entries = Object.entries(op.patch);
      if (entries.length === 0) return sql`${op.doc}`;
      const sets = entries.map(
        ([k, v]) => sql`${keyPath(k)}, JSON_EXTRACT(${JSON.stringify(v ?? null)}${MARK}, '$')`,
      );
      return sql`JSON_SET(COALESCE(${op.doc}, '{}'), ${sql.join(sets)})`;
    }
    case "textContains":
      return op.ci
        ? sql`(LOCATE(LOWER(${op.needle}), LOWER(${op.haystack})) > 0)`
        : sql`(LOCATE(${op.needle}, ${op.haystack}) > 0)`;
    case "greatest":
      return sql`GREATEST(${op.a}, ${op.b})`;
  }
}

/** MySQL 8 / MariaDB 10.6+, comparing text in `collation`. */
export const mysqlEngine = (collation: string): SqlEngine => ({
  kind: "mariadb",
  capabilities: {
    returning: false,
    writableCte: false,
    rowLocks: true,
    skipLocked: true,
    listenNotify: false,
    multiProcess: true,
    rowLevelSecurity: false,
    updateFrom: false,
  },
  render: (op) => mysqlSql(op, collation),
  async lockInTransaction(trx, key) {
    // A row lock lives until the transaction ends, like pg_advisory_xact_lock. A first-time key is
    // inserted; a concurrent insert of the same key waits on it, which is the lock too.
    await sql`INSERT IGNORE INTO olg_locks (lock_key) VALUES (${key.toString()})`.execute(trx);
    await sql`SELECT lock_key FROM olg_locks WHERE lock_key = ${key.toString()} FOR UPDATE`.execute(
      trx,
    );
  },
});
