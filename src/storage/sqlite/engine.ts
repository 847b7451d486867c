/**
 * The SQLite engine: how each neutral expression (`../engine/neutral.ts`) reads in SQLite.
 * - JSON documents are text written through `json()` (minified) and read with the JSON1
 *   operators `->` (JSON text) and `->>` (SQL value) on explicit `$."key"` paths.
 * - Timestamps are ISO-8601 text in UTC with milliseconds (`2026-01-02T03:04:05.678Z`, what
 *   `Date.toISOString()` writes), so comparing text compares time.
 * - PostgreSQL containment (`@>`) is compiled from the wanted value, which is always known when
 *   the statement is built: objects key by key, arrays element by element through `json_each`.
 */
import { type Expression, type RawBuilder, sql } from "kysely";
import type { NeutralOp } from "../engine/neutral.ts";
import type { SqlEngine } from "../engine/port.ts";
import { JSON_MARK } from "../mysql/codec.ts";
import { allOf } from "../sql/all-of.ts";
import { keyPath } from "../sql/key-path.ts";

/** The SQLite timestamp format (same text as `Date.toISOString()`). */
export const ISO_NOW = sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

/** A JSON path selecting the top-level key `key` (quoted, escaped: `../sql/key-path.ts`). */
export { keyPath };

/**
 * A JSON document parameter, marked for the escaping codec (`open.ts`) as on MariaDB: the marker
 * after its `?` is PostgreSQL's `$n::jsonb` counterpart.
 */
const jsonParam = (value: unknown) =>
  sql`json(${JSON.stringify(value ?? null)}${sql.raw(` ${JSON_MARK}`)})`;

let alias = 0;

/**
 * Whether the JSON text `doc` contains `value` (PostgreSQL `jsonb @>` semantics). The checks are
 * a balanced AND (`allOf`): a flat chain of a 1,000-item array passed SQLite's depth limit.
 */
function contains(doc: Expression<unknown>, value: unknown): RawBuilder<unknown> {
  if (Array.isArray(value)) {
    const scalars = value.filter((element) => element === null || typeof element !== "object");
    const checks = value
      .filter((element) => element !== null && typeof element === "object")
      .map((element) => {
        const e = sql.raw(`je${++alias}`);
        return sql`EXISTS (SELECT 1 FROM json_each(${doc}) AS ${e} WHERE ${elementMatches(e, element)})`;
      });
    if (scalars.length) checks.push(holdsScalars(doc, scalars));
    return allOf([sql`json_type(${doc}) = 'array'`, ...checks]);
  }
  if (value !== null && typeof value === "object") {
    const parts = Object.entries(value).map(([k, v]) => {
      const field = sql`(${doc} -> ${keyPath(k)})`;
      return v !== null && typeof v === "object"
        ? contains(field, v)
        : sql`coalesce(${field} = ${jsonParam(v)}, 0)`;
    });
    return allOf([sql`json_type(${doc}) = 'object'`, ...parts]);
  }
  return sql`coalesce(${doc} = ${jsonParam(value)}, 0)`;
}

/**
 * Whether JSON array `doc` holds every scalar of `scalars`: one subquery over the list passed as
 * one JSON parameter, whatever its length (a subquery per element made SQLite spend 1.8 s
 * preparing a 1,000-item filter, over a minute for 15 such lists, on the thread serving HTTP).
 * Numbers match by value across integer and real, as in `elementMatches`.
 */
function holdsScalars(doc: Expression<unknown>, scalars: unknown[]): RawBuilder<unknown> {
  const [w, e] = [sql.raw(`jw${++alias}`), sql.raw(`je${++alias}`)];
  const sameType = sql`(${e}.type = ${w}.type OR (${e}.type IN ('integer', 'real') AND ${w}.type IN ('integer', 'real')))`;
  return sql`NOT EXISTS (SELECT 1 FROM json_each(${jsonParam(scalars)}) AS ${w} WHERE NOT EXISTS (
    SELECT 1 FROM json_each(${doc}) AS ${e} WHERE ${sameType} AND ${e}.atom IS ${w}.atom))`;
}

/** Whether the `json_each` row `e` holds (or contains) `element`. */
function elementMatches(e: RawBuilder<unknown>, element: unknown): RawBuilder<unknown> {
  if (element !== null && typeof element === "object") return contains(sql`${e}.value`, element);
  if (element === null) return sql`${e}.type = 'null'`;
  if (typeof element === "boolean") return sql`${e}.type = ${element ? "true" : "false"}`;
  if (typeof element === "number")
    return sql`(${e}.type IN ('integer', 'real') AND ${e}.atom = ${element})`;
  return sql`(${e}.type = 'text' AND ${e}.atom = ${String(element)})`;
}

function render(op: NeutralOp): RawBuilder<unknown> {
  switch (op.op) {
    case "json":
      return jsonParam(op.value);
    case "now":
      return ISO_NOW;
    case "nowPlusMs":
      return sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now', (${op.ms} / 1000.0) || ' seconds')`;
    case "tsPlusMs":
      return sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${op.ts}, (${op.ms} / 1000.0) || ' seconds')`;
    case "epochMs":
      return sql`(unixepoch(${op.ts}, 'subsec') * 1000)`;
    case "jsonGet":
      return sql`(${op.doc} -> ${keyPath(op.key)})`;
    case "jsonText":
      return sql`(${op.doc} ->> ${keyPath(op.key)})`;
    case "jsonIsArray":
      return sql`(json_type(${op.value}) = 'array')`;
    case "jsonIsString":
      return sql`(json_type(${op.value}) = 'text')`;
    case "jsonContains":
      return contains(op.doc, op.value);
    case "jsonMerge": {
      const entries = Object.entries(op.patch);
      if (entries.length === 0) return sql`${op.doc}`;
      const sets = entries.map(([k, v]) => sql`${keyPath(k)}, ${jsonParam(v)}`);
      return sql`json_set(coalesce(${op.doc}, '{}'), ${sql.join(sets)})`;
    }
    case "textContains":
      return op.ci
        ? sql`(instr(lower(${op.haystack}), lower(${op.needle})) > 0)`
        : sql`(instr(${op.haystack}, ${op.needle}) > 0)`;
    case "greatest":
      return sql`max(${op.a}, ${op.b})`;
  }
}

/** SQLite: one writer process, JSON1, RETURNING (3.35+), no row locks or LISTEN/NOTIFY. */
export const sqliteEngine: SqlEngine = {
  kind: "sqlite",
  capabilities: {
    returning: true,
    writableCte: false,
    rowLocks: false,
    skipLocked: false,
    listenNotify: false,
    multiProcess: false,
    rowLevelSecurity: false,
    updateFrom: false,
  },
  render,
  // The write transaction already excludes every other writer (one connection, one process).
  async lockInTransaction() {},
};
